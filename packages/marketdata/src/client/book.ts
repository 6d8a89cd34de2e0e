import type { FeedMessage, SideCode, SnapshotLevel } from '../messages/messages.js';

export interface BookLevel {
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

/** What applying one message did. */
export type ApplyResult = 'applied' | 'stale' | 'gap' | 'no-snapshot';

/**
 * A consumer's L2 book (channel l2 or l2full) rebuilt from a snapshot and level updates keyed by
 * price. Rules (the same as the TS client's): wait for a Snapshot; then apply updates with seq =
 * last + 1; ignore seq <= last (already included); seq > last + 1 is a gap: the book is stale until
 * a replay fills it or a new snapshot replaces it.
 */
export class L2Book {
  private readonly bids = new Map<number, BookLevel>();
  private readonly asks = new Map<number, BookLevel>();
  /** Seq of the last message applied (-1: no snapshot yet). */
  lastSeq = -1;
  stale = true;

  constructor(
    readonly instrumentId: number,
    readonly channel: 'l2' | 'l2full',
  ) {}

  apply(m: FeedMessage): ApplyResult {
    if (m.instrumentId !== this.instrumentId || m.channel !== this.channel) return 'stale';
    if (m.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      for (const l of m.levels) this.side(l.side).set(l.priceTicks, copy(l));
      this.lastSeq = m.seq;
      this.stale = false;
      return 'applied';
    }
    if (m.type !== 'level') return 'stale';
    if (this.lastSeq < 0) return 'no-snapshot';
    if (m.seq <= this.lastSeq) return 'stale';
    if (m.seq !== this.lastSeq + 1) {
      this.stale = true;
      return 'gap';
    }
    const side = this.side(m.side);
    if (m.action === 2) {
      if (!side.delete(m.priceTicks))
        throw new Error(`delete of unknown level ${m.priceTicks} at seq ${m.seq}`);
    } else {
      if (m.action === 0 && side.has(m.priceTicks))
        throw new Error(`new level ${m.priceTicks} exists at seq ${m.seq}`);
      if (m.action === 1 && !side.has(m.priceTicks))
        throw new Error(`change of unknown level at seq ${m.seq}`);
      side.set(m.priceTicks, { priceTicks: m.priceTicks, qtyLots: m.qtyLots, orderCount: m.orderCount });
    }
    this.lastSeq = m.seq;
    return 'applied';
  }

  /** Levels of a side, best first. */
  levels(side: SideCode): BookLevel[] {
    const out = [...this.side(side).values()];
    out.sort(side === 1 ? (a, b) => b.priceTicks - a.priceTicks : (a, b) => a.priceTicks - b.priceTicks);
    return out;
  }

  private side(side: SideCode): Map<number, BookLevel> {
    return side === 1 ? this.bids : this.asks;
  }
}

function copy(l: SnapshotLevel): BookLevel {
  return { priceTicks: l.priceTicks, qtyLots: l.qtyLots, orderCount: l.orderCount };
}

export interface BookOrder {
  readonly orderId: number;
  readonly side: SideCode;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

interface L3Entry {
  orderId: number;
  side: SideCode;
  priceTicks: number;
  qtyLots: number;
  /** Arrival rank: FIFO within a level. */
  rank: number;
}

/**
 * A consumer's order-by-order book (channel l3) rebuilt from an OrderSnapshot and order updates.
 * Add and replace go to the back of the level's queue; modify and execute keep the place; an
 * execute down to 0 or a delete removes the order. Same seq rules as L2Book.
 */
export class L3Book {
  private readonly orders = new Map<number, L3Entry>();
  private rank = 0;
  lastSeq = -1;

  constructor(readonly instrumentId: number) {}

  apply(m: FeedMessage): ApplyResult {
    if (m.instrumentId !== this.instrumentId || m.channel !== 'l3') return 'stale';
    if (m.type === 'orders') {
      this.orders.clear();
      for (const o of m.orders) this.orders.set(o.orderId, { ...o, rank: ++this.rank });
      this.lastSeq = m.seq;
      return 'applied';
    }
    if (m.type !== 'order') return 'stale';
    if (this.lastSeq < 0) return 'no-snapshot';
    if (m.seq <= this.lastSeq) return 'stale';
    if (m.seq !== this.lastSeq + 1) return 'gap';
    const o = this.orders.get(m.orderId);
    switch (m.action) {
      case 0:
        if (o !== undefined) throw new Error(`add of existing order ${m.orderId} at seq ${m.seq}`);
        this.orders.set(m.orderId, {
          orderId: m.orderId,
          side: m.side,
          priceTicks: m.priceTicks,
          qtyLots: m.qtyLots,
          rank: ++this.rank,
        });
        break;
      case 3:
        if (o === undefined) throw new Error(`replace of unknown order ${m.orderId} at seq ${m.seq}`);
        o.side = m.side;
        o.priceTicks = m.priceTicks;
        o.qtyLots = m.qtyLots;
        o.rank = ++this.rank;
        break;
      case 1:
      case 2:
        if (o === undefined) throw new Error(`update of unknown order ${m.orderId} at seq ${m.seq}`);
        if (m.qtyLots === 0) this.orders.delete(m.orderId);
        else o.qtyLots = m.qtyLots;
        break;
      case 4:
        if (o === undefined) throw new Error(`delete of unknown order ${m.orderId} at seq ${m.seq}`);
        this.orders.delete(m.orderId);
        break;
    }
    this.lastSeq = m.seq;
    return 'applied';
  }

  /** Orders of a side in priority order (best price first, then arrival). */
  side(side: SideCode): BookOrder[] {
    const out = [...this.orders.values()].filter((o) => o.side === side);
    out.sort((a, b) =>
      a.priceTicks !== b.priceTicks
        ? side === 1
          ? b.priceTicks - a.priceTicks
          : a.priceTicks - b.priceTicks
        : a.rank - b.rank,
    );
    return out.map((o) => ({
      orderId: o.orderId,
      side: o.side,
      priceTicks: o.priceTicks,
      qtyLots: o.qtyLots,
    }));
  }
}
