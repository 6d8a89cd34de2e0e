import type { SnapshotCursor } from '../service.js';
import { ByteWriter } from './bytes.js';

/** One service's part: bytes written at once (`onTakeSnapshot`), or a cursor still writing. */
export type SnapshotPart =
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly cursor: SnapshotCursor };

/** Bytes copied into the final image per unit of step budget (a unit is about one small record). */
const COPY_BYTES_PER_UNIT = 128;

/**
 * A ServiceHost snapshot (format VSN2) at the position where it began, completed in steps between
 * entries (issue 12). The host's own state and services without `beginSnapshot` were written at the
 * start; services with it write through their cursors. Then the final image is assembled, also in
 * steps (one large copy would be a stall of its own). The bytes equal `ServiceHost.takeSnapshot` at
 * the starting position: each service part is one length-prefixed chunk, as one `write` gives.
 */
export class HostSnapshotCursor {
  private phase: 'services' | 'copy' | 'done' | 'aborted' = 'services';
  private serviceIndex = 0;
  private pieces: Uint8Array[] = [];
  private piece = 0;
  private pieceOffset = 0;
  private out = new Uint8Array(0);
  private outOffset = 0;

  constructor(
    /** Log position, timestamp of the state the snapshot holds. */
    readonly index: number,
    readonly timestampMs: number,
    private readonly head: Uint8Array,
    private parts: readonly SnapshotPart[],
    private readonly onEnd: (cursor: HostSnapshotCursor) => void,
  ) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Does about `budget` units of work; true when the image is complete (then `result()`). */
  step(budget: number): boolean {
    if (!Number.isSafeInteger(budget) || budget < 1)
      throw new Error('HostSnapshotCursor.step: budget must be >= 1');
    if (this.phase === 'aborted') throw new Error('HostSnapshotCursor: aborted');
    if (this.phase === 'services') {
      while (this.serviceIndex < this.parts.length) {
        const part = this.parts[this.serviceIndex]!;
        if ('cursor' in part && !part.cursor.step(budget)) return false;
        this.serviceIndex++;
      }
      this.layout();
      this.phase = 'copy';
      return false; // the layout counts as this step's work
    }
    if (this.phase === 'copy') {
      let left = budget * COPY_BYTES_PER_UNIT;
      while (this.piece < this.pieces.length && left > 0) {
        const p = this.pieces[this.piece]!;
        const n = Math.min(left, p.length - this.pieceOffset);
        this.out.set(p.subarray(this.pieceOffset, this.pieceOffset + n), this.outOffset);
        this.outOffset += n;
        this.pieceOffset += n;
        left -= n;
        if (this.pieceOffset === p.length) {
          this.pieces[this.piece] = EMPTY;
          this.piece++;
          this.pieceOffset = 0;
        }
      }
      if (this.piece < this.pieces.length) return false;
      if (this.outOffset !== this.out.length) throw new Error('invariant: snapshot image size mismatch');
      this.phase = 'done';
      this.onEnd(this);
    }
    return true;
  }

  /** Lays out the image as `takeSnapshot` writes it: head, then per service name + framed bytes. */
  private layout(): void {
    const pieces: Uint8Array[] = [this.head];
    for (const part of this.parts) {
      const w = new ByteWriter();
      w.string(part.name);
      if ('bytes' in part) {
        w.bytes(part.bytes);
        pieces.push(w.finish());
        continue;
      }
      const chunks = part.cursor.chunks();
      let length = 0;
      for (const c of chunks) length += c.length;
      // The service's writer frames each write; one write of `length` bytes.
      w.u32(4 + length);
      w.u32(length);
      pieces.push(w.finish(), ...chunks);
    }
    let total = 0;
    for (const p of pieces) total += p.length;
    this.pieces = pieces;
    // Dropped here so each chunk is freed once copied (the cursors are done and hold them).
    this.parts = [];
    this.out = new Uint8Array(total);
  }

  /** The complete image; only once done. */
  result(): Uint8Array {
    if (this.phase !== 'done') throw new Error('HostSnapshotCursor: not done');
    return this.out;
  }

  /** Drops the snapshot and stops the services' copy-on-write. */
  abort(): void {
    if (this.phase === 'done' || this.phase === 'aborted') return;
    this.phase = 'aborted';
    for (const part of this.parts) if ('cursor' in part) part.cursor.abort();
    this.pieces = [];
    this.onEnd(this);
  }
}

const EMPTY = new Uint8Array(0);
