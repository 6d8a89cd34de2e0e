/** Prometheus text exposition for the venue's front process: small, dependency-free. */

const BUCKETS_MS = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

/** A fixed-bucket latency histogram (milliseconds in, seconds out, as Prometheus expects). */
export class LatencyHistogram {
  private readonly counts = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private sumMs = 0;
  private count = 0;

  record(ms: number): void {
    let i = 0;
    while (i < BUCKETS_MS.length && ms > (BUCKETS_MS[i] ?? 0)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sumMs += ms;
    this.count += 1;
  }

  /** The p-quantile's bucket upper bound in ms (coarse; for the panel), or 0 when empty. */
  quantileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY;
    }
    return Number.POSITIVE_INFINITY;
  }

  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    BUCKETS_MS.forEach((b, i) => {
      cumulative += this.counts[i] ?? 0;
      lines.push(`${name}_bucket{le="${b / 1000}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${name}_sum ${this.sumMs / 1000}`);
    lines.push(`${name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export function gauge(name: string, help: string, value: number, labels = ''): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${labels} ${value}`;
}

export function counter(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}`;
}
