import type {
  GatewayEvents,
  MarketDataRequest,
  MdEntry,
  MdEntryType,
  MdIncrementalEntry,
  SessionContext,
} from '@venue/gateway';
import {
  type ChannelName,
  type FeedMessage,
  type FeedSource,
  MarketDataClient,
  type TradeMessage,
} from '@venue/marketdata';
import type { InstrumentConfig } from '../config/config.js';

/**
 * FIX market data (MarketDataRequest V -> W snapshot, X incrementals, Y reject) served from the
 * venue's market-data feed. The bridge delegates `onMarketDataRequest` / `onDisconnect` here.
 *
 * Each (instrument, feed channel) the sessions need is followed once ("upstream"): its book is
 * rebuilt from the in-band snapshot and the increments. Every FIX subscription keeps the top N
 * levels it last sent per symbol and, after each feed entry, sends the difference as one X. So
 * any MarketDepth works on any channel, and a replica switch (a fresh snapshot) costs the client
 * only the levels that really changed, never a second W.
 */

/** MDReqRejReason(281) values we use. */
export const MdReqRejReason = {
  UnknownSymbol: 0,
  DuplicateMdReqId: 1,
  InsufficientBandwidth: 2,
  UnsupportedSubscriptionRequestType: 4,
  UnsupportedMarketDepth: 5,
  UnsupportedMdEntryType: 8,
} as const;

export interface FixMarketDataLimits {
  /** Active MDReqIDs per FIX session. */
  readonly subscriptionsPerSessionMax: number;
  /** Active MDReqIDs over all sessions of this gateway. */
  readonly subscriptionsMax: number;
  /** MarketDepth(264) accepted (0 = full book is always accepted). */
  readonly depthMax: number;
  /** Trades buffered per instrument between two flushes (older ones are dropped). */
  readonly tradesPerFlushMax: number;
  /** A request whose W the feed cannot produce within this time (no member reachable) gets a Y. */
  readonly snapshotWaitMs: number;
}

export const DEFAULT_FIX_MD_LIMITS: FixMarketDataLimits = {
  subscriptionsPerSessionMax: 32,
  subscriptionsMax: 10_000,
  depthMax: 1_000,
  tradesPerFlushMax: 10_000,
  snapshotWaitMs: 10_000,
};

/** Depth served from the l2 stream (the feed's `depthTop`); deeper requests follow l2full. */
const L2_DEPTH_TOP = 10;

/** Where feed messages come from: the in-process feed (single mode) or a member's /md (cluster). */
export interface FeedPort {
  /** Starts a stream: its snapshot first (or `empty` if the feed has none yet), then increments. */
  open(instrumentId: number, channel: ChannelName): void;
  close(instrumentId: number, channel: ChannelName): void;
  stop(): void;
}

/** What a port calls back. */
export interface FeedPortSink {
  message(m: FeedMessage): void;
  /** The feed has no snapshot of this stream yet: treat it as empty until one arrives. */
  empty(instrumentId: number, channel: ChannelName): void;
  /** End of an entry (or of a batch of frames): send what changed. */
  flush(): void;
}

interface Level {
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

interface Upstream {
  readonly key: string;
  readonly instrumentId: number;
  readonly channel: ChannelName;
  /** Asked of the port (once per upstream). */
  opened: boolean;
  ready: boolean;
  lastSeq: number;
  readonly bids: Map<number, Level>;
  readonly asks: Map<number, Level>;
  trades: TradeMessage[];
  dirty: boolean;
  readonly legs: Set<Leg>;
}

/** One symbol of one FIX subscription. */
interface Leg {
  readonly sub: Subscription;
  readonly symbol: string;
  readonly book: Upstream | undefined;
  readonly trades: Upstream | undefined;
  /** What the client holds: the levels last sent. */
  readonly bids: Map<number, Level>;
  readonly asks: Map<number, Level>;
  snapshotSent: boolean;
}

interface Subscription {
  readonly key: string;
  readonly sessionKey: string;
  readonly username: string;
  readonly mdReqId: string;
  readonly depth: number;
  readonly types: ReadonlySet<MdEntryType>;
  readonly snapshotOnly: boolean;
  readonly legs: Leg[];
  /** Pending until every leg has had its W. */
  waitTimer: NodeJS.Timeout | undefined;
}

function streamKey(instrumentId: number, channel: ChannelName): string {
  return `${instrumentId}/${channel}`;
}

/** Feed channel that carries a book of this depth (0 = full). */
export function channelForDepth(depth: number): ChannelName {
  if (depth === 1) return 'l1';
  if (depth === 0 || depth > L2_DEPTH_TOP) return 'l2full';
  return 'l2';
}

export class FixMarketData {
  private readonly limits: FixMarketDataLimits;
  private readonly instruments = new Map<string, InstrumentConfig>();
  private readonly upstreams = new Map<string, Upstream>();
  private readonly subs = new Map<string, Subscription>();
  private readonly subsPerSession = new Map<string, number>();
  private readonly port: FeedPort;
  private events: GatewayEvents | undefined;

