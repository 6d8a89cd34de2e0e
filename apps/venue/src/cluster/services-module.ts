/**
 * Loaded by each cluster member's service thread (`serviceModule` of the consensus runtime): the
 * venue's services in log order, and this member's market-data WebSocket. Every member publishes
 * the same feed (same log, deterministic services), so a client may use any member's feed and move
 * between them by sequence number.
 */
import type { ClusteredService } from '@venue/consensus';
import type {
  ChannelName,
  FeedMessage,
  FeedSource,
  FeedSourceListener,
  MarketDataService,
} from '@venue/marketdata';
import type { EventSink } from '@venue/matching';
import { createVenueServices } from '../local/services.js';
import { ExecutionRing, startMemberFeeds } from './execution-feed.js';

/** Environment of the member process: where this member serves its feed (unset: no feed server). */
export const MD_PORT_ENV = 'VENUE_MD_PORT';
export const MD_HOST_ENV = 'VENUE_MD_HOST';

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

export function createServices(): readonly ClusteredService[] {
  const services = createVenueServices();
  feed.setTarget(services.marketdata);
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
      (s) => process.stdout.write(`market data: ${s.url}\n`),
      (e: unknown) =>
        process.stdout.write(`market data: cannot listen on ${port}: ${(e as Error).message}\n`),
    );
  }
  return services.list;
}
