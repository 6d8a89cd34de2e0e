import { readFileSync } from 'node:fs';
import { parseSchema } from '@venue/sbe-ts';
import { describe, expect, it } from 'vitest';
import * as LE from './generated/primitives/index.js';
import * as BE from './generated/primitives_be/index.js';

const XML = readFileSync(new URL('./schemas/primitives.xml', import.meta.url), 'utf8');

const EXPECTED_OFFSETS = {
  c: 0,
  i8: 1,
  i16: 2,
  i32: 4,
  i64: 8,
  u8: 16,
  u16: 17,
  u32: 19,
  u64: 23,
  f32: 31,
  f64: 35,
  chars: 43,
  ints: 47,
  aligned: 64,
  optU16: 72,
  optI64: 74,
  optF64: 82,
  optU8: 90,
  color: 91,
  optColor: 93,
  flags64: 95,
  flags32: 103,
  point: 107,
};

describe('layout', () => {
  it('places every primitive, array, enum, set and composite at the computed offsets', () => {
    const schema = parseSchema(XML, 'primitives.xml');
    const message = schema.messages[0]!;
    const offsets = Object.fromEntries(
      message.fields.filter((f) => f.presence !== 'constant').map((f) => [f.name, f.offset]),
    );
    expect(offsets).toEqual(EXPECTED_OFFSETS);
    expect(message.blockLength).toBe(136);
    const point = schema.types.find((t) => t.name === 'Point');
    expect(point?.kind === 'composite' && point.members.map((m) => [m.name, m.offset])).toEqual([
      ['x', 0],
      ['y', 8],
    ]);
    expect(point?.encodedLength).toBe(16);
    expect(message.groups[0]?.dimension.type.encodedLength).toBe(2);
    expect(message.groups[0]?.blockLength).toBe(8);
    expect(message.data.map((d) => [d.name, d.lengthType, d.dataOffset])).toEqual([
      ['text', 'uint16', 2],
      ['blob', 'uint8', 1],
    ]);
  });

  for (const [order, mod, le] of [
    ['littleEndian', LE, true],
    ['bigEndian', BE, false],
  ] as const) {
    it(`encodes every primitive ${order} at its offset`, () => {
      const buffer = new Uint8Array(512).fill(0xee); // stale bytes: the encoder must zero its block
      const enc = new mod.AllTypesEncoder().wrapAndApplyHeader(buffer, 0);
      enc
        .c(0x41)
        .i8(-2)
        .i16(-300)
        .i32(-70000)
        .i64(-(2n ** 40n))
        .u8(200)
        .u16(60000)
        .u32(4000000000)
        .u64(2n ** 63n + 5n)
        .f32(1.5)
        .f64(-2.25)
        .chars('ab')
        .ints(0, 1)
        .ints(1, -2)
        .ints(2, 3)
        .aligned(7n)
        .optU16(null)
        .optI64(9n)
        .optF64(null)
        .optU8(null)
        .color(mod.Color.Blue)
        .optColor(null)
        .flags64(mod.Flags64.b | mod.Flags64.c)
        .flags32(0)
        .flags32Set('y');
      enc.point().x(-1).y(1n);
      const items = enc.itemsCount(2);
      items.next().qty(1).tag('x');
      items.next().qty(2).tag('wxyz');
      enc.text('héllo').putBlob(new Uint8Array([1, 2, 3]));
      const length = mod.MESSAGE_HEADER_LENGTH + enc.encodedLength();

      const v = new DataView(buffer.buffer);
      const h = 8;
      const o = EXPECTED_OFFSETS;
      expect(v.getUint16(0, le)).toBe(136);
      expect(v.getUint16(2, le)).toBe(1);
      expect(v.getUint16(4, le)).toBe(10);
      expect(v.getUint8(h + o.c)).toBe(0x41);
      expect(v.getInt8(h + o.i8)).toBe(-2);
      expect(v.getInt16(h + o.i16, le)).toBe(-300);
      expect(v.getInt32(h + o.i32, le)).toBe(-70000);
      expect(v.getBigInt64(h + o.i64, le)).toBe(-(2n ** 40n));
      expect(v.getUint8(h + o.u8)).toBe(200);
      expect(v.getUint16(h + o.u16, le)).toBe(60000);
      expect(v.getUint32(h + o.u32, le)).toBe(4000000000);
      expect(v.getBigUint64(h + o.u64, le)).toBe(2n ** 63n + 5n);
      expect(v.getFloat32(h + o.f32, le)).toBe(1.5);
      expect(v.getFloat64(h + o.f64, le)).toBe(-2.25);
      expect([...buffer.subarray(h + o.chars, h + o.chars + 4)]).toEqual([0x61, 0x62, 0, 0]);
      expect([0, 1, 2].map((i) => v.getInt32(h + o.ints + 4 * i, le))).toEqual([1, -2, 3]);
      expect([...buffer.subarray(h + 59, h + 64)]).toEqual([0, 0, 0, 0, 0]); // the gap before 'aligned'
      expect(v.getBigInt64(h + o.aligned, le)).toBe(7n);
      expect(v.getUint16(h + o.optU16, le)).toBe(65535); // null value of uint16
      expect(v.getBigInt64(h + o.optI64, le)).toBe(9n);
      expect(Number.isNaN(v.getFloat64(h + o.optF64, le))).toBe(true);
      expect(v.getUint8(h + o.optU8)).toBe(0); // the schema's nullValue="0"
      expect(v.getInt16(h + o.color, le)).toBe(300);
      expect(v.getInt16(h + o.optColor, le)).toBe(-32768);
      expect(v.getBigUint64(h + o.flags64, le)).toBe((1n << 33n) | (1n << 63n));
      expect(v.getUint32(h + o.flags32, le)).toBe(2 ** 31);
      expect(v.getInt32(h + o.point, le)).toBe(-1);
      expect(v.getBigInt64(h + o.point + 8, le)).toBe(1n);
      expect([...buffer.subarray(h + 123, h + 136)].every((b) => b === 0)).toBe(true); // block padding
      // Group: uint8 dimension (blockLength 8, count 2), then two 8-byte elements.
      const g = h + 136;
      expect([v.getUint8(g), v.getUint8(g + 1)]).toEqual([8, 2]);
      expect(v.getUint32(g + 2, le)).toBe(1);
      expect(v.getUint32(g + 10, le)).toBe(2);
      expect(new TextDecoder().decode(buffer.subarray(g + 14, g + 18))).toBe('wxyz');
      const text = g + 18;
      expect(v.getUint16(text, le)).toBe(6); // 'héllo' is 6 bytes of UTF-8
      expect(new TextDecoder().decode(buffer.subarray(text + 2, text + 8))).toBe('héllo');
      expect([...buffer.subarray(text + 8, text + 12)]).toEqual([3, 1, 2, 3]);
      expect(length).toBe(text + 12);

      const dec = new mod.AllTypesDecoder().wrapWithHeader(buffer, 0);
      expect([dec.c(), dec.i8(), dec.i16(), dec.i32(), dec.i64()]).toEqual([
        0x41,
        -2,
        -300,
        -70000,
        -(2n ** 40n),
      ]);
      expect([dec.u8(), dec.u16(), dec.u32(), dec.u64()]).toEqual([200, 60000, 4000000000, 2n ** 63n + 5n]);
      expect([dec.f32(), dec.f64(), dec.chars(), dec.charsAt(1), dec.ints(1), dec.aligned()]).toEqual([
        1.5,
        -2.25,
        'ab',
        0x62,
        -2,
        7n,
      ]);
      expect([dec.optU16(), dec.optI64(), dec.optF64(), dec.optU8(), dec.three()]).toEqual([
        null,
        9n,
        null,
        null,
        3,
      ]);
      expect([dec.color(), dec.optColor(), dec.optColorRaw()]).toEqual([mod.Color.Blue, null, -32768]);
      expect([dec.flags64Has('a'), dec.flags64Has('b'), dec.flags64Has('c'), dec.flags32Has('y')]).toEqual([
        false,
        true,
        true,
        true,
      ]);
      expect([dec.point().x(), dec.point().y()]).toEqual([-1, 1n]);
      const tags: string[] = [];
      for (const item of dec.items()) tags.push(`${item.qty()}:${item.tag()}`);
      expect(tags).toEqual(['1:x', '2:wxyz']);
      expect(dec.text()).toBe('héllo');
      expect([...dec.blobBytes()]).toEqual([1, 2, 3]);
      expect(mod.MESSAGE_HEADER_LENGTH + dec.encodedLength()).toBe(length);
    });
  }

  for (const [order, mod] of [
    ['littleEndian', LE],
    ['bigEndian', BE],
  ] as const) {
    it(`reads and writes 64-bit fields as numbers, exactly, without allocating (${order})`, () => {
      const buffer = new Uint8Array(512);
      const enc = new mod.AllTypesEncoder().wrap(buffer, 0);
      const dec = new mod.AllTypesDecoder();
      for (const v of [0, 1, -1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
        enc.i64AsNumber(v).optI64AsNumber(v);
        dec.wrap(buffer, 0);
        expect([dec.i64(), dec.i64AsNumber(), dec.optI64AsNumber()]).toEqual([BigInt(v), v, v]);
      }
      for (const v of [0, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
        enc.u64AsNumber(v);
        expect([dec.wrap(buffer, 0).u64(), dec.u64AsNumber()]).toEqual([BigInt(v), v]);
      }
      enc.optI64AsNumber(null);
      expect([dec.wrap(buffer, 0).optI64(), dec.optI64AsNumber()]).toEqual([null, null]);
      enc.optI64(null);
      expect(dec.wrap(buffer, 0).optI64AsNumber()).toBeNull();
      enc.i64(2n ** 53n);
      expect(() => dec.wrap(buffer, 0).i64AsNumber()).toThrow(/9007199254740992 is not a safe integer/);
      enc.u64(2n ** 64n - 1n);
      expect(() => dec.wrap(buffer, 0).u64AsNumber()).toThrow(RangeError);
      expect(() => enc.i64AsNumber(2 ** 53)).toThrow(RangeError);
      expect(() => enc.i64AsNumber(1.5)).toThrow(RangeError);
      expect(() => enc.u64AsNumber(-1)).toThrow(RangeError);
    });
  }

  it('rejects values that do not fit, with a RangeError and nothing written past the field', () => {
    const buffer = new Uint8Array(512);
    const enc = new LE.AllTypesEncoder().wrap(buffer, 0);
    expect(() => enc.chars('abcde')).toThrow(RangeError);
    expect(() => enc.ints(3, 1)).toThrow(/index 3/);
    expect(() => enc.putInts(new Uint8Array(11))).toThrow(RangeError);
    expect(() => enc.itemsCount(256)).toThrow(/count 256/);
    expect(() => new LE.AllTypesEncoder().wrap(new Uint8Array(100), 0)).toThrow(/run past the buffer/);
    const small = new Uint8Array(8 + 136 + 2 + 3);
    const e2 = new LE.AllTypesEncoder().wrapAndApplyHeader(small, 0);
    e2.itemsCount(0);
    expect(() => e2.text('four')).toThrow(RangeError);
  });

  it('copies the raw bytes of a fixed array in wire order', () => {
    const buffer = new Uint8Array(512);
    const raw = new Uint8Array([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]);
    new LE.AllTypesEncoder().wrap(buffer, 0).putInts(raw);
    const dec = new LE.AllTypesDecoder().wrap(buffer, 0);
    expect([dec.ints(0), dec.ints(1), dec.ints(2)]).toEqual([1, -2, 3]);
    const copy = new Uint8Array(14);
    expect(dec.getInts(copy, 2)).toBe(12);
    expect([...copy.subarray(2)]).toEqual([...raw]);
    expect(() => dec.getInts(copy, 3)).toThrow(RangeError);
  });

  it('reads a DataView as well as a Uint8Array, at a non-zero offset', () => {
    const bytes = new Uint8Array(600);
    const view = new DataView(bytes.buffer, 32, 400);
    const enc = new LE.AllTypesEncoder().wrapAndApplyHeader(view, 16);
    enc.u32(123456).itemsCount(0);
    enc.text('').putBlob(new Uint8Array(0));
    const dec = new LE.AllTypesDecoder().wrapWithHeader(bytes.subarray(32), 16);
    expect(dec.u32()).toBe(123456);
    expect(new DataView(bytes.buffer).getUint32(32 + 16 + 8 + 19, true)).toBe(123456);
  });
});