  constructor(
    instruments: readonly InstrumentConfig[],
    openPort: (sink: FeedPortSink) => FeedPort,
    limits: Partial<FixMarketDataLimits> = {},
  ) {
    this.limits = { ...DEFAULT_FIX_MD_LIMITS, ...limits };
    for (const i of instruments) this.instruments.set(i.symbol, i);
    this.port = openPort({
      message: (m) => this.onFeed(m),
      empty: (id, ch) => this.onEmpty(id, ch),
      flush: () => this.flush(),
    });
  }

  /** The gateway's event sink (set by the bridge that owns this delegate). */
  attach(events: GatewayEvents): void {
    this.events = events;
  }

  /** Active FIX subscriptions (all sessions). */
  get subscriptionCount(): number {
    return this.subs.size;
  }

  onMarketDataRequest(ctx: SessionContext, req: MarketDataRequest): void {
    const key = `${ctx.sessionKey}\u0000${req.mdReqId}`;
    if (req.subscription === 'unsubscribe') {
      if (!this.subs.has(key)) {
        this.reject(
          ctx.username,
          req,
          MdReqRejReason.UnsupportedSubscriptionRequestType,
          'no active subscription with this MDReqID',
        );
        return;
      }
      this.remove(key);
      return;
    }
    if (this.subs.has(key)) {
      this.reject(
        ctx.username,
        req,
        MdReqRejReason.DuplicateMdReqId,
        `MDReqID ${req.mdReqId} is already subscribed`,
      );
      return;
    }
    if (!Number.isSafeInteger(req.depth) || req.depth < 0 || req.depth > this.limits.depthMax) {
      this.reject(
        ctx.username,
        req,
        MdReqRejReason.UnsupportedMarketDepth,
        `MarketDepth(264) must be 0 (full) to ${this.limits.depthMax}`,
      );
      return;
    }
    if (req.entryTypes.length === 0) {
      this.reject(
        ctx.username,
        req,
        MdReqRejReason.UnsupportedMdEntryType,
        'no MDEntryType requested (0 Bid, 1 Offer, 2 Trade)',
      );
      return;
    }
    for (const t of req.entryTypes) {
      if (t !== 'bid' && t !== 'offer' && t !== 'trade') {
        this.reject(
          ctx.username,
          req,
          MdReqRejReason.UnsupportedMdEntryType,
          `MDEntryType ${String(t)} is not supported`,
        );
        return;
      }
    }
    const insts: InstrumentConfig[] = [];
    for (const s of req.symbols) {
      const inst = this.instruments.get(s);
      if (inst === undefined) {
        this.reject(ctx.username, req, MdReqRejReason.UnknownSymbol, `Unknown symbol ${s.slice(0, 32)}`);
        return;
      }
      insts.push(inst);
    }
    if (insts.length === 0) {
      this.reject(ctx.username, req, MdReqRejReason.UnknownSymbol, 'no symbol requested');
      return;
    }
    const perSession = this.subsPerSession.get(ctx.sessionKey) ?? 0;
    if (perSession >= this.limits.subscriptionsPerSessionMax) {
      this.reject(
        ctx.username,
        req,
        MdReqRejReason.InsufficientBandwidth,
        `too many market-data subscriptions: ${perSession} active (max ${this.limits.subscriptionsPerSessionMax} per session); unsubscribe one first`,
      );
      return;
    }
    if (this.subs.size >= this.limits.subscriptionsMax) {
      this.reject(
        ctx.username,
        req,
        MdReqRejReason.InsufficientBandwidth,
        `gateway market-data capacity reached (${this.limits.subscriptionsMax} subscriptions)`,
      );
      return;
    }

    const types = new Set(req.entryTypes);
    const sub: Subscription = {
      key,
      sessionKey: ctx.sessionKey,
      username: ctx.username,
      mdReqId: req.mdReqId,
      depth: req.depth,
      types,
      snapshotOnly: req.subscription === 'snapshot',
      legs: [],
      waitTimer: undefined,
    };
    this.subs.set(key, sub);
    this.subsPerSession.set(ctx.sessionKey, perSession + 1);
    const wantsBook = types.has('bid') || types.has('offer');
    // Trades only matter for updates; a snapshot-only request carries the book.
    const wantsTrades = types.has('trade') && !sub.snapshotOnly;
    for (const inst of insts) {
      const leg: Leg = {
        sub,
        symbol: inst.symbol,
        book: wantsBook ? this.upstream(inst.instrumentId, channelForDepth(req.depth)) : undefined,
        trades: wantsTrades ? this.upstream(inst.instrumentId, 'trades') : undefined,
        bids: new Map(),
        asks: new Map(),
        snapshotSent: false,
      };
      sub.legs.push(leg);
      leg.book?.legs.add(leg);
      leg.trades?.legs.add(leg);
    }
    // Open the streams only now: a local port delivers the snapshot synchronously. A stream that
    // is already followed is marked dirty so the new leg gets its W in the flush below.
    for (const leg of sub.legs) {
      for (const u of [leg.book, leg.trades]) {
        if (u === undefined) continue;
        u.dirty = true;
        if (!u.opened) {
          u.opened = true;
          this.port.open(u.instrumentId, u.channel);
        }
      }
    }
    this.flush();
    if (this.subs.has(key) && sub.legs.some((l) => !l.snapshotSent)) {
      sub.waitTimer = setTimeout(() => {
        sub.waitTimer = undefined;
        if (this.subs.get(key) !== sub || sub.legs.every((l) => l.snapshotSent)) return;
        this.remove(key);
        this.reject(
          sub.username,
          req,
          MdReqRejReason.InsufficientBandwidth,
          `market-data feed unavailable: no snapshot within ${this.limits.snapshotWaitMs} ms; retry later`,
        );
      }, this.limits.snapshotWaitMs);
      sub.waitTimer.unref();
    }
  }

