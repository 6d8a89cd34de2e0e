import { SOH } from './codec.js';

export type FrameEvent =
  | { readonly kind: 'frame'; readonly text: string }
  /** Bytes that were not part of any frame (skipped while resynchronising on `8=FIX`). */
  | { readonly kind: 'garbage'; readonly bytes: number; readonly reason: string }
  /** A frame announced a size over the bound; its header was skipped. */
  | { readonly kind: 'oversized'; readonly sizeBytes: number };

const START = '8=FIX';
const HEADER_PREFIX_BYTES_MAX = 40; // "8=FIX.4.4<SOH>9=123456789<SOH>" fits easily.

/**
 * Streaming FIX framer for TCP. Splits a byte stream into frames using BodyLength(9), handling
 * partial and coalesced reads; skips garbage to the next `8=FIX`; a frame whose BodyLength points
 * somewhere other than `10=nnn<SOH>` is dropped as garbled and the stream resynchronises.
 * Buffered bytes never exceed `frameBytesMax` (plus one read chunk while scanning).
 */
export class FixFramer {
  private buf = '';

  constructor(readonly frameBytesMax: number) {
    if (!(frameBytesMax >= 64)) throw new Error('FixFramer: frameBytesMax must be >= 64');
  }

  get bufferedBytes(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const buf = this.buf.length === 0 ? text : this.buf + text;
    const out: FrameEvent[] = [];
    // Scan with an offset; slice the remainder once at the end (no per-frame copies).
    let pos = 0;
    for (;;) {
      const start = buf.indexOf(START, pos);
      if (start < 0) {
        // Keep a possible partial "8=FIX" prefix at the end; everything else is garbage.
        const keep = Math.min(buf.length - pos, START.length - 1);
        const drop = buf.length - pos - keep;
        if (drop > 0) out.push({ kind: 'garbage', bytes: drop, reason: 'no 8=FIX found' });
        pos = buf.length - keep;
        break;
      }
      if (start > pos) out.push({ kind: 'garbage', bytes: start - pos, reason: 'bytes before 8=FIX' });
      pos = start;
      const soh1 = buf.indexOf(SOH, pos);
      const soh2 = soh1 < 0 ? -1 : buf.indexOf(SOH, soh1 + 1);
      if (soh2 < 0) {
        if (buf.length - pos > HEADER_PREFIX_BYTES_MAX) {
          pos = this.skip(buf, pos, out, 'no BodyLength(9) after BeginString');
          continue;
        }
        break;
      }
      if (soh2 - pos > HEADER_PREFIX_BYTES_MAX || !buf.startsWith('9=', soh1 + 1)) {
        pos = this.skip(buf, pos, out, 'BodyLength(9) is not the second field');
        continue;
      }
      const lenText = buf.slice(soh1 + 3, soh2);
      if (!/^\d{1,9}$/.test(lenText)) {
        pos = this.skip(buf, pos, out, 'BodyLength(9) is not a number');
        continue;
      }
      const total = soh2 + 1 - pos + Number(lenText) + 7; // "10=nnn<SOH>"
      if (total > this.frameBytesMax) {
        out.push({ kind: 'oversized', sizeBytes: total });
        pos = this.skip(buf, pos, out, 'oversized frame');
        continue;
      }
      if (buf.length - pos < total) break;
      const end = pos + total;
      if (!buf.startsWith('10=', end - 7) || buf.charCodeAt(end - 1) !== 1) {
        pos = this.skip(buf, pos, out, 'BodyLength(9) does not point at CheckSum(10)');
        continue;
      }
      out.push({ kind: 'frame', text: buf.slice(pos, end) });
      pos = end;
    }
    this.buf = pos === 0 ? buf : buf.slice(pos);
    return out;
  }

  /** Skips a bad frame start: returns the offset of the next `8=FIX` (or the end). */
  private skip(buf: string, pos: number, out: FrameEvent[], reason: string): number {
    const next = buf.indexOf(START, pos + 1);
    const to = next < 0 ? buf.length : next;
    out.push({ kind: 'garbage', bytes: to - pos, reason });
    return to;
  }
}
