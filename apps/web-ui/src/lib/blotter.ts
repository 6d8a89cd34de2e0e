import { Decimal as DecimalBase } from 'decimal.js';

// Average cost divides; 50 significant digits keep the quotient error below 1e-30, and results are
// rounded to 12 decimal places for display (far below any tick x lot of the venue).
const Decimal = DecimalBase.clone({ precision: 50 });
type Decimal = DecimalBase;
const PNL_PLACES = 12;

import type { FixMessage } from './fix.js';

// The trader's own orders, fills and positions, built only from ExecutionReports (35=8). Prices and
// quantities stay decimal text as the venue sent them; P&L is exact decimal arithmetic.

export type Side = 'buy' | 'sell';

export interface OrderRow {
  readonly orderId: string;
  clOrdId: string;
  readonly symbol: string;
  readonly side: Side;
  ordType: string;
  price: string | undefined;
  orderQty: string;
  cumQty: string;
  leavesQty: string;
  avgPx: string;
  /** FIX OrdStatus(39) code. */
  status: string;
  text: string | undefined;
  updatedSeq: number;
}

export interface Fill {
  readonly execId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: string;
  readonly qty: string;
  readonly time: string;
}

export interface Position {
  readonly symbol: string;
  /** Signed: long > 0. */
  readonly qty: string;
  /** Average cost of the open quantity (undefined when flat). */
  readonly avgPrice: string | undefined;
  readonly realized: string;
  /** Marked to `mark`; undefined without a mark or when flat. */
  readonly unrealized: string | undefined;
  readonly mark: string | undefined;
}

export const ORD_STATUS_TEXT: Readonly<Record<string, string>> = {
  '0': 'New',
  '1': 'Partially filled',
  '2': 'Filled',
  '4': 'Canceled',
  '5': 'Replaced',
  '6': 'Pending cancel',
  '8': 'Rejected',
  A: 'Pending new',
  C: 'Expired',
  E: 'Pending replace',
  U: 'Unknown to the venue',
};

const OPEN_STATUSES = new Set(['0', '1', '6', 'A', 'E', '5']);
const FILLS_MAX = 5_000;
const ORDERS_MAX = 5_000;

export type ReportOutcome =
  | { kind: 'ack'; order: OrderRow }
  | { kind: 'fill'; order: OrderRow; fill: Fill }
  | { kind: 'reject'; clOrdId: string; text: string; order: OrderRow | undefined }
  | { kind: 'update'; order: OrderRow }
  | { kind: 'ignored'; reason: string };

export class Blotter {
  /** orderId -> order, in arrival order. */
  readonly orders = new Map<string, OrderRow>();
  readonly fills: Fill[] = [];
  private readonly execIds = new Set<string>();
  private seq = 0;

  openOrders(): OrderRow[] {
    return [...this.orders.values()].filter((o) => OPEN_STATUSES.has(o.status)).reverse();
  }

  findByClOrdId(clOrdId: string): OrderRow | undefined {
    for (const o of this.orders.values()) if (o.clOrdId === clOrdId) return o;
    return undefined;
  }

  /** Marks an order the venue no longer knows (status request refused). */
  markUnknown(orderId: string, text: string): OrderRow | undefined {
    const o = this.orders.get(orderId);
    if (o === undefined) return undefined;
    o.status = 'U';
    o.text = text;
    o.updatedSeq = ++this.seq;
    return o;
  }