  /** A session went away: its subscriptions end. */
  onDisconnect(ctx: { readonly sessionKey: string }): void {
    if ((this.subsPerSession.get(ctx.sessionKey) ?? 0) === 0) return;
    for (const sub of [...this.subs.values()]) {
      if (sub.sessionKey === ctx.sessionKey) this.remove(sub.key);
    }
  }

  stop(): void {
    for (const key of [...this.subs.keys()]) this.remove(key);
    this.port.stop();
  }

  private upstream(instrumentId: number, channel: ChannelName): Upstream {
    const key = streamKey(instrumentId, channel);
    let u = this.upstreams.get(key);
    if (u === undefined) {
      u = {
        key,
        instrumentId,
        channel,
        opened: false,
        ready: false,
        lastSeq: -1,
        bids: new Map(),
        asks: new Map(),
        trades: [],
        dirty: false,
        legs: new Set(),
      };
      this.upstreams.set(key, u);
    }
    return u;
  }

  private remove(key: string): void {
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    if (sub.waitTimer !== undefined) clearTimeout(sub.waitTimer);
    const n = (this.subsPerSession.get(sub.sessionKey) ?? 1) - 1;
    if (n <= 0) this.subsPerSession.delete(sub.sessionKey);
    else this.subsPerSession.set(sub.sessionKey, n);
    for (const leg of sub.legs) {
      for (const u of [leg.book, leg.trades]) {
        if (u === undefined) continue;
        u.legs.delete(leg);
        if (u.legs.size === 0) {
          this.upstreams.delete(u.key);
          this.port.close(u.instrumentId, u.channel);
        }
      }
    }
  }

  private onEmpty(instrumentId: number, channel: ChannelName): void {
    const u = this.upstreams.get(streamKey(instrumentId, channel));
    if (u === undefined || u.ready) return;
    u.ready = true;
    u.lastSeq = 0;
    u.dirty = true;
  }

