/** Latency histograms (HdrHistogram, microseconds) and the min/median/max of repeated runs. */
import * as hdr from 'hdr-histogram-js';

export const PERCENTILES = [50, 90, 99, 99.9] as const;
/** Points of the latency percentile curve (the plot's x axis). */
export const CURVE_PERCENTILES = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100] as const;

export interface LatencySummary {
  readonly count: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  /** [percentile, µs] pairs for the percentile curve plot. */
  readonly curve: readonly (readonly [number, number])[];
}

export type Histogram = ReturnType<typeof hdr.build>;

export function newHistogram(): Histogram {
  // 1 µs .. 120 s at 3 significant digits.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(120_000_000, Math.max(1, Math.round(ms * 1000))));
}

export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  const at = (p: number) => (n === 0 ? 0 : h.getValueAtPercentile(p));
  return {
    count: n,
    p50Us: at(50),
    p90Us: at(90),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: n === 0 ? 0 : h.maxValue,
    curve: CURVE_PERCENTILES.map((p) => [p, p === 100 ? (n === 0 ? 0 : h.maxValue) : at(p)] as const),
  };
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor((s.length - 1) / 2)] as number,
    max: s[s.length - 1] as number,
  };
}
