import { ProgressBar, type ProgressOut } from './progress.js';

/** The part of a member's status the bar needs. */
export interface RecoveringNode {
  status(): Promise<{
    readonly lastIndex: number;
    readonly commitIndex: number;
    readonly serviceAppliedIndex: number;
  }>;
}

const POLL_INTERVAL_MS = 200;
/** Give up drawing (not recovering) when nothing moved for this long: e.g. no leader yet. */
const STALL_MS = 60_000;

/**
 * `venue node` start-up on a terminal: a bar of the log entries re-applied since the snapshot, up to
 * the log's end at start. Entries are applied once committed, so a member alone (no majority) shows
 * "waiting for a leader" until the others come up. Nothing is drawn when `out` is not a terminal.
 */
export async function showRecoveryProgress(node: RecoveringNode, out: ProgressOut): Promise<void> {
  if (out.isTTY !== true) return;
  const first = await node.status();
  const base = first.serviceAppliedIndex;
  const target = first.lastIndex;
  if (target <= base) return;
  const bar = new ProgressBar(out, 'recovery', target - base);
  // nondeterminism-ok: I/O shell (terminal pacing)
  const started = Date.now();
  let lastMoveMs = started;
  let lastDone = -1;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      node.status().then(
        (s) => {
          const done = s.serviceAppliedIndex - base;
          const now = Date.now();
          if (done !== lastDone) {
            lastDone = done;
            lastMoveMs = now;
          }
          bar.update(
            done,
            done < target - base && s.commitIndex <= s.serviceAppliedIndex
              ? ' waiting for commit (a leader and a majority)'
              : '',
          );
          if (done >= target - base) {
            bar.finish(`recovered ${target - base} entries in ${((now - started) / 1000).toFixed(1)} s`);
            clearInterval(timer);
            resolve();
          } else if (now - lastMoveMs > STALL_MS) {
            bar.finish('(still waiting: no progress for a minute; see /status)');
            clearInterval(timer);
            resolve();
          }
        },
        () => {},
      );
    }, POLL_INTERVAL_MS);
    timer.unref();
  });
}
