import {
  bandHigh,
  bandLow,
  CommandKind,
  CommandType,
  decimalToUnits,
  ExecType,
  OrderType,
  OrdStatus,
  Reason,
  Side,
  TimeInForce,
  unitsToDecimal,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  cancel,
  execs,
  MM,
  order,
  replace,
  setup,
  sideOrders,
  trades,
  ZVZZT,
} from './helpers.js';

describe('limit orders and price-time priority', () => {
  it('rests a limit order and reports New with leaves = qty', () => {
    const { eng, sink } = setup();
    eng.apply(order({ clOrdId: 'a1' }));
    const [e] = execs(sink.events);
    expect(e).toMatchObject({
      execType: ExecType.New,
      ordStatus: OrdStatus.New,
      orderId: 1,
      clOrdId: 'a1',
      leavesQtyLots: 10,
      cumQtyLots: 0,
    });
    const best = eng.book(ZVZZT)!.bestBid()!;
    expect(best).toMatchObject({ priceTicks: 10_000, visibleLots: 10, orderCount: 1 });
    expect(eng.book(ZVZZT)!.bestAsk()).toBeUndefined();
  });

  it('trades at the resting price, maker then taker reports, positions and cash move by p*q', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_010, qtyLots: 5 }));
    sink.clear();
    eng.apply(order({ accountId: BOB, side: Side.Buy, priceTicks: 10_050, qtyLots: 8 }));
    const ts = trades(sink.events);
    expect(ts).toHaveLength(1);
    expect(ts[0]).toMatchObject({
      tradeId: 1,
      priceTicks: 10_010,
      qtyLots: 5,
      aggressorSide: Side.Buy,
      makerOrderId: 1,
      takerOrderId: 2,
    });
    const ex = execs(sink.events);
    expect(ex.map((e) => [e.orderId, e.execType, e.ordStatus])).toEqual([
      [2, ExecType.New, OrdStatus.New],
      [1, ExecType.Trade, OrdStatus.Filled],
      [2, ExecType.Trade, OrdStatus.PartiallyFilled],
    ]);
    expect(ex[2]).toMatchObject({
      lastPxTicks: 10_010,
      lastQtyLots: 5,
      cumQtyLots: 5,
      leavesQtyLots: 3,
      aggressor: true,
    });
    expect(ex[2]!.cumNotional).toBe(10_010 * 5);
    expect(eng.position(BOB, ZVZZT)).toEqual({ positionLots: 5, cash: -50_050 });
    expect(eng.position(ALICE, ZVZZT)).toEqual({ positionLots: -5, cash: 50_050 });
    expect(eng.book(ZVZZT)!.bestBid()).toMatchObject({ priceTicks: 10_050, visibleLots: 3 });
    expect(eng.book(ZVZZT)!.lastTrade()).toMatchObject({ priceTicks: 10_010, qtyLots: 5, tradeId: 1 });
  });

  it('fills better prices first, then FIFO within a level', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, priceTicks: 10_000, qtyLots: 3 })); // 1
    eng.apply(order({ accountId: CAROL, priceTicks: 10_000, qtyLots: 3 })); // 2
    eng.apply(order({ accountId: ALICE, priceTicks: 10_001, qtyLots: 3 })); // 3
    sink.clear();
    eng.apply(order({ accountId: BOB, side: Side.Sell, priceTicks: 9_990, qtyLots: 7 }));
    expect(trades(sink.events).map((t) => [t.makerOrderId, t.priceTicks, t.qtyLots])).toEqual([
      [3, 10_001, 3],
      [1, 10_000, 3],
      [2, 10_000, 1],
    ]);
    expect(sideOrders(eng, ZVZZT, Side.Buy)).toEqual([[2, 2]]);
  });

  it('average price is exact: cumNotional / cumQty', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_000, qtyLots: 1 }));
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_003, qtyLots: 2 }));
    sink.clear();
    eng.apply(order({ accountId: BOB, priceTicks: 10_003, qtyLots: 3 }));
    const last = execs(sink.events).at(-1)!;
    expect(last.ordStatus).toBe(OrdStatus.Filled);
    expect(last.cumNotional).toBe(10_000 + 2 * 10_003);
    expect(last.cumQtyLots).toBe(3);
  });
});

