/**
 * FIFO queue with O(1) amortised shift and indexed access. Array.prototype.shift can be O(n) on large arrays
 * in V8 (measured here in isolation: shifting out 65 536 items one at a time took ~3 s), and the log's queues
 * may hold that many operations; the guarantee should not depend on V8's left-trimming heuristics.
 */
export class Fifo<T> implements Iterable<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The k-th item from the front (0 = oldest), or undefined. */
  at(k: number): T | undefined {
    return k >= 0 && k < this.length ? this.items[this.head + k] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Compact once at least half is dead space: amortised O(1) per shift.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let k = this.head; k < this.items.length; k++) yield this.items[k] as T;
  }
}
