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
    this.buf += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const out: FrameEvent[] = [];
    for (;;) {
      const start = this.buf.indexOf(START);
      if (start < 0) {
        // Keep a possible partial "8=FIX" prefix at the end; everything else is garbage.
        const keep = Math.min(this.buf.length, START.length - 1);
        const drop = this.buf.length - keep;
        if (drop > 0) out.push({ kind: 'garbage', bytes: drop, reason: 'no 8=FIX found' });
        this.buf = this.buf.slice(drop);
        return out;
      }
      if (start > 0) {
        out.push({ kind: 'garbage', bytes: start, reason: 'bytes before 8=FIX' });
        this.buf = this.buf.slice(start);
      }
      const soh1 = this.buf.indexOf(SOH);
      const soh2 = soh1 < 0 ? -1 : this.buf.indexOf(SOH, soh1 + 1);
      if (soh2 < 0) {
        if (this.buf.length > HEADER_PREFIX_BYTES_MAX) {
          this.skip(out, 'no BodyLength(9) after BeginString');
          continue;
        }
        return out;
      }
      if (soh2 > HEADER_PREFIX_BYTES_MAX || !this.buf.startsWith('9=', soh1 + 1)) {
        this.skip(out, 'BodyLength(9) is not the second field');
        continue;
      }
      const lenText = this.buf.slice(soh1 + 3, soh2);
      if (!/^\d{1,9}$/.test(lenText)) {
        this.skip(out, 'BodyLength(9) is not a number');
        continue;
      }
      const total = soh2 + 1 + Number(lenText) + 7; // "10=nnn<SOH>"
      if (total > this.frameBytesMax) {
        out.push({ kind: 'oversized', sizeBytes: total });
        this.skip(out, 'oversized frame');
        continue;
      }
      if (this.buf.length < total) return out;
      const bodyEnd = total - 7;
      if (!this.buf.startsWith('10=', bodyEnd) || this.buf[total - 1] !== SOH) {
        this.skip(out, 'BodyLength(9) does not point at CheckSum(10)');
        continue;
      }
      out.push({ kind: 'frame', text: this.buf.slice(0, total) });
      this.buf = this.buf.slice(total);
    }
  }

  /** Drops the first byte of a bad frame start so the scan finds the next `8=FIX`. */
  private skip(out: FrameEvent[], reason: string): void {
    const next = this.buf.indexOf(START, 1);
    const drop = next < 0 ? this.buf.length : next;
    out.push({ kind: 'garbage', bytes: drop, reason });
    this.buf = this.buf.slice(drop);
  }
}