describe('market orders', () => {
  it('sweeps within the band and cancels the remainder', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_100, qtyLots: 2 }));
    sink.clear();
    eng.apply(
      order({ accountId: BOB, orderType: OrderType.Market, tif: TimeInForce.IOC, qtyLots: 5, priceTicks: 0 }),
    );
    expect(trades(sink.events)).toHaveLength(1);
    const last = execs(sink.events).at(-1)!;
    expect(last).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.MarketRemainder,
      cumQtyLots: 2,
    });
    expect(eng.liveOrderCount).toBe(0);
  });

  it('never trades beyond the band around the last trade price', () => {
    const { eng, sink } = setup();
    // Last trade at 9100 => band [8190, 10010]; an ask at 10900 is outside it.
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_900, qtyLots: 5 }));
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 9_100, qtyLots: 1 }));
    eng.apply(order({ accountId: BOB, side: Side.Buy, priceTicks: 9_100, qtyLots: 1 }));
    expect(eng.book(ZVZZT)!.lastTrade().priceTicks).toBe(9_100);
    sink.clear();
    eng.apply(order({ accountId: BOB, orderType: OrderType.Market, tif: TimeInForce.IOC, qtyLots: 5 }));
    expect(trades(sink.events)).toHaveLength(0);
    expect(execs(sink.events).at(-1)).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.MarketRemainder,
    });
    expect(bandLow(9_100, 1000)).toBe(8_190);
    expect(bandHigh(9_100, 1000)).toBe(10_010);
  });
});

describe('time in force', () => {
  it('IOC trades what it can and cancels the rest', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_000, qtyLots: 4 }));
    sink.clear();
    eng.apply(order({ accountId: BOB, tif: TimeInForce.IOC, qtyLots: 6 }));
    expect(execs(sink.events).at(-1)).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.IocRemainder,
      cumQtyLots: 4,
      leavesQtyLots: 0,
    });
    expect(eng.book(ZVZZT)!.bestBid()).toBeUndefined();
  });

  it('FOK fills completely or not at all', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_000, qtyLots: 4 }));
    eng.apply(order({ accountId: CAROL, side: Side.Sell, priceTicks: 10_001, qtyLots: 4 }));
    sink.clear();
    eng.apply(order({ accountId: BOB, tif: TimeInForce.FOK, qtyLots: 9, priceTicks: 10_001 }));
    expect(trades(sink.events)).toHaveLength(0);
    expect(execs(sink.events).at(-1)).toMatchObject({
      execType: ExecType.Canceled,
      reason: Reason.FokNotFillable,
    });
    sink.clear();
    eng.apply(order({ accountId: BOB, tif: TimeInForce.FOK, qtyLots: 8, priceTicks: 10_001 }));
    expect(trades(sink.events)).toHaveLength(2);
    expect(execs(sink.events).at(-1)).toMatchObject({ ordStatus: OrdStatus.Filled });
  });

  it('Day orders expire at the session end (log time), GTD at their deadline', () => {
    const { eng, sink } = setup();
    const sessionEnd = eng.sessionEndAfter(1_000);
    expect(sessionEnd).toBe(21 * 3_600_000);
    eng.apply(order({ tif: TimeInForce.Day, clOrdId: 'day' })); // 1
    eng.apply(order({ tif: TimeInForce.GTD, expireAtMs: 5_000, clOrdId: 'gtd' })); // 2
    eng.apply(order({ tif: TimeInForce.GTC, clOrdId: 'gtc' })); // 3
    expect(eng.nextDeadlineMs()).toBe(5_000);
    sink.clear();
    eng.apply({ type: CommandType.Tick, timestampMs: 4_999 });
    expect(sink.events).toHaveLength(0);
    eng.apply({ type: CommandType.Tick, timestampMs: 5_000 });
    expect(execs(sink.events)).toMatchObject([
      { orderId: 2, execType: ExecType.Expired, reason: Reason.GtdExpired },
    ]);
    expect(eng.nextDeadlineMs()).toBe(sessionEnd);
    sink.clear();
    eng.apply({ type: CommandType.Tick, timestampMs: sessionEnd });
    expect(execs(sink.events)).toMatchObject([
      { orderId: 1, execType: ExecType.Expired, ordStatus: OrdStatus.Expired, reason: Reason.DayExpired },
    ]);
    expect(sideOrders(eng, ZVZZT, Side.Buy)).toEqual([[3, 10]]);
    expect(eng.nextDeadlineMs()).toBe(0);
  });

  it('a canceled GTD order leaves no pending deadline', () => {
    const { eng } = setup();
    eng.apply(order({ tif: TimeInForce.GTD, expireAtMs: 9_000 }));
    eng.apply(cancel(ALICE, 1));
    expect(eng.nextDeadlineMs()).toBe(0);
  });
});

