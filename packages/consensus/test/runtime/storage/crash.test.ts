import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SegmentLog } from '../../../src/runtime/storage/segment-log.js';
import { entries, expectSame, TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../../..');
const child = path.join(here, 'fixtures', 'crash-child.ts');

/** Runs the child until it has acknowledged `acksWanted` more appends, then SIGKILLs it mid-stream. */
function runAndKill(dir: string, acksWanted: number): Promise<{ readyAt: number; maxAcked: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let readyAt = -1;
    let maxAcked = -1;
    let acks = 0;
    let buffered = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const [word, value] = buffered.slice(0, nl).split(' ');
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (word === 'ready') readyAt = Number(value);
        if (word === 'ack') {
          maxAcked = Math.max(maxAcked, Number(value));
          if (++acks === acksWanted) proc.kill('SIGKILL');
        }
      }
    });
    proc.on('error', reject);
    // 'close', not 'exit': every ack line still in the pipe must be counted first.
    proc.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve({ readyAt, maxAcked });
    });
  });
}

describe('SegmentLog crash safety', () => {
  it('keeps every acknowledged entry across repeated SIGKILLs mid-append and mid-compaction', async () => {
    const dir = temp.make();
    let expectedLast = 0;
    let firstIndex = 1;
    for (let round = 0; round < 3; round++) {
      const { readyAt, maxAcked } = await runAndKill(dir, 150 + round * 70);
      expect(readyAt).toBe(expectedLast);
      expect(maxAcked).toBeGreaterThan(readyAt);
      const log = await SegmentLog.open(dir, { segmentBytesMax: 16 * 1024 });
      // Everything acknowledged is there; unacknowledged entries may or may not have survived.
      expect(log.lastIndex).toBeGreaterThanOrEqual(maxAcked);
      expect(log.segmentCount).toBeGreaterThan(1);
      // Compaction only ever drops whole segments at least 300 entries behind an acknowledged index.
      expect(log.firstIndex).toBeLessThanOrEqual(Math.max(1, maxAcked - 300 + 1));
      const got = log.read(log.firstIndex, 1_000_000, 1 << 30);
      expectSame(got, entries(log.firstIndex, log.lastIndex - log.firstIndex + 1));
      expectedLast = log.lastIndex;
      firstIndex = log.firstIndex;
      await log.close();
    }
    expect(firstIndex).toBeGreaterThan(1); // compaction did run in the child
  });
});
