import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/runtime/storage/crc32c.js';

/** Bit-at-a-time reference, independent of the table code. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('crc32c', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with a bitwise reference for every length 0..80 and unaligned ranges', () => {
    for (let length = 0; length <= 80; length++) {
      const data = bytesOf(length + 7, length + 1);
      for (const start of [0, 1, 3, 7]) {
        const slice = data.subarray(start, start + length);
        expect(crc32c(data, start, start + length)).toBe(crc32cBitwise(slice));
      }
    }
  });

  it('continues from a seed: crc(a ++ b) === crc(b, seed crc(a))', () => {
    const data = bytesOf(1000, 99);
    const whole = crc32c(data);
    for (const cut of [0, 1, 8, 13, 500, 999, 1000]) {
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(whole);
    }
  });

  it('rejects a bad range', () => {
    expect(() => crc32c(new Uint8Array(4), 2, 1)).toThrow(RangeError);
    expect(() => crc32c(new Uint8Array(4), 0, 5)).toThrow(RangeError);
  });
});
