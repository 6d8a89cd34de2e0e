import type { Order } from '../book/order.js';
import type { StpMode } from '../types/enums.js';

/**
 * A trading account: risk limits, STP mode, open orders (intrusive list, ascending order id) and
 * post-trade state per instrument (indexed by Instrument.index).
 *
 * Cash unit: for instrument i, one cash unit = tickSize(i) x lotSize(i) of the quote currency,
 * i.e. a fill of q lots at p ticks moves cash by exactly p*q units. Cash is kept per instrument
 * so no cross-instrument conversion (and no rounding) is ever needed.
 */
export class Account {
  /** 0 = unlimited, for all four limits. */
  maxOrderQtyLots = 0;
  maxOrderNotional = 0;
  maxOpenOrders = 0;
  maxPositionLots = 0;
  openOrders = 0;
  /** Live orders of this account, oldest (lowest id) first. */
  headOrder: Order | null = null;
  tailOrder: Order | null = null;
  /** Live orders by non-empty ClOrdID. */
  readonly byClOrdId = new Map<string, Order>();
  /** Signed position in lots per instrument. */
  readonly positionLots: number[] = [];
  /** Cash in cash units per instrument (negative = paid). */
  readonly cash: number[] = [];
  /** Sum of leaves of live buy / sell orders per instrument (position-limit checks). */
  readonly openBuyLots: number[] = [];
  readonly openSellLots: number[] = [];

  constructor(
    readonly id: number,
    readonly login: string,
    public stpMode: StpMode,
  ) {}

  ensureInstruments(count: number): void {
    while (this.positionLots.length < count) {
      this.positionLots.push(0);
      this.cash.push(0);
      this.openBuyLots.push(0);
      this.openSellLots.push(0);
    }
  }

  linkOrder(o: Order): void {
    o.acctPrev = this.tailOrder;
    o.acctNext = null;
    if (this.tailOrder === null) this.headOrder = o;
    else this.tailOrder.acctNext = o;
    this.tailOrder = o;
  }

  unlinkOrder(o: Order): void {
    if (o.acctPrev === null) this.headOrder = o.acctNext;
    else o.acctPrev.acctNext = o.acctNext;
    if (o.acctNext === null) this.tailOrder = o.acctPrev;
    else o.acctNext.acctPrev = o.acctPrev;
    o.acctPrev = null;
    o.acctNext = null;
  }
}

/** Read-only account state for other packages and tests. */
export interface AccountView {
  readonly id: number;
  readonly login: string;
  readonly stpMode: StpMode;
  readonly maxOrderQtyLots: number;
  readonly maxOrderNotional: number;
  readonly maxOpenOrders: number;
  readonly maxPositionLots: number;
  readonly openOrders: number;
  readonly positionLots: readonly number[];
  readonly cash: readonly number[];
}
