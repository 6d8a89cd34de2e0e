import {
  AdminEventKind,
  type Command,
  CommandType,
  ExecType,
  findUncross,
  InstrumentStatus,
  type MatchingEngine,
  OrderType,
  Reason,
  type RecordingSink,
  type SetTradingScheduleCommand,
  Side,
  TimeInForce,
  TradingPhase,
  type TradingSchedule,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, cancel, execs, order, setup, trades, ZVZZT } from './helpers.js';

const H = 3_600_000;
const DAY = 24 * H;
const M = 60_000;
/** 08:00 pre-open, 08:30 opening call, 09:00 continuous (opening uncross), 17:00 closing call, 17:30 close. */
const SCHEDULE: TradingSchedule = {
  preOpenMs: 8 * H,
  openingAuctionMs: 8.5 * H,
  continuousMs: 9 * H,
  closingAuctionMs: 17 * H,
  closeMs: 17.5 * H,
};

function schedule(
  ts: number,
  sc: TradingSchedule | null = SCHEDULE,
  volBandBps = 0,
  volAuctionMs = 0,
): SetTradingScheduleCommand {
  return {
    type: CommandType.SetTradingSchedule,
    timestampMs: ts,
    instrumentId: ZVZZT,
    schedule: sc,
    volBandBps,
    volAuctionMs,
  };
}
const tick = (ts: number): Command => ({ type: CommandType.Tick, timestampMs: ts });
const phaseOf = (eng: MatchingEngine) => eng.instrument(ZVZZT)!.phase;
const phaseEvents = (sink: RecordingSink) =>
  sink.events.filter((e) => e.type === 'admin' && e.kind === AdminEventKind.TradingPhaseChanged);

