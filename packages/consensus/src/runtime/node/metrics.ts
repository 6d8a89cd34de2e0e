/** Minimal Prometheus text-format metrics (counters, gauges, histograms) without a dependency. */

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in the histogram's unit (seconds for latencies), ascending. */
    readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }

  /** Approximate quantile from the buckets (upper bound of the bucket holding it). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return this.bounds[i] as number;
    }
    return Number.POSITIVE_INFINITY;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i] as number;
      lines.push(`${this.name}_bucket{le="${this.bounds[i]}"} ${cumulative}`);
    }
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`);
    lines.push(`${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

/** 50 µs .. 10 s, roughly x2 apart. */
export const LATENCY_BUCKETS_S = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function renderScalar(name: string, help: string, type: 'counter' | 'gauge', value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}`;
}
