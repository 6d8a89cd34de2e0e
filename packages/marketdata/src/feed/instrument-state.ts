import type { BboMessage, StatsMessage, StatusMessage } from '../messages/messages.js';

/** One price level as the feed last published it. */
export interface ShadowLevel {
  priceTicks: number;
  qtyLots: number;
  orderCount: number;
}

/** One displayed order as the feed last published it (L3). */
export interface L3Order {
  readonly orderId: number;
  side: 1 | 2;
  priceTicks: number;
  qtyLots: number;
  /** Matching's time-priority sequence: FIFO within a level is ascending prio. */
  prio: number;
}

/** An OHLCV bar in progress (startMs -1: none open). */
export class BarState {
  startMs = -1;
  openTicks = 0;
  highTicks = 0;
  lowTicks = 0;
  closeTicks = 0;
  volumeLots = 0;
  notional = 0;
  tradeCount = 0;
  constructor(readonly intervalMs: number) {}

  get endMs(): number {
    return this.startMs + this.intervalMs;
  }

  reset(): void {
    this.startMs = -1;
    this.openTicks = 0;
    this.highTicks = 0;
    this.lowTicks = 0;
    this.closeTicks = 0;
    this.volumeLots = 0;
    this.notional = 0;
    this.tradeCount = 0;
  }
}

/** One minute of trades inside the rolling 24 h window. */
export interface StatsBucket {
  startMs: number;
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  volumeLots: number;
  notional: number;
  tradeCount: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** Buckets in the window: the current minute and the 1439 before it. */
export const STATS_BUCKETS_MAX = DAY_MS / MINUTE_MS;

/** Rolling 24 h statistics from 1-minute buckets (bounded: at most STATS_BUCKETS_MAX). */
export class StatsState {
  buckets: StatsBucket[] = [];
  volumeLots = 0;
  notional = 0;
  tradeCount = 0;
  highTicks = 0;
  lowTicks = 0;
  lastTicks: number | null = null;

  addTrade(timestampMs: number, priceTicks: number, qtyLots: number): void {
    const start = timestampMs - (timestampMs % MINUTE_MS);
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last.startMs === start) {
      if (priceTicks > last.highTicks) last.highTicks = priceTicks;
      if (priceTicks < last.lowTicks) last.lowTicks = priceTicks;
      last.volumeLots += qtyLots;
      last.notional += priceTicks * qtyLots;
      last.tradeCount++;
    } else {
      if (last !== undefined && last.startMs > start) throw new Error('invariant: stats time went backwards');
      this.buckets.push({
        startMs: start,
        openTicks: priceTicks,
        highTicks: priceTicks,
        lowTicks: priceTicks,
        volumeLots: qtyLots,
        notional: priceTicks * qtyLots,
        tradeCount: 1,
      });
    }
    if (this.tradeCount === 0 || priceTicks > this.highTicks) this.highTicks = priceTicks;
    if (this.tradeCount === 0 || priceTicks < this.lowTicks) this.lowTicks = priceTicks;
    this.volumeLots += qtyLots;
    this.notional += priceTicks * qtyLots;
    this.tradeCount++;
    this.lastTicks = priceTicks;
    this.expire(timestampMs);
    if (!Number.isSafeInteger(this.notional)) throw new Error('invariant: stats notional not a safe integer');
  }

  /** Drops buckets older than the window ending at `nowMs`; returns whether any was dropped. */
  expire(nowMs: number): boolean {
    const threshold = nowMs - (nowMs % MINUTE_MS) - DAY_MS + MINUTE_MS;
    let dropped = 0;
    while (dropped < this.buckets.length && this.buckets[dropped]!.startMs < threshold) {
      const b = this.buckets[dropped]!;
      this.volumeLots -= b.volumeLots;
      this.notional -= b.notional;
      this.tradeCount -= b.tradeCount;
      dropped++;
    }
    if (dropped === 0) return false;
    this.buckets.splice(0, dropped);
    this.recomputeExtremes();
    return true;
  }

  recomputeExtremes(): void {
    let high = 0;
    let low = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      const b = this.buckets[i]!;
      if (i === 0 || b.highTicks > high) high = b.highTicks;
      if (i === 0 || b.lowTicks < low) low = b.lowTicks;
    }
    this.highTicks = high;
    this.lowTicks = low;
  }
}

/** Everything the feed keeps for one instrument (part of the replicated state). */
export class InstrumentState {
  /** Last seq per channel, indexed as CHANNELS. */
  readonly seqs: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Full depth as last published (l2full), keyed by price. */
  readonly bids = new Map<number, ShadowLevel>();
  readonly asks = new Map<number, ShadowLevel>();
  /** Top N as last published (l2), best first. */
  topBids: ShadowLevel[] = [];
  topAsks: ShadowLevel[] = [];
  /** Displayed orders as last published (l3), by order id. */
  readonly l3 = new Map<number, L3Order>();
  bbo: BboMessage;
  stats: StatsMessage;
  /** Trading status as last published (seq 0: never; continuous is the default). */
  status: StatusMessage;
  readonly statsState = new StatsState();
  readonly bars: BarState[];

  // Per-entry scratch (empty between entries).
  dirty = false;
  /** The entry changed the trading phase: re-read the status at the entry's end. */
  statusDirty = false;
  readonly touchedBids: number[] = [];
  readonly touchedAsks: number[] = [];
  /** (orderId, side, priceTicks) triples, one per execution event, in event order. */
  readonly touchedOrders: number[] = [];
  readonly pendingTrades: PendingTrade[] = [];

  constructor(
    readonly id: number,
    barIntervalsMs: readonly number[],
  ) {
    this.bars = barIntervalsMs.map((ms) => new BarState(ms));
    this.bbo = {
      type: 'bbo',
      channel: 'l1',
      instrumentId: id,
      seq: 0,
      logPosition: 0,
      timestampMs: 0,
      bidPriceTicks: null,
      bidQtyLots: 0,
      bidOrderCount: 0,
      askPriceTicks: null,
      askQtyLots: 0,
      askOrderCount: 0,
    };
    this.stats = {
      type: 'stats',
      channel: 'stats',
      instrumentId: id,
      seq: 0,
      logPosition: 0,
      timestampMs: 0,
      windowStartMs: 0,
      openTicks: null,
      highTicks: null,
      lowTicks: null,
      lastTicks: null,
      volumeLots: 0,
      notional: 0,
      tradeCount: 0,
    };
    this.status = {
      type: 'status',
      channel: 'status',
      instrumentId: id,
      seq: 0,
      logPosition: 0,
      timestampMs: 0,
      phase: 3,
      indicativePriceTicks: null,
      indicativeVolumeLots: 0,
      imbalanceLots: 0,
    };
  }
}

/** A trade copied out of matching's reused TradeEvent. */
export interface PendingTrade {
  readonly tradeId: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressorSide: 1 | 2;
  readonly makerOrderId: number;
  readonly takerOrderId: number;
  readonly timestampMs: number;
}
