import type {
  ClientSession,
  ClusteredService,
  LogPosition,
  Role,
  ServiceContext,
  SessionCloseReason,
  SnapshotWriter,
} from '@venue/consensus';
import type { AdminEvent, EventSink, ExecutionEvent, MassCancelEvent, TradeEvent } from '@venue/matching';
import { type BookSource, type FeedConfig, MarketDataFeed } from '../feed/feed.js';
import { feedStateHash, readFeedSnapshot, writeFeedSnapshot } from '../feed/snapshot.js';
import type { ChannelName, FeedMessage } from '../messages/messages.js';
import { FeedRing } from '../ring/ring.js';

/** Timer correlation id the service uses to close bars in a quiet market. */
export const BAR_TIMER_ID = 1;
/**
 * Follows matching's own log timer (Day/GTD expiry, trading phase boundaries, volatility auction
 * ends; `BookSource.nextDeadlineMs`). Timers fire in (deadline, service index) order, so this one
 * fires right after matching's (matching is the first service) and publishes what it changed.
 */
export const FOLLOW_TIMER_ID = 2;

export interface MarketDataServiceOptions {
  /** The matching engine (its `book(id)` gives the BookView read at each log position). */
  readonly books: BookSource;
  readonly feed?: Partial<FeedConfig>;
  /** Messages kept per (instrument, channel) for replay. */
  readonly ringCapacityPerStream?: number;
}

/** A publish listener: every message, then `entryEnd` after each entry (state consistent again). */
export interface FeedListener {
  message(m: FeedMessage): void;
  entryEnd?(): void;
}

/** Bound on publish listeners (hubs, recorders): a leak shows up as an error, not as memory. */
export const LISTENERS_MAX = 64;

/**
 * The market-data ClusteredService. Register it AFTER the matching service on the same log, and
 * give matching's engine `service.sink` as an extra event sink (a tee): for each entry matching
 * applies the command and emits events, then this service's callback for the same entry reads the
 * book (through `books`) and publishes. It ignores session payloads (they are matching's business).
 *
 * Entries this service is not called for (matching's own timers) leave their events pending; they
 * are published at the service's next callback, stamped with that callback's position and time.
 */
export class MarketDataService implements ClusteredService {
  readonly name = 'marketdata';
  readonly ring: FeedRing;
  /** Stable EventSink for matching: forwards to the current feed (replaced on restore). */
  readonly sink: EventSink;
  private feedImpl: MarketDataFeed;
  private ctx: ServiceContext | undefined;
  private barTimerMs = 0;
  private followTimerMs = 0;
  private readonly listeners: FeedListener[] = [];
  /** Errors thrown by listeners (counted, never propagated into the log apply). */
  listenerErrors = 0;

  constructor(private readonly options: MarketDataServiceOptions) {
    this.ring = new FeedRing(options.ringCapacityPerStream ?? 1024);
    this.feedImpl = this.newFeed(undefined);
    const self = this;
    this.sink = {
      onExecution(e: ExecutionEvent): void {
        self.feedImpl.onExecution(e);
      },
      onTrade(t: TradeEvent): void {
        self.feedImpl.onTrade(t);
      },
      onMassCancel(m: MassCancelEvent): void {
        self.feedImpl.onMassCancel(m);
      },
      onAdmin(a: AdminEvent): void {
        self.feedImpl.onAdmin(a);
      },
    };
  }

  /** The feed state machine (read between entries: snapshots, last seqs). */
  get feed(): MarketDataFeed {
    return this.feedImpl;
  }

  /** Adds a publish listener; returns a function that removes it. */
  subscribe(listener: FeedListener): () => void {
    if (this.listeners.length >= LISTENERS_MAX) throw new Error(`more than ${LISTENERS_MAX} feed listeners`);
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The current snapshot of a stream (see MarketDataFeed.snapshot). */
  snapshot(instrumentId: number, channel: ChannelName): FeedMessage | undefined {
    return this.feedImpl.snapshot(instrumentId, channel);
  }

  /** Last published seq of a stream (0 before its first message), undefined for an unknown instrument. */
  lastSeq(instrumentId: number, channel: ChannelName): number | undefined {
    return this.feedImpl.lastSeq(instrumentId, channel);
  }

  /** Messages of a stream from `fromSeq` on, or undefined when the ring no longer holds it. */
  replay(instrumentId: number, channel: ChannelName, fromSeq: number): FeedMessage[] | undefined {
    const last = this.feedImpl.lastSeq(instrumentId, channel);
    if (last === undefined) return undefined;
    return this.ring.replay(instrumentId, channel, fromSeq, last);
  }

  private newFeed(snapshot: Uint8Array | undefined): MarketDataFeed {
    const feed =
      snapshot === undefined
        ? new MarketDataFeed(this.options.books, this.options.feed)
        : readFeedSnapshot(snapshot, this.options.books, this.options.feed);
    feed.onMessage = (m) => this.publish(m);
    return feed;
  }

  private publish(m: FeedMessage): void {
    this.ring.push(m);
    for (const l of this.listeners) {
      try {
        l.message(m);
      } catch {
        this.listenerErrors++;
      }
    }
  }

  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    this.ctx = ctx;
    this.barTimerMs = 0;
    this.followTimerMs = 0;
    this.feedImpl = this.newFeed(snapshot !== undefined && snapshot.length > 0 ? snapshot : undefined);
  }

  private end(logPosition: number, timestampMs: number): void {
    this.feedImpl.endEntry(logPosition, timestampMs);
    for (const l of this.listeners) {
      try {
        l.entryEnd?.();
      } catch {
        // A listener's failure is delivery's problem, never the state machine's.
        this.listenerErrors++;
      }
    }
    const deadline = this.feedImpl.nextBarDeadlineMs();
    if (deadline !== 0 && deadline !== this.barTimerMs && this.ctx !== undefined) {
      this.ctx.scheduleTimer(BAR_TIMER_ID, deadline);
      this.barTimerMs = deadline;
    }
    const follow = this.options.books.nextDeadlineMs?.() ?? 0;
    if (follow !== 0 && follow !== this.followTimerMs && this.ctx !== undefined) {
      this.ctx.scheduleTimer(FOLLOW_TIMER_ID, follow);
      this.followTimerMs = follow;
    }
  }

  onSessionOpen(_session: ClientSession, timestampMs: number): void {
    this.end(this.feedImpl.logPosition, timestampMs);
  }

  onSessionMessage(
    _session: ClientSession,
    timestampMs: number,
    logPosition: LogPosition,
    _payload: Uint8Array,
  ): void {
    this.end(logPosition, timestampMs);
  }

  onTimerEvent(correlationId: number, timestampMs: number): void {
    if (correlationId === BAR_TIMER_ID) this.barTimerMs = 0;
    if (correlationId === FOLLOW_TIMER_ID) this.followTimerMs = 0;
    this.end(this.feedImpl.logPosition, timestampMs);
  }

  onSessionClose(_session: ClientSession, timestampMs: number, _reason: SessionCloseReason): void {
    this.end(this.feedImpl.logPosition, timestampMs);
  }

  onTakeSnapshot(writer: SnapshotWriter): void {
    writer.write(writeFeedSnapshot(this.feedImpl));
  }

  onRoleChange(_role: Role): void {
    // Every replica publishes the same feed: leader or follower makes no difference.
  }

  stateHash(): string {
    return feedStateHash(this.feedImpl);
  }
}
