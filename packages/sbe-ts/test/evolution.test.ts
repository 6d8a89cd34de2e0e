import { readFileSync } from 'node:fs';
import { parseSchema } from '@venue/sbe-ts';
import { describe, expect, it } from 'vitest';
import * as V0 from './generated/evolution_v0/index.js';
import * as V1 from './generated/evolution_v1/index.js';

function encodeQuoteV0(buffer: Uint8Array): number {
  const q = new V0.QuoteEncoder().wrapAndApplyHeader(buffer, 0).instrumentId(7).priceTicks(-5n);
  const legs = q.legsCount(2);
  legs.next().legId(1).ratio(2);
  legs.next().legId(3).ratio(-4);
  q.note('v0 note');
  return V0.MESSAGE_HEADER_LENGTH + q.encodedLength();
}

function encodeQuoteV1(buffer: Uint8Array): number {
  const q = new V1.QuoteEncoder()
    .wrapAndApplyHeader(buffer, 0)
    .instrumentId(7)
    .priceTicks(-5n)
    .venueCode('XLON')
    .quantityLots(100n);
  const legs = q.legsCount(2);
  legs.next().legId(1).ratio(2).side(V1.Side.Buy);
  legs.next().legId(3).ratio(-4).side(V1.Side.Sell);
  q.note('v1 note').comment('added in v1');
  return V1.MESSAGE_HEADER_LENGTH + q.encodedLength();
}

describe('schema evolution', () => {
  it('grows the blocks of the newer version', () => {
    expect(V0.QuoteEncoder.BLOCK_LENGTH).toBe(12);
    expect(V1.QuoteEncoder.BLOCK_LENGTH).toBe(24);
    expect(V0.QuoteLegsEncoder.BLOCK_LENGTH).toBe(6);
    expect(V1.QuoteLegsEncoder.BLOCK_LENGTH).toBe(7);
  });

  it('a v0 decoder reads a v1 message, skipping the fields, group fields and data it does not know', () => {
    const buffer = new Uint8Array(256);
    const length = encodeQuoteV1(buffer);
    const q = new V0.QuoteDecoder().wrapWithHeader(buffer, 0);
    expect(q.actingVersion()).toBe(1);
    expect(q.actingBlockLength()).toBe(24);
    expect([q.instrumentId(), q.priceTicks()]).toEqual([7, -5n]);
    const legs: number[][] = [];
    for (const leg of q.legs()) legs.push([leg.legId(), leg.ratio(), leg.actingBlockLength()]);
    expect(legs).toEqual([
      [1, 2, 7],
      [3, -4, 7],
    ]);
    expect(q.note()).toBe('v1 note');
    // The trailing v1 data is not read by v0; the v0 view of the message ends before it.
    expect(V0.MESSAGE_HEADER_LENGTH + q.encodedLength()).toBe(length - 4 - 'added in v1'.length);
  });

  it('a v1 decoder reads a v0 message: fields, group fields, groups and data of v1 are absent', () => {
    const buffer = new Uint8Array(256);
    const length = encodeQuoteV0(buffer);
    const q = new V1.QuoteDecoder().wrapWithHeader(buffer, 0);
    expect(q.actingVersion()).toBe(0);
    expect([q.instrumentId(), q.priceTicks(), q.venueCode(), q.quantityLots()]).toEqual([7, -5n, '', null]);
    const legs: unknown[][] = [];
    for (const leg of q.legs()) legs.push([leg.legId(), leg.ratio(), leg.side()]);
    expect(legs).toEqual([
      [1, 2, null],
      [3, -4, null],
    ]);
    expect(q.note()).toBe('v0 note');
    expect(q.comment()).toBe('');
    expect(q.commentLength()).toBe(0);
    expect(V1.MESSAGE_HEADER_LENGTH + q.encodedLength()).toBe(length);
  });

  it('a group added in v1 is empty when reading v0, and v0 skips it at the end of a v1 message', () => {
    const buffer = new Uint8Array(256);
    const b0 = new V0.BookEncoder().wrapAndApplyHeader(buffer, 0).instrumentId(9);
    b0.bidsCount(1).next().priceTicks(100n);
    const book1 = new V1.BookDecoder().wrapWithHeader(buffer, 0);
    expect([...book1.bids()].length).toBe(1);
    expect(book1.asks().count()).toBe(0);

    const b1 = new V1.BookEncoder().wrapAndApplyHeader(buffer, 0).instrumentId(9);
    b1.bidsCount(1).next().priceTicks(100n);
    b1.asksCount(2).next().priceTicks(101n).next().priceTicks(102n);
    const book0 = new V0.BookDecoder().wrapWithHeader(buffer, 0);
    const bids: bigint[] = [];
    for (const b of book0.bids()) bids.push(b.priceTicks());
    expect(bids).toEqual([100n]);
    const v1 = new V1.BookDecoder().wrapWithHeader(buffer, 0);
    v1.bids().next();
    const asks1: bigint[] = [];
    for (const a of v1.asks()) asks1.push(a.priceTicks());
    expect(asks1).toEqual([101n, 102n]);
  });

  it('a v0 dispatcher returns null for a message type added in v1', () => {
    const buffer = new Uint8Array(64);
    new V1.CancelEncoder().wrapAndApplyHeader(buffer, 0).orderId(5n);
    expect(new V0.MessageDispatcher().wrap(buffer, 0)).toBeNull();
    const d = new V1.MessageDispatcher().wrap(buffer, 0);
    expect(d?.sbeName === 'Cancel' && d.orderId()).toBe(5n);
  });

  it('rejects a header whose blockLength is too short for the version it claims', () => {
    const buffer = new Uint8Array(256);
    encodeQuoteV0(buffer);
    const view = new DataView(buffer.buffer);
    view.setUint16(6, 1, true); // claims version 1 with the 12-byte block of version 0
    expect(() => new V1.QuoteDecoder().wrapWithHeader(buffer, 0)).toThrow(
      /Quote: blockLength 12 is shorter than the 24 bytes of its fields in version 1/,
    );
    view.setUint16(6, 0, true);
    view.setUint16(0, 11, true); // version 0 but a block shorter than its fields
    expect(() => new V0.QuoteDecoder().wrapWithHeader(buffer, 0)).toThrow(
      /blockLength 11 is shorter than the 12/,
    );
    view.setUint16(0, 12, true);
    view.setUint16(8 + 12, 5, true); // legs elements of 5 bytes, shorter than legId + ratio
    expect(() => new V0.QuoteDecoder().wrapWithHeader(buffer, 0).legs()).toThrow(
      /legs: blockLength 5 is shorter/,
    );
  });

  it('a field is no older than its type', () => {
    const xml = readFileSync(new URL('./schemas/evolution_v1.xml', import.meta.url), 'utf8').replace(
      '<field name="side" id="9" type="Side" sinceVersion="1"/>',
      '<field name="side" id="9" type="Side"/>',
    );
    const quote = parseSchema(xml, 'evolution_v1.xml').messages[0]!;
    expect(quote.groups[0]?.fields.find((f) => f.name === 'side')?.sinceVersion).toBe(1);
    expect(quote.fields.find((f) => f.name === 'priceTicks')?.sinceVersion).toBe(0);
  });
});
