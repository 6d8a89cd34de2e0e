/** Minimal little-endian byte writer/reader for snapshots (bounded, checked). */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
      throw new Error(`ByteWriter.u32: out of range ${v}`);
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** A non-negative safe integer (ids, positions, milliseconds). */
  u53(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`ByteWriter.u53: out of range ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  string(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new Error('snapshot truncated or corrupt');
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u53(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('snapshot corrupt: integer too large');
    return Number(v);
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytes());
  }

  done(): boolean {
    return this.offset === this.buf.length;
  }
}

/** FNV-1a 32-bit over bytes, returned as 8 hex chars. Deterministic, not cryptographic. */
export function fnv1a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function hashHex(bytes: Uint8Array): string {
  // Two independent FNV lanes give 64 bits, enough to tell replicas apart in tests.
  const a = fnv1a(bytes);
  const b = fnv1a(bytes, 0x01234567);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
