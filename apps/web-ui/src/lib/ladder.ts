import type { LevelMsg, MdSide, SnapshotLevel } from './md.js';

// An L2 book rebuilt from the feed, and the ladder rows shown to the trader.

export interface Level {
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

export interface LadderRow extends Level {
  readonly side: MdSide;
  /** Sum of sizes from the best price up to and including this level. */
  readonly cumulativeLots: number;
}

const LEVELS_MAX = 10_000;

export class L2Book {
  private readonly bids = new Map<number, Level>();
  private readonly asks = new Map<number, Level>();

  private side(side: MdSide): Map<number, Level> {
    return side === 'buy' ? this.bids : this.asks;
  }

  reset(levels: ReadonlyArray<SnapshotLevel>): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of levels) {
      if (l.qtyLots > 0) this.side(l.side).set(l.priceTicks, l);
    }
  }

  /** Applies one level update; returns an error text for an impossible update (book unchanged). */
  apply(m: LevelMsg): string | undefined {
    const book = this.side(m.side);
    const has = book.has(m.priceTicks);
    if (m.action === 'delete') {
      if (!has) return `delete of unknown ${m.side} level ${m.priceTicks}`;
      book.delete(m.priceTicks);
      return undefined;
    }
    if (m.action === 'new' && has) return `new ${m.side} level ${m.priceTicks} already exists`;
    if (m.action === 'change' && !has) return `change of unknown ${m.side} level ${m.priceTicks}`;
    if (!has && book.size >= LEVELS_MAX) return 'too many levels';
    book.set(m.priceTicks, { priceTicks: m.priceTicks, qtyLots: m.qtyLots, orderCount: m.orderCount });
    return undefined;
  }

  /** Best-first levels of one side, at most `depth`. */
  levels(side: MdSide, depth = Number.MAX_SAFE_INTEGER): Level[] {
    const prices = [...this.side(side).keys()].sort((a, b) => (side === 'buy' ? b - a : a - b));
    return prices.slice(0, depth).map((p) => this.side(side).get(p)!);
  }

  bestBid(): number | undefined {
    return this.levels('buy', 1)[0]?.priceTicks;
  }

  bestAsk(): number | undefined {
    return this.levels('sell', 1)[0]?.priceTicks;
  }
}

/**
 * Ladder rows, highest price at the top: asks (cumulative from the best ask upwards, so the top row
 * has the largest total), then bids (cumulative from the best bid downwards).
 */
export function ladderRows(book: L2Book, depth: number): LadderRow[] {
  const withCum = (side: MdSide): LadderRow[] => {
    let cum = 0;
    return book.levels(side, depth).map((l) => {
      cum += l.qtyLots;
      return { ...l, side, cumulativeLots: cum };
    });
  };
  return [...withCum('sell').reverse(), ...withCum('buy')];
}
