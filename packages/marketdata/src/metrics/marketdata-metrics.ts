/**
 * Market-data series for `/metrics`, read between entries (never inside the state machine):
 * the feed's published log position and its lag behind the applied log, and the WebSocket hubs'
 * subscribers, conflations and slow-consumer drops.
 */

import type { MarketDataService } from '../service/service.js';
import type { HubStats } from '../ws/hub.js';

export interface MarketDataMetricsInput {
  readonly service: MarketDataService;
  /**
   * Last log position the service host applied. The lag is this minus the position of the last
   * entry the feed published; entries that publish nothing (keep-alives, a leader's no-op, other
   * services' timers) count until the next published entry, so only a lag that keeps growing
   * under traffic means the feed is behind.
   */
  readonly appliedIndex?: number;
  /** Hubs serving this feed in this process (usually one; none in a process that only relays). */
  readonly hubs: readonly HubStats[];
}

export function renderMarketDataMetrics(input: MarketDataMetricsInput): string {
  const published = input.service.feed.logPosition;
  let connections = 0;
  let conflations = 0;
  let droppedSlow = 0;
  let rejected = 0;
  for (const h of input.hubs) {
    connections += h.connections;
    conflations += h.conflations;
    droppedSlow += h.droppedSlow;
    rejected += h.rejectedRequests;
  }
  const lines = [
    '# HELP venue_md_published_position Log position of the last entry the feed published',
    '# TYPE venue_md_published_position gauge',
    `venue_md_published_position ${published}`,
  ];
  if (input.appliedIndex !== undefined) {
    lines.push(
      '# HELP venue_md_lag_entries Log position applied minus published by the feed',
      '# TYPE venue_md_lag_entries gauge',
      `venue_md_lag_entries ${Math.max(0, input.appliedIndex - published)}`,
    );
  }
  lines.push(
    '# HELP venue_md_subscribers Market-data WebSocket connections',
    '# TYPE venue_md_subscribers gauge',
    `venue_md_subscribers ${connections}`,
    '# HELP venue_md_conflations_total Streams switched to conflation (slow subscriber: increments skipped, snapshot on drain)',
    '# TYPE venue_md_conflations_total counter',
    `venue_md_conflations_total ${conflations}`,
    '# HELP venue_md_dropped_slow_total Subscribers dropped for a send queue over the bound',
    '# TYPE venue_md_dropped_slow_total counter',
    `venue_md_dropped_slow_total ${droppedSlow}`,
    '# HELP venue_md_rejected_requests_total Subscriber requests refused',
    '# TYPE venue_md_rejected_requests_total counter',
    `venue_md_rejected_requests_total ${rejected}`,
    '# HELP venue_md_listener_errors_total Feed listener failures (counted, never propagated into the apply)',
    '# TYPE venue_md_listener_errors_total counter',
    `venue_md_listener_errors_total ${input.service.listenerErrors}`,
  );
  return lines.join('\n');
}