describe('trading phases by log time', () => {
  it('instruments without a schedule trade continuously (the demo default)', () => {
    const { eng } = setup();
    for (const id of eng.instrumentIds()) expect(eng.instrument(id)!.phase).toBe(TradingPhase.Continuous);
    expect(eng.nextDeadlineMs()).toBe(0);
  });

  it('a schedule set at night closes the instrument; the next boundary is the timer deadline', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(1 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.Closed);
    expect(eng.instrument(ZVZZT)!.status).toBe(InstrumentStatus.Open);
    expect(eng.nextDeadlineMs()).toBe(8 * H);
    expect(sink.events.at(-1)).toMatchObject({
      type: 'admin',
      kind: AdminEventKind.TradingScheduleSet,
      id: ZVZZT,
    });
  });

  for (const [boundary, before, after] of [
    [SCHEDULE.preOpenMs, TradingPhase.Closed, TradingPhase.PreOpen],
    [SCHEDULE.openingAuctionMs, TradingPhase.PreOpen, TradingPhase.OpeningAuction],
    [SCHEDULE.continuousMs, TradingPhase.OpeningAuction, TradingPhase.Continuous],
    [SCHEDULE.closingAuctionMs, TradingPhase.Continuous, TradingPhase.ClosingAuction],
    [SCHEDULE.closeMs, TradingPhase.ClosingAuction, TradingPhase.Closed],
  ] as const) {
    it(`boundary ${boundary / H}h: entry at -1 ms is ${before}, at the boundary and +1 ms ${after}`, () => {
      const { eng, sink } = setup();
      eng.apply(schedule(1 * H));
      eng.apply(tick(boundary - 1));
      expect(phaseOf(eng)).toBe(before);
      sink.clear();
      // A real command at exactly the boundary is applied in the new phase.
      eng.apply(order({ timestampMs: boundary, side: Side.Buy, priceTicks: 9_500, tif: TimeInForce.GTC }));
      expect(phaseOf(eng)).toBe(after);
      const ev = phaseEvents(sink);
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ id: ZVZZT, timestampMs: boundary });
      // The phase event comes before the command's own report.
      expect(sink.events.indexOf(ev[0]!)).toBe(0);
      eng.apply(tick(boundary + 1));
      expect(phaseOf(eng)).toBe(after);
    });
  }

  it('a long log gap runs a full day cycle once and lands in the right phase', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(10 * H)); // continuous
    eng.apply(order({ timestampMs: 10 * H, tif: TimeInForce.Day, priceTicks: 9_900 }));
    sink.clear();
    // 30 days later, mid-morning: the Day order expired at the first close; now continuous.
    eng.apply(tick(30 * DAY + 10 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
    expect(eng.liveOrderCount).toBe(0);
    expect(execs(sink.events).map((e) => e.reason)).toEqual([Reason.DayExpired]);
    expect(phaseEvents(sink).length).toBeLessThanOrEqual(12);
    expect(eng.nextDeadlineMs()).toBe(30 * DAY + 17 * H);
  });

  it('equal boundaries skip a phase (no pre-open, no closing auction)', () => {
    const { eng } = setup();
    eng.apply(
      schedule(1 * H, {
        preOpenMs: 8 * H,
        openingAuctionMs: 8 * H,
        continuousMs: 9 * H,
        closingAuctionMs: 17 * H,
        closeMs: 17 * H,
      }),
    );
    eng.apply(tick(8 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.OpeningAuction);
    eng.apply(tick(17 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.Closed);
  });

  it('closed: new orders and replaces are rejected, cancels work', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(10 * H));
    eng.apply(order({ timestampMs: 10 * H, tif: TimeInForce.GTC, priceTicks: 9_900 }));
    eng.apply(tick(18 * H));
    sink.clear();
    eng.apply(order({ timestampMs: 18 * H }));
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.Rejected,
      reason: Reason.InstrumentClosed,
    });
    sink.clear();
    eng.apply(cancel(ALICE, 1, { timestampMs: 18 * H }));
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.CanceledByUser,
    });
  });

  it('call phases accept limit orders without matching; market, IOC, FOK and post-only are rejected', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(8 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.PreOpen);
    eng.apply(order({ timestampMs: 8 * H, side: Side.Buy, priceTicks: 10_100 }));
    eng.apply(order({ timestampMs: 8 * H, accountId: BOB, side: Side.Sell, priceTicks: 9_900 }));
    expect(trades(sink.events)).toHaveLength(0);
    expect(eng.book(ZVZZT)!.bestBid()!.priceTicks).toBeGreaterThan(eng.book(ZVZZT)!.bestAsk()!.priceTicks);
    for (const p of [
      { orderType: OrderType.Market, tif: TimeInForce.Day },
      { tif: TimeInForce.IOC },
      { tif: TimeInForce.FOK },
      { postOnly: true },
    ]) {
      sink.clear();
      eng.apply(order({ timestampMs: 8 * H, ...p }));
      expect(execs(sink.events)[0]).toMatchObject({
        execType: ExecType.Rejected,
        reason: Reason.NotAllowedInPhase,
      });
    }
  });
});

