import type { Level } from '../book/level.js';
import type { MatchingEngine } from '../engine/engine.js';
import { ByteWriter } from './bytes.js';
import { writeLevel, writeSnapshotHead, writeStops } from './snapshot.js';

/** Output is cut into chunks of about this size, so no single copy (growth, finish) is large. */
const CHUNK_BYTES = 1 << 20;

/**
 * A snapshot of the engine at the position where it began, written in steps while the engine keeps
 * applying commands (issue 12: a snapshot of a large book must not stall the log).
 *
 * Copy-on-write at price-level granularity: at the start it writes the small parts at once (counters,
 * instruments, accounts, sessions, pending stops) and freezes the list of levels of every side (an
 * array of references, no order is copied). `step` then serializes frozen levels in book order. The
 * engine calls `beforeLevelChange` before it changes a resting order or a level's FIFO; a frozen
 * level not yet written is then serialized first, as it was at the snapshot position. So the bytes
 * equal `writeSnapshot` at the starting position, whatever happens in between (a level captured
 * early may even be emptied, pooled and reused at another price: its captured bytes are used).
 * Deterministic: it reads state and never changes it; when steps run does not affect the bytes.
 */
export class IncrementalSnapshot {
  /** What remains to write, in order: ready bytes, or a frozen level. */
  private readonly plan: (Uint8Array | Level)[] = [];
  private next = 0;
  /** Frozen levels not yet written nor captured (untouched since the start). */
  private readonly pending = new Set<Level>();
  /** Frozen levels captured before a change, with their bytes as at the start. */
  private readonly captured = new Map<Level, Uint8Array>();
  private readonly out: Uint8Array[] = [];
  private w = new ByteWriter();
  private finished = false;
  private aborted = false;
  /** Levels captured early (copy-on-write), for metrics and tests. */
  capturedLevels = 0;

  constructor(private readonly engine: MatchingEngine) {
    if (engine.snapshotGuard !== null)
      throw new Error('IncrementalSnapshot: a snapshot is already in progress');
    const head = new ByteWriter();
    writeSnapshotHead(head, engine);
    this.plan.push(head.finish());
    for (const inst of engine.instrumentList) {
      const b = inst.book;
      for (const side of [b.bids, b.asks]) {
        const count = new ByteWriter();
        count.u32(side.levels.length);
        this.plan.push(count.finish());
        for (let li = side.levels.length - 1; li >= 0; li--) {
          const level = side.levels[li]!;
          this.plan.push(level);
          this.pending.add(level);
        }
      }
      // Stops are few (and re-sorted on change): written at once.
      const stops = new ByteWriter();
      writeStops(stops, b);
      this.plan.push(stops.finish());
    }
    engine.snapshotGuard = this;
  }

  /** @internal Called by the engine before `level` or one of its orders changes. */
  beforeLevelChange(level: Level): void {
    if (!this.pending.delete(level)) return;
    const w = new ByteWriter();
    writeLevel(w, level);
    this.captured.set(level, w.finish());
    this.capturedLevels++;
  }

  /**
   * Writes about `budget` orders (whole levels: a level is never split). True when complete; the
   * engine is then no longer observed.
   */
  step(budget: number): boolean {
    if (this.aborted) throw new Error('IncrementalSnapshot: aborted');
    if (this.finished) return true;
    let done = 0;
    while (this.next < this.plan.length && done < budget) {
      const item = this.plan[this.next]!;
      this.plan[this.next] = EMPTY; // let written parts be collected
      this.next++;
      if (item instanceof Uint8Array) {
        this.w.raw(item);
        done += 1 + (item.length >> 7);
      } else {
        const early = this.captured.get(item);
        if (early !== undefined) {
          this.captured.delete(item);
          this.w.raw(early);
          done += 1 + (early.length >> 7);
        } else {
          if (!this.pending.delete(item))
            throw new Error('invariant: frozen level neither pending nor captured');
          done += 1 + item.orderCount;
          writeLevel(this.w, item);
        }
      }
      if (this.w.length >= CHUNK_BYTES) this.flush();
    }
    if (this.next < this.plan.length) return false;
    this.flush();
    if (this.pending.size !== 0 || this.captured.size !== 0)
      throw new Error('invariant: levels left after the snapshot');
    this.finished = true;
    this.engine.snapshotGuard = null;
    return true;
  }

  private flush(): void {
    if (this.w.length === 0) return;
    this.out.push(this.w.finish());
    this.w = new ByteWriter();
  }

  /** The image in order (concatenated: `writeSnapshot` at the start position). After `step` returned true. */
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
    if (this.engine.snapshotGuard === this) this.engine.snapshotGuard = null;
  }
}

const EMPTY = new Uint8Array(0);
