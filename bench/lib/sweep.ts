/** A sweep of fixed offered rates, several runs each, stopping after the first saturated rate. */
import { type OpenLoopResult, saturated } from './open-loop.js';
import { type Spread, spread } from './stats.js';

export interface RateRow {
  readonly offeredPerSecond: number;
  readonly saturated: boolean;
  readonly achievedPerSecond: Spread;
  readonly p50Us: Spread;
  readonly p90Us: Spread;
  readonly p99Us: Spread;
  readonly p999Us: Spread;
  readonly maxUs: Spread;
  readonly runs: readonly OpenLoopResult[];
}

export interface SweepOptions {
  readonly rates: readonly number[];
  readonly runs: number;
  /** Stop the whole sweep after this long (the rate in progress finishes). */
  readonly budgetMs: number;
}

export async function sweep(
  o: SweepOptions,
  runOnce: (ratePerSecond: number) => Promise<OpenLoopResult>,
  log: (line: string) => void,
): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  const end = Date.now() + o.budgetMs;
  for (const rate of o.rates) {
    if (Date.now() > end) {
      log(`  sweep budget spent: stopping before ${rate}/s`);
      break;
    }
    const runs: OpenLoopResult[] = [];
    for (let r = 0; r < o.runs; r++) runs.push(await runOnce(rate));
    const row: RateRow = {
      offeredPerSecond: rate,
      saturated: runs.filter(saturated).length * 2 > runs.length,
      achievedPerSecond: spread(runs.map((x) => x.achievedPerSecond)),
      p50Us: spread(runs.map((x) => x.latency.p50Us)),
      p90Us: spread(runs.map((x) => x.latency.p90Us)),
      p99Us: spread(runs.map((x) => x.latency.p99Us)),
      p999Us: spread(runs.map((x) => x.latency.p999Us)),
      maxUs: spread(runs.map((x) => x.latency.maxUs)),
      runs,
    };
    rows.push(row);
    log(
      `  ${rate}/s offered: achieved ${row.achievedPerSecond.median.toFixed(0)}/s, p50 ${row.p50Us.median} µs, p99 ${row.p99Us.median} µs${row.saturated ? ' (SATURATED)' : ''}`,
    );
    if (row.saturated) break;
  }
  return rows;
}

/**
 * The steady load during leader kills: the configured rate, or half the highest rate the sweep
 * carried if that is lower (at least 50/s), so the failover window is not a saturated backlog.
 */
export function failoverRateFor(configured: number, rows: readonly RateRow[]): number {
  const carried = Math.max(0, ...rows.filter((r) => !r.saturated).map((r) => r.offeredPerSecond));
  return Math.max(50, Math.min(configured, Math.floor(carried / 2)));
}
