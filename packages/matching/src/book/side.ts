import type { Level, LevelPool } from './level.js';

/**
 * One side of a book: levels in a sorted array, WORST first and BEST last, so the best level is
 * `levels[length-1]` (O(1)) and removing an exhausted best level is a pop (O(1)). Lookup by price
 * is a binary search; inserting or removing a level shifts the array tail, which is cheap because
 * levels tend to appear and disappear near the top of the book (the array tail).
 */
export class BookSide {
  readonly levels: Level[] = [];
  constructor(readonly isBid: boolean) {}

  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Level `i` counted from the best (0 = best). */
  levelFromBest(i: number): Level | undefined {
    return this.levels[this.levels.length - 1 - i];
  }

  get depth(): number {
    return this.levels.length;
  }

  /** Index of the first level whose key >= key(price), keys ascending (bid: price, ask: -price). */
  private lowerBound(priceTicks: number): number {
    const key = this.isBid ? priceTicks : -priceTicks;
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = levels[mid]!.priceTicks;
      if ((this.isBid ? p : -p) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(priceTicks: number): Level | undefined {
    const levels = this.levels;
    // Fast path: most activity is at the best level.
    const top = levels[levels.length - 1];
    if (top !== undefined && top.priceTicks === priceTicks) return top;
    const i = this.lowerBound(priceTicks);
    const l = levels[i];
    return l !== undefined && l.priceTicks === priceTicks ? l : undefined;
  }

  getOrCreate(priceTicks: number, pool: LevelPool): Level {
    const levels = this.levels;
    const top = levels[levels.length - 1];
    if (top !== undefined && top.priceTicks === priceTicks) return top;
    const i = this.lowerBound(priceTicks);
    const l = levels[i];
    if (l !== undefined && l.priceTicks === priceTicks) return l;
    const created = pool.acquire(priceTicks);
    // Manual shift instead of splice: splice allocates its result array on every call.
    levels.push(created);
    for (let j = levels.length - 1; j > i; j--) levels[j] = levels[j - 1]!;
    levels[i] = created;
    return created;
  }

  remove(level: Level): void {
    const levels = this.levels;
    const last = levels.length - 1;
    if (levels[last] === level) {
      levels.pop();
      return;
    }
    const i = this.lowerBound(level.priceTicks);
    if (levels[i] !== level) throw new Error('invariant: level not found in side');
    for (let j = i; j < last; j++) levels[j] = levels[j + 1]!;
    levels.pop();
  }
}
