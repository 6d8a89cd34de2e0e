import { readFileSync } from 'node:fs';
import { parseSchema } from '@venue/sbe-ts';
import { describe, expect, it } from 'vitest';
import {
  BooleanType,
  BoostType,
  CarDecoder,
  CarEncoder,
  MESSAGE_HEADER_LENGTH,
  MessageDispatcher,
  Model,
  OptionalExtras,
  optionalExtrasHas,
} from './generated/car/index.js';

const CAR_XML = readFileSync(new URL('./schemas/car.xml', import.meta.url), 'utf8');

function encodeCar(buffer: Uint8Array, offset: number): number {
  const car = new CarEncoder().wrapAndApplyHeader(buffer, offset);
  car
    .serialNumber(1234n)
    .modelYear(2013)
    .available(BooleanType.T)
    .code(Model.A)
    .vehicleCode('abcdef')
    .extras(OptionalExtras.sunRoof | OptionalExtras.cruiseControl);
  for (let i = 0; i < 4; i++) car.someNumbers(i, i);
  car.engine().capacity(2000).numCylinders(4).manufacturerCode('123').efficiency(35);
  car.engine().boosterEnabled(BooleanType.T).booster().boostType(BoostType.NITROUS).horsePower(200);
  const fuel = car.fuelFiguresCount(3);
  fuel.next().speed(30).mpg(35.9).usageDescription('Urban Cycle');
  fuel.next().speed(55).mpg(49.0).usageDescription('Combined Cycle');
  fuel.next().speed(75).mpg(40.0).usageDescription('Highway Cycle');
  const perf = car.performanceFiguresCount(2);
  for (const octane of [95, 99]) {
    const acc = perf.next().octaneRating(octane).accelerationCount(3);
    acc
      .next()
      .mph(30)
      .seconds(octane === 95 ? 4.0 : 3.8);
    acc
      .next()
      .mph(60)
      .seconds(octane === 95 ? 7.5 : 7.1);
    acc
      .next()
      .mph(100)
      .seconds(octane === 95 ? 12.2 : 11.8);
  }
  car.manufacturer('Honda').model('Civic VTi').activationCode('abcdef');
  return MESSAGE_HEADER_LENGTH + car.encodedLength();
}

