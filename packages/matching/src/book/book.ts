import { StopBook } from '../orders/stops.js';
import type { LevelView } from './level.js';
import type { Order, OrderView } from './order.js';
import { BookSide } from './side.js';

/** The order book of one instrument: two sides, pending stops, last trade. */
export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  readonly stops = new StopBook();
  lastTradePxTicks = 0;
  lastTradeQtyLots = 0;
  lastTradeId = 0;
  lastTradeAggressorSide = 0;
  lastTradeTimestampMs = 0;
  /** Number of resting orders (both sides). */
  restingCount = 0;

  constructor(readonly instrumentId: number) {}
}

/** Last trade of an instrument (all zero before the first trade). */
export interface LastTradeView {
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly tradeId: number;
  readonly aggressorSide: number;
  readonly timestampMs: number;
}

/**
 * Read-only view of one book for market data (issue 6) and tests. Reads the live structures
 * (no copies): valid until the next engine command. Sides: 1 = bid (buy), 2 = ask (sell).
 */
export class BookView {
  constructor(private readonly book: OrderBook) {}

  get instrumentId(): number {
    return this.book.instrumentId;
  }

  /** Best bid level, or undefined if the side is empty. */
  bestBid(): LevelView | undefined {
    return this.book.bids.best();
  }

  bestAsk(): LevelView | undefined {
    return this.book.asks.best();
  }

  /** Number of price levels on a side. */
  depth(side: number): number {
    return side === 1 ? this.book.bids.depth : this.book.asks.depth;
  }

  /** Level `i` from the best (0 = best) on a side. */
  level(side: number, i: number): LevelView | undefined {
    return (side === 1 ? this.book.bids : this.book.asks).levelFromBest(i);
  }

  /** Level at an exact price, if any. */
  levelAt(side: number, priceTicks: number): LevelView | undefined {
    return (side === 1 ? this.book.bids : this.book.asks).find(priceTicks);
  }

  /** Visits levels best first; stop early by returning false. */
  forEachLevel(side: number, fn: (level: LevelView) => boolean | undefined): void {
    const s = side === 1 ? this.book.bids : this.book.asks;
    for (let i = s.levels.length - 1; i >= 0; i--) {
      if (fn(s.levels[i]!) === false) return;
    }
  }

  /** Visits resting orders in priority order (best level first, FIFO within a level). */
  forEachOrder(side: number, fn: (order: OrderView, level: LevelView) => boolean | undefined): void {
    const s = side === 1 ? this.book.bids : this.book.asks;
    for (let i = s.levels.length - 1; i >= 0; i--) {
      const l = s.levels[i]!;
      for (let o: Order | null = l.head; o !== null; o = o.next) {
        if (fn(o, l) === false) return;
      }
    }
  }

  /** Orders of one level in FIFO order. */
  forEachOrderAt(side: number, priceTicks: number, fn: (order: OrderView) => boolean | undefined): void {
    const l = (side === 1 ? this.book.bids : this.book.asks).find(priceTicks);
    if (l === undefined) return;
    for (let o: Order | null = l.head; o !== null; o = o.next) {
      if (fn(o) === false) return;
    }
  }

  /** Pending (untriggered) stop orders, next-to-trigger first per side. */
  forEachStop(side: number, fn: (order: OrderView) => boolean | undefined): void {
    const arr = side === 1 ? this.book.stops.buys : this.book.stops.sells;
    for (let i = arr.length - 1; i >= 0; i--) {
      if (fn(arr[i]!) === false) return;
    }
  }

  get restingOrderCount(): number {
    return this.book.restingCount;
  }

  lastTrade(): LastTradeView {
    const b = this.book;
    return {
      priceTicks: b.lastTradePxTicks,
      qtyLots: b.lastTradeQtyLots,
      tradeId: b.lastTradeId,
      aggressorSide: b.lastTradeAggressorSide,
      timestampMs: b.lastTradeTimestampMs,
    };
  }
}
