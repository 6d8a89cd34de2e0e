import type { Level } from '../book/level.js';
import type { Order } from '../book/order.js';
import type { MatchingEngine } from '../engine/engine.js';
import { ByteWriter } from './bytes.js';
import { writeOrder, writeSnapshotHead, writeStops } from './snapshot.js';

/**
 * The image is written straight into chunks of this size (no growth, no copy at the end); a chunk
 * is handed over (`takeChunks`) as soon as it is full, so the snapshot does not hold the image.
 */
const CHUNK_BYTES = 1 << 20;
/** Levels captured before a change (copy-on-write) are written into arena buffers of this size. */
const ARENA_BYTES = 1 << 20;
/** Arena buffers kept on the engine for the next snapshot (at most this many; the rest is freed). */
const ARENA_POOL_MAX = 64;

const EMPTY = new Uint8Array(0);

/**
 * Arena memory lives in SharedArrayBuffers (never shared: only this thread uses them). V8 does not
 * count shared backing stores in an isolate's external memory, so captured levels (at 1M orders up
 * to ~100 MB when commands touch most levels before they are written) do not push the service
 * thread over V8's external-memory limit, which would start a major GC and run forced marking
 * steps on every later allocation: the long pauses this class exists to avoid. The memory is
 * bounded by the book (one capture per level per snapshot) and returned to the pool at the end.
 */
function arenaAlloc(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes));
}

/** Buffer sizes (tests use small ones to cross every boundary; defaults otherwise). */
export interface IncrementalSnapshotOptions {
  /** Output chunk size, bytes (>= 16). */
  readonly chunkBytes?: number;
  /** Arena buffer size for captured levels, bytes (>= 16). */
  readonly arenaBytes?: number;
}

function sizeOption(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 16 || v > 1 << 30)
    throw new RangeError(`IncrementalSnapshot: ${name} must be an integer from 16 to 2^30`);
  return v;
}

/**
 * A snapshot of the engine at the position where it began, written in steps while the engine keeps
 * applying commands (issue 12: a snapshot of a large book must not stall the log).
 *
 * Copy-on-write at price-level granularity: at the start it writes the small parts at once (counters,
 * instruments, accounts, sessions, pending stops) and freezes the list of levels of every side (an
 * array of references, no order is copied). `step` then serializes frozen levels in book order, a
 * bounded number of orders at a time (a big level is written across several steps). The engine
 * calls `beforeLevelChange` before it changes a resting order or a level's FIFO; a frozen level not
 * yet written (or the rest of the level being written) is then serialized first, as it was at the
 * snapshot position, into reused arena buffers. So the bytes equal `writeSnapshot` at the starting
 * position, whatever happens in between (a level captured early may even be emptied, pooled and
 * reused at another price: its captured bytes are used).
 *
 * Memory: the image goes into 1 MiB chunks allocated once each (no doubling, no final copy) and
 * `takeChunks` hands full chunks over as they are produced, so a caller that moves them elsewhere
 * (the service worker transfers them to the consensus thread) keeps this heap's external memory
 * flat: no external-memory-pressure GC in the service thread (the cause of the long pauses before).
 * Deterministic: it reads state and never changes it; when steps run does not affect the bytes.
 */
export class IncrementalSnapshot {
  /** What remains to write, in order: ready bytes, or a frozen level. */
  private readonly plan: (Uint8Array | Level)[] = [];
  private next = 0;
  /** Frozen levels not yet written nor captured (untouched since the start). */
  private readonly pending = new Set<Level>();
  /** Frozen levels captured before a change: their bytes as at the start (views into the arena). */
  private readonly captured = new Map<Level, Uint8Array[]>();
  /** The level being written across steps, and its next order to write. */
  private cur: Level | null = null;
  private curOrder: Order | null = null;
  /** The rest of `cur` captured before it changed: written next. */
  private curRest: Uint8Array[] | null = null;
  /** Full chunks not yet handed over. */
  private out: Uint8Array[] = [];
  private readonly w: ByteWriter;
  /** Arena writer for captured levels, the pieces of the capture in progress, and the buffers used. */
  private readonly cap: ByteWriter;
  private capPieces: Uint8Array[] = [];
  private capStart = 0;
  private readonly arenaUsed: Uint8Array[] = [];
  private finished = false;
  private aborted = false;
  private readonly arenaBytes: number;
  /** Levels captured early (copy-on-write), for metrics and tests. */
  capturedLevels = 0;

  constructor(
    private readonly engine: MatchingEngine,
    options: IncrementalSnapshotOptions = {},
  ) {
    if (engine.snapshotGuard !== null)
      throw new Error('IncrementalSnapshot: a snapshot is already in progress');
    const chunkBytes = sizeOption(options.chunkBytes, CHUNK_BYTES, 'chunkBytes');
    this.arenaBytes = sizeOption(options.arenaBytes, ARENA_BYTES, 'arenaBytes');
    this.w = new ByteWriter(EMPTY, (filled, needBytes) => {
      if (filled.length > 0) this.out.push(filled);
      return new Uint8Array(Math.max(chunkBytes, needBytes));
    });
    this.cap = new ByteWriter(EMPTY, (filled, needBytes) => {
      if (this.capStart < filled.length) this.capPieces.push(filled.subarray(this.capStart));
      this.capStart = 0;
      return this.arenaBuffer(needBytes);
    });
    const head = new ByteWriter();
    writeSnapshotHead(head, engine);
    this.plan.push(head.finish());
    for (const inst of engine.instrumentList) {
      const b = inst.book;
      for (const side of [b.bids, b.asks]) {
        const count = new ByteWriter(new Uint8Array(4));
        count.u32(side.levels.length);
        this.plan.push(count.finish());
        for (let li = side.levels.length - 1; li >= 0; li--) {
          const level = side.levels[li]!;
          this.plan.push(level);
          this.pending.add(level);
        }
      }
      // Stops are few (and re-sorted on change): written at once.
      const stops = new ByteWriter(new Uint8Array(1 << 10));
      writeStops(stops, b);
      this.plan.push(stops.finish());
    }
    engine.snapshotGuard = this;
  }