describe('the SBE example Car schema', () => {
  it('has the layout the specification gives', () => {
    const schema = parseSchema(CAR_XML, 'car.xml');
    const car = schema.messages[0]!;
    expect(car.blockLength).toBe(45);
    const offsets = Object.fromEntries(
      car.fields.filter((f) => f.presence !== 'constant').map((f) => [f.name, f.offset]),
    );
    expect(offsets).toEqual({
      serialNumber: 0,
      modelYear: 8,
      available: 10,
      code: 11,
      someNumbers: 12,
      vehicleCode: 28,
      extras: 34,
      engine: 35,
    });
    const engine = schema.types.find((t) => t.name === 'Engine');
    expect(engine?.encodedLength).toBe(10);
    expect(schema.header.type.encodedLength).toBe(8);
    expect(CarEncoder.BLOCK_LENGTH).toBe(45);
    expect(car.groups.map((g) => [g.name, g.blockLength])).toEqual([
      ['fuelFigures', 6],
      ['performanceFigures', 1],
    ]);
  });

  it('encodes the bytes at the offsets of the layout', () => {
    const buffer = new Uint8Array(256);
    const length = encodeCar(buffer, 0);
    const view = new DataView(buffer.buffer);
    // Header: blockLength 45, templateId 1, schemaId 1, version 0, little-endian uint16s.
    expect([...buffer.subarray(0, 8)]).toEqual([45, 0, 1, 0, 1, 0, 0, 0]);
    const body = 8;
    expect(view.getBigUint64(body, true)).toBe(1234n);
    expect(view.getUint16(body + 8, true)).toBe(2013);
    expect(buffer[body + 10]).toBe(1);
    expect(buffer[body + 11]).toBe('A'.charCodeAt(0));
    expect([0, 1, 2, 3].map((i) => view.getUint32(body + 12 + i * 4, true))).toEqual([0, 1, 2, 3]);
    expect(new TextDecoder().decode(buffer.subarray(body + 28, body + 34))).toBe('abcdef');
    expect(buffer[body + 34]).toBe(0b101);
    // Engine at 35: capacity u16, numCylinders u8, manufacturerCode char[3], efficiency, boosterEnabled, booster.
    expect(view.getUint16(body + 35, true)).toBe(2000);
    expect(buffer[body + 37]).toBe(4);
    expect(new TextDecoder().decode(buffer.subarray(body + 38, body + 41))).toBe('123');
    expect(buffer[body + 41]).toBe(35);
    expect(buffer[body + 42]).toBe(1);
    expect(buffer[body + 43]).toBe('N'.charCodeAt(0));
    expect(buffer[body + 44]).toBe(200);
    // fuelFigures dimension right after the 45-byte block: blockLength 6, numInGroup 3.
    expect([...buffer.subarray(body + 45, body + 49)]).toEqual([6, 0, 3, 0]);
    expect(view.getUint16(body + 49, true)).toBe(30);
    expect(view.getFloat32(body + 51, true)).toBeCloseTo(35.9, 5);
    expect(view.getUint32(body + 55, true)).toBe('Urban Cycle'.length);
    // Total: header 8 + block 45 + fuel (4 + 3*6 + 4*3 + 11+14+13) + perf (4 + 2*(1 + 4 + 3*6)) + 3 var data.
    const fuel = 4 + 3 * 6 + 3 * 4 + 'Urban Cycle'.length + 'Combined Cycle'.length + 'Highway Cycle'.length;
    const perf = 4 + 2 * (1 + 4 + 3 * 6);
    const data = 4 + 5 + 4 + 9 + 4 + 6;
    expect(length).toBe(8 + 45 + fuel + perf + data);
    expect(buffer.subarray(length - 6, length)).toEqual(new TextEncoder().encode('abcdef'));
  });

  it('round-trips through the generated decoder', () => {
    const buffer = new Uint8Array(512);
    const length = encodeCar(buffer, 16);
    const car = new CarDecoder().wrapWithHeader(buffer, 16);
    expect(car.serialNumber()).toBe(1234n);
    expect(car.modelYear()).toBe(2013);
    expect(car.available()).toBe(BooleanType.T);
    expect(car.code()).toBe(Model.A);
    expect([0, 1, 2, 3].map((i) => car.someNumbers(i))).toEqual([0, 1, 2, 3]);
    expect(car.vehicleCode()).toBe('abcdef');
    expect(car.extrasHas('sunRoof')).toBe(true);
    expect(car.extrasHas('sportsPack')).toBe(false);
    expect(optionalExtrasHas(car.extras(), 'cruiseControl')).toBe(true);
    expect(car.discountedModel()).toBe(Model.C);
    const engine = car.engine();
    expect(engine.capacity()).toBe(2000);
    expect(engine.numCylinders()).toBe(4);
    expect(engine.maxRpm()).toBe(9000);
    expect(engine.manufacturerCode()).toBe('123');
    expect(engine.fuel()).toBe('Petrol');
    expect(engine.efficiency()).toBe(35);
    expect(engine.boosterEnabled()).toBe(BooleanType.T);
    expect(engine.booster().boostType()).toBe(BoostType.NITROUS);
    expect(engine.booster().horsePower()).toBe(200);
    const fuel: [number, number, string][] = [];
    for (const f of car.fuelFigures())
      fuel.push([f.speed(), Math.round(f.mpg() * 10) / 10, f.usageDescription()]);
    expect(fuel).toEqual([
      [30, 35.9, 'Urban Cycle'],
      [55, 49, 'Combined Cycle'],
      [75, 40, 'Highway Cycle'],
    ]);
    const perf: number[][] = [];
    const performance = car.performanceFigures();
    while (performance.hasNext()) {
      const p = performance.next();
      const row = [p.octaneRating()];
      for (const a of p.acceleration()) row.push(a.mph(), Math.round(a.seconds() * 10) / 10);
      perf.push(row);
    }
    expect(perf).toEqual([
      [95, 30, 4, 60, 7.5, 100, 12.2],
      [99, 30, 3.8, 60, 7.1, 100, 11.8],
    ]);
    expect(car.manufacturer()).toBe('Honda');
    expect(car.model()).toBe('Civic VTi');
    expect(car.activationCode()).toBe('abcdef');
    expect(MESSAGE_HEADER_LENGTH + car.encodedLength()).toBe(length);
  });

  it('dispatches on templateId and returns null for another schema', () => {
    const buffer = new Uint8Array(512);
    encodeCar(buffer, 0);
    const dispatcher = new MessageDispatcher();
    const decoded = dispatcher.wrap(buffer, 0);
    expect(decoded?.sbeName).toBe('Car');
    expect(decoded?.serialNumber()).toBe(1234n);
    buffer[4] = 99; // schemaId
    expect(dispatcher.wrap(buffer, 0)).toBeNull();
    expect(() => new CarDecoder().wrapWithHeader(buffer, 0)).toThrow(/schemaId 99/);
  });

  it('gives var data as a view into the buffer, without copying', () => {
    const buffer = new Uint8Array(512);
    encodeCar(buffer, 0);
    const car = new CarDecoder().wrapWithHeader(buffer, 0);
    for (const f of car.fuelFigures()) f.skipUsageDescription();
    for (const p of car.performanceFigures()) for (const _ of p.acceleration());
    const bytes = car.manufacturerBytes();
    expect(bytes.buffer).toBe(buffer.buffer);
    expect(new TextDecoder().decode(bytes)).toBe('Honda');
    bytes[0] = 'h'.charCodeAt(0);
    expect(new TextDecoder().decode(buffer.subarray(bytes.byteOffset, bytes.byteOffset + 5))).toBe('honda');
  });
});
