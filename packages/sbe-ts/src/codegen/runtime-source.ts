// The schema-independent helpers every generated directory carries (runtime.ts), so that generated
// code depends on nothing but itself.
export const RUNTIME_SOURCE = `/** Anything a flyweight can wrap: bytes or a DataView over them (offsets are relative to it). */
export type SbeBuffer = Uint8Array | DataView;

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
export const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0));

export function viewOf(buffer: SbeBuffer): DataView {
  return buffer instanceof DataView ? buffer : new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function bytesOf(buffer: SbeBuffer): Uint8Array {
  return buffer instanceof DataView ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer;
}

/** The read/write position after the fixed block: shared by a message and its groups and var data. */
export class Cursor {
  position = 0;
}

export function checkBounds(bytes: Uint8Array, offset: number, length: number, what: string): void {
  if (offset < 0 || offset + length > bytes.length) {
    throw new RangeError(\`\${what}: \${length} bytes at offset \${offset} run past the buffer (\${bytes.length} bytes)\`);
  }
}

export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(\`\${what}: index \${index} is not in 0..\${length - 1}\`);
  }
}

/**
 * Copies length bytes (bounds already checked). Short copies loop instead of set(subarray(...)),
 * which would allocate a view object per call.
 */
export function copyBytes(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
  if (length > 64) {
    dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
    return;
  }
  for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i]!;
}

/** Throws for a 64-bit value that a number accessor cannot represent exactly. */
export function unsafeInteger(what: string, value: number | bigint | null): never {
  throw new RangeError(\`\${what}: \${value} is not a safe integer (use the bigint accessor)\`);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Decodes text; a fixed-length field (stopAtNul) ends at its first NUL byte. */
export function readText(bytes: Uint8Array, offset: number, length: number, utf8: boolean, stopAtNul: boolean): string {
  let end = offset;
  const limit = offset + length;
  let ascii = true;
  while (end < limit) {
    const b = bytes[end]!;
    if (b === 0 && stopAtNul) break;
    if (b >= 0x80) ascii = false;
    end++;
  }
  if (utf8 && !ascii) return utf8Decoder.decode(bytes.subarray(offset, end));
  let s = '';
  for (let i = offset; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Encodes text at offset without allocating. Returns the number of bytes written; throws a RangeError
 * when it needs more than lengthMax bytes (or a char does not fit one byte in a single-byte encoding).
 * When pad is set the rest of the field up to lengthMax is filled with NUL.
 */
export function writeText(
  bytes: Uint8Array,
  offset: number,
  lengthMax: number,
  value: string,
  utf8: boolean,
  pad: boolean,
  what: string,
): number {
  const limit = Math.min(offset + lengthMax, bytes.length);
  let p = offset;
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (!utf8) {
      if (c > 0xff) throw new RangeError(\`\${what}: character \${c} does not fit one byte\`);
      if (p >= limit) throw tooLong(what, value, lengthMax);
      bytes[p++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate becomes U+FFFD, as TextEncoder does
    if (c < 0x80) {
      if (p >= limit) throw tooLong(what, value, lengthMax);
      bytes[p++] = c;
    } else if (c < 0x800) {
      if (p + 2 > limit) throw tooLong(what, value, lengthMax);
      bytes[p++] = 0xc0 | (c >> 6);
      bytes[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      if (p + 3 > limit) throw tooLong(what, value, lengthMax);
      bytes[p++] = 0xe0 | (c >> 12);
      bytes[p++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[p++] = 0x80 | (c & 0x3f);
    } else {
      if (p + 4 > limit) throw tooLong(what, value, lengthMax);
      bytes[p++] = 0xf0 | (c >> 18);
      bytes[p++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[p++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[p++] = 0x80 | (c & 0x3f);
    }
  }
  const written = p - offset;
  if (pad) {
    if (offset + lengthMax > bytes.length) throw tooLong(what, value, bytes.length - offset);
    bytes.fill(0, p, offset + lengthMax);
  }
  return written;
}

function tooLong(what: string, value: string, lengthMax: number): RangeError {
  return new RangeError(\`\${what}: '\${value.length > 40 ? \`\${value.slice(0, 40)}...\` : value}' needs more than \${lengthMax} bytes\`);
}

/**
 * Iterates a group flyweight with for...of without allocating per element: the iterator and its
 * result object are created once per group flyweight and reused.
 */
export class FlyweightIterator<T extends { hasNext(): boolean; next(): T }> implements IterableIterator<T> {
  private readonly result: { done: boolean; value: T };

  constructor(private readonly flyweight: T) {
    this.result = { done: false, value: flyweight };
  }

  next(): IteratorResult<T> {
    if (this.flyweight.hasNext()) {
      this.flyweight.next();
      this.result.done = false;
    } else {
      this.result.done = true;
    }
    return this.result as IteratorResult<T>;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}
`;
