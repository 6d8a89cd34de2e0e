/**
 * A member's service health: the services' backlog (committed, not yet applied by the service
 * thread) and their processing time per entry, sampled at an interval by the caller. When either
 * keeps growing over the window (TrendWatch), `sample` returns a warning event; when it stops, an
 * info event. Clock-free: the caller supplies the samples, so the rule is tested with injected ones.
 */

import type { LogFields, LogLevel } from './logger.js';
import { TrendWatch } from './trend.js';

export interface HealthEvent {
  readonly level: LogLevel;
  readonly event: string;
  readonly msg: string;
  readonly fields: LogFields;
}

export interface ServiceHealthOptions {
  /** Samples per window (default 10: ten seconds at the runtime's 1 s interval). */
  readonly windowSamples?: number;
  /** Backlog rise over the window that counts as growth (default 100 entries). */
  readonly backlogRiseMin?: number;
}

export class ServiceHealth {
  private busyMs = 0;
  private entries = 0;
  private readonly backlog: TrendWatch;
  private readonly entryTime: TrendWatch;

  constructor(options: ServiceHealthOptions = {}) {
    const windowSamples = options.windowSamples ?? 10;
    // Backlog: most steps up and 100+ entries more (a burst that drains is not it).
    this.backlog = new TrendWatch({
      windowSamples,
      risingFraction: 0.8,
      minRise: options.backlogRiseMin ?? 100,
      minRatio: 1,
    });
    // Time per entry: most steps up and at least doubled (a slowly degrading service).
    this.entryTime = new TrendWatch({ windowSamples, risingFraction: 0.8, minRise: 0, minRatio: 2 });
  }

  get backlogGrowing(): boolean {
    return this.backlog.growing;
  }

  get entryTimeGrowing(): boolean {
    return this.entryTime.growing;
  }

  /** The service thread applied `entries` entries in `busyMs` (between two samples). */
  recordApplied(entries: number, busyMs: number): void {
    if (entries <= 0 || !(busyMs >= 0)) return;
    this.entries += entries;
    this.busyMs += busyMs;
  }

  /** One sample: the backlog now, and the mean time per entry since the last sample. */
  sample(backlogEntries: number): HealthEvent[] {
    const out: HealthEvent[] = [];
    const perEntryUs = this.entries > 0 ? (this.busyMs * 1000) / this.entries : Number.NaN;
    this.busyMs = 0;
    this.entries = 0;
    const b = this.backlog.push(backlogEntries);
    if (b === 'started') {
      const s = this.backlog.span;
      out.push({
        level: 'warn',
        event: 'service-backlog-growing',
        msg: `service backlog keeps growing: ${s.first} -> ${s.last} entries over ${s.samples} samples (committed, not yet applied by the services)`,
        fields: { backlogEntries, backlogFirst: s.first },
      });
    } else if (b === 'stopped')
      out.push({
        level: 'info',
        event: 'service-backlog-steady',
        msg: `service backlog no longer growing (${backlogEntries} entries)`,
        fields: { backlogEntries },
      });
    const t = this.entryTime.push(perEntryUs);
    if (t === 'started') {
      const s = this.entryTime.span;
      out.push({
        level: 'warn',
        event: 'service-entry-time-growing',
        msg: `service processing time per entry keeps growing: ${s.first.toFixed(1)} -> ${s.last.toFixed(1)} µs over ${s.samples} samples`,
        fields: { entryMicros: s.last, entryMicrosFirst: s.first },
      });
    } else if (t === 'stopped')
      out.push({
        level: 'info',
        event: 'service-entry-time-steady',
        msg: 'service processing time per entry no longer growing',
        fields: { entryMicros: Number.isFinite(perEntryUs) ? perEntryUs : null },
      });
    return out;
  }
}
