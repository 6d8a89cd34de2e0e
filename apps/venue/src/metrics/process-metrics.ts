/**
 * The process's own health for /metrics: memory and event-loop delay (a gateway whose event loop
 * stalls delays every order, whatever the cluster does).
 */

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { gauge } from './metrics.js';

export class ProcessMetrics {
  private readonly loop: IntervalHistogram;
  private readonly startedAtS = Date.now() / 1000;

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
  }

  stop(): void {
    this.loop.disable();
  }

  render(): string {
    const mem = process.memoryUsage();
    const text = [
      gauge('venue_process_resident_memory_bytes', 'Resident set size', mem.rss),
      gauge('venue_process_heap_used_bytes', 'V8 heap in use (main thread)', mem.heapUsed),
      gauge(
        'venue_process_start_time_seconds',
        'Start of this process (Unix time)',
        Math.floor(this.startedAtS),
      ),
      gauge(
        'venue_event_loop_delay_p99_seconds',
        'Event-loop delay, 99th percentile since the last scrape',
        this.loop.percentile(99) / 1e9,
      ),
      gauge(
        'venue_event_loop_delay_max_seconds',
        'Event-loop delay, worst since the last scrape',
        this.loop.max / 1e9,
      ),
    ].join('\n');
    this.loop.reset();
    return text;
  }
}
