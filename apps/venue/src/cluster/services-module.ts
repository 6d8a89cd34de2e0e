/**
 * Loaded by each cluster member's service thread (`serviceModule` of the consensus runtime): the
 * venue's services in log order, and this member's market-data WebSocket. Every member publishes
 * the same feed (same log, deterministic services), so a client may use any member's feed and move
 * between them by sequence number.
 */
import type { ClusteredService } from '@venue/consensus';
import type { ServiceMetricsContext } from '@venue/consensus/runtime';
import type {
  ChannelName,
  FeedMessage,
  FeedSource,
  FeedSourceListener,
  MarketDataService,
} from '@venue/marketdata';
import type { EventSink } from '@venue/matching';
import { createVenueServices } from '../local/services.js';
import { createProcessLogger, type VenueLogger } from '../logging/logger.js';
import { ServiceMetrics } from '../metrics/service-metrics.js';
import { ExecutionRing, startMemberFeeds } from './execution-feed.js';

/** Environment of the member process: where this member serves its feed (unset: no feed server). */
export const MD_PORT_ENV = 'VENUE_MD_PORT';
export const MD_HOST_ENV = 'VENUE_MD_HOST';
/** This member's id, for the service thread's log lines. */
export const MEMBER_ID_ENV = 'VENUE_MEMBER_ID';

/** The feed of whichever MarketDataService instance is current (a snapshot install replaces it). */
class CurrentFeed implements FeedSource {
  private target: MarketDataService | undefined;
  private readonly listeners = new Map<FeedSourceListener, () => void>();

  setTarget(md: MarketDataService): void {
    for (const [listener, unsubscribe] of this.listeners) {
      unsubscribe();
      this.listeners.set(listener, md.subscribe(listener));
    }
    this.target = md;
  }

  subscribe(listener: FeedSourceListener): () => void {
    this.listeners.set(listener, this.target?.subscribe(listener) ?? (() => {}));
    return () => {
      this.listeners.get(listener)?.();
      this.listeners.delete(listener);
    };
  }

  snapshot(instrumentId: number, channel: ChannelName): FeedMessage | undefined {
    return this.target?.snapshot(instrumentId, channel);
  }

  replay(instrumentId: number, channel: ChannelName, fromSeq: number): FeedMessage[] | undefined {
    return this.target?.replay(instrumentId, channel, fromSeq);
  }

  lastSeq(instrumentId: number, channel: ChannelName): number | undefined {
    return this.target?.lastSeq(instrumentId, channel);
  }
}

const feed = new CurrentFeed();
const executions = new ExecutionRing();
const executionSink: EventSink = {
  onExecution: (e) => executions.push(e),
  onTrade: () => {},
  onMassCancel: () => {},
  onAdmin: () => {},
};
let serverStarted = false;
const metrics = new ServiceMetrics();
// The service thread's own lines (the feed server); same destination rules as the member's main thread.
// Created on first use: the main thread imports this module for its constants only.
let logger: VenueLogger | undefined;
function log(): VenueLogger {
  const memberId = Number(process.env[MEMBER_ID_ENV] ?? 0);
  logger ??= createProcessLogger({ process: 'node', ...(memberId > 0 ? { nodeId: memberId } : {}) }).child({
    component: 'services',
  });
  return logger;
}

/** This member's services' series, appended by the consensus runtime to the member's /metrics. */
export function metricsText(ctx: ServiceMetricsContext): string {
  return metrics.render(ctx.appliedIndex);
}

export function createServices(): readonly ClusteredService[] {
  const services = createVenueServices();
  feed.setTarget(services.marketdata);
  metrics.attach(services);
  // Drop copy: every execution report in log order (survives snapshot installs: module-level ring).
  services.matching.addListener(executionSink);
  const port = process.env[MD_PORT_ENV];
  if (!serverStarted && port !== undefined && port !== '') {
    serverStarted = true;
    startMemberFeeds({
      source: feed,
      executions,
      host: process.env[MD_HOST_ENV] ?? '127.0.0.1',
      port: Number(port),
    }).then(
      (s) => {
        metrics.addHub(s.hub.stats);
        log().info({ event: 'md-listening', url: s.url }, `market data: ${s.url}`);
      },
      (e: unknown) =>
        log().error(
          { event: 'md-listen-failed', port },
          `market data: cannot listen on ${port}: ${(e as Error).message}`,
        ),
    );
  }
  return services.list;
}
