import type { OrderBook } from '../book/book.js';
import { type TradingPhase, TradingState } from '../phases/phases.js';
import type { InstrumentStatus } from '../types/enums.js';

/** Reference data for one tradable instrument (integer units inside; decimal strings for the edge). */
export class Instrument {
  constructor(
    readonly id: number,
    /** Dense index in definition order (0..n-1): indexes per-account position arrays. */
    readonly index: number,
    readonly symbol: string,
    readonly tickSize: string,
    readonly lotSize: string,
    readonly minQtyLots: number,
    readonly maxQtyLots: number,
    readonly refPriceTicks: number,
    readonly bandBps: number,
    public status: InstrumentStatus,
    readonly book: OrderBook,
  ) {}

  /** Trading phase, schedule and volatility auction state (src/phases/). */
  readonly trading = new TradingState();

  get phase(): TradingPhase {
    return this.trading.phase;
  }
}

/** Read-only view of an instrument for other packages. */
export interface InstrumentView {
  readonly id: number;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  readonly refPriceTicks: number;
  readonly bandBps: number;
  readonly status: InstrumentStatus;
  /** Current trading phase (`TradingPhase`). */
  readonly phase: TradingPhase;
}

export const BPS_PER_UNIT = 10_000;

/** Lowest/highest acceptable price in ticks around `refTicks` (inclusive). bandBps 0 = unbounded. */
export function bandLow(refTicks: number, bandBps: number): number {
  if (bandBps === 0) return 1;
  const lo = refTicks - Math.floor((refTicks * bandBps) / BPS_PER_UNIT);
  return Math.max(lo, 1);
}

export function bandHigh(refTicks: number, bandBps: number): number {
  if (bandBps === 0) return Number.MAX_SAFE_INTEGER;
  return refTicks + Math.floor((refTicks * bandBps) / BPS_PER_UNIT);
}