describe('opening and closing auctions', () => {
  it('the opening uncross trades everything at one price, in price-time priority', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(8 * H));
    const t = 8 * H + 36 * M;
    // Buys: 10 @ 10100 (A), 5 @ 10050 (C), 10 @ 10000 (B). Sells: 8 @ 9950 (B), 12 @ 10050 (C), 10 @ 10200 (A).
    eng.apply(order({ timestampMs: t, accountId: ALICE, side: Side.Buy, priceTicks: 10_100, qtyLots: 10 })); // 1
    eng.apply(order({ timestampMs: t, accountId: BOB, side: Side.Sell, priceTicks: 9_950, qtyLots: 8 })); // 2
    eng.apply(order({ timestampMs: t, accountId: CAROL, side: Side.Buy, priceTicks: 10_050, qtyLots: 5 })); // 3
    eng.apply(order({ timestampMs: t, accountId: CAROL, side: Side.Sell, priceTicks: 10_050, qtyLots: 12 })); // 4
    eng.apply(order({ timestampMs: t, accountId: BOB, side: Side.Buy, priceTicks: 10_000, qtyLots: 10 })); // 5
    eng.apply(order({ timestampMs: t, accountId: ALICE, side: Side.Sell, priceTicks: 10_200, qtyLots: 10 })); // 6
    // The indicative uncross during the call.
    const ind = eng.auctionInfo(ZVZZT)!;
    expect(ind.phase).toBe(TradingPhase.OpeningAuction);
    // 10050: D = 15, S = 20 -> V 15, I -5. 10000: D 25, S 8 -> V 8. 10100: D 10, S 20 -> V 10.
    expect(ind).toMatchObject({ priceTicks: 10_050, volumeLots: 15, surplusLots: -5 });
    const expected = findUncross(
      [10_100, 10_050, 10_000],
      [10, 5, 10],
      3,
      [9_950, 10_050, 10_200],
      [8, 12, 10],
      3,
      10_000,
    );
    expect(ind).toMatchObject(expected!);
    sink.clear();
    eng.apply(tick(9 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
    const tr = trades(sink.events);
    expect(tr.every((x) => x.priceTicks === 10_050)).toBe(true);
    expect(tr.reduce((s, x) => s + x.qtyLots, 0)).toBe(15);
    // Priority: buy 1 (10100) fills first against sell 2 (9950), then sell 4; buy 3 gets the rest.
    expect(tr.map((x) => [x.makerOrderId, x.takerOrderId, x.qtyLots])).toEqual([
      [1, 2, 8],
      [1, 4, 2],
      [3, 4, 5],
    ]);
    // Book after: bid 10 @ 10000 (5), ask 5 @ 10050 (4), ask 10 @ 10200 (6): not crossed.
    const b = eng.book(ZVZZT)!;
    expect(b.bestBid()).toMatchObject({ priceTicks: 10_000, totalLots: 10 });
    expect(b.bestAsk()).toMatchObject({ priceTicks: 10_050, totalLots: 5 });
    expect(b.lastTrade().priceTicks).toBe(10_050);
    // Positions net to zero and cash matches the single price.
    let pos = 0;
    let cash = 0;
    for (const a of eng.accountIds()) {
      const p = eng.position(a, ZVZZT)!;
      pos += p.positionLots;
      cash += p.cash;
    }
    expect([pos, cash]).toEqual([0, 0]);
    expect(eng.position(ALICE, ZVZZT)).toEqual({ positionLots: 10, cash: -10 * 10_050 });
  });

  it('icebergs take part with their whole quantity and keep a valid book after the uncross', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(8 * H + 36 * M));
    eng.apply(
      order({
        timestampMs: 8 * H + 36 * M,
        side: Side.Buy,
        priceTicks: 10_000,
        qtyLots: 30,
        displayQtyLots: 5,
      }),
    );
    eng.apply(
      order({
        timestampMs: 8 * H + 36 * M,
        accountId: BOB,
        side: Side.Sell,
        priceTicks: 10_000,
        qtyLots: 12,
      }),
    );
    sink.clear();
    eng.apply(tick(9 * H));
    // Slice by slice (5 shown at a time), all at the one auction price.
    expect(trades(sink.events).map((x) => [x.priceTicks, x.qtyLots])).toEqual([
      [10_000, 5],
      [10_000, 5],
      [10_000, 2],
    ]);
    const lvl = eng.book(ZVZZT)!.bestBid()!;
    expect(lvl).toMatchObject({ priceTicks: 10_000, totalLots: 18, visibleLots: 3, orderCount: 1 });
  });

  it('Day orders take part in the closing auction, then expire at the close; GTC stay', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(16 * H));
    eng.apply(
      order({ timestampMs: 16 * H, side: Side.Buy, priceTicks: 9_900, qtyLots: 5, tif: TimeInForce.Day }),
    ); // 1
    eng.apply(
      order({ timestampMs: 16 * H, side: Side.Buy, priceTicks: 9_800, qtyLots: 5, tif: TimeInForce.GTC }),
    ); // 2
    eng.apply(
      order({
        timestampMs: 17 * H + 6 * M,
        accountId: BOB,
        side: Side.Sell,
        priceTicks: 9_900,
        qtyLots: 2,
        tif: TimeInForce.Day,
      }),
    ); // 3
    expect(trades(sink.events)).toHaveLength(0);
    sink.clear();
    eng.apply(tick(17.5 * H));
    expect(phaseOf(eng)).toBe(TradingPhase.Closed);
    const tr = trades(sink.events);
    expect(tr.map((x) => [x.priceTicks, x.qtyLots])).toEqual([[9_900, 2]]);
    const expired = execs(sink.events).filter((e) => e.execType === ExecType.Expired);
    expect(expired.map((e) => [e.orderId, e.reason, e.cumQtyLots])).toEqual([[1, Reason.DayExpired, 2]]);
    expect(eng.order(2)).toBeDefined();
    // Next morning the GTC order is still there.
    eng.apply(tick(DAY + 9 * H));
    expect(eng.order(2)).toBeDefined();
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
  });
});

