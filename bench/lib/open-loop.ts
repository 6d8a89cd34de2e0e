/**
 * Open-loop load at a fixed offered rate. Request i is due at start + i / rate; its latency is
 * measured from that intended time, not from when it could actually be sent, so a stalled system
 * is charged for every request it delayed (no coordinated omission). Requests due during the
 * warm-up are sent but not recorded. Bounded by duration, count and in-flight requests.
 */
import { type LatencySummary, newHistogram, recordMs, summarize } from './stats.js';

export interface OpenLoopOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Requests in flight at most (the same for every system compared). */
  readonly inFlightMax: number;
  /** Wait this long after the last send for outstanding responses. */
  readonly drainMs: number;
  /** Sends request `i`; resolves when it is acknowledged (rejects on failure). */
  readonly issue: (i: number) => Promise<unknown>;
  /** Checked every turn: true ends the load early (then the drain runs as usual). */
  readonly stop?: () => boolean;
}

export interface OpenLoopResult {
  readonly offeredPerSecond: number;
  /**
   * Requests due in the measured window and acknowledged, divided by the time from the window's
   * start to the last of those acknowledgements (at least the window's length): a system that falls
   * behind is charged for the time it takes to catch up.
   */
  readonly achievedPerSecond: number;
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  /** Due but never sent before the end (the system was too slow to accept them). */
  readonly unsent: number;
  /** Still unacknowledged after the drain. */
  readonly lost: number;
  readonly latency: LatencySummary;
}

const COUNT_MAX = 10_000_000;

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const h = newHistogram();
  const intervalMs = 1000 / o.ratePerSecond;
  const total = Math.min(COUNT_MAX, Math.floor(((o.warmupMs + o.durationMs) / 1000) * o.ratePerSecond));
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = start + o.warmupMs + o.durationMs;
  let sent = 0;
  let completed = 0;
  let measuredCompleted = 0;
  let lastMeasuredAt = 0;
  let errors = 0;
  let inFlight = 0;
  const send = (i: number) => {
    const intended = start + i * intervalMs;
    inFlight++;
    o.issue(i).then(
      () => {
        inFlight--;
        completed++;
        const now = performance.now();
        if (intended >= measureFrom) {
          recordMs(h, now - intended);
          measuredCompleted++;
          lastMeasuredAt = now;
        }
      },
      () => {
        inFlight--;
        errors++;
      },
    );
  };
  for (;;) {
    const now = performance.now();
    if (now >= end || sent >= total || o.stop?.() === true) break;
    const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
    while (sent < due && inFlight < o.inFlightMax) send(sent++);
    await new Promise((r) => setTimeout(r, 1));
  }
  const drainEnd = performance.now() + o.drainMs;
  while (inFlight > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 5));
  return {
    offeredPerSecond: o.ratePerSecond,
    achievedPerSecond: measuredCompleted / (Math.max(o.durationMs, lastMeasuredAt - measureFrom) / 1000),
    sent,
    completed,
    errors,
    unsent: total - sent,
    lost: inFlight,
    latency: summarize(h),
  };
}

/** The offered rate was not carried: under 90% achieved, or requests left unsent / unanswered. */
export function saturated(r: OpenLoopResult): boolean {
  return r.achievedPerSecond < 0.9 * r.offeredPerSecond || r.unsent > r.offeredPerSecond * 0.05;
}
