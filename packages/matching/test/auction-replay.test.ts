import {
  type Command,
  CommandType,
  type EventRecord,
  InstrumentStatus,
  isCallPhase,
  type MatchingEngine,
  OrderType,
  RecordingSink,
  readSnapshot,
  Side,
  stateHash,
  TimeInForce,
  type TradeRecord,
  TradingPhase,
  writeSnapshot,
} from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, MM, setup, ZVZZT } from './helpers.js';

const M = 60_000;
const H = 60 * M;
/** A short trading day so random streams run through every phase: 08:00 .. 08:50. */
const SCHEDULE_CMD: Command = {
  type: CommandType.SetTradingSchedule,
  timestampMs: 8 * H - 5 * M,
  instrumentId: ZVZZT,
  schedule: {
    preOpenMs: 8 * H,
    openingAuctionMs: 8 * H + 10 * M,
    continuousMs: 8 * H + 20 * M,
    closingAuctionMs: 8 * H + 40 * M,
    closeMs: 8 * H + 50 * M,
  },
  volBandBps: 150,
  volAuctionMs: 2 * M,
};

type Step = { dtMs: number; make: (ts: number) => Command };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .record({
        dtMs: fc.integer({ min: 0, max: 40_000 }),
        acct: fc.constantFrom(ALICE, BOB, CAROL, MM),
        side: fc.constantFrom(Side.Buy, Side.Sell),
        px: fc.integer({ min: 9_700, max: 10_300 }),
        qty: fc.integer({ min: 1, max: 20 }),
        kind: fc.constantFrom('gtc', 'day', 'ioc', 'market', 'iceberg'),
      })
      .map(({ dtMs, acct, side, px, qty, kind }) => ({
        dtMs,
        make: (ts: number): Command => ({
          type: CommandType.NewOrder,
          timestampMs: ts,
          accountId: acct,
          sessionId: acct,
          instrumentId: ZVZZT,
          clOrdId: '',
          side,
          orderType: kind === 'market' ? OrderType.Market : OrderType.Limit,
          tif:
            kind === 'day'
              ? TimeInForce.Day
              : kind === 'ioc' || kind === 'market'
                ? TimeInForce.IOC
                : TimeInForce.GTC,
          priceTicks: px,
          stopPriceTicks: 0,
          qtyLots: kind === 'iceberg' ? qty + 10 : qty,
          displayQtyLots: kind === 'iceberg' ? 3 : 0,
          postOnly: false,
          expireAtMs: 0,
        }),
      })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        dtMs: fc.integer({ min: 0, max: 40_000 }),
        id: fc.integer({ min: 1, max: 200 }),
        acct: fc.constantFrom(ALICE, BOB, CAROL, MM),
      })
      .map(({ dtMs, id, acct }) => ({
        dtMs,
        make: (ts: number): Command => ({
          type: CommandType.Cancel,
          timestampMs: ts,
          accountId: acct,
          orderId: id,
          origClOrdId: '',
          clOrdId: '',
        }),
      })),
  },
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 120_000 }).map((dtMs) => ({
      dtMs,
      make: (ts: number): Command => ({ type: CommandType.Tick, timestampMs: ts }),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ dtMs: fc.integer({ min: 0, max: 40_000 }), halt: fc.boolean() })
      .map(({ dtMs, halt }) => ({
        dtMs,
        make: (ts: number): Command => ({
          type: CommandType.SetInstrumentStatus,
          timestampMs: ts,
          instrumentId: ZVZZT,
          status: halt ? InstrumentStatus.Halted : InstrumentStatus.Open,
        }),
      })),
  },
);

function commandsOf(steps: readonly Step[]): Command[] {
  let ts = SCHEDULE_CMD.timestampMs;
  const out: Command[] = [SCHEDULE_CMD];
  for (const s of steps) {
    ts += s.dtMs;
    out.push(s.make(ts));
  }
  // Run to the next morning: the close, Day expiry and the next day's open all happen.
  out.push({ type: CommandType.Tick, timestampMs: ts + 24 * H });
  return out;
}

