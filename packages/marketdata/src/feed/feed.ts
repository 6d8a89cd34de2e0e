import type {
  AdminEvent,
  BookView,
  EventSink,
  ExecutionEvent,
  LevelView,
  MassCancelEvent,
  OrderView,
  TradeEvent,
} from '@venue/matching';
import { AdminEventKind, ExecType, OrdStatus, publishesIndicative } from '@venue/matching';
import type {
  BarMessage,
  BboMessage,
  ChannelName,
  FeedMessage,
  LevelAction,
  LevelMessage,
  OrderActionCode,
  OrderMessage,
  OrderSnapshotMessage,
  PhaseCode,
  SideCode,
  SnapshotLevel,
  SnapshotMessage,
  StatsMessage,
  StatusMessage,
  TradeMessage,
} from '../messages/messages.js';
import { BAR_INTERVALS_MS, CHANNELS } from '../messages/messages.js';
import {
  type BarState,
  InstrumentState,
  type L3Order,
  MINUTE_MS,
  type ShadowLevel,
} from './instrument-state.js';

/** Where the feed reads the book: matching's engine satisfies it (`engine.book(id)`, `engine.order(id)`). */
export interface BookSource {
  book(instrumentId: number): BookView | undefined;
  /**
   * Optional lookup of a live order by id (l3 uses it instead of scanning the order's level).
   * A resting order has visibleLots > 0; a pending stop has 0.
   */
  order?(orderId: number): OrderView | undefined;
  /**
   * Optional trading phase and indicative uncross of an instrument (matching's
   * `engine.auctionInfo(id)`); without it the feed publishes no `status` channel.
   */
  auction?(instrumentId: number): AuctionView | undefined;
  /**
   * Optional: matching's next log-timer deadline (`engine.nextDeadlineMs()`, 0 = none). The
   * service then follows matching's timers, so what they change (expiries, phase changes,
   * auctions) is published at once instead of at the next entry.
   */
  nextDeadlineMs?(): number;
}

/** Phase and indicative uncross as matching reports them (`surplusLots` > 0: buy surplus). */
export interface AuctionView {
  readonly phase: number;
  readonly priceTicks: number;
  readonly volumeLots: number;
  readonly surplusLots: number;
}

export interface FeedConfig {
  /** Levels per side on the l2 channel (top N). */
  readonly depthTop: number;
  /** Bound on instruments the feed tracks (matching bounds its own; this is a second guard). */
  readonly instrumentsMax: number;
  /** Bound on displayed orders the feed tracks per instrument (L3). */
  readonly ordersMax: number;
  /**
   * Publish the l3 channel (order by order). It costs a scan of the order's price level per
   * touched order (BookView has no lookup by id); without it the feed is several times cheaper.
   */
  readonly l3: boolean;
}

export const DEFAULT_FEED_CONFIG: Readonly<FeedConfig> = {
  depthTop: 10,
  instrumentsMax: 65_536,
  ordersMax: 16_000_000,
  l3: true,
};

const CH_L1 = 0;
const CH_L2 = 1;
const CH_L2FULL = 2;
const CH_TRADES = 3;
const CH_BARS = 4;
const CH_STATS = 5;
const CH_L3 = 6;
const CH_STATUS = 7;
const NO_DEADLINE = Number.MAX_SAFE_INTEGER;
// Comparators allocated once (sorting runs for every entry).
const DESCENDING = (a: number, b: number): number => b - a;
const ASCENDING = (a: number, b: number): number => a - b;
const BY_ID = (a: InstrumentState, b: InstrumentState): number => a.id - b.id;

/**
 * The market-data state machine. It is matching's EventSink (through a tee: it only notes which
 * instruments and price levels an entry touched and copies the trades) and, once matching has
 * applied a log entry, `endEntry` reads the book at that position and publishes the differences
 * against what it last published: L2 full-depth and top-N level updates, L1, trades, bars closed
 * by log time, 24 h statistics. Deterministic: the same entries give the same messages (byte for
 * byte once encoded) and the same state hash on every replica.
 */
export class MarketDataFeed implements EventSink {
  readonly config: Readonly<FeedConfig>;
  /** Position and log time of the last entry applied. */
  logPosition = 0;
  timestampMs = 0;
  /** Publish callback; errors thrown by it are counted, never propagated into the state machine. */
  onMessage: (m: FeedMessage) => void = () => {};
  publishErrors = 0;

