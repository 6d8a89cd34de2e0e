/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven slicing-by-8.
 *
 * Written here rather than taken from a dependency: the log depends on it for every frame, and the
 * algorithm is small and fixed. Check value: crc32c("123456789") === 0xE3069283.
 */

const POLYNOMIAL_REFLECTED = 0x82f63b78;
const TABLE_COUNT = 8;

/** TABLE[k * 256 + b]: CRC contribution of byte b that sits k bytes before the end of an 8-byte block. */
const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(TABLE_COUNT * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL_REFLECTED : crc >>> 1;
    }
    table[b] = crc >>> 0;
  }
  for (let k = 1; k < TABLE_COUNT; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = table[(k - 1) * 256 + b]!;
      table[k * 256 + b] = ((previous >>> 8) ^ table[previous & 0xff]!) >>> 0;
    }
  }
  return table;
}

/**
 * CRC32C of bytes[start, end). `seed` continues a previous result, so
 * crc32c(ab) === crc32c(b, 0, b.length, crc32c(a)).
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length, seed = 0): number {
  if (!(start >= 0 && start <= end && end <= bytes.length)) {
    throw new RangeError(`crc32c: bad range [${start}, ${end}) for ${bytes.length} bytes`);
  }
  const t = TABLE;
  let crc = ~seed >>> 0;
  let i = start;
  const blockEnd = start + ((end - start) & ~7);
  while (i < blockEnd) {
    const a =
      (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) {
    crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
