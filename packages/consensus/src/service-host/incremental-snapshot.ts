import type { SnapshotCursor } from '../service.js';
import { ByteWriter } from './bytes.js';

/** One service's part: bytes written at once (`onTakeSnapshot`), or a cursor still writing. */
export type SnapshotPart =
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly cursor: SnapshotCursor };

/**
 * A ServiceHost snapshot (format VSN2) at the position where it began, completed in steps between
 * entries (issue 12). The host's own state and services without `beginSnapshot` were written at the
 * start; services with it write through their cursors. The image is a list of pieces (`chunks()`)
 * whose concatenation equals `ServiceHost.takeSnapshot` at the starting position (each service part
 * is one length-prefixed chunk, as one `write` gives); the service worker hands the pieces to the
 * consensus thread as they are (moved, not copied) instead of assembling one buffer here.
 */
export class HostSnapshotCursor {
  private phase: 'services' | 'done' | 'aborted' = 'services';
  private serviceIndex = 0;
  private pieces: Uint8Array[] = [];

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

  /** Does about `budget` units of work; true when the image is complete (then `chunks()`). */
  step(budget: number): boolean {
    if (!Number.isSafeInteger(budget) || budget < 1)
      throw new Error('HostSnapshotCursor.step: budget must be >= 1');
    if (this.phase === 'aborted') throw new Error('HostSnapshotCursor: aborted');
    if (this.phase === 'done') return true;
    while (this.serviceIndex < this.parts.length) {
      const part = this.parts[this.serviceIndex]!;
      if ('cursor' in part && !part.cursor.step(budget)) return false;
      this.serviceIndex++;
    }
    this.layout();
    this.phase = 'done';
    this.onEnd(this);
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
    this.pieces = pieces;
    this.parts = [];
  }

  /** The image as pieces in order (concatenated: `takeSnapshot` at `index`); only once done. */
  chunks(): readonly Uint8Array[] {
    if (this.phase !== 'done') throw new Error('HostSnapshotCursor: not done');
    return this.pieces;
  }

  /** The image as one buffer (a copy of all pieces); only once done. */
  result(): Uint8Array {
    return concatChunks(this.chunks());
  }

  /** Drops the snapshot and stops the services' copy-on-write. */
  abort(): void {
    if (this.phase === 'done' || this.phase === 'aborted') return;
    this.phase = 'aborted';
    for (const part of this.parts) if ('cursor' in part) part.cursor.abort();
    this.parts = [];
    this.onEnd(this);
  }
}

/** Concatenates snapshot pieces into one buffer. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
