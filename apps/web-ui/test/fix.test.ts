import { decodeFix as gatewayDecode, encodeFix as gatewayEncode, SOH, withDelimiter } from '@venue/gateway';
import { describe, expect, it } from 'vitest';
import { decodeFix, encodeFix, fixTimestamp } from '../src/lib/fix.js';

const order: Array<[number, string]> = [
  [35, 'D'],
  [49, 'CLIENT1'],
  [56, 'VENUE'],
  [34, '7'],
  [52, '20261126-14:00:00.000'],
  [11, 'C-1'],
  [55, 'ZVZZT'],
  [54, '1'],
  [38, '10'],
  [40, '2'],
  [44, '100.01'],
];

describe('browser FIX codec', () => {
  it('produces | frames that the gateway accepts with the SOH checksum basis', () => {
    const wire = encodeFix(order);
    expect(wire.startsWith('8=FIX.4.4|9=')).toBe(true);
    expect(wire.endsWith('|')).toBe(true);
    expect(wire.includes(SOH)).toBe(false);
    const res = gatewayDecode(wire.split('|').join(SOH));
    expect(res.kind).toBe('ok');
    if (res.kind === 'ok') {
      expect(res.msg.get(44)).toBe('100.01');
      expect(res.msg.get(11)).toBe('C-1');
    }
  });

  it('encodes byte-identically to the gateway encoder', () => {
    const theirs = withDelimiter(gatewayEncode(order.map(([tag, value]) => ({ tag, value }))), '|');
    expect(encodeFix(order)).toBe(theirs);
    expect(encodeFix(order, SOH)).toBe(gatewayEncode(order.map(([tag, value]) => ({ tag, value }))));
  });

  it('decodes gateway frames in both delimiters', () => {
    const canonical = gatewayEncode([
      { tag: 35, value: '8' },
      { tag: 49, value: 'VENUE' },
      { tag: 37, value: 'O1' },
      { tag: 58, value: 'Price(44) 100.005 is not a multiple of the tick size 0.01 for ZVZZT' },
    ]);
    for (const frame of [canonical, withDelimiter(canonical, '|')]) {
      const res = decodeFix(frame);
      expect(res.ok).toBe(true);
      if (res.ok) {
        expect(res.msg.msgType).toBe('8');
        expect(res.msg.get(37)).toBe('O1');
        expect(res.msg.get(58)).toContain('tick size');
      }
    }
  });

  it('rejects corrupted frames without throwing', () => {
    const wire = encodeFix(order);
    // Flip one body byte: checksum mismatch.
    const corrupt = wire.replace('ZVZZT', 'ZVZZU');
    expect(decodeFix(corrupt)).toEqual({ ok: false, error: 'CheckSum(10) mismatch' });
    // Wrong BodyLength.
    const badLen = wire.replace(/9=\d+/, (m) => `9=${Number(m.slice(2)) + 1}`);
    expect(decodeFix(badLen).ok).toBe(false);
    expect(decodeFix('hello').ok).toBe(false);
    expect(decodeFix('8=FIX.4.2|9=5|35=0|10=000|').ok).toBe(false);
    expect(decodeFix(wire.slice(0, -1)).ok).toBe(false);
  });

  it('refuses unsafe values and computed tags on encode', () => {
    expect(() => encodeFix([[49, 'X']])).toThrow(/MsgType/);
    expect(() =>
      encodeFix([
        [35, 'D'],
        [58, 'a|b'],
      ]),
    ).toThrow(/unsafe/);
    expect(() =>
      encodeFix([
        [35, 'D'],
        [10, '000'],
      ]),
    ).toThrow(/computed/);
    expect(() =>
      encodeFix([
        [35, 'D'],
        [58, ''],
      ]),
    ).toThrow(/empty/);
  });

  it('formats UTC timestamps with milliseconds', () => {
    expect(fixTimestamp(Date.UTC(2026, 10, 26, 9, 5, 7, 42))).toBe('20261126-09:05:07.042');
  });
});
