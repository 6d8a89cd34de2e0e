/**
 * The venue services' series (matching, market data) for `/metrics`, wherever the services run:
 * a cluster member's service thread (its `metricsText` export, appended to the member's admin
 * /metrics) or the single-process venue (the web server's /metrics).
 */

import { type HubStats, renderMarketDataMetrics } from '@venue/marketdata';
import { MatchingMetrics } from '@venue/matching';
import type { VenueServices } from '../local/services.js';

export class ServiceMetrics {
  /** Survives a snapshot install (a fresh set of services): counts since this process started. */
  readonly matching = new MatchingMetrics();
  private services: VenueServices | undefined;
  private readonly hubs: HubStats[] = [];

  /** Follows this set of services (call again with the new set after a snapshot install). */
  attach(services: VenueServices): void {
    this.services = services;
    services.matching.addListener(this.matching);
  }

  /** A market-data hub serving these services' feed in this process. */
  addHub(stats: HubStats): void {
    this.hubs.push(stats);
  }

  /** Prometheus text; `appliedIndex` = the service host's applied log position (for the feed lag). */
  render(appliedIndex: number | undefined): string {
    const s = this.services;
    const parts = [this.matching.render(s?.matching.engine)];
    if (s !== undefined)
      parts.push(
        renderMarketDataMetrics({
          service: s.marketdata,
          hubs: this.hubs,
          ...(appliedIndex === undefined ? {} : { appliedIndex }),
        }),
      );
    return parts.join('\n');
  }
}
