/**
 * "Keeps growing" detection over a sliding window of samples (a service's backlog, its processing
 * time per entry). Pure and clock-free: the caller samples at its own interval and feeds values in,
 * so the rule is unit-tested with injected samples.
 *
 * A series is growing when the window is full, the value rose (strictly) in at least
 * `risingFraction` of the steps, the rise from the first to the last sample is at least `minRise`,
 * and the last sample is at least `minRatio` times the first. One spike does not make a trend; a
 * plateau ends one (the steps stop rising).
 */

export interface TrendOptions {
  /** Samples in the window (>= 3). */
  readonly windowSamples: number;
  /** Share of steps (consecutive sample pairs) that must rise, in (0, 1]. */
  readonly risingFraction: number;
  /** Absolute rise from the first to the last sample of the window. */
  readonly minRise: number;
  /** Relative rise: last >= minRatio * first (1 = no relative condition). */
  readonly minRatio: number;
}

export type TrendChange = 'started' | 'stopped' | null;

export class TrendWatch {
  private readonly samples: number[] = [];
  private growingNow = false;

  constructor(readonly options: TrendOptions) {
    if (
      !Number.isInteger(options.windowSamples) ||
      options.windowSamples < 3 ||
      options.windowSamples > 10_000
    )
      throw new RangeError(`windowSamples must be an integer 3..10000, got ${options.windowSamples}`);
    if (!(options.risingFraction > 0 && options.risingFraction <= 1))
      throw new RangeError(`risingFraction must be in (0, 1], got ${options.risingFraction}`);
    if (!(options.minRise >= 0)) throw new RangeError(`minRise must be >= 0, got ${options.minRise}`);
    if (!(options.minRatio >= 1)) throw new RangeError(`minRatio must be >= 1, got ${options.minRatio}`);
  }

  /** Whether the last verdict was "growing". */
  get growing(): boolean {
    return this.growingNow;
  }

  /** The window's first and last sample (0 when empty): for the warning text. */
  get span(): { first: number; last: number; samples: number } {
    return {
      first: this.samples[0] ?? 0,
      last: this.samples[this.samples.length - 1] ?? 0,
      samples: this.samples.length,
    };
  }

  /** Adds a sample; returns 'started' / 'stopped' when the verdict changes, else null. */
  push(value: number): TrendChange {
    if (!Number.isFinite(value)) return null; // a missing measurement is not a trend
    this.samples.push(value);
    if (this.samples.length > this.options.windowSamples) this.samples.shift();
    const now = this.evaluate();
    if (now === this.growingNow) return null;
    this.growingNow = now;
    return now ? 'started' : 'stopped';
  }

  private evaluate(): boolean {
    const s = this.samples;
    const o = this.options;
    if (s.length < o.windowSamples) return false;
    let rising = 0;
    for (let i = 1; i < s.length; i++) if ((s[i] as number) > (s[i - 1] as number)) rising++;
    const first = s[0] as number;
    const last = s[s.length - 1] as number;
    return (
      rising >= o.risingFraction * (s.length - 1) && last - first >= o.minRise && last >= o.minRatio * first
    );
  }
}