  /** Applies an ExecutionReport (35=8). Resent duplicates (43=Y, same ExecID) are ignored. */
  onExecutionReport(m: FixMessage): ReportOutcome {
    const orderId = m.get(37);
    const execId = m.get(17);
    const execType = m.get(150);
    const status = m.get(39);
    const symbol = m.get(55);
    const sideCode = m.get(54);
    const clOrdId = m.get(11) ?? '';
    if (orderId === undefined || execId === undefined || execType === undefined || status === undefined) {
      return { kind: 'ignored', reason: 'ExecutionReport without 37/17/150/39' };
    }
    // A resend (PossDupFlag=Y) of an execution already applied changes nothing. Status answers
    // (150=I) carry no new execution and always refresh the row.
    if (execType !== 'I' && m.get(43) === 'Y' && this.execIds.has(execId)) {
      return { kind: 'ignored', reason: `duplicate ExecID ${execId}` };
    }
    this.execIds.add(execId);
    const side: Side = sideCode === '2' ? 'sell' : 'buy';
    if (execType === '8') {
      const text = m.get(58) ?? 'rejected';
      return { kind: 'reject', clOrdId, text, order: this.orders.get(orderId) };
    }
    if (symbol === undefined) return { kind: 'ignored', reason: 'ExecutionReport without Symbol(55)' };
    let order = this.orders.get(orderId);
    if (order === undefined) {
      if (this.orders.size >= ORDERS_MAX) this.evictClosed();
      order = {
        orderId,
        clOrdId,
        symbol,
        side,
        ordType: m.get(40) ?? '2',
        price: m.get(44),
        orderQty: m.get(38) ?? '0',
        cumQty: '0',
        leavesQty: '0',
        avgPx: '0',
        status,
        text: undefined,
        updatedSeq: 0,
      };
      this.orders.set(orderId, order);
    }
    order.clOrdId = clOrdId || order.clOrdId;
    order.status = status;
    order.price = m.get(44) ?? order.price;
    order.orderQty = m.get(38) ?? order.orderQty;
    order.cumQty = m.get(14) ?? order.cumQty;
    order.leavesQty = m.get(151) ?? order.leavesQty;
    order.avgPx = m.get(6) ?? order.avgPx;
    order.text = m.get(58);
    order.updatedSeq = ++this.seq;
    if (execType === 'F') {
      const price = m.get(31);
      const qty = m.get(32);
      if (price === undefined || qty === undefined) return { kind: 'update', order };
      const fill: Fill = { execId, orderId, symbol, side: order.side, price, qty, time: m.get(60) ?? '' };
      this.fills.push(fill);
      if (this.fills.length > FILLS_MAX) this.fills.splice(0, this.fills.length - FILLS_MAX);
      return { kind: 'fill', order, fill };
    }
    return { kind: execType === '0' ? 'ack' : 'update', order };
  }

  private evictClosed(): void {
    for (const [id, o] of this.orders) {
      if (!OPEN_STATUSES.has(o.status)) this.orders.delete(id);
      if (this.orders.size < ORDERS_MAX / 2) return;
    }
  }
}

/**
 * Positions from fills (oldest first), average-cost method: fills that add to a position move the
 * average; fills that reduce it realise (price - avg) x qty (sign by side). Unrealised P&L is
 * (mark - avg) x qty. Exact decimals.
 */
export function computePositions(fills: ReadonlyArray<Fill>, marks: ReadonlyMap<string, string>): Position[] {
  interface Acc {
    qty: Decimal;
    avg: Decimal;
    realized: Decimal;
  }
  const accs = new Map<string, Acc>();
  for (const f of fills) {
    const acc = accs.get(f.symbol) ?? { qty: new Decimal(0), avg: new Decimal(0), realized: new Decimal(0) };
    accs.set(f.symbol, acc);
    const signed = new Decimal(f.qty).times(f.side === 'buy' ? 1 : -1);
    const price = new Decimal(f.price);
    if (acc.qty.isZero() || acc.qty.isNeg() === signed.isNeg()) {
      // Opening or adding: weighted average cost.
      const newQty = acc.qty.plus(signed);
      acc.avg = acc.qty.times(acc.avg).plus(signed.times(price)).div(newQty);
      acc.qty = newQty;
      continue;
    }
    // Reducing (and maybe flipping).
    const closing = Decimal.min(acc.qty.abs(), signed.abs());
    const direction = acc.qty.isNeg() ? -1 : 1;
    acc.realized = acc.realized.plus(price.minus(acc.avg).times(closing).times(direction));
    const remaining = acc.qty.plus(signed);
    if (remaining.isZero()) {
      acc.qty = remaining;
      acc.avg = new Decimal(0);
    } else if (remaining.isNeg() === acc.qty.isNeg()) {
      acc.qty = remaining;
    } else {
      acc.qty = remaining;
      acc.avg = price; // flipped: the rest opened at this fill's price
    }
  }
  const out: Position[] = [];
  for (const [symbol, acc] of [...accs].sort((a, b) => a[0].localeCompare(b[0]))) {
    const mark = marks.get(symbol);
    const flat = acc.qty.isZero();
    out.push({
      symbol,
      qty: acc.qty.toString(),
      avgPrice: flat ? undefined : acc.avg.toDecimalPlaces(8).toString(),
      realized: acc.realized.toDecimalPlaces(PNL_PLACES).toString(),
      unrealized:
        flat || mark === undefined
          ? undefined
          : new Decimal(mark).minus(acc.avg).times(acc.qty).toDecimalPlaces(PNL_PLACES).toString(),
      mark,
    });
  }
  return out;
}
