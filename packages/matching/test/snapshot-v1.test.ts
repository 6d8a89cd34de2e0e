import { readFileSync } from 'node:fs';
import {
  CommandType,
  Reason,
  RecordingSink,
  readSnapshot,
  Side,
  stateHash,
  TimeInForce,
  TradingPhase,
  writeSnapshot,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { BOB, order, ZVZZT } from './helpers.js';

/**
 * A version 1 snapshot (before trading phases), written by the engine of the main branch before
 * this change: genesis, then on ZVZZT a GTC buy 10 @ 9900 (alice), a Day sell 7 @ 10100 (bob) and
 * a GTC sell 4 @ 9900 (bob) that traded 4 @ 9900.
 */
const V1 = Buffer.from(
  readFileSync(new URL('./fixtures/snapshot-v1.b64', import.meta.url), 'utf8').trim(),
  'base64',
);

describe('snapshot format versions', () => {
  it('a version 1 snapshot still loads: every instrument continuous, no schedule, orders intact', () => {
    expect(new DataView(V1.buffer, V1.byteOffset).getUint32(4, true)).toBe(1);
    const eng = readSnapshot(new Uint8Array(V1), new RecordingSink());
    for (const id of eng.instrumentIds()) expect(eng.instrument(id)!.phase).toBe(TradingPhase.Continuous);
    const b = eng.book(ZVZZT)!;
    expect(b.bestBid()).toMatchObject({ priceTicks: 9_900, totalLots: 6 });
    expect(b.bestAsk()).toMatchObject({ priceTicks: 10_100, totalLots: 7 });
    expect(b.lastTrade().priceTicks).toBe(9_900);
    // The Day order still expires at the configured session end (21:00 UTC).
    expect(eng.nextDeadlineMs()).toBe(21 * 3_600_000);
    // No instrument uses phases: written again it is the same version 1 bytes (equal hashes with
    // a build without phases, e.g. during a rolling upgrade).
    expect(Buffer.from(writeSnapshot(eng)).equals(V1)).toBe(true);
    // With a schedule it is version 2, which round-trips to the same hash.
    eng.apply({
      type: CommandType.SetTradingSchedule,
      timestampMs: 2_000,
      instrumentId: ZVZZT,
      schedule: null,
      volBandBps: 100,
      volAuctionMs: 1_000,
    });
    const v2 = writeSnapshot(eng);
    expect(new DataView(v2.buffer, v2.byteOffset).getUint32(4, true)).toBe(2);
    expect(stateHash(readSnapshot(v2, new RecordingSink()))).toBe(stateHash(eng));
  });

  it('a version 1 engine keeps trading after the load and can take a schedule', () => {
    const sink = new RecordingSink();
    const eng = readSnapshot(new Uint8Array(V1), sink);
    eng.apply(order({ timestampMs: 2_000, accountId: BOB, side: Side.Sell, priceTicks: 9_900, qtyLots: 6 }));
    expect(sink.events.filter((e) => e.type === 'trade').map((e) => e.type === 'trade' && e.qtyLots)).toEqual(
      [6],
    );
    eng.apply({
      type: CommandType.SetTradingSchedule,
      timestampMs: 3_000,
      instrumentId: ZVZZT,
      schedule: {
        preOpenMs: 0,
        openingAuctionMs: 0,
        continuousMs: 3_600_000,
        closingAuctionMs: 7_200_000,
        closeMs: 7_200_000,
      },
      volBandBps: 0,
      volAuctionMs: 0,
    });
    expect(eng.instrument(ZVZZT)!.phase).toBe(TradingPhase.OpeningAuction);
    eng.apply(order({ timestampMs: 4_000, tif: TimeInForce.IOC }));
    expect(sink.events.at(-1)).toMatchObject({ type: 'execution', reason: Reason.NotAllowedInPhase });
  });
});