  private arenaBuffer(needBytes: number): Uint8Array {
    if (needBytes > this.arenaBytes) return arenaAlloc(needBytes); // an order with a huge clOrdId
    const pool = this.engine.snapshotArena;
    const pooled =
      pool.length > 0 && pool[pool.length - 1]!.length === this.arenaBytes ? pool.pop() : undefined;
    const b = pooled ?? arenaAlloc(this.arenaBytes);
    this.arenaUsed.push(b);
    return b;
  }

  /** Writes orders from `o` to the end of its level into the arena; returns the pieces. */
  private capture(from: Order | null, level: Level | null): Uint8Array[] {
    this.capPieces = [];
    this.capStart = this.cap.length;
    if (level !== null) {
      this.cap.num(level.priceTicks);
      this.cap.u32(level.orderCount);
    }
    for (let o = from; o !== null; o = o.next) writeOrder(this.cap, o);
    if (this.capStart < this.cap.length) this.capPieces.push(this.cap.written(this.capStart));
    this.capStart = this.cap.length;
    const pieces = this.capPieces;
    this.capPieces = [];
    return pieces;
  }

  /** @internal Called by the engine before `level` or one of its orders changes. */
  beforeLevelChange(level: Level): void {
    if (level === this.cur) {
      this.curRest = this.capture(this.curOrder, null);
      this.cur = null;
      this.curOrder = null;
      this.capturedLevels++;
      return;
    }
    if (!this.pending.delete(level)) return;
    this.captured.set(level, this.capture(level.head, level));
    this.capturedLevels++;
  }

  private raw(pieces: readonly Uint8Array[]): number {
    let units = 0;
    for (const p of pieces) {
      this.w.raw(p);
      units += 1 + (p.length >> 7);
    }
    return units;
  }

  /**
   * Writes about `budget` orders (a level may be split across steps). True when complete; the
   * engine is then no longer observed.
   */
  step(budget: number): boolean {
    if (this.aborted) throw new Error('IncrementalSnapshot: aborted');
    if (this.finished) return true;
    let done = 0;
    while (done < budget) {
      if (this.curRest !== null) {
        done += this.raw(this.curRest);
        this.curRest = null;
        continue;
      }
      if (this.cur !== null) {
        let o = this.curOrder;
        for (; o !== null && done < budget; o = o.next, done++) writeOrder(this.w, o);
        this.curOrder = o;
        if (o === null) this.cur = null;
        continue;
      }
      if (this.next >= this.plan.length) break;
      const item = this.plan[this.next]!;
      this.plan[this.next] = EMPTY; // let written parts be collected
      this.next++;
      if (item instanceof Uint8Array) {
        this.w.raw(item);
        done += 1 + (item.length >> 7);
        continue;
      }
      const early = this.captured.get(item);
      if (early !== undefined) {
        this.captured.delete(item);
        done += this.raw(early);
        continue;
      }
      if (!this.pending.delete(item)) throw new Error('invariant: frozen level neither pending nor captured');
      this.w.num(item.priceTicks);
      this.w.u32(item.orderCount);
      done++;
      this.cur = item;
      this.curOrder = item.head;
    }
    if (this.next < this.plan.length || this.cur !== null || this.curRest !== null) return false;
    if (this.w.length > 0) this.out.push(this.w.written(0));
    if (this.pending.size !== 0 || this.captured.size !== 0)
      throw new Error('invariant: levels left after the snapshot');
    this.finished = true;
    this.engine.snapshotGuard = null;
    this.releaseArena();
    return true;
  }

  /** Arena buffers back to the engine's pool for the next snapshot (bounded). */
  private releaseArena(): void {
    const pool = this.engine.snapshotArena;
    if (pool.length > 0 && pool[0]!.length !== this.arenaBytes) pool.length = 0; // one size at a time
    for (const b of this.arenaUsed)
      if (pool.length < ARENA_POOL_MAX && b.length === this.arenaBytes) pool.push(b);
    this.arenaUsed.length = 0;
  }

  /**
   * Full chunks written since the last call, in order, handed over (the caller may move them to
   * another thread). `chunks()` then gives only the rest.
   */
  takeChunks(): Uint8Array[] {
    const c = this.out;
    this.out = [];
    return c;
  }

  /**
   * The image in order, less the chunks already handed over by `takeChunks` (all of them
   * concatenated: `writeSnapshot` at the start position). After `step` returned true.
   */
  chunks(): readonly Uint8Array[] {
    if (!this.finished) throw new Error('IncrementalSnapshot: not finished');
    return this.out;
  }

  /** Stops observing the engine (a snapshot no longer wanted, or the engine replaced). */
  abort(): void {
    if (this.finished || this.aborted) return;
    this.aborted = true;
    this.pending.clear();
    this.captured.clear();
    this.cur = null;
    this.curOrder = null;
    this.curRest = null;
    if (this.engine.snapshotGuard === this) this.engine.snapshotGuard = null;
    this.releaseArena();
  }
}
