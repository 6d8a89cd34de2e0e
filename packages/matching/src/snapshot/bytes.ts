const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Where a chunked ByteWriter puts a full buffer: gets the bytes written in it (a view, not a copy)
 * and returns the next buffer to write into, of at least `needBytes`.
 */
export type SpillFn = (filled: Uint8Array, needBytes: number) => Uint8Array;

/**
 * Little-endian byte writer (numbers as float64: exact for safe integers). Growable (one buffer,
 * doubled and copied as needed) unless given a `spill` function: then it never copies, and a full
 * buffer is handed to `spill`, which returns the next one (an image written as a list of chunks).
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(
    first: Uint8Array = new Uint8Array(1 << 16),
    private readonly spill: SpillFn | null = null,
  ) {
    this.buf = first;
    this.view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.spill !== null) {
      const next = this.spill(this.buf.subarray(0, this.pos), n);
      if (next.length < n) throw new RangeError('ByteWriter: spilled buffer too small');
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
      this.pos = 0;
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  num(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  str(s: string): void {
    // ASCII fast path (ids, symbols): no temporary array per string, same bytes as UTF-8.
    const n = s.length;
    if (n <= 0xffff) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(2 + n);
        this.view.setUint16(this.pos, n, true);
        this.pos += 2;
        for (let i = 0; i < n; i++) this.buf[this.pos + i] = s.charCodeAt(i);
        this.pos += n;
        return;
      }
    }
    const bytes = encoder.encode(s);
    if (bytes.length > 0xffff) throw new RangeError('string too long for snapshot');
    this.ensure(2 + bytes.length);
    this.view.setUint16(this.pos, bytes.length, true);
    this.pos += 2;
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Appends bytes as they are (no length prefix). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Bytes in the current buffer (chunked writer: since the last spill). */
  get length(): number {
    return this.pos;
  }

  /** The current buffer's bytes from `start` (a view, no copy; valid until more is written there). */
  written(start: number): Uint8Array {
    return this.buf.subarray(start, this.pos);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class SnapshotError extends Error {}

/** Bounds-checked reader matching ByteWriter. */
export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new SnapshotError('snapshot truncated');
  }

  u8(): number {
    this.need(1);
    const v = this.view.getUint8(this.pos);
    this.pos += 1;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  num(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    if (!Number.isSafeInteger(v)) throw new SnapshotError('snapshot number is not a safe integer');
    return v;
  }

  str(): string {
    this.need(2);
    const n = this.view.getUint16(this.pos, true);
    this.pos += 2;
    this.need(n);
    let s: string;
    try {
      s = decoder.decode(this.bytes.subarray(this.pos, this.pos + n));
    } catch {
      throw new SnapshotError('snapshot string is not valid UTF-8');
    }
    this.pos += n;
    return s;
  }

  get done(): boolean {
    return this.pos === this.bytes.length;
  }
}
