import type { Order } from './order.js';

/**
 * Order id -> live order: open addressing with linear probing over typed-array keys and
 * backward-shift deletion (no tombstones). Faster than Map for the churn of an order book
 * (insert on accept, delete on fill/cancel) and never iterated, so its layout cannot leak
 * into any output. Ids are positive safe integers (0 marks an empty slot).
 *
 * Split into `shardCount` tables by hash, each growing on its own: a growth rehashes one shard
 * (1/256 of the orders), never the whole index at once. One table of a million orders took
 * 0.4-1.9 s to grow (and its 2 x 32 MB of new arrays brought a long GC): a stall of the log
 * (issue 12, measured by bench/snapshot-stall.bench.ts at 1,048,576 live orders).
 */
export class OrderIndex {
  private readonly shards: Table[];
  private readonly shardMask: number;
  private count = 0;

  /** `shardCapacityPow2`: first capacity of each table; `shardCountPow2`: tables (1 to 4096). */
  constructor(shardCapacityPow2 = 16, shardCountPow2 = 256) {
    const bits = Math.log2(shardCountPow2);
    if (!Number.isInteger(bits) || bits < 0 || bits > 12)
      throw new RangeError('OrderIndex: shard count must be a power of two from 1 to 4096');
    if (!Number.isInteger(Math.log2(shardCapacityPow2)) || shardCapacityPow2 < 2)
      throw new RangeError('OrderIndex: shard capacity must be a power of two >= 2');
    this.shardMask = shardCountPow2 - 1;
    this.shards = [];
    for (let i = 0; i < shardCountPow2; i++) this.shards.push(new Table(shardCapacityPow2));
  }

  get size(): number {
    return this.count;
  }

  get(id: number): Order | undefined {
    return this.shards[id & this.shardMask]!.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, o: Order): void {
    if (this.shards[id & this.shardMask]!.set(id, o)) this.count++;
  }

  delete(id: number): boolean {
    if (!this.shards[id & this.shardMask]!.delete(id)) return false;
    this.count--;
    return true;
  }
}

/** One open-addressing table: Fibonacci hashing (the top bits of the product pick the slot). */
class Table {
  private keys: Float64Array;
  private vals: Array<Order | null>;
  private mask: number;
  /** 32 - log2(capacity). */
  private shift: number;
  private count = 0;

  constructor(capacityPow2: number) {
    this.keys = new Float64Array(capacityPow2);
    this.vals = new Array<Order | null>(capacityPow2).fill(null);
    this.mask = capacityPow2 - 1;
    this.shift = 32 - Math.log2(capacityPow2);
  }

  /** Ids are sequential: the low 32 bits mixed with the high bits, times the golden ratio. */
  private slot(id: number): number {
    return Math.imul((id >>> 0) ^ ((id / 4_294_967_296) >>> 0), 0x9e3779b1) >>> this.shift;
  }

  get(id: number): Order | undefined {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slot(id);
    for (;;) {
      const k = keys[i]!;
      if (k === id) return this.vals[i]!;
      if (k === 0) return undefined;
      i = (i + 1) & mask;
    }
  }

  /** True if `id` was not there. */
  set(id: number, o: Order): boolean {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slot(id);
    for (;;) {
      const k = keys[i]!;
      if (k === id) {
        this.vals[i] = o;
        return false;
      }
      if (k === 0) {
        keys[i] = id;
        this.vals[i] = o;
        this.count++;
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  delete(id: number): boolean {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.slot(id);
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
      const home = this.slot(k);
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
    this.shift--;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== 0) this.set(k, oldVals[i]!);
    }
  }
}
