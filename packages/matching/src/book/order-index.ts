import type { Order } from './order.js';

/** Slots of the previous table moved per write while a growth is in progress. */
const MIGRATE_SLOTS = 64;
/** Marks a slot of the previous table whose entry moved or was deleted (ids are positive). */
const MOVED = -1;
const NO_VALS: Array<Order | null> = [];

/**
 * Order id -> live order: open addressing with linear probing over typed-array keys and
 * backward-shift deletion (no tombstones). Faster than Map for the churn of an order book
 * (insert on accept, delete on fill/cancel) and never iterated, so its layout cannot leak
 * into any output. Ids are positive safe integers (0 marks an empty slot).
 *
 * Growth is incremental: the table doubles into a new one and each later write moves the next
 * `MIGRATE_SLOTS` slots of the previous one (a moved or deleted slot there is marked, never
 * shifted, so the scan misses nothing); lookups try the new table, then the previous one. Growing
 * all at once re-inserted every order in one call: at 1,048,576 live orders that was ~50 ms of CPU
 * and gaps of 0.3-1.9 s in the log on a loaded machine (issue 12, bench/snapshot-stall.bench.ts).
 */
export class OrderIndex {
  private keys: Float64Array;
  private vals: Array<Order | null>;
  private mask: number;
  /** Entries in the current table. */
  private used = 0;
  /** Live entries in both tables. */
  private count = 0;
  /** The previous table while its entries move (null when no growth is in progress). */
  private oldKeys: Float64Array | null = null;
  private oldVals: Array<Order | null> = NO_VALS;
  private oldMask = 0;
  private oldNext = 0;

  /** `migrateSlots`: slots of the previous table moved per write during a growth (tests use 1). */
  constructor(
    capacityPow2 = 1 << 12,
    private readonly migrateSlots = MIGRATE_SLOTS,
  ) {
    if (!Number.isSafeInteger(migrateSlots) || migrateSlots < 1)
      throw new RangeError('OrderIndex: migrateSlots must be a positive integer');
    if (!Number.isInteger(Math.log2(capacityPow2)) || capacityPow2 < 2)
      throw new RangeError('OrderIndex: capacity must be a power of two >= 2');
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
      if (k === 0) return this.oldKeys === null ? undefined : this.getOld(id);
      i = (i + 1) & mask;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Slot of `id` in the previous table, or -1. */
  private findOld(id: number): number {
    const keys = this.oldKeys!;
    const mask = this.oldMask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === id) return i;
      if (k === 0) return -1;
      i = (i + 1) & mask;
    }
  }

  private getOld(id: number): Order | undefined {
    const i = this.findOld(id);
    return i < 0 ? undefined : this.oldVals[i]!;
  }

  set(id: number, o: Order): void {
    if (this.oldKeys !== null) {
      this.migrate();
      if (this.oldKeys !== null) {
        const j = this.findOld(id);
        if (j >= 0) {
          this.oldVals[j] = o;
          return;
        }
      }
    }
    const keys = this.keys;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === id) {
        this.vals[i] = o;
        return;
      }
      if (k === 0) break;
      i = (i + 1) & mask;
    }
    this.count++;
    if ((this.used + 1) * 2 > keys.length) {
      this.grow(); // `id` is in neither table: insert it into the new one
      this.insertNew(id, o);
      return;
    }
    keys[i] = id;
    this.vals[i] = o;
    this.used++;
  }

  delete(id: number): boolean {
    if (this.oldKeys !== null) this.migrate();
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    for (;;) {
      const k = keys[i]!;
      if (k === 0) return this.deleteOld(id);
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
    this.used--;
    this.count--;
    return true;
  }

  private deleteOld(id: number): boolean {
    if (this.oldKeys === null) return false;
    const j = this.findOld(id);
    if (j < 0) return false;
    this.oldKeys[j] = MOVED;
    this.oldVals[j] = null;
    this.count--;
    return true;
  }

  /** Inserts an id known to be in neither table into the current one (no growth check). */
  private insertNew(id: number, o: Order): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = OrderIndex.slot(id, mask);
    while (keys[i] !== 0) i = (i + 1) & mask;
    keys[i] = id;
    this.vals[i] = o;
    this.used++;
  }

  /** Moves the next slots of the previous table (all of them if `all`). */
  private migrate(all = false): void {
    const oldKeys = this.oldKeys!;
    const oldVals = this.oldVals;
    const end = all ? oldKeys.length : Math.min(oldKeys.length, this.oldNext + this.migrateSlots);
    for (let i = this.oldNext; i < end; i++) {
      const k = oldKeys[i]!;
      if (k > 0) {
        this.insertNew(k, oldVals[i]!);
        oldKeys[i] = MOVED;
        oldVals[i] = null;
      }
    }
    this.oldNext = end;
    if (end === oldKeys.length) {
      this.oldKeys = null;
      this.oldVals = NO_VALS;
    }
  }

  private grow(): void {
    // A growth still moving (only if writes outpace the move, never in practice): finish it first.
    if (this.oldKeys !== null) this.migrate(true);
    if ((this.used + 1) * 2 <= this.keys.length) return;
    this.oldKeys = this.keys;
    this.oldVals = this.vals;
    this.oldMask = this.mask;
    this.oldNext = 0;
    const cap = this.keys.length * 2;
    this.keys = new Float64Array(cap);
    this.vals = new Array<Order | null>(cap).fill(null);
    this.mask = cap - 1;
    this.used = 0;
  }
}