describe('post-only', () => {
  it('is rejected if it would take, rests otherwise', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_000, qtyLots: 4 }));
    sink.clear();
    eng.apply(order({ accountId: BOB, postOnly: true, priceTicks: 10_000 }));
    expect(execs(sink.events)).toMatchObject([
      {
        execType: ExecType.Rejected,
        reason: Reason.PostOnlyWouldTake,
        rejectedCommand: CommandKind.NewOrder,
      },
    ]);
    sink.clear();
    eng.apply(order({ accountId: BOB, postOnly: true, priceTicks: 9_999 }));
    expect(execs(sink.events)[0]!.execType).toBe(ExecType.New);
    expect(eng.book(ZVZZT)!.bestBid()!.priceTicks).toBe(9_999);
  });
});

describe('stop orders', () => {
  it('a buy stop triggers on a trade at or above its stop price and executes as market', () => {
    const { eng, sink } = setup();
    eng.apply(
      order({
        accountId: BOB,
        orderType: OrderType.Stop,
        tif: TimeInForce.IOC,
        stopPriceTicks: 10_050,
        qtyLots: 2,
      }),
    ); // 1
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_050, qtyLots: 1 })); // 2
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_060, qtyLots: 5 })); // 3
    sink.clear();
    eng.apply(order({ accountId: CAROL, priceTicks: 10_050, qtyLots: 1 })); // 4 trades at 10050 -> triggers 1
    const ex = execs(sink.events);
    const trig = ex.find((e) => e.execType === ExecType.Triggered)!;
    expect(trig.orderId).toBe(1);
    expect(trades(sink.events).map((t) => [t.takerOrderId, t.priceTicks])).toEqual([
      [4, 10_050],
      [1, 10_060],
    ]);
    expect(eng.position(BOB, ZVZZT)!.positionLots).toBe(2);
  });

  it('stop-limit rests at its limit once triggered; triggers run in deterministic order', () => {
    const { eng, sink } = setup();
    // Two sell stops at different prices: the higher one (closer to the market) triggers first.
    eng.apply(
      order({
        accountId: BOB,
        side: Side.Sell,
        orderType: OrderType.StopLimit,
        stopPriceTicks: 9_900,
        priceTicks: 9_800,
        qtyLots: 1,
      }),
    ); // 1
    eng.apply(
      order({
        accountId: BOB,
        side: Side.Sell,
        orderType: OrderType.StopLimit,
        stopPriceTicks: 9_950,
        priceTicks: 9_900,
        qtyLots: 1,
      }),
    ); // 2
    eng.apply(order({ accountId: ALICE, priceTicks: 9_900, qtyLots: 1 })); // 3 bid
    eng.apply(order({ accountId: CAROL, side: Side.Sell, priceTicks: 9_900, qtyLots: 1 })); // 4 sells into 3 at 9900
    const trig = execs(sink.events).filter((e) => e.execType === ExecType.Triggered);
    expect(trig.map((e) => e.orderId)).toEqual([2, 1]);
    // Both rest at their limits; the lower ask (order 1 at 9800) is best.
    expect(sideOrders(eng, ZVZZT, Side.Sell)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(eng.book(ZVZZT)!.bestAsk()!.priceTicks).toBe(9_800);
  });

  it('a stop already triggered by the last price is rejected', () => {
    const { eng, sink } = setup();
    eng.apply(order({ orderType: OrderType.Stop, tif: TimeInForce.IOC, stopPriceTicks: 10_000 }));
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.Rejected,
      reason: Reason.InvalidStopPrice,
    });
  });
});

