/** Shared pieces of the failover scenarios: the first commit of the new leader, observed from outside. */
import { sleep } from './procs.js';

export interface CommitView {
  readonly term: number;
  readonly commitIndex: number;
  readonly lastIndex: number;
}

const POLL_MS = 5;

/**
 * Time from `t0` (the kill) to the first status of a surviving member showing a commit in a term
 * after `oldTerm` beyond every index the survivors held right after the kill: the new leader's first
 * commit (Raft commits its first entry of the new term). Observed by polling the members' admin
 * /status every 5 ms, so it is late by up to one poll and one HTTP round trip.
 */
export async function firstNewCommit(
  t0: number,
  oldTerm: number,
  survivors: readonly (() => Promise<CommitView | undefined>)[],
  timeoutMs: number,
): Promise<number> {
  const first = await Promise.all(survivors.map((s) => s()));
  const heldAtKill = Math.max(0, ...first.map((s) => s?.lastIndex ?? 0));
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const views = await Promise.all(survivors.map((s) => s()));
    const now = performance.now();
    if (views.some((v) => v !== undefined && v.term > oldTerm && v.commitIndex > heldAtKill)) return now - t0;
    await sleep(POLL_MS);
  }
  throw new Error(`no commit in a term after ${oldTerm} within ${timeoutMs} ms of the kill`);
}
