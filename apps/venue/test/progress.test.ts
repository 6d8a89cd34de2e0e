import { describe, expect, it } from 'vitest';
import { ProgressBar, progressLine } from '../src/progress/progress.js';
import { showRecoveryProgress } from '../src/progress/recovery-progress.js';

function terminal(isTTY: boolean): { isTTY: boolean; text: string[]; write(t: string): void } {
  const text: string[] = [];
  return { isTTY, text, write: (t) => text.push(t) };
}

describe('progress bars (terminal only)', () => {
  it('formats one line with a bar, counts and percent', () => {
    expect(progressLine('replay', 50, 200, 'entries')).toBe(
      'replay [######...................] 50/200 entries (25%)',
    );
    expect(progressLine('x', 7, 7, 'e')).toBe(`x [${'#'.repeat(25)}] 7/7 e (100%)`);
    expect(progressLine('x', 0, 0, 'e')).toMatch(/\(100%\)$/); // nothing to do is done
  });

  it('draws in place on a terminal, always the final state, and ends its line', () => {
    const out = terminal(true);
    const bar = new ProgressBar(out, 'replay', 1000);
    bar.update(1);
    bar.update(2); // within the redraw interval: skipped
    bar.update(1000); // the end is always drawn
    bar.finish('done');
    // update(2) came within the redraw interval: skipped (unless the machine stalled for 100 ms).
    expect(out.text.length).toBeGreaterThanOrEqual(3);
    expect(out.text.length).toBeLessThanOrEqual(4);
    expect(out.text[0]).toBe(`\r${progressLine('replay', 1, 1000, 'entries')}\x1b[K`);
    expect(out.text.slice(-2)).toEqual([
      `\r${progressLine('replay', 1000, 1000, 'entries')}\x1b[K`,
      ' done\n',
    ]);
  });

  it('writes nothing at all when the output is not a terminal', () => {
    const out = terminal(false);
    const bar = new ProgressBar(out, 'replay', 10);
    expect(bar.active).toBe(false);
    bar.update(5);
    bar.update(10);
    bar.finish('done');
    expect(out.text).toEqual([]);
  });

  it('recovery: follows the applied position up to the log end at start, then says so', async () => {
    const applied = [100, 100, 150, 220, 300];
    let call = 0;
    const node = {
      status: async () => {
        const a = applied[Math.min(call, applied.length - 1)] ?? 0;
        call += 1;
        return { lastIndex: 300, commitIndex: a === 100 ? 100 : 300, serviceAppliedIndex: a };
      },
    };
    const out = terminal(true);
    await showRecoveryProgress(node, out);
    const text = out.text.join('');
    expect(text).toContain('recovery [');
    expect(text).toContain('waiting for commit'); // applied = commit at first: no leader yet
    expect(text).toContain(progressLine('recovery', 200, 200, 'entries'));
    expect(text).toMatch(/ recovered 200 entries in \d+\.\d s\n$/);

    const piped = terminal(false);
    await showRecoveryProgress(node, piped);
    expect(piped.text).toEqual([]);
  });

  it('recovery: nothing to re-apply draws nothing', async () => {
    const out = terminal(true);
    await showRecoveryProgress(
      { status: async () => ({ lastIndex: 40, commitIndex: 40, serviceAppliedIndex: 40 }) },
      out,
    );
    expect(out.text).toEqual([]);
  });
});