describe('iceberg', () => {
  it('shows only the display quantity and reloads at the back of the level', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, qtyLots: 10, displayQtyLots: 3 })); // 1
    eng.apply(order({ accountId: CAROL, side: Side.Sell, qtyLots: 2 })); // 2
    expect(eng.book(ZVZZT)!.bestAsk()).toMatchObject({ visibleLots: 5, totalLots: 12, orderCount: 2 });
    sink.clear();
    eng.apply(order({ accountId: BOB, qtyLots: 4 })); // takes 3 from 1, then 1 from 2
    expect(trades(sink.events).map((t) => [t.makerOrderId, t.qtyLots])).toEqual([
      [1, 3],
      [2, 1],
    ]);
    expect(sideOrders(eng, ZVZZT, Side.Sell)).toEqual([
      [2, 1],
      [1, 7],
    ]);
    expect(eng.book(ZVZZT)!.bestAsk()).toMatchObject({ visibleLots: 4, totalLots: 8 });
  });
});

describe('self-trade prevention', () => {
  it('cancel incoming (ALICE)', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, qtyLots: 5 }));
    sink.clear();
    eng.apply(order({ accountId: ALICE, qtyLots: 5 }));
    expect(trades(sink.events)).toHaveLength(0);
    expect(execs(sink.events).at(-1)).toMatchObject({
      orderId: 2,
      execType: ExecType.Canceled,
      reason: Reason.SelfTradePrevention,
    });
    expect(sideOrders(eng, ZVZZT, Side.Sell)).toEqual([[1, 5]]);
  });

  it('cancel resting (CAROL) and continue matching', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: CAROL, side: Side.Sell, qtyLots: 5 })); // 1
    eng.apply(order({ accountId: BOB, side: Side.Sell, qtyLots: 5 })); // 2
    sink.clear();
    eng.apply(order({ accountId: CAROL, qtyLots: 5 })); // 3
    expect(execs(sink.events)[1]).toMatchObject({
      orderId: 1,
      execType: ExecType.Canceled,
      reason: Reason.SelfTradePrevention,
    });
    expect(trades(sink.events).map((t) => t.makerOrderId)).toEqual([2]);
  });

  it('cancel both (MM)', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: MM, side: Side.Sell, qtyLots: 5 }));
    sink.clear();
    eng.apply(order({ accountId: MM, qtyLots: 3 }));
    expect(
      execs(sink.events)
        .slice(1)
        .map((e) => [e.orderId, e.execType]),
    ).toEqual([
      [1, ExecType.Canceled],
      [2, ExecType.Canceled],
    ]);
    expect(eng.liveOrderCount).toBe(0);
  });

  it('decrement reduces both orders without a trade', () => {
    const { eng, sink } = setup();
    eng.apply({
      type: CommandType.SetRiskLimits,
      timestampMs: 1,
      accountId: BOB,
      stpMode: 4,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 0,
      maxPositionLots: 0,
    });
    eng.apply(order({ accountId: BOB, side: Side.Sell, qtyLots: 5 })); // 1
    eng.apply(order({ accountId: ALICE, side: Side.Sell, qtyLots: 5 })); // 2
    sink.clear();
    eng.apply(order({ accountId: BOB, qtyLots: 7 })); // 3: 5 decremented against 1, 2 traded with 2
    const ex = execs(sink.events);
    expect(ex[1]).toMatchObject({
      orderId: 1,
      execType: ExecType.Canceled,
      reason: Reason.SelfTradePrevention,
    });
    expect(ex[2]).toMatchObject({
      orderId: 3,
      execType: ExecType.Restated,
      orderQtyLots: 2,
      leavesQtyLots: 2,
    });
    expect(trades(sink.events).map((t) => [t.makerOrderId, t.qtyLots])).toEqual([[2, 2]]);
    expect(eng.position(BOB, ZVZZT)!.positionLots).toBe(2);
  });
});

