import type { SnapshotCursor } from '../service.js';
import { ByteWriter } from './bytes.js';

/** One service's part: bytes written at once (`onTakeSnapshot`), or a cursor still writing. */
export type SnapshotPart =
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly cursor: SnapshotCursor };

/**
 * How to assemble a snapshot whose pieces were partly streamed: in order, a piece given here, or a
 * count `n` meaning "the next n pieces streamed by `takeChunks`" (see `assembleSnapshot`).
 */
export type SnapshotLayout = readonly (Uint8Array | number)[];

/**
 * A ServiceHost snapshot (format VSN2) at the position where it began, completed in steps between
 * entries (issue 12). The host's own state and services without `beginSnapshot` were written at the
 * start; services with it write through their cursors. The image is a list of pieces (`chunks()`)
 * whose concatenation equals `ServiceHost.takeSnapshot` at the starting position (each service part
 * is one length-prefixed chunk, as one `write` gives).
 *
 * Streaming: `takeChunks()` hands over the service pieces completed so far (in image order), so
 * the service thread moves them out while the image is written and never holds all of it; the
 * service part's length prefix is only known at the end, so the finished image is then described
 * by `layout()` (prefixes and the counts of streamed pieces between them).
 */
export class HostSnapshotCursor {
  private phase: 'services' | 'done' | 'aborted' = 'services';
  private serviceIndex = 0;
  private pieces: Uint8Array[] = [];
  private layoutItems: (Uint8Array | number)[] = [];
  /** Per part: pieces and bytes already handed out by `takeChunks`. */
  private readonly takenCount: number[];
  private readonly takenBytes: number[];
  private streamed = false;

  constructor(
    /** Log position, timestamp of the state the snapshot holds. */
    readonly index: number,
    readonly timestampMs: number,
    private readonly head: Uint8Array,
    private parts: readonly SnapshotPart[],
    private readonly onEnd: (cursor: HostSnapshotCursor) => void,
  ) {
    this.takenCount = parts.map(() => 0);
    this.takenBytes = parts.map(() => 0);
  }

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
    this.buildLayout();
    this.phase = 'done';
    this.onEnd(this);
    return true;
  }

  /**
   * Service pieces completed since the last call, in image order, handed over (the caller moves
   * them; they are not kept here). Once used, the finished image is `layout()` (not `chunks()`).
   */
  takeChunks(): Uint8Array[] {
    if (this.phase !== 'services') return [];
    const out: Uint8Array[] = [];
    // Only the part being written (and those before it) may stream: pieces stay in image order.
    const last = Math.min(this.serviceIndex, this.parts.length - 1);
    for (let i = 0; i <= last; i++) {
      const part = this.parts[i]!;
      if (!('cursor' in part) || part.cursor.takeChunks === undefined) continue;
      const got = part.cursor.takeChunks();
      if (got.length === 0) continue;
      this.streamed = true;
      this.takenCount[i]! += got.length;
      for (const c of got) {
        this.takenBytes[i]! += c.length;
        out.push(c);
      }
    }
    return out;
  }

  /** Lays out the image as `takeSnapshot` writes it: head, then per service name + framed bytes. */
  private buildLayout(): void {
    const items: (Uint8Array | number)[] = [this.head];
    const pieces: Uint8Array[] = [this.head];
    this.parts.forEach((part, i) => {
      const w = new ByteWriter();
      w.string(part.name);
      if ('bytes' in part) {
        w.bytes(part.bytes);
        const b = w.finish();
        items.push(b);
        pieces.push(b);
        return;
      }
      const chunks = part.cursor.chunks();
      let length = this.takenBytes[i]!;
      for (const c of chunks) length += c.length;
      // The service's writer frames each write; one write of `length` bytes.
      w.u32(4 + length);
      w.u32(length);
      const frame = w.finish();
      items.push(frame);
      if (this.takenCount[i]! > 0) items.push(this.takenCount[i]!);
      items.push(...chunks);
      pieces.push(frame, ...chunks);
    });
    this.layoutItems = items;
    this.pieces = pieces;
    this.parts = [];
  }

  /**
   * The image as pieces in order (concatenated: `takeSnapshot` at `index`); only once done, and
   * only if nothing was streamed by `takeChunks` (then use `layout()`).
   */
  chunks(): readonly Uint8Array[] {
    if (this.phase !== 'done') throw new Error('HostSnapshotCursor: not done');
    if (this.streamed) throw new Error('HostSnapshotCursor: pieces were streamed, use layout()');
    return this.pieces;
  }

  /** The finished image: pieces here and counts of streamed pieces, in order (`assembleSnapshot`). */
  layout(): SnapshotLayout {
    if (this.phase !== 'done') throw new Error('HostSnapshotCursor: not done');
    return this.layoutItems;
  }

  /** The image as one buffer (a copy of all pieces); only once done, nothing streamed. */
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

/**
 * The pieces of a snapshot in order from its layout and the pieces streamed before it (in the order
 * they were streamed). Throws if they do not match (a count beyond the streamed pieces, or some left).
 */
export function layoutPieces(layout: SnapshotLayout, streamed: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let next = 0;
  for (const item of layout) {
    if (typeof item !== 'number') {
      out.push(item);
      continue;
    }
    if (!Number.isSafeInteger(item) || item < 0 || next + item > streamed.length)
      throw new Error('snapshot layout refers to pieces that were not streamed');
    for (let k = 0; k < item; k++) out.push(streamed[next++]!);
  }
  if (next !== streamed.length) throw new Error('snapshot layout leaves streamed pieces unused');
  return out;
}

/** The snapshot image as one buffer, from its layout and the pieces streamed before it. */
export function assembleSnapshot(layout: SnapshotLayout, streamed: readonly Uint8Array[]): Uint8Array {
  return concatChunks(layoutPieces(layout, streamed));
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
