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
