import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Car from './generated/car/index.js';
import * as V0 from './generated/evolution_v0/index.js';
import * as V1 from './generated/evolution_v1/index.js';
import * as LE from './generated/primitives/index.js';
import * as BE from './generated/primitives_be/index.js';

const RUNS = 200;

/** Maps each element while iterating: a group yields the same flyweight for every element. */
function collect<T, R>(group: Iterable<T>, fn: (element: T) => R): R[] {
  const out: R[] = [];
  for (const element of group) out.push(fn(element));
  return out;
}
const ascii = (maxLength: number) =>
  fc.string({ unit: 'grapheme-ascii', maxLength }).filter((s) => !s.includes('\u0000'));
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const allTypes = fc.record({
  c: fc.integer({ min: 0, max: 255 }),
  i8: fc.integer({ min: -128, max: 127 }),
  i16: fc.integer({ min: -32768, max: 32767 }),
  i32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  i64,
  u8: fc.integer({ min: 0, max: 255 }),
  u16: fc.integer({ min: 0, max: 65535 }),
  u32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  u64,
  f32: fc.float({ noNaN: true }),
  f64: fc.double({ noNaN: true }),
  chars: ascii(4),
  ints: fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer(), fc.integer()),
  aligned: i64,
  optU16: fc.option(fc.integer({ min: 0, max: 65534 })),
  optI64: fc.option(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n })),
  optF64: fc.option(fc.double({ noNaN: true })),
  optU8: fc.option(fc.integer({ min: 1, max: 255 })),
  color: fc.constantFrom(LE.Color.Red, LE.Color.Green, LE.Color.Blue),
  optColor: fc.option(fc.constantFrom(LE.Color.Red, LE.Color.Green, LE.Color.Blue)),
  flags64: u64,
  flags32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  x: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  y: i64,
  items: fc.array(fc.record({ qty: fc.integer({ min: 0, max: 2 ** 32 - 1 }), tag: ascii(4) }), {
    maxLength: 8,
  }),
  text: fc.string({ unit: 'grapheme', maxLength: 40 }),
  blob: fc.uint8Array({ maxLength: 255 }),
});

type AllTypes = typeof allTypes extends fc.Arbitrary<infer T> ? T : never;

