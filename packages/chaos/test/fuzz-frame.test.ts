import { decodeFix } from '@venue/gateway';
import { describe, expect, it } from 'vitest';
import { encodeFrame, framerDeficit, parseStrict, type RawField, StreamSplitter } from '../src/fuzz/frame.js';
import { MUTATIONS, mutate, wellFramed } from '../src/fuzz/mutate.js';
import { Prng } from '../src/random/prng.js';

// The fuzzer's oracle has its own FIX framing (it must not judge the gateway with the gateway's
// codec); here it is cross-checked against the gateway's codec and the classic example.
const body: RawField[] = [
  ['35', 'D'],
  ['49', 'CLIENT1'],
  ['56', 'VENUE'],
  ['34', '7'],
  ['52', '20260105-09:00:00.000'],
  ['11', 'A1'],
  ['55', 'ZVZZT'],
  ['54', '1'],
];

describe('fuzz framing and mutations', () => {
  it('encodes exactly like the gateway codec, and the broken variants are garbled for both', () => {
    const ok = encodeFrame(body);
    expect(decodeFix(ok).kind).toBe('ok');
    expect(parseStrict(ok)).not.toBeTypeOf('string');
    expect(wellFramed(ok)).toBe(true);
    for (const broken of [
      encodeFrame(body, { checksumDelta: 1 }),
      encodeFrame(body, { bodyLengthDelta: -1 }),
      encodeFrame(body, { bodyLengthDelta: 2 }),
      encodeFrame(body, { checksumText: '12' }),
    ]) {
      expect(decodeFix(broken).kind).toBe('garbled');
      expect(wellFramed(broken)).toBe(false);
      expect(typeof parseStrict(broken)).toBe('string');
    }
  });

  it('the TCP deficit is what a long BodyLength promises beyond the bytes sent', () => {
    expect(framerDeficit(encodeFrame(body), 65_536)).toBe(0);
    expect(framerDeficit(encodeFrame(body, { bodyLengthDelta: 5 }), 65_536)).toBe(5);
    expect(framerDeficit(encodeFrame(body, { bodyLengthDelta: 999_999 }), 65_536)).toBe(0); // oversized
    const ok = encodeFrame(body);
    expect(framerDeficit(ok.slice(0, 40), 65_536)).toBe(ok.length - 40);
  });

  it('splits a coalesced TCP stream into frames', () => {
    const a = encodeFrame(body);
    const b = encodeFrame([...body.slice(0, 3), ['34', '8'], ...body.slice(4)]);
    const s = new StreamSplitter();
    const both = a + b;
    expect([
      ...s.push(both.slice(0, 10)),
      ...s.push(both.slice(10, a.length + 3)),
      ...s.push(both.slice(a.length + 3)),
    ]).toEqual([a, b]);
  });

  it('mutations are reproducible from the seed and all kinds occur', () => {
    const run = (seed: number) => {
      const rnd = new Prng(seed);
      return Array.from({ length: 200 }, () => {
        const kind = rnd.pick(MUTATIONS);
        return `${kind}:${mutate(rnd, body, kind)}`;
      });
    };
    const a = run(42);
    expect(run(42)).toEqual(a);
    expect(run(43)).not.toEqual(a);
    expect(new Set(a.map((m) => m.split(':')[0])).size).toBe(MUTATIONS.length);
    // Most mutations change the bytes (a swap of a field with itself may not).
    expect(a.filter((m) => m.slice(m.indexOf(':') + 1) !== encodeFrame(body)).length).toBeGreaterThan(180);
  });
});
