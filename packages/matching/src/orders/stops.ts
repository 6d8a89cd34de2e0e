import type { Order } from '../book/order.js';

/**
 * Pending stop orders of one instrument. Buy stops trigger when lastTrade >= stop, sell stops when
 * lastTrade <= stop. Each side is an array sorted so the NEXT stop to trigger is at the END:
 * buy stops by (stop descending, then priority descending), so the end holds the lowest stop and,
 * among equal stops, the oldest; sell stops by (stop ascending, priority descending).
 * Trigger order (deterministic): after each command's matching, while a stop is triggered, take
 * the buy side's next stop first, else the sell side's; trigger it and re-check (its fills move the
 * last price).
 */
export class StopBook {
  readonly buys: Order[] = [];
  readonly sells: Order[] = [];

  get size(): number {
    return this.buys.length + this.sells.length;
  }

  add(o: Order, isBuy: boolean): void {
    const arr = isBuy ? this.buys : this.sells;
    // Elements that trigger before o stay after it (towards the end).
    let i = arr.length;
    while (i > 0 && StopBook.triggersFirst(arr[i - 1]!, o, isBuy)) i--;
    arr.splice(i, 0, o);
  }

  /** True if `a` triggers before `b`. */
  static triggersFirst(a: Order, b: Order, isBuy: boolean): boolean {
    if (a.stopPriceTicks !== b.stopPriceTicks) {
      return isBuy ? a.stopPriceTicks < b.stopPriceTicks : a.stopPriceTicks > b.stopPriceTicks;
    }
    return a.prioritySeq < b.prioritySeq;
  }

  remove(o: Order, isBuy: boolean): void {
    const arr = isBuy ? this.buys : this.sells;
    const i = arr.lastIndexOf(o);
    if (i < 0) throw new Error('invariant: stop order not in stop book');
    arr.splice(i, 1);
  }

  /** The next triggered stop given the last trade price, or undefined. */
  nextTriggered(lastPxTicks: number): Order | undefined {
    const b = this.buys[this.buys.length - 1];
    if (b !== undefined && b.stopPriceTicks <= lastPxTicks) return b;
    const s = this.sells[this.sells.length - 1];
    if (s !== undefined && s.stopPriceTicks >= lastPxTicks) return s;
    return undefined;
  }
}