describe('property: round trips', () => {
  for (const [order, mod] of [
    ['littleEndian', LE],
    ['bigEndian', BE],
  ] as const) {
    it(`every field of AllTypes round-trips (${order})`, () => {
      const buffer = new Uint8Array(4096);
      const enc = new mod.AllTypesEncoder();
      const dec = new mod.AllTypesDecoder();
      fc.assert(
        fc.property(allTypes, fc.integer({ min: 0, max: 64 }), (v: AllTypes, offset) => {
          enc.wrapAndApplyHeader(buffer, offset);
          enc.c(v.c).i8(v.i8).i16(v.i16).i32(v.i32).i64(v.i64).u8(v.u8).u16(v.u16).u32(v.u32).u64(v.u64);
          enc.f32(v.f32).f64(v.f64).chars(v.chars).ints(0, v.ints[0]).ints(1, v.ints[1]).ints(2, v.ints[2]);
          enc.aligned(v.aligned).optU16(v.optU16).optI64(v.optI64).optF64(v.optF64).optU8(v.optU8);
          enc.color(v.color).optColor(v.optColor).flags64(v.flags64).flags32(v.flags32);
          enc.point().x(v.x).y(v.y);
          const items = enc.itemsCount(v.items.length);
          for (const item of v.items) items.next().qty(item.qty).tag(item.tag);
          enc.text(v.text).putBlob(v.blob);
          const length = mod.MESSAGE_HEADER_LENGTH + enc.encodedLength();

          dec.wrapWithHeader(buffer, offset);
          const decodedItems: { qty: number; tag: string }[] = [];
          for (const item of dec.items()) decodedItems.push({ qty: item.qty(), tag: item.tag() });
          const decoded: AllTypes = {
            c: dec.c(),
            i8: dec.i8(),
            i16: dec.i16(),
            i32: dec.i32(),
            i64: dec.i64(),
            u8: dec.u8(),
            u16: dec.u16(),
            u32: dec.u32(),
            u64: dec.u64(),
            f32: dec.f32(),
            f64: dec.f64(),
            chars: dec.chars(),
            ints: [dec.ints(0), dec.ints(1), dec.ints(2)],
            aligned: dec.aligned(),
            optU16: dec.optU16(),
            optI64: dec.optI64(),
            optF64: dec.optF64(),
            optU8: dec.optU8(),
            color: dec.color() ?? -1,
            optColor: dec.optColor(),
            flags64: dec.flags64(),
            flags32: dec.flags32(),
            x: dec.point().x(),
            y: dec.point().y(),
            items: decodedItems,
            text: dec.text(),
            blob: dec.blobBytes().slice(),
          };
          // f32 is stored in 32 bits; int32 array elements wrap like Int32Array.
          const expected = { ...v, f32: Math.fround(v.f32), ints: [v.ints[0], v.ints[1] | 0, v.ints[2] | 0] };
          expect(decoded).toEqual(expected);
          expect(mod.MESSAGE_HEADER_LENGTH + dec.encodedLength()).toBe(length);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('Car messages with any groups and strings round-trip', () => {
    const acceleration = fc.array(
      fc.record({ mph: fc.integer({ min: 0, max: 65535 }), seconds: fc.float() }),
      {
        maxLength: 4,
      },
    );
    const car = fc.record({
      serialNumber: u64,
      modelYear: fc.integer({ min: 0, max: 65535 }),
      vehicleCode: ascii(6),
      fuel: fc.array(
        fc.record({
          speed: fc.integer({ min: 0, max: 65535 }),
          mpg: fc.float(),
          usage: fc.string({ maxLength: 30 }),
        }),
        { maxLength: 5 },
      ),
      perf: fc.array(fc.record({ octane: fc.integer({ min: 0, max: 255 }), acceleration }), { maxLength: 4 }),
      manufacturer: fc.string({ unit: 'grapheme', maxLength: 20 }),
      model: fc.string({ maxLength: 20 }),
      activationCode: ascii(20),
    });
    const buffer = new Uint8Array(8192);
    const enc = new Car.CarEncoder();
    const dec = new Car.CarDecoder();
    fc.assert(
      fc.property(car, (v) => {
        enc
          .wrapAndApplyHeader(buffer, 0)
          .serialNumber(v.serialNumber)
          .modelYear(v.modelYear)
          .vehicleCode(v.vehicleCode);
        const fuel = enc.fuelFiguresCount(v.fuel.length);
        for (const f of v.fuel) fuel.next().speed(f.speed).mpg(f.mpg).usageDescription(f.usage);
        const perf = enc.performanceFiguresCount(v.perf.length);
        for (const p of v.perf) {
          const acc = perf.next().octaneRating(p.octane).accelerationCount(p.acceleration.length);
          for (const a of p.acceleration) acc.next().mph(a.mph).seconds(a.seconds);
        }
        enc.manufacturer(v.manufacturer).model(v.model).activationCode(v.activationCode);

        dec.wrapWithHeader(buffer, 0);
        const out = {
          serialNumber: dec.serialNumber(),
          modelYear: dec.modelYear(),
          vehicleCode: dec.vehicleCode(),
          fuel: collect(dec.fuelFigures(), (f) => ({
            speed: f.speed(),
            mpg: f.mpg(),
            usage: f.usageDescription(),
          })),
          perf: collect(dec.performanceFigures(), (p) => ({
            octane: p.octaneRating(),
            acceleration: collect(p.acceleration(), (a) => ({ mph: a.mph(), seconds: a.seconds() })),
          })),
          manufacturer: dec.manufacturer(),
          model: dec.model(),
          activationCode: dec.activationCode(),
        };
        const expected = {
          ...v,
          fuel: v.fuel.map((f) => ({ ...f, mpg: Math.fround(f.mpg) })),
          perf: v.perf.map((p) => ({
            ...p,
            acceleration: p.acceleration.map((a) => ({ ...a, seconds: Math.fround(a.seconds) })),
          })),
          // Lone surrogates cannot be encoded in UTF-8; they become U+FFFD (as TextEncoder does).
          manufacturer: new TextDecoder().decode(new TextEncoder().encode(v.manufacturer)),
          model: new TextDecoder().decode(new TextEncoder().encode(v.model)),
        };
        expect(out).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('any v1 Quote reads the same through a v0 decoder, and any v0 Quote through a v1 decoder', () => {
    const quote = fc.record({
      instrumentId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      priceTicks: i64,
      venueCode: ascii(4),
      quantityLots: fc.option(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n })),
      legs: fc.array(
        fc.record({
          legId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          ratio: fc.integer({ min: -32768, max: 32767 }),
          side: fc.constantFrom(V1.Side.Buy, V1.Side.Sell),
        }),
        { maxLength: 5 },
      ),
      note: fc.string({ maxLength: 20 }),
      comment: fc.string({ maxLength: 20 }),
    });
    const buffer = new Uint8Array(2048);
    fc.assert(
      fc.property(quote, (q) => {
        const e1 = new V1.QuoteEncoder().wrapAndApplyHeader(buffer, 0);
        e1.instrumentId(q.instrumentId)
          .priceTicks(q.priceTicks)
          .venueCode(q.venueCode)
          .quantityLots(q.quantityLots);
        const legs1 = e1.legsCount(q.legs.length);
        for (const l of q.legs) legs1.next().legId(l.legId).ratio(l.ratio).side(l.side);
        e1.note(q.note).comment(q.comment);
        const d0 = new V0.QuoteDecoder().wrapWithHeader(buffer, 0);
        const legs0: { legId: number; ratio: number }[] = [];
        for (const l of d0.legs()) legs0.push({ legId: l.legId(), ratio: l.ratio() });
        expect([d0.instrumentId(), d0.priceTicks(), legs0, d0.note()]).toEqual([
          q.instrumentId,
          q.priceTicks,
          q.legs.map((l) => ({ legId: l.legId, ratio: l.ratio })),
          new TextDecoder().decode(new TextEncoder().encode(q.note)),
        ]);

        const e0 = new V0.QuoteEncoder().wrapAndApplyHeader(buffer, 0);
        e0.instrumentId(q.instrumentId).priceTicks(q.priceTicks);
        const legsOld = e0.legsCount(q.legs.length);
        for (const l of q.legs) legsOld.next().legId(l.legId).ratio(l.ratio);
        e0.note(q.note);
        const d1 = new V1.QuoteDecoder().wrapWithHeader(buffer, 0);
        const legs1Read: unknown[] = [];
        for (const l of d1.legs()) legs1Read.push([l.legId(), l.ratio(), l.side()]);
        expect([d1.venueCode(), d1.quantityLots(), legs1Read, d1.comment()]).toEqual([
          '',
          null,
          q.legs.map((l) => [l.legId, l.ratio, null]),
          '',
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it('decoding arbitrary bytes fails with a RangeError or Error, never a crash of another kind', () => {
    const dispatcher = new Car.MessageDispatcher();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, validHeader) => {
        if (validHeader && bytes.length >= 8) bytes.set([45, 0, 1, 0, 1, 0, 0, 0]);
        try {
          const car = dispatcher.wrap(bytes, 0);
          if (car === null) return;
          car.vehicleCode();
          car.engine().booster().boostType();
          for (const f of car.fuelFigures()) f.usageDescription();
          for (const p of car.performanceFigures()) for (const a of p.acceleration()) a.seconds();
          car.manufacturer();
          car.model();
          car.activationCode();
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