  private onFeed(m: FeedMessage): void {
    const u = this.upstreams.get(streamKey(m.instrumentId, m.channel));
    if (u === undefined) return;
    switch (m.type) {
      case 'snapshot':
        u.bids.clear();
        u.asks.clear();
        for (const l of m.levels) {
          (l.side === 1 ? u.bids : u.asks).set(l.priceTicks, {
            priceTicks: l.priceTicks,
            qtyLots: l.qtyLots,
            orderCount: l.orderCount,
          });
        }
        u.ready = true;
        u.lastSeq = m.seq;
        break;
      case 'bbo':
        if (m.seq <= u.lastSeq) return;
        u.bids.clear();
        u.asks.clear();
        if (m.bidPriceTicks !== null) {
          u.bids.set(m.bidPriceTicks, {
            priceTicks: m.bidPriceTicks,
            qtyLots: m.bidQtyLots,
            orderCount: m.bidOrderCount,
          });
        }
        if (m.askPriceTicks !== null) {
          u.asks.set(m.askPriceTicks, {
            priceTicks: m.askPriceTicks,
            qtyLots: m.askQtyLots,
            orderCount: m.askOrderCount,
          });
        }
        u.ready = true;
        u.lastSeq = m.seq;
        break;
      case 'level': {
        if (!u.ready || m.seq <= u.lastSeq) return;
        if (m.seq !== u.lastSeq + 1) {
          // A gap (the port should have recovered it): start the stream again from a snapshot.
          u.ready = false;
          this.port.close(u.instrumentId, u.channel);
          this.port.open(u.instrumentId, u.channel);
          return;
        }
        const side = m.side === 1 ? u.bids : u.asks;
        if (m.action === 2) side.delete(m.priceTicks);
        else
          side.set(m.priceTicks, { priceTicks: m.priceTicks, qtyLots: m.qtyLots, orderCount: m.orderCount });
        u.lastSeq = m.seq;
        break;
      }
      case 'trade':
        if (!u.ready || m.seq <= u.lastSeq) return;
        u.lastSeq = m.seq;
        if (u.trades.length >= this.limits.tradesPerFlushMax) u.trades.shift();
        u.trades.push(m);
        break;
      default:
        return;
    }
    u.dirty = true;
  }

  /** Sends a W to every leg whose streams just became ready, and an X with each leg's changes. */
  private flush(): void {
    const dirty = [...this.upstreams.values()].filter((u) => u.dirty);
    if (dirty.length === 0) return;
    const sorted = new Map<Upstream, { bids: Level[]; asks: Level[] }>();
    const legs = new Set<Leg>();
    for (const u of dirty) {
      u.dirty = false;
      for (const leg of u.legs) legs.add(leg);
    }
    const incrementals = new Map<Subscription, MdIncrementalEntry[]>();
    const done = new Set<Subscription>();
    for (const leg of legs) {
      const sub = leg.sub;
      if (!this.subs.has(sub.key)) continue;
      if ((leg.book !== undefined && !leg.book.ready) || (leg.trades !== undefined && !leg.trades.ready))
        continue;
      const top = leg.book === undefined ? { bids: [], asks: [] } : this.sortedOf(leg.book, sorted);
      const bids = sub.types.has('bid') ? cut(top.bids, sub.depth) : [];
      const asks = sub.types.has('offer') ? cut(top.asks, sub.depth) : [];
      if (!leg.snapshotSent) {
        leg.snapshotSent = true;
        const entries: MdEntry[] = [];
        for (const l of bids) entries.push(entry('bid', l));
        for (const l of asks) entries.push(entry('offer', l));
        setAll(leg.bids, bids);
        setAll(leg.asks, asks);
        this.events?.emit(sub.username, {
          kind: 'marketDataSnapshot',
          mdReqId: sub.mdReqId,
          symbol: leg.symbol,
          entries,
          ...(leg.book === undefined ? {} : { lastSeqProcessed: leg.book.lastSeq }),
        });
        if (sub.snapshotOnly && sub.legs.every((l) => l.snapshotSent)) done.add(sub);
        continue;
      }
      let out = incrementals.get(sub);
      if (out === undefined) {
        out = [];
        incrementals.set(sub, out);
      }
      if (sub.types.has('bid')) diff(leg.bids, bids, 'bid', leg.symbol, out);
      if (sub.types.has('offer')) diff(leg.asks, asks, 'offer', leg.symbol, out);
      if (leg.trades !== undefined) {
        for (const t of leg.trades.trades) {
          out.push({
            action: 'new',
            type: 'trade',
            symbol: leg.symbol,
            priceTicks: t.priceTicks,
            sizeLots: t.qtyLots,
          });
        }
      }
    }
    for (const u of dirty) u.trades = [];
    for (const [sub, entries] of incrementals) {
      if (entries.length === 0 || !this.subs.has(sub.key)) continue;
      this.events?.emit(sub.username, { kind: 'marketDataIncremental', mdReqId: sub.mdReqId, entries });
    }
    for (const sub of done) this.remove(sub.key);
  }