describe('cancel / replace', () => {
  it('quantity down keeps priority; quantity up or price change loses it', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, qtyLots: 10 })); // 1
    eng.apply(order({ accountId: CAROL, qtyLots: 10 })); // 2
    eng.apply(replace(ALICE, 1, 6, 10_000));
    expect(execs(sink.events).at(-1)).toMatchObject({
      execType: ExecType.Replaced,
      orderQtyLots: 6,
      leavesQtyLots: 6,
    });
    expect(sideOrders(eng, ZVZZT, Side.Buy)).toEqual([
      [1, 6],
      [2, 10],
    ]);
    eng.apply(replace(ALICE, 1, 7, 10_000));
    expect(sideOrders(eng, ZVZZT, Side.Buy)).toEqual([
      [2, 10],
      [1, 7],
    ]);
    eng.apply(replace(CAROL, 2, 10, 9_999));
    eng.apply(replace(CAROL, 2, 10, 10_000));
    expect(sideOrders(eng, ZVZZT, Side.Buy)).toEqual([
      [1, 7],
      [2, 10],
    ]);
  });

  it('a replace that crosses trades at once; replace below cumQty is rejected', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_010, qtyLots: 3 })); // 1
    eng.apply(order({ accountId: BOB, priceTicks: 10_000, qtyLots: 5, clOrdId: 'b1' })); // 2
    sink.clear();
    eng.apply(replace(BOB, 0, 5, 10_010, { origClOrdId: 'b1', clOrdId: 'b2' }));
    const ex = execs(sink.events);
    expect(ex[0]).toMatchObject({ execType: ExecType.Replaced, clOrdId: 'b2', origClOrdId: 'b1' });
    expect(trades(sink.events)).toHaveLength(1);
    sink.clear();
    eng.apply(replace(BOB, 2, 3, 10_010));
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.Rejected,
      rejectedCommand: CommandKind.Replace,
      reason: Reason.ReplaceQtyNotAboveCumQty,
      text: 'replace quantity must be above the quantity already filled (CumQty)',
      orderId: 2,
      ordStatus: OrdStatus.PartiallyFilled,
    });
  });

  it('cancel by ClOrdID echoes both ids; unknown or foreign orders are rejected', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, clOrdId: 'x' }));
    sink.clear();
    eng.apply(cancel(BOB, 1));
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.Rejected,
      reason: Reason.UnknownOrder,
      rejectedCommand: CommandKind.Cancel,
    });
    eng.apply(cancel(ALICE, 0, { origClOrdId: 'x', clOrdId: 'c' }));
    expect(execs(sink.events)[1]).toMatchObject({
      execType: ExecType.Canceled,
      clOrdId: 'c',
      origClOrdId: 'x',
      reason: Reason.CanceledByUser,
    });
    expect(eng.liveOrderCount).toBe(0);
  });

  it('order status query reports the live state', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, qtyLots: 10 }));
    eng.apply(order({ accountId: BOB, side: Side.Sell, qtyLots: 4 }));
    sink.clear();
    eng.apply({
      type: CommandType.OrderStatus,
      timestampMs: 2,
      accountId: ALICE,
      orderId: 1,
      origClOrdId: '',
    });
    expect(execs(sink.events)[0]).toMatchObject({
      execType: ExecType.OrderStatus,
      ordStatus: OrdStatus.PartiallyFilled,
      cumQtyLots: 4,
      leavesQtyLots: 6,
    });
  });
});

describe('mass cancel and cancel-on-disconnect', () => {
  it('mass cancel filters by account, instrument and side', () => {
    const { eng, sink } = setup();
    eng.apply(order({ accountId: ALICE, side: Side.Buy }));
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_100 }));
    eng.apply(order({ accountId: ALICE, instrumentId: 3, priceTicks: 5_000 }));
    eng.apply(order({ accountId: BOB, side: Side.Buy }));
    sink.clear();
    eng.apply({
      type: CommandType.MassCancel,
      timestampMs: 2,
      accountId: ALICE,
      instrumentId: ZVZZT,
      side: Side.Buy,
      clOrdId: 'm',
    });
    expect(execs(sink.events).map((e) => e.orderId)).toEqual([1]);
    expect(sink.events.at(-1)).toMatchObject({ type: 'massCancel', canceledCount: 1 });
    sink.clear();
    eng.apply({
      type: CommandType.MassCancel,
      timestampMs: 2,
      accountId: ALICE,
      instrumentId: 0,
      side: 0,
      clOrdId: 'm2',
    });
    expect(execs(sink.events).map((e) => e.orderId)).toEqual([2, 3]);
    expect(eng.liveOrderCount).toBe(1);
  });

  it('cancels a session orders on close only if it asked for it', () => {
    const { eng, sink } = setup();
    eng.apply({ type: CommandType.SetCancelOnDisconnect, timestampMs: 1, sessionId: 7, enabled: true });
    eng.apply(order({ accountId: ALICE, sessionId: 7 }));
    eng.apply(order({ accountId: BOB, sessionId: 7 }));
    eng.apply(order({ accountId: BOB, sessionId: 8 }));
    sink.clear();
    eng.apply({ type: CommandType.SessionClosed, timestampMs: 2, sessionId: 8 });
    expect(sink.events).toHaveLength(0);
    eng.apply({ type: CommandType.SessionClosed, timestampMs: 2, sessionId: 7 });
    expect(execs(sink.events).map((e) => [e.orderId, e.reason])).toEqual([
      [1, Reason.CancelOnDisconnect],
      [2, Reason.CancelOnDisconnect],
    ]);
  });
});