  private readonly instruments = new Map<number, InstrumentState>();
  /** Instruments sorted by id (deterministic iteration). */
  private readonly list: InstrumentState[] = [];
  private readonly dirty: InstrumentState[] = [];
  private nextBarCloseMs = NO_DEADLINE;
  private statsMinute = 0;
  private pending = false;
  private pendingTimestampMs = 0;
  // Per-entry scratch of the l3 diff (cleared before each use, never part of the state).
  private readonly scratchLast = new Map<number, number>();
  private readonly scratchAdds: { o: L3Order; replace: boolean }[] = [];

  constructor(
    private readonly books: BookSource,
    config: Partial<FeedConfig> = {},
  ) {
    this.config = { ...DEFAULT_FEED_CONFIG, ...config };
    const c = this.config;
    if (!Number.isSafeInteger(c.depthTop) || c.depthTop < 1 || c.depthTop > 1000) {
      throw new RangeError(`depthTop must be 1..1000, got ${c.depthTop}`);
    }
  }

  // ------------------------------------------------------------------ EventSink (during matching)

  onExecution(e: ExecutionEvent): void {
    if (e.execType === ExecType.Rejected || e.orderId === 0) return;
    const side = e.side;
    if (side !== 1 && side !== 2) return;
    const s = this.touch(e.instrumentId, e.timestampMs);
    const touched = side === 1 ? s.touchedBids : s.touchedAsks;
    if (e.priceTicks > 0) touched.push(e.priceTicks);
    if (e.execType === ExecType.Replaced) {
      if (this.config.l3) {
        // The level it left: the price the feed last published for it (it rested before this entry).
        const old = s.l3.get(e.orderId);
        if (old !== undefined && old.priceTicks !== e.priceTicks) touched.push(old.priceTicks);
      } else {
        // Without L3 the old price is unknown: re-check every level of the side.
        for (const px of (side === 1 ? s.bids : s.asks).keys()) touched.push(px);
      }
    }
    if (!this.config.l3) return;
    // Side 3/4 marks an order that ended (filled, canceled, expired): no need to look for it.
    const ended =
      e.leavesQtyLots === 0 || e.ordStatus === OrdStatus.Canceled || e.ordStatus === OrdStatus.Expired;
    s.touchedOrders.push(e.orderId, ended ? side + 2 : side, e.priceTicks);
  }

  onTrade(t: TradeEvent): void {
    const s = this.touch(t.instrumentId, t.timestampMs);
    s.pendingTrades.push({
      tradeId: t.tradeId,
      priceTicks: t.priceTicks,
      qtyLots: t.qtyLots,
      aggressorSide: t.aggressorSide === 2 ? 2 : 1,
      makerOrderId: t.makerOrderId,
      takerOrderId: t.takerOrderId,
      timestampMs: t.timestampMs,
    });
  }

  onMassCancel(_m: MassCancelEvent): void {
    // Each canceled order already came as its own execution event.
  }

  onAdmin(a: AdminEvent): void {
    if (a.kind === AdminEventKind.InstrumentAdded) this.ensure(a.id);
    else if (a.kind === AdminEventKind.TradingPhaseChanged)
      this.touch(a.id, a.timestampMs).statusDirty = true;
  }

  /** True when matching emitted events that no endEntry has published yet. */
  get hasPending(): boolean {
    return this.pending;
  }

  /** Log time of the first pending event (valid when hasPending). */
  get pendingSinceMs(): number {
    return this.pendingTimestampMs;
  }

  private touch(instrumentId: number, timestampMs: number): InstrumentState {
    const s = this.ensure(instrumentId);
    if (!this.pending) {
      this.pending = true;
      this.pendingTimestampMs = timestampMs;
    }
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
    return s;
  }