  private sortedOf(
    u: Upstream,
    cache: Map<Upstream, { bids: Level[]; asks: Level[] }>,
  ): { bids: Level[]; asks: Level[] } {
    let s = cache.get(u);
    if (s === undefined) {
      s = {
        bids: [...u.bids.values()].sort((a, b) => b.priceTicks - a.priceTicks),
        asks: [...u.asks.values()].sort((a, b) => a.priceTicks - b.priceTicks),
      };
      cache.set(u, s);
    }
    return s;
  }

  private reject(username: string, req: MarketDataRequest, reason: number, text: string): void {
    this.events?.emit(username, { kind: 'marketDataReject', mdReqId: req.mdReqId, reason, text });
  }
}

function cut(levels: Level[], depth: number): Level[] {
  return depth === 0 || levels.length <= depth ? levels : levels.slice(0, depth);
}

function entry(type: 'bid' | 'offer', l: Level): MdEntry {
  return { type, priceTicks: l.priceTicks, sizeLots: l.qtyLots, numberOfOrders: l.orderCount };
}

function setAll(view: Map<number, Level>, levels: readonly Level[]): void {
  view.clear();
  for (const l of levels) view.set(l.priceTicks, l);
}

/** Appends what turns `view` into `next` (deletes first), and makes `view` equal to `next`. */
function diff(
  view: Map<number, Level>,
  next: readonly Level[],
  type: 'bid' | 'offer',
  symbol: string,
  out: MdIncrementalEntry[],
): void {
  const nextByPrice = new Map<number, Level>();
  for (const l of next) nextByPrice.set(l.priceTicks, l);
  for (const [price, old] of view) {
    if (nextByPrice.has(price)) continue;
    out.push({
      action: 'delete',
      type,
      symbol,
      priceTicks: price,
      sizeLots: 0,
      numberOfOrders: old.orderCount,
    });
    view.delete(price);
  }
  for (const l of next) {
    const old = view.get(l.priceTicks);
    if (old !== undefined && old.qtyLots === l.qtyLots && old.orderCount === l.orderCount) continue;
    out.push({
      action: old === undefined ? 'new' : 'change',
      type,
      symbol,
      priceTicks: l.priceTicks,
      sizeLots: l.qtyLots,
      numberOfOrders: l.orderCount,
    });
    view.set(l.priceTicks, l);
  }
}

/** The feed in this process (single mode): snapshots read directly, live messages by listener. */
export function localFeedPort(
  source: FeedSource,
  log: (line: string) => void = () => {},
): (sink: FeedPortSink) => FeedPort {
  return (sink) => {
    const open = new Set<string>();
    let unsubscribe: (() => void) | undefined;
    // Called from inside the feed's publish: a failure here must never reach the state machine.
    const guard = (what: string, f: () => void) => {
      try {
        f();
      } catch (e) {
        log(`fix market data: ${what} failed: ${(e as Error).message}`);
      }
    };
    return {
      open(instrumentId, channel) {
        const key = streamKey(instrumentId, channel);
        if (open.has(key)) return;
        open.add(key);
        unsubscribe ??= source.subscribe({
          message: (m) => {
            if (open.has(streamKey(m.instrumentId, m.channel))) guard('message', () => sink.message(m));
          },
          entryEnd: () => guard('flush', () => sink.flush()),
        });
        // Same thread as the feed: the snapshot and the live messages after it are consistent.
        const snap = source.snapshot(instrumentId, channel);
        if (snap === undefined) sink.empty(instrumentId, channel);
        else sink.message(snap);
      },
      close(instrumentId, channel) {
        open.delete(streamKey(instrumentId, channel));
        if (open.size === 0 && unsubscribe !== undefined) {
          unsubscribe();
          unsubscribe = undefined;
        }
      },
      stop() {
        open.clear();
        unsubscribe?.();
        unsubscribe = undefined;
      },
    };
  };
}

export interface RemoteFeedOptions {
  /** The member to follow now (`ws://host:port/md`), undefined when none is known. */
  readonly url: () => string | undefined;
  readonly log?: (line: string) => void;
  /** Delay before trying another member after a loss (and between tries). */
  readonly retryMs?: number;
}

/**
 * A cluster member's feed over WebSocket (`MarketDataClient`: gap recovery by replay). On member
 * loss it moves to whichever member `url()` names next and resumes every stream from its seq.
 */
export function remoteFeedPort(opts: RemoteFeedOptions): (sink: FeedPortSink) => FeedPort {
  return (sink) => {
    const retryMs = opts.retryMs ?? 500;
    const wanted = new Map<string, { instrumentId: number; channel: ChannelName }>();
    let client: MarketDataClient | undefined;
    let state: 'idle' | 'connecting' | 'open' | 'stopped' = 'idle';
    let retryTimer: NodeJS.Timeout | undefined;
    let flushScheduled = false;
    const log = opts.log ?? (() => {});

    const scheduleFlush = () => {
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(() => {
        flushScheduled = false;
        try {
          sink.flush();
        } catch (e) {
          log(`fix market data: flush failed: ${(e as Error).message}`);
        }
      });
    };
    const send = (instrumentId: number, channel: ChannelName) => {
      try {
        client?.subscribe(instrumentId, channel);
      } catch (e) {
        log(`fix market data: subscribe ${instrumentId}/${channel} failed: ${(e as Error).message}`);
      }
    };
    const retryLater = () => {
      if (state === 'stopped' || retryTimer !== undefined) return;
      state = 'connecting';
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        connect();
      }, retryMs);
      retryTimer.unref();
    };
    const onClose = () => {
      if (state !== 'open') return; // a failed attempt: its own catch retries
      log('fix market data: feed connection lost; switching member');
      retryLater();
    };
    const onControl = (c: Record<string, unknown>) => {
      if (c.type !== 'error') return;
      const r = c.request as { instrumentId?: unknown; channel?: unknown } | undefined;
      if (c.code !== 'unknown-instrument' || typeof r?.instrumentId !== 'number') return;
      const ch = r.channel as ChannelName;
      const key = streamKey(r.instrumentId, ch);
      if (!wanted.has(key)) return;
      // The feed has not seen this instrument yet: an empty book now, the stream once it exists.
      sink.empty(r.instrumentId, ch);
      scheduleFlush();
      const id = r.instrumentId;
      const t = setTimeout(() => {
        if (state === 'open' && wanted.has(key)) send(id, ch);
      }, retryMs * 2);
      t.unref();
    };
    const connect = () => {
      if (state === 'stopped') return;
      const url = opts.url();
      if (url === undefined) {
        retryLater();
        return;
      }
      state = 'connecting';
      let attempt: Promise<void>;
      if (client === undefined) {
        client = new MarketDataClient(url, {
          onMessage: (m) => {
            try {
              sink.message(m);
            } catch (e) {
              log(`fix market data: message failed: ${(e as Error).message}`);
            }
            scheduleFlush();
          },
          onControl,
          onClose,
        });
        attempt = client.ready().then(() => {
          for (const w of wanted.values()) send(w.instrumentId, w.channel);
        });
      } else {
        // Resumes every stream the client holds from its last seq + 1.
        attempt = client.switchTo(url).then(() => {
          for (const [k, w] of wanted) if (!client?.streams.has(k)) send(w.instrumentId, w.channel);
        });
      }
      attempt.then(
        () => {
          if (state === 'stopped') client?.close();
          else {
            state = 'open';
            log(`fix market data: following ${url}`);
          }
        },
        (e: unknown) => {
          log(`fix market data: ${url}: ${(e as Error).message}`);
          retryLater();
        },
      );
    };

    return {
      open(instrumentId, channel) {
        const key = streamKey(instrumentId, channel);
        wanted.set(key, { instrumentId, channel });
        if (state === 'open') send(instrumentId, channel);
        else if (state === 'idle') connect();
      },
      close(instrumentId, channel) {
        wanted.delete(streamKey(instrumentId, channel));
        if (state === 'open') {
          try {
            client?.unsubscribe(instrumentId, channel);
          } catch {
            // the connection is going away; the stream is forgotten either way
          }
        } else {
          client?.streams.delete(streamKey(instrumentId, channel));
        }
      },
      stop() {
        state = 'stopped';
        if (retryTimer !== undefined) clearTimeout(retryTimer);
        retryTimer = undefined;
        wanted.clear();
        try {
          client?.close();
        } catch {
          // closing a socket that never opened
        }
      },
    };
  };
}
