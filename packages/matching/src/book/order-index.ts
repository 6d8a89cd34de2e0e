import type { Order } from './order.js';

/**
 * Order id -> live order: open addressing with linear probing over typed-array keys and
 * backward-shift deletion (no tombstones). Faster than Map for the churn of an order book
 * (insert on accept, delete on fill/cancel) and never iterated, so its layout cannot leak
 * into any output. Ids are positive safe integers (0 marks an empty slot).
 */
export class OrderIndex {
  private keys: Float64Array;
  private vals: Array<Order | null>;
  private mask: number;
  private count = 0;

  constructor(capacityPow2 = 1 << 12) {
    this.keys = new Float64Array(capacityPow2);
    this.vals = new Array<Order | null>(capacityPow2).fill(null);
    this.mask = capacityPow2 - 1;
  }

  get size(): number {
    return this.count;
  }

  private static slot(id: number, mask: number): number {
    // Fibonacci hashing of the low 32 bits, mixed with the high bits (ids are sequential).
    const lo = id >>> 0;
    const hi = (id / 4_294_967_296) >>> 0;
    return (Math.imul(lo ^ hi, 0x9e3779b1) >>> 0) & mask;
  }

  get(id: number): Order | undefined {
    const keys = this.keys;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === id) return this.vals[i]!;
      if (k === 0) return undefined;
      i = (i + 1) & mask;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, o: Order): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === id) {
        this.vals[i] = o;
        return;
      }
      if (k === 0) {
        keys[i] = id;
        this.vals[i] = o;
        this.count++;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  delete(id: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === 0) return false;
      if (k === id) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: move later members of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === 0) break;
      const home = OrderIndex.slot(k, mask);
      // Move k if its home is not in the cyclic range (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        keys[hole] = k;
        vals[hole] = vals[j]!;
        hole = j;
      }
    }
    keys[hole] = 0;
    vals[hole] = null;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.vals = new Array<Order | null>(cap).fill(null);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== 0) this.set(k, oldVals[i]!);
    }
  }
}