function checkInvariants(eng: MatchingEngine): void {
  const b = eng.book(ZVZZT)!;
  const phase = eng.instrument(ZVZZT)!.phase;
  const bid = b.bestBid();
  const ask = b.bestAsk();
  // Outside calls (and halts, which may freeze a crossed call book) the book never crosses.
  if (!isCallPhase(phase) && phase !== TradingPhase.Halted && bid !== undefined && ask !== undefined) {
    expect(bid.priceTicks).toBeLessThan(ask.priceTicks);
  }
  let pos = 0;
  let cash = 0;
  for (const a of eng.accountIds()) {
    const p = eng.position(a, ZVZZT)!;
    pos += p.positionLots;
    cash += p.cash;
  }
  expect(pos).toBe(0);
  expect(cash).toBe(0);
  for (const side of [1, 2]) {
    b.forEachLevel(side, (l) => {
      let total = 0;
      let vis = 0;
      let n = 0;
      b.forEachOrderAt(side, l.priceTicks, (o) => {
        total += o.leavesLots;
        vis += o.visibleLots;
        n++;
        return true;
      });
      expect([total, vis, n]).toEqual([l.totalLots, l.visibleLots, l.orderCount]);
      return true;
    });
  }
}

function run(
  cmds: readonly Command[],
  check = false,
): { events: EventRecord[]; hash: string; uncrosses: number } {
  const { eng, sink } = setup();
  let uncrosses = 0;
  for (const c of cmds) {
    const before = eng.instrument(ZVZZT)!.phase;
    const ind = eng.auctionInfo(ZVZZT)!;
    const n = sink.events.length;
    eng.apply(c);
    if (!check) continue;
    checkInvariants(eng);
    const after = eng.instrument(ZVZZT)!.phase;
    // A tick that ends a call with a crossed book: exactly the indicative uncross trades, at one price.
    if (
      c.type === CommandType.Tick &&
      isCallPhase(before) &&
      !isCallPhase(after) &&
      after !== TradingPhase.Halted
    ) {
      const tr = sink.events.slice(n).filter((e): e is TradeRecord => e.type === 'trade');
      expect(tr.reduce((s, t) => s + t.qtyLots, 0)).toBe(ind.volumeLots);
      for (const t of tr) expect(t.priceTicks).toBe(ind.priceTicks);
      if (tr.length > 0) uncrosses++;
    }
  }
  return { events: sink.events, hash: stateHash(eng), uncrosses };
}

describe('auctions: replay and snapshots', () => {
  it('random streams through every phase: invariants hold, every uncross equals the indicative one', () => {
    let total = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 50, maxLength: 250 }), (steps) => {
        total += run(commandsOf(steps), true).uncrosses;
      }),
      { numRuns: 60 },
    );
    // The streams really exercise auctions (not vacuous).
    expect(total).toBeGreaterThan(5);
  });

  it('two engines fed the same entries give equal event streams and hashes', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 50, maxLength: 250 }), (steps) => {
        const cmds = commandsOf(steps);
        const a = run(cmds);
        const b = run(cmds);
        expect(b.events).toEqual(a.events);
        expect(b.hash).toBe(a.hash);
      }),
      { numRuns: 30 },
    );
  });

  it('snapshot and restore at any point (mid-auction included) gives the same future and hash', () => {
    let midAuction = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 50, maxLength: 200 }), fc.nat(), (steps, cutSeed) => {
        const cmds = commandsOf(steps);
        const cut = 1 + (cutSeed % (cmds.length - 1));
        const { eng, sink } = setup();
        for (const c of cmds.slice(0, cut)) eng.apply(c);
        if (isCallPhase(eng.instrument(ZVZZT)!.phase)) midAuction++;
        const bytes = writeSnapshot(eng);
        const sink2 = new RecordingSink();
        const restored = readSnapshot(bytes, sink2);
        expect(stateHash(restored)).toBe(stateHash(eng));
        expect(restored.instrument(ZVZZT)!.phase).toBe(eng.instrument(ZVZZT)!.phase);
        expect(restored.nextDeadlineMs()).toBe(eng.nextDeadlineMs());
        sink.clear();
        for (const c of cmds.slice(cut)) {
          eng.apply(c);
          restored.apply(c);
        }
        expect(sink2.events).toEqual(sink.events);
        expect(stateHash(restored)).toBe(stateHash(eng));
      }),
      { numRuns: 60 },
    );
    expect(midAuction).toBeGreaterThan(3);
  });
});
