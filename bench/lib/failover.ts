/** Shared pieces of the failover scenarios: the first commit of the new leader, observed from outside. */
import { sleep } from './procs.js';

export interface CommitView {
  readonly term: number;
  readonly commitIndex: number;
  readonly lastIndex: number;
  readonly serviceAppliedIndex?: number;
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

/**
 * Waits (bounded) until every member's services applied what `leader` had committed when called:
 * each kill then starts from a healthy cluster. Without it a member restarted a moment ago may still
 * be replaying; while its services lag it defers new entries, so with the leader killed the two
 * survivors cannot commit and the window measures that replay, not the failover. Returns the wait, ms.
 */
export async function caughtUp(
  leader: () => Promise<CommitView | undefined>,
  members: readonly (() => Promise<CommitView | undefined>)[],
  timeoutMs: number,
): Promise<number> {
  const t0 = performance.now();
  const target = (await leader())?.commitIndex ?? 0;
  const end = t0 + timeoutMs;
  while (performance.now() < end) {
    const views = await Promise.all(members.map((m) => m()));
    if (views.every((v) => v !== undefined && (v.serviceAppliedIndex ?? 0) >= target)) break;
    await sleep(50);
  }
  return performance.now() - t0;
}
