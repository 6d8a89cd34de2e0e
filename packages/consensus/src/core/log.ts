import { assert } from './assert.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The in-memory view of the log: snapshot metadata plus the entries after it. The runtime keeps the
 * full log on disk; this holds only the uncompacted suffix (bounded by periodic snapshots).
 */
export class RaftLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  snapshotTimestampMs = 0;
  private entries: Entry[] = [];

  constructor(snapshot: Snapshot | undefined, entries: readonly Entry[]) {
    if (snapshot) {
      this.snapshotIndex = snapshot.index;
      this.snapshotTerm = snapshot.term;
      this.snapshotTimestampMs = snapshot.timestampMs;
    }
    for (const e of entries) {
      if (e.index <= this.snapshotIndex) continue;
      assert(e.index === this.lastIndex() + 1, `restart log not contiguous at ${e.index}`);
      assert(e.term >= this.lastTerm(), `restart log terms decrease at ${e.index}`);
      this.entries.push(e);
    }
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last ? last.term : this.snapshotTerm;
  }

  lastTimestampMs(): number {
    const last = this.entries[this.entries.length - 1];
    return last ? last.timestampMs : this.snapshotTimestampMs;
  }

  /** Term at `index`, or undefined if compacted away (below the snapshot) or beyond the end. */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  /** Entries in [fromIndex, toIndex] (inclusive), at most `countMax`. */
  slice(fromIndex: number, toIndex: number, countMax: number): Entry[] {
    assert(fromIndex > this.snapshotIndex, `slice below snapshot: ${fromIndex} <= ${this.snapshotIndex}`);
    const end = Math.min(toIndex, this.lastIndex(), fromIndex + countMax - 1);
    if (end < fromIndex) return [];
    return this.entries.slice(fromIndex - this.snapshotIndex - 1, end - this.snapshotIndex);
  }

  append(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, `append at ${entry.index}, last ${this.lastIndex()}`);
    assert(entry.term >= this.lastTerm(), `append term ${entry.term} below last term ${this.lastTerm()}`);
    this.entries.push(entry);
  }

  /** Drops entries at `index` and after (a divergent suffix). */
  truncateFrom(index: number): void {
    assert(index > this.snapshotIndex, `truncate into snapshot: ${index}`);
    this.entries.length = Math.max(0, index - this.snapshotIndex - 1);
  }

  /** Drops entries up to and including `index` (they are covered by a snapshot). */
  compact(index: number, term: number, timestampMs: number): void {
    assert(index >= this.snapshotIndex, `compact backwards: ${index} < ${this.snapshotIndex}`);
    assert(index <= this.lastIndex(), `compact beyond log end: ${index}`);
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.snapshotTimestampMs = timestampMs;
  }

  /** Replaces the whole log by a snapshot (install from the leader). */
  resetTo(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshotIndex = snapshot.index;
    this.snapshotTerm = snapshot.term;
    this.snapshotTimestampMs = snapshot.timestampMs;
  }

  /**
   * Largest index <= `index` whose term is <= `term` (etcd's findConflictByTerm): lets a rejected
   * append skip a whole divergent term instead of one entry per round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshotIndex) {
      const t = this.termAt(i);
      if (t !== undefined && t <= term) return i;
      i--;
    }
    return this.snapshotIndex;
  }

  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex());
  }
}
