import {
  NullSink,
  OrderType,
  RecordingSink,
  readSnapshot,
  Side,
  SnapshotError,
  stateHash,
  TimeInForce,
  writeSnapshot,
} from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, order, setup, ZVZZT } from './helpers.js';

function busyEngine() {
  const { eng } = setup();
  eng.apply(order({ accountId: ALICE, qtyLots: 10, displayQtyLots: 3, clOrdId: 'ice' }));
  eng.apply(order({ accountId: CAROL, side: Side.Sell, qtyLots: 2 })); // eats part of the iceberg slice
  eng.apply(order({ accountId: BOB, side: Side.Sell, priceTicks: 10_200, tif: TimeInForce.Day }));
  eng.apply(
    order({ accountId: BOB, orderType: OrderType.StopLimit, stopPriceTicks: 10_150, priceTicks: 10_200 }),
  );
  return eng;
}

describe('snapshot', () => {
  it('restores every structure: book, iceberg slice, stops, deadlines, positions, hash', () => {
    const a = busyEngine();
    const b = readSnapshot(writeSnapshot(a), new NullSink());
    expect(stateHash(b)).toBe(stateHash(a));
    expect(b.book(ZVZZT)!.bestBid()).toEqual(a.book(ZVZZT)!.bestBid());
    expect(b.book(ZVZZT)!.bestBid()).toMatchObject({ visibleLots: 1, totalLots: 8 });
    expect(b.position(CAROL, ZVZZT)).toEqual(a.position(CAROL, ZVZZT));
    expect(b.nextDeadlineMs()).toBe(a.nextDeadlineMs());
    expect(b.account(ALICE)!.openOrders).toBe(a.account(ALICE)!.openOrders);
    // Same future: the next command produces the same events.
    const sa = new RecordingSink();
    const sb = new RecordingSink();
    a.setSink(sa);
    b.setSink(sb);
    const next = order({ accountId: CAROL, side: Side.Sell, qtyLots: 9, priceTicks: 9_990 });
    a.apply(next);
    b.apply(next);
    expect(sb.events).toEqual(sa.events);
    expect(stateHash(b)).toBe(stateHash(a));
  });

  it('different states hash differently', () => {
    const a = busyEngine();
    const b = busyEngine();
    expect(stateHash(a)).toBe(stateHash(b));
    b.apply(order({ accountId: BOB, qtyLots: 1, priceTicks: 9_000 }));
    expect(stateHash(b)).not.toBe(stateHash(a));
  });

  it('rejects truncated or foreign bytes with SnapshotError', () => {
    const bytes = writeSnapshot(busyEngine());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => readSnapshot(bytes.subarray(0, cut), new NullSink())).toThrow(SnapshotError);
      }),
      { numRuns: 200 },
    );
    const foreign = bytes.slice();
    foreign[0] = foreign[0]! ^ 0xff;
    expect(() => readSnapshot(foreign, new NullSink())).toThrow(SnapshotError);
  });
});