  private ensure(instrumentId: number): InstrumentState {
    let s = this.instruments.get(instrumentId);
    if (s !== undefined) return s;
    if (this.instruments.size >= this.config.instrumentsMax) {
      throw new Error(`invariant: more than ${this.config.instrumentsMax} instruments`);
    }
    s = new InstrumentState(instrumentId, BAR_INTERVALS_MS);
    this.instruments.set(instrumentId, s);
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.id > instrumentId) i--;
    this.list.splice(i, 0, s);
    return s;
  }

  // ------------------------------------------------------------------ after matching

  /**
   * Publishes what the entry at `logPosition` (log time `timestampMs`) changed. Call it once per
   * entry, right after matching applied it (also for entries that changed nothing: bars close and
   * statistics roll by log time).
   */
  endEntry(logPosition: number, timestampMs: number): void {
    if (!Number.isSafeInteger(logPosition) || logPosition < this.logPosition) {
      throw new Error(`endEntry: log position ${logPosition} before ${this.logPosition}`);
    }
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
      throw new Error(`endEntry: bad timestamp ${timestampMs}`);
    }
    this.logPosition = logPosition;
    // Log time is monotonic; never let a late stamp move bars backwards.
    if (timestampMs > this.timestampMs) this.timestampMs = timestampMs;
    const now = this.timestampMs;
    if (now >= this.nextBarCloseMs) this.closeDueBars(now);
    const minute = Math.floor(now / MINUTE_MS);
    if (minute !== this.statsMinute) {
      this.statsMinute = minute;
      this.rollStats(now);
    }
    const dirty = this.dirty;
    if (dirty.length > 1) dirty.sort(BY_ID);
    for (const s of dirty) {
      this.flushInstrument(s);
      s.dirty = false;
    }
    dirty.length = 0;
    this.pending = false;
  }

  /** Earliest end of a bar in progress (log ms), or 0 if none: the service sets a timer for it. */
  nextBarDeadlineMs(): number {
    return this.nextBarCloseMs === NO_DEADLINE ? 0 : this.nextBarCloseMs;
  }

  private emit(m: FeedMessage): void {
    try {
      this.onMessage(m);
    } catch {
      this.publishErrors++;
    }
  }

  private nextSeq(s: InstrumentState, ch: number): number {
    const seq = s.seqs[ch]! + 1;
    if (!Number.isSafeInteger(seq)) throw new Error('invariant: sequence number overflow');
    s.seqs[ch] = seq;
    return seq;
  }

  private flushInstrument(s: InstrumentState): void {
    const book = this.books.book(s.id);
    if (s.pendingTrades.length > 0) {
      for (const t of s.pendingTrades) this.publishTrade(s, t.tradeId, t);
      this.publishStats(s);
    }
    if (s.touchedOrders.length > 0 || s.pendingTrades.length > 0) this.diffOrders(s, book);
    s.pendingTrades.length = 0;
    s.touchedOrders.length = 0;
    const bidsTouched = s.touchedBids.length > 0;
    const asksTouched = s.touchedAsks.length > 0;
    if (bidsTouched) this.diffFull(s, 1, book, s.touchedBids, s.bids);
    if (asksTouched) this.diffFull(s, 2, book, s.touchedAsks, s.asks);
    if (bidsTouched) s.topBids = this.diffTop(s, 1, book, s.topBids);
    if (asksTouched) s.topAsks = this.diffTop(s, 2, book, s.topAsks);
    if (bidsTouched || asksTouched) this.diffBbo(s);
    // Status last: a phase change, or during a call any book change (the indicative may move).
    if (s.statusDirty || ((bidsTouched || asksTouched) && publishesIndicative(s.status.phase))) {
      this.diffStatus(s);
    }
    s.statusDirty = false;
    s.touchedBids.length = 0;
    s.touchedAsks.length = 0;
  }

  private publishTrade(
    s: InstrumentState,
    tradeId: number,
    t: InstrumentState['pendingTrades'][number],
  ): void {
    const m: TradeMessage = {
      type: 'trade',
      channel: 'trades',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_TRADES),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      tradeId,
      priceTicks: t.priceTicks,
      qtyLots: t.qtyLots,
      aggressorSide: t.aggressorSide,
      makerOrderId: t.makerOrderId,
      takerOrderId: t.takerOrderId,
    };
    this.emit(m);
    const now = this.timestampMs;
    for (const bar of s.bars) {
      const start = now - (now % bar.intervalMs);
      if (bar.startMs !== -1 && bar.startMs !== start) this.closeBar(s, bar);
      if (bar.startMs === -1) {
        bar.startMs = start;
        bar.openTicks = t.priceTicks;
        bar.highTicks = t.priceTicks;
        bar.lowTicks = t.priceTicks;
        if (bar.endMs < this.nextBarCloseMs) this.nextBarCloseMs = bar.endMs;
      }
      if (t.priceTicks > bar.highTicks) bar.highTicks = t.priceTicks;
      if (t.priceTicks < bar.lowTicks) bar.lowTicks = t.priceTicks;
      bar.closeTicks = t.priceTicks;
      bar.volumeLots += t.qtyLots;
      bar.notional += t.priceTicks * t.qtyLots;
      bar.tradeCount++;
    }
    s.statsState.addTrade(now, t.priceTicks, t.qtyLots);
  }

  private closeBar(s: InstrumentState, bar: BarState): void {
    const m: BarMessage = {
      type: 'bar',
      channel: 'bars',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_BARS),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      intervalMs: bar.intervalMs,
      startMs: bar.startMs,
      openTicks: bar.openTicks,
      highTicks: bar.highTicks,
      lowTicks: bar.lowTicks,
      closeTicks: bar.closeTicks,
      volumeLots: bar.volumeLots,
      notional: bar.notional,
      tradeCount: bar.tradeCount,
    };
    bar.reset();
    this.emit(m);
  }

  private closeDueBars(now: number): void {
    let next = NO_DEADLINE;
    for (const s of this.list) {
      for (const bar of s.bars) {
        if (bar.startMs === -1) continue;
        if (bar.endMs <= now) this.closeBar(s, bar);
        else if (bar.endMs < next) next = bar.endMs;
      }
    }
    this.nextBarCloseMs = next;
  }

  private rollStats(now: number): void {
    for (const s of this.list) {
      if (s.statsState.buckets.length > 0 && s.statsState.expire(now)) this.publishStats(s);
    }
  }

  private publishStats(s: InstrumentState): void {
    const st = s.statsState;
    const first = st.buckets[0];
    const m: StatsMessage = {
      type: 'stats',
      channel: 'stats',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_STATS),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      windowStartMs: first === undefined ? 0 : first.startMs,
      openTicks: first === undefined ? null : first.openTicks,
      highTicks: first === undefined ? null : st.highTicks,
      lowTicks: first === undefined ? null : st.lowTicks,
      lastTicks: st.lastTicks,
      volumeLots: st.volumeLots,
      notional: st.notional,
      tradeCount: st.tradeCount,
    };
    s.stats = m;
    this.emit(m);
  }

  private levelMessage(
    s: InstrumentState,
    channel: 'l2' | 'l2full',
    side: SideCode,
    action: LevelAction,
    priceTicks: number,
    qtyLots: number,
    orderCount: number,
  ): LevelMessage {
    return {
      type: 'level',
      channel,
      instrumentId: s.id,
      seq: this.nextSeq(s, channel === 'l2' ? CH_L2 : CH_L2FULL),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      side,
      action,
      priceTicks,
      qtyLots,
      orderCount,
    };
  }

  private orderMessage(
    s: InstrumentState,
    action: OrderActionCode,
    o: L3Order,
    executedLots: number,
    tradeId: number,
  ): OrderMessage {
    return {
      type: 'order',
      channel: 'l3',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_L3),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      action,
      orderId: o.orderId,
      side: o.side,
      priceTicks: o.priceTicks,
      qtyLots: o.qtyLots,
      executedLots,
      tradeId,
    };
  }

  /**
   * L3: executions from the trades (makers the feed already showed), then for every order an event
   * touched, the difference between what was published and the book: delete, modify (size down,
   * priority kept), then adds and replaces (to the back of the queue) in time-priority order.
   */
  private diffOrders(s: InstrumentState, book: BookView | undefined): void {
    for (const t of s.pendingTrades) {
      const o = s.l3.get(t.makerOrderId);
      if (o === undefined) continue; // rested within this entry: its add shows the size left
      o.qtyLots -= t.qtyLots;
      if (o.qtyLots < 0) throw new Error(`invariant: order ${o.orderId} executed beyond its displayed size`);
      if (o.qtyLots === 0) s.l3.delete(o.orderId);
      this.emit(this.orderMessage(s, 1, o, t.qtyLots, t.tradeId));
    }
    // Last (side, price) per order touched, first-touch order (deterministic: event order).
    const last = this.scratchLast;
    last.clear();
    const tp = s.touchedOrders;
    for (let i = 0; i < tp.length; i += 3) last.set(tp[i]!, i);
    const adds = this.scratchAdds;
    adds.length = 0;
    for (const [id, i] of last) {
      const ended = tp[i + 1]! > 2;
      const side = (ended ? tp[i + 1]! - 2 : tp[i + 1]!) as SideCode;
      const px = tp[i + 2]!;
      let cur: OrderView | undefined;
      if (!ended && book !== undefined && px > 0) {
        if (this.books.order !== undefined) {
          const o = this.books.order(id);
          // Between commands an order rests iff it shows a quantity (pending stops show 0).
          if (o !== undefined && o.visibleLots > 0) cur = o;
        } else {
          // Without a lookup by id: scan the level (linear in its queue).
          book.forEachOrderAt(side, px, (o) => {
            if (o.id !== id) return true;
            cur = o;
            return false;
          });
        }
      }
      const old = s.l3.get(id);
      if (cur === undefined) {
        if (old === undefined) continue;
        s.l3.delete(id);
        old.qtyLots = 0;
        this.emit(this.orderMessage(s, 4, old, 0, 0));
        continue;
      }
      const c: OrderView = cur;
      if (
        old !== undefined &&
        old.prio === c.prioritySeq &&
        old.priceTicks === c.priceTicks &&
        old.side === side
      ) {
        if (old.qtyLots !== c.visibleLots) {
          old.qtyLots = c.visibleLots;
          this.emit(this.orderMessage(s, 2, old, 0, 0));
        }
        continue;
      }
      const now: L3Order = {
        orderId: id,
        side,
        priceTicks: c.priceTicks,
        qtyLots: c.visibleLots,
        prio: c.prioritySeq,
      };
      adds.push({ o: now, replace: old !== undefined });
    }
    if (adds.length > 1) adds.sort((a, b) => a.o.prio - b.o.prio);
    for (const a of adds) {
      if (!a.replace && s.l3.size >= this.config.ordersMax) {
        throw new Error(`invariant: more than ${this.config.ordersMax} displayed orders`);
      }
      s.l3.set(a.o.orderId, a.o);
      this.emit(this.orderMessage(s, a.replace ? 3 : 0, a.o, 0, 0));
    }
  }

  /** Full depth: compares every touched price with the book, best first. */
  private diffFull(
    s: InstrumentState,
    side: SideCode,
    book: BookView | undefined,
    touched: number[],
    shadow: Map<number, ShadowLevel>,
  ): void {
    if (touched.length > 1) touched.sort(side === 1 ? DESCENDING : ASCENDING);
    let prev = -1;
    for (const px of touched) {
      if (px === prev) continue;
      prev = px;
      const lv = book?.levelAt(side, px);
      const old = shadow.get(px);
      if (lv === undefined) {
        if (old === undefined) continue;
        shadow.delete(px);
        this.emit(this.levelMessage(s, 'l2full', side, 2, px, 0, 0));
      } else if (old === undefined) {
        shadow.set(px, { priceTicks: px, qtyLots: lv.visibleLots, orderCount: lv.orderCount });
        this.emit(this.levelMessage(s, 'l2full', side, 0, px, lv.visibleLots, lv.orderCount));
      } else if (old.qtyLots !== lv.visibleLots || old.orderCount !== lv.orderCount) {
        old.qtyLots = lv.visibleLots;
        old.orderCount = lv.orderCount;
        this.emit(this.levelMessage(s, 'l2full', side, 1, px, lv.visibleLots, lv.orderCount));
      }
    }
  }

  /** Top N: deletes for levels that left it, then new/change best first. Returns the new top. */
  private diffTop(
    s: InstrumentState,
    side: SideCode,
    book: BookView | undefined,
    oldTop: ShadowLevel[],
  ): ShadowLevel[] {
    const n = this.config.depthTop;
    let count = 0;
    let samePrices = true;
    if (book !== undefined) {
      for (; count < n; count++) {
        const lv: LevelView | undefined = book.level(side, count);
        if (lv === undefined) break;
        const o = oldTop[count];
        if (o === undefined || o.priceTicks !== lv.priceTicks) samePrices = false;
      }
    }
    if (samePrices && count === oldTop.length) {
      // Fast path (most entries): the same prices in the same places, only sizes may differ.
      for (let i = 0; i < count; i++) {
        const lv = book!.level(side, i)!;
        const o = oldTop[i]!;
        if (o.qtyLots === lv.visibleLots && o.orderCount === lv.orderCount) continue;
        o.qtyLots = lv.visibleLots;
        o.orderCount = lv.orderCount;
        this.emit(this.levelMessage(s, 'l2', side, 1, o.priceTicks, o.qtyLots, o.orderCount));
      }
      return oldTop;
    }
    const next: ShadowLevel[] = [];
    for (let i = 0; i < count; i++) {
      const lv = book!.level(side, i)!;
      next.push({ priceTicks: lv.priceTicks, qtyLots: lv.visibleLots, orderCount: lv.orderCount });
    }
    for (const o of oldTop) {
      if (!next.some((l) => l.priceTicks === o.priceTicks)) {
        this.emit(this.levelMessage(s, 'l2', side, 2, o.priceTicks, 0, 0));
      }
    }
    for (const l of next) {
      const o = oldTop.find((x) => x.priceTicks === l.priceTicks);
      if (o === undefined)
        this.emit(this.levelMessage(s, 'l2', side, 0, l.priceTicks, l.qtyLots, l.orderCount));
      else if (o.qtyLots !== l.qtyLots || o.orderCount !== l.orderCount) {
        this.emit(this.levelMessage(s, 'l2', side, 1, l.priceTicks, l.qtyLots, l.orderCount));
      }
    }
    return next;
  }

  private diffBbo(s: InstrumentState): void {
    const b = s.topBids[0];
    const a = s.topAsks[0];
    const old = s.bbo;
    const bidPx = b === undefined ? null : b.priceTicks;
    const askPx = a === undefined ? null : a.priceTicks;
    const bidQty = b === undefined ? 0 : b.qtyLots;
    const askQty = a === undefined ? 0 : a.qtyLots;
    const bidN = b === undefined ? 0 : b.orderCount;
    const askN = a === undefined ? 0 : a.orderCount;
    if (
      old.bidPriceTicks === bidPx &&
      old.askPriceTicks === askPx &&
      old.bidQtyLots === bidQty &&
      old.askQtyLots === askQty &&
      old.bidOrderCount === bidN &&
      old.askOrderCount === askN
    ) {
      return;
    }
    const m: BboMessage = {
      type: 'bbo',
      channel: 'l1',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_L1),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      bidPriceTicks: bidPx,
      bidQtyLots: bidQty,
      bidOrderCount: bidN,
      askPriceTicks: askPx,
      askQtyLots: askQty,
      askOrderCount: askN,
    };
    s.bbo = m;
    this.emit(m);
  }

  private diffStatus(s: InstrumentState): void {
    const a = this.books.auction?.(s.id);
    if (a === undefined) return;
    if (!Number.isInteger(a.phase) || a.phase < 1 || a.phase > 7) {
      throw new Error(`invariant: trading phase ${a.phase} out of range`);
    }
    const phase = a.phase as PhaseCode;
    const show = publishesIndicative(phase) && a.volumeLots > 0;
    const px = show ? a.priceTicks : null;
    const vol = show ? a.volumeLots : 0;
    const imb = show ? a.surplusLots : 0;
    const old = s.status;
    if (
      old.phase === phase &&
      old.indicativePriceTicks === px &&
      old.indicativeVolumeLots === vol &&
      old.imbalanceLots === imb
    ) {
      return;
    }
    const m: StatusMessage = {
      type: 'status',
      channel: 'status',
      instrumentId: s.id,
      seq: this.nextSeq(s, CH_STATUS),
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      phase,
      indicativePriceTicks: px,
      indicativeVolumeLots: vol,
      imbalanceLots: imb,
    };
    s.status = m;
    this.emit(m);
  }

  // ------------------------------------------------------------------ reads (between entries)

  /** Instrument ids the feed knows, ascending. */
  instrumentIds(): number[] {
    return this.list.map((s) => s.id);
  }

  hasInstrument(instrumentId: number): boolean {
    return this.instruments.has(instrumentId);
  }

  /** Last published seq of a stream (0 before its first message); undefined for an unknown instrument. */
  lastSeq(instrumentId: number, channel: ChannelName): number | undefined {
    const s = this.instruments.get(instrumentId);
    return s === undefined ? undefined : s.seqs[CHANNELS.indexOf(channel)];
  }

  /**
   * The snapshot of one stream as of its last seq: for l1 and stats the latest full-state message;
   * otherwise a Snapshot message (levels for l2/l2full) stamped with the feed's log position.
   * Undefined for an unknown instrument.
   */
  snapshot(instrumentId: number, channel: ChannelName): FeedMessage | undefined {
    const s = this.instruments.get(instrumentId);
    if (s === undefined) return undefined;
    if (channel === 'l1') return s.bbo;
    if (channel === 'stats') return s.stats;
    if (channel === 'status') return s.status;
    if (channel === 'l3') {
      if (!this.config.l3) return undefined;
      const orders = sortedOrders(s.l3).map((o) => ({
        orderId: o.orderId,
        side: o.side,
        priceTicks: o.priceTicks,
        qtyLots: o.qtyLots,
      }));
      const m: OrderSnapshotMessage = {
        type: 'orders',
        channel: 'l3',
        instrumentId,
        seq: s.seqs[CH_L3]!,
        logPosition: this.logPosition,
        timestampMs: this.timestampMs,
        orders,
      };
      return m;
    }
    const levels: SnapshotLevel[] = [];
    if (channel === 'l2') {
      for (const l of s.topBids) levels.push({ side: 1, ...l });
      for (const l of s.topAsks) levels.push({ side: 2, ...l });
    } else if (channel === 'l2full') {
      for (const l of sortedLevels(s.bids, 1)) levels.push({ side: 1, ...l });
      for (const l of sortedLevels(s.asks, 2)) levels.push({ side: 2, ...l });
    }
    const m: SnapshotMessage = {
      type: 'snapshot',
      channel,
      instrumentId,
      seq: s.seqs[CHANNELS.indexOf(channel)]!,
      logPosition: this.logPosition,
      timestampMs: this.timestampMs,
      levels,
    };
    return m;
  }

  // ------------------------------------------------------------------ internals for snapshot.ts

  /** @internal */
  stateForSnapshot(): {
    list: readonly InstrumentState[];
    nextBarCloseMs: number;
    statsMinute: number;
    pending: boolean;
    pendingSinceMs: number;
  } {
    return {
      list: this.list,
      nextBarCloseMs: this.nextBarCloseMs,
      statsMinute: this.statsMinute,
      pending: this.pending,
      pendingSinceMs: this.pendingTimestampMs,
    };
  }

  /** @internal Restore: installs one instrument's state (ids ascending). */
  restoreInstrument(s: InstrumentState): void {
    if (this.instruments.has(s.id)) throw new Error(`snapshot: instrument ${s.id} twice`);
    this.instruments.set(s.id, s);
    this.list.push(s);
    this.list.sort((a, b) => a.id - b.id);
    if (s.dirty) this.dirty.push(s);
  }

  /** @internal */
  restoreScalars(
    logPosition: number,
    timestampMs: number,
    nextBarCloseMs: number,
    statsMinute: number,
    pending: boolean,
    pendingSinceMs: number,
  ): void {
    this.pending = pending;
    this.pendingTimestampMs = pendingSinceMs;
    this.logPosition = logPosition;
    this.timestampMs = timestampMs;
    this.nextBarCloseMs = nextBarCloseMs;
    this.statsMinute = statsMinute;
  }
}

/** Displayed orders: bids then asks, best price first, then time priority. */
export function sortedOrders(m: ReadonlyMap<number, L3Order>): L3Order[] {
  const out = [...m.values()];
  out.sort((a, b) => {
    if (a.side !== b.side) return a.side - b.side;
    if (a.priceTicks !== b.priceTicks)
      return a.side === 1 ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks;
    return a.prio - b.prio;
  });
  return out;
}

/** Levels of a side best first. */
export function sortedLevels(m: ReadonlyMap<number, ShadowLevel>, side: SideCode): ShadowLevel[] {
  const out = [...m.values()];
  out.sort(side === 1 ? (a, b) => b.priceTicks - a.priceTicks : (a, b) => a.priceTicks - b.priceTicks);
  return out.map((l) => ({ priceTicks: l.priceTicks, qtyLots: l.qtyLots, orderCount: l.orderCount }));
}