describe('halt and resume', () => {
  it('halt rejects orders and replaces; resume in a crossed call book uncrosses', () => {
    const { eng, sink } = setup();
    eng.apply(schedule(8 * H + 36 * M));
    eng.apply(order({ timestampMs: 8 * H + 36 * M, side: Side.Buy, priceTicks: 10_000, qtyLots: 5 }));
    eng.apply(
      order({ timestampMs: 8 * H + 36 * M, accountId: BOB, side: Side.Sell, priceTicks: 10_000, qtyLots: 5 }),
    );
    const status = (ts: number, s: InstrumentStatus): Command => ({
      type: CommandType.SetInstrumentStatus,
      timestampMs: ts,
      instrumentId: ZVZZT,
      status: s,
    });
    eng.apply(status(8 * H + 42 * M, InstrumentStatus.Halted));
    expect(phaseOf(eng)).toBe(TradingPhase.Halted);
    expect(eng.instrument(ZVZZT)!.status).toBe(InstrumentStatus.Halted);
    // The scheduled open passes while halted: no uncross.
    sink.clear();
    eng.apply(tick(9.5 * H));
    expect(trades(sink.events)).toHaveLength(0);
    eng.apply(order({ timestampMs: 9.5 * H }));
    expect(execs(sink.events).at(-1)).toMatchObject({ reason: Reason.InstrumentHalted });
    sink.clear();
    eng.apply(status(9 * H + 36 * M, InstrumentStatus.Open));
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
    expect(trades(sink.events).map((x) => x.qtyLots)).toEqual([5]);
  });
});