describe('decimal edge helpers', () => {
  it('converts exactly and refuses off-grid values', () => {
    expect(decimalToUnits('100.25', '0.01')).toBe(10_025);
    expect(decimalToUnits('0.0003', '0.0001')).toBe(3);
    expect(decimalToUnits('100.255', '0.01')).toBeUndefined();
    expect(decimalToUnits('1e5', '0.01')).toBeUndefined();
    expect(unitsToDecimal(10_025, '0.01')).toBe('100.25');
    expect(unitsToDecimal(3, '0.0001')).toBe('0.0003');
    expect(unitsToDecimal(-5, '0.5')).toBe('-2.5');
  });
});

describe('risk, halts and STP none', () => {
  it('STP None lets an account trade with itself', () => {
    const { eng, sink } = setup();
    eng.apply({
      type: CommandType.SetRiskLimits,
      timestampMs: 1,
      accountId: ALICE,
      stpMode: 0,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 0,
      maxPositionLots: 0,
    });
    eng.apply(order({ accountId: ALICE, side: Side.Sell, qtyLots: 3 }));
    sink.clear();
    eng.apply(order({ accountId: ALICE, qtyLots: 3 }));
    expect(trades(sink.events)).toMatchObject([{ makerAccountId: ALICE, takerAccountId: ALICE, qtyLots: 3 }]);
    expect(eng.position(ALICE, ZVZZT)).toEqual({ positionLots: 0, cash: 0 });
  });

  it('a halted instrument rejects new orders and replaces but still cancels', () => {
    const { eng, sink } = setup();
    eng.apply(order());
    eng.apply({ type: CommandType.SetInstrumentStatus, timestampMs: 2, instrumentId: ZVZZT, status: 2 });
    sink.clear();
    eng.apply(replace(ALICE, 1, 5, 10_000));
    eng.apply(cancel(ALICE, 1));
    expect(execs(sink.events).map((e) => [e.execType, e.reason])).toEqual([
      [ExecType.Rejected, Reason.InstrumentHalted],
      [ExecType.Canceled, Reason.CanceledByUser],
    ]);
  });

  it('open-order count and position limit follow fills and cancels', () => {
    const { eng, sink } = setup();
    eng.apply({
      type: CommandType.SetRiskLimits,
      timestampMs: 1,
      accountId: ALICE,
      stpMode: 2,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 1,
      maxPositionLots: 10,
    });
    eng.apply(order({ accountId: ALICE, qtyLots: 10 })); // 1: open buy 10 = limit
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_100, qtyLots: 1 })); // too many open orders
    expect(execs(sink.events).at(-1)).toMatchObject({ reason: Reason.RiskMaxOpenOrders });
    eng.apply(order({ accountId: BOB, side: Side.Sell, qtyLots: 10 })); // fills 1: ALICE long 10
    expect(eng.account(ALICE)!.openOrders).toBe(0);
    sink.clear();
    eng.apply(order({ accountId: ALICE, qtyLots: 1 })); // long 10 + 1 > 10
    expect(execs(sink.events)[0]).toMatchObject({ reason: Reason.RiskPositionLimit });
    eng.apply(order({ accountId: ALICE, side: Side.Sell, priceTicks: 10_100, qtyLots: 10 })); // selling reduces risk: ok
    expect(execs(sink.events).at(-1)).toMatchObject({ execType: ExecType.New });
  });
});