describe('volatility interruption', () => {
  function book(eng: MatchingEngine) {
    eng.apply(schedule(10 * H, null, 100, 60_000)); // band 1% around the last price, 60 s auction
    eng.apply(
      order({ timestampMs: 10 * H, accountId: BOB, side: Side.Sell, priceTicks: 10_050, qtyLots: 5 }),
    );
    eng.apply(
      order({ timestampMs: 10 * H, accountId: BOB, side: Side.Sell, priceTicks: 10_300, qtyLots: 5 }),
    );
  }

  it('a trade that would print outside the band starts a volatility auction instead', () => {
    const { eng, sink } = setup();
    book(eng);
    sink.clear();
    const t = 10 * H + 1_000;
    // Reference 10000 (no trade yet): band [9900, 10100]. 5 fill at 10050, the next 5 would print at 10300.
    eng.apply(order({ timestampMs: t, side: Side.Buy, priceTicks: 10_300, qtyLots: 12 }));
    expect(trades(sink.events).map((x) => [x.priceTicks, x.qtyLots])).toEqual([[10_050, 5]]);
    expect(phaseOf(eng)).toBe(TradingPhase.VolatilityAuction);
    expect(eng.order(3)).toMatchObject({ leavesLots: 7 }); // the rest rests (book crossed: a call)
    expect(eng.nextDeadlineMs()).toBe(t + 60_000);
    const ind = eng.auctionInfo(ZVZZT)!;
    expect(ind).toMatchObject({ priceTicks: 10_300, volumeLots: 5, surplusLots: 2 });
    // Within the auction more orders arrive, nothing trades.
    eng.apply(
      order({ timestampMs: t + 10_000, accountId: CAROL, side: Side.Sell, priceTicks: 10_200, qtyLots: 2 }),
    );
    expect(trades(sink.events)).toHaveLength(1);
    sink.clear();
    eng.apply(tick(t + 60_000 - 1));
    expect(phaseOf(eng)).toBe(TradingPhase.VolatilityAuction);
    eng.apply(tick(t + 60_000));
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
    // Uncross: D(10200..10300) = 7, S(10200) = 2, S(10300) = 7 -> 7 @ 10300 (V 7, I 0).
    expect(trades(sink.events).map((x) => [x.priceTicks, x.qtyLots])).toEqual([
      [10_300, 2],
      [10_300, 5],
    ]);
    expect(eng.book(ZVZZT)!.bestAsk()).toBeUndefined();
    expect(eng.nextDeadlineMs()).toBe(0);
  });

  it('market and IOC orders: the remainder is canceled, the auction still starts', () => {
    const { eng, sink } = setup();
    book(eng);
    sink.clear();
    eng.apply(
      order({
        timestampMs: 10 * H + 1,
        side: Side.Buy,
        orderType: OrderType.Market,
        tif: TimeInForce.IOC,
        qtyLots: 8,
      }),
    );
    expect(trades(sink.events).map((x) => x.qtyLots)).toEqual([5]);
    expect(execs(sink.events).at(-1)).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.MarketRemainder,
    });
    expect(phaseOf(eng)).toBe(TradingPhase.VolatilityAuction);
  });

  it('FOK that could fill only beyond the band: canceled without trading, auction starts', () => {
    const { eng, sink } = setup();
    book(eng);
    sink.clear();
    eng.apply(
      order({
        timestampMs: 10 * H + 1,
        side: Side.Buy,
        priceTicks: 10_300,
        tif: TimeInForce.FOK,
        qtyLots: 8,
      }),
    );
    expect(trades(sink.events)).toHaveLength(0);
    expect(execs(sink.events).at(-1)).toMatchObject({ reason: Reason.FokNotFillable });
    expect(phaseOf(eng)).toBe(TradingPhase.VolatilityAuction);
  });

  it('orders within the band trade normally', () => {
    const { eng, sink } = setup();
    book(eng);
    sink.clear();
    eng.apply(order({ timestampMs: 10 * H + 1, side: Side.Buy, priceTicks: 10_300, qtyLots: 5 }));
    expect(trades(sink.events).map((x) => x.qtyLots)).toEqual([5]);
    expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
  });
});

describe('SetTradingSchedule validation', () => {
  it('rejects bad schedules and volatility settings with a reason, changing nothing', () => {
    const { eng, sink } = setup();
    const bad: SetTradingScheduleCommand[] = [
      schedule(1, { ...SCHEDULE, closeMs: DAY }), // not < 24 h
      schedule(1, { ...SCHEDULE, preOpenMs: -1 }),
      schedule(1, { ...SCHEDULE, continuousMs: 8 * H }), // before the opening auction
      schedule(1, SCHEDULE, 100, 0), // band without an auction length
      schedule(1, SCHEDULE, 10_001, 1_000), // band over 100%
      schedule(1, SCHEDULE, 100, 3_600_001), // auction longer than an hour
      schedule(1, SCHEDULE, 1.5, 1_000), // not an integer
      { ...schedule(1), instrumentId: 999 },
    ];
    for (const c of bad) {
      sink.clear();
      eng.apply(c);
      const e = execs(sink.events);
      expect(e).toHaveLength(1);
      expect(e[0]!.execType).toBe(ExecType.Rejected);
      expect(e[0]!.reason).toBe(
        c.instrumentId === 999 ? Reason.UnknownInstrument : Reason.InvalidTradingSchedule,
      );
      expect(phaseOf(eng)).toBe(TradingPhase.Continuous);
      expect(eng.nextDeadlineMs()).toBe(0);
    }
  });
});
