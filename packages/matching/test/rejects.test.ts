import {
  type Command,
  CommandKind,
  CommandType,
  ExecType,
  InstrumentStatus,
  OrderType,
  Reason,
  type RiskLimits,
  reasonText,
  Side,
  StpMode,
  TimeInForce,
  type TradingSchedule,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, cancel, execs, order, replace, setup, ZVZZT } from './helpers.js';

const limits = (l: Partial<RiskLimits>): Command => ({
  type: CommandType.SetRiskLimits,
  timestampMs: 1,
  accountId: ALICE,
  stpMode: StpMode.CancelIncoming,
  maxOrderQtyLots: 0,
  maxOrderNotional: 0,
  maxOpenOrders: 0,
  maxPositionLots: 0,
  ...l,
});

const addInstrument = (p: Record<string, unknown> = {}): Command =>
  ({
    type: CommandType.AddInstrument,
    timestampMs: 1,
    instrumentId: 99,
    symbol: 'NEW',
    tickSize: '0.01',
    lotSize: '1',
    minQtyLots: 1,
    maxQtyLots: 1_000,
    refPriceTicks: 1_000,
    bandBps: 1_000,
    status: InstrumentStatus.Open,
    ...p,
  }) as Command;

const addAccount = (p: Record<string, unknown> = {}): Command =>
  ({
    type: CommandType.AddAccount,
    timestampMs: 1,
    accountId: 77,
    login: 'new-login',
    stpMode: StpMode.None,
    maxOrderQtyLots: 0,
    maxOrderNotional: 0,
    maxOpenOrders: 0,
    maxPositionLots: 0,
    ...p,
  }) as Command;

const H = 3_600_000;
const schedule = (sc: TradingSchedule): Command => ({
  type: CommandType.SetTradingSchedule,
  timestampMs: 1,
  instrumentId: ZVZZT,
  schedule: sc,
  volBandBps: 0,
  volAuctionMs: 0,
});

interface Case {
  name: string;
  reason: Reason;
  kind: CommandKind;
  before?: Command[];
  config?: { liveOrdersMax: number };
  cmd: Command;
}

const CASES: Case[] = [
  {
    name: 'unknown account',
    reason: Reason.UnknownAccount,
    kind: CommandKind.NewOrder,
    cmd: order({ accountId: 999 }),
  },
  {
    name: 'unknown instrument',
    reason: Reason.UnknownInstrument,
    kind: CommandKind.NewOrder,
    cmd: order({ instrumentId: 999 }),
  },
  {
    name: 'halted instrument',
    reason: Reason.InstrumentHalted,
    kind: CommandKind.NewOrder,
    before: [
      {
        type: CommandType.SetInstrumentStatus,
        timestampMs: 1,
        instrumentId: ZVZZT,
        status: InstrumentStatus.Halted,
      },
    ],
    cmd: order(),
  },
  {
    name: 'instrument closed (outside its schedule)',
    reason: Reason.InstrumentClosed,
    kind: CommandKind.NewOrder,
    before: [
      schedule({
        preOpenMs: 8 * H,
        openingAuctionMs: 8 * H,
        continuousMs: 9 * H,
        closingAuctionMs: 17 * H,
        closeMs: 18 * H,
      }),
    ],
    cmd: order(),
  },
  {
    name: 'IOC during an auction call',
    reason: Reason.NotAllowedInPhase,
    kind: CommandKind.NewOrder,
    before: [
      schedule({
        preOpenMs: 0,
        openingAuctionMs: 0,
        continuousMs: 9 * H,
        closingAuctionMs: 17 * H,
        closeMs: 18 * H,
      }),
    ],
    cmd: order({ tif: TimeInForce.IOC }),
  },
  {
    name: 'trading schedule not in time order',
    reason: Reason.InvalidTradingSchedule,
    kind: CommandKind.Admin,
    cmd: schedule({
      preOpenMs: 8 * H,
      openingAuctionMs: 9 * H,
      continuousMs: 8 * H,
      closingAuctionMs: 17 * H,
      closeMs: 18 * H,
    }),
  },
  {
    name: 'bad side',
    reason: Reason.InvalidSide,
    kind: CommandKind.NewOrder,
    cmd: order({ side: 3 as Side }),
  },
  {
    name: 'bad order type',
    reason: Reason.InvalidOrderType,
    kind: CommandKind.NewOrder,
    cmd: order({ orderType: 9 as OrderType }),
  },
  {
    name: 'post-only market',
    reason: Reason.InvalidOrderType,
    kind: CommandKind.NewOrder,
    cmd: order({ orderType: OrderType.Market, tif: TimeInForce.IOC, postOnly: true }),
  },
  {
    name: 'iceberg IOC',
    reason: Reason.InvalidOrderType,
    kind: CommandKind.NewOrder,
    cmd: order({ tif: TimeInForce.IOC, displayQtyLots: 2 }),
  },
  {
    name: 'bad TIF',
    reason: Reason.InvalidTimeInForce,
    kind: CommandKind.NewOrder,
    cmd: order({ tif: 2 as TimeInForce }),
  },
  {
    name: 'market GTC',
    reason: Reason.InvalidTimeInForce,
    kind: CommandKind.NewOrder,
    cmd: order({ orderType: OrderType.Market, tif: TimeInForce.GTC }),
  },
  {
    name: 'zero qty',
    reason: Reason.InvalidQuantity,
    kind: CommandKind.NewOrder,
    cmd: order({ qtyLots: 0 }),
  },
  {
    name: 'fractional qty',
    reason: Reason.InvalidQuantity,
    kind: CommandKind.NewOrder,
    cmd: order({ qtyLots: 1.5 }),
  },
  {
    name: 'below min qty',
    reason: Reason.QuantityBelowMin,
    kind: CommandKind.NewOrder,
    before: [addInstrument({ minQtyLots: 5 })],
    cmd: order({ instrumentId: 99, priceTicks: 1_000, qtyLots: 4 }),
  },
  {
    name: 'above max qty',
    reason: Reason.QuantityAboveMax,
    kind: CommandKind.NewOrder,
    cmd: order({ qtyLots: 1_000_001 }),
  },
  {
    name: 'negative price',
    reason: Reason.InvalidPrice,
    kind: CommandKind.NewOrder,
    cmd: order({ priceTicks: -1 }),
  },
  {
    name: 'price above band',
    reason: Reason.PriceOutsideBand,
    kind: CommandKind.NewOrder,
    cmd: order({ priceTicks: 11_001 }),
  },
  {
    name: 'price below band',
    reason: Reason.PriceOutsideBand,
    kind: CommandKind.NewOrder,
    cmd: order({ priceTicks: 8_999 }),
  },
  {
    name: 'missing stop price',
    reason: Reason.InvalidStopPrice,
    kind: CommandKind.NewOrder,
    cmd: order({ orderType: OrderType.Stop, tif: TimeInForce.IOC }),
  },
  {
    name: 'display >= qty',
    reason: Reason.InvalidDisplayQuantity,
    kind: CommandKind.NewOrder,
    cmd: order({ displayQtyLots: 10 }),
  },
  {
    name: 'GTD in the past',
    reason: Reason.InvalidExpireTime,
    kind: CommandKind.NewOrder,
    cmd: order({ tif: TimeInForce.GTD, expireAtMs: 999 }),
  },
  {
    name: 'post-only crossing',
    reason: Reason.PostOnlyWouldTake,
    kind: CommandKind.NewOrder,
    before: [order({ accountId: BOB, side: Side.Sell })],
    cmd: order({ postOnly: true }),
  },
  {
    name: 'max order qty',
    reason: Reason.RiskMaxOrderQty,
    kind: CommandKind.NewOrder,
    before: [limits({ maxOrderQtyLots: 9 })],
    cmd: order(),
  },
  {
    name: 'max notional',
    reason: Reason.RiskMaxNotional,
    kind: CommandKind.NewOrder,
    before: [limits({ maxOrderNotional: 99_999 })],
    cmd: order(),
  },
  {
    name: 'max open orders',
    reason: Reason.RiskMaxOpenOrders,
    kind: CommandKind.NewOrder,
    before: [limits({ maxOpenOrders: 1 }), order()],
    cmd: order(),
  },
  {
    name: 'position limit counts open orders',
    reason: Reason.RiskPositionLimit,
    kind: CommandKind.NewOrder,
    before: [limits({ maxPositionLots: 15 }), order()],
    cmd: order({ qtyLots: 6 }),
  },
  {
    name: 'cash range',
    reason: Reason.CashLimit,
    kind: CommandKind.NewOrder,
    before: [addInstrument({ refPriceTicks: 1e12, maxQtyLots: 1e6 })],
    cmd: order({ instrumentId: 99, priceTicks: 1e12, qtyLots: 10_000 }),
  },
  {
    name: 'duplicate ClOrdID',
    reason: Reason.DuplicateClOrdId,
    kind: CommandKind.NewOrder,
    before: [order({ clOrdId: 'x' })],
    cmd: order({ clOrdId: 'x' }),
  },
  {
    name: 'ClOrdID too long',
    reason: Reason.InvalidCommand,
    kind: CommandKind.NewOrder,
    cmd: order({ clOrdId: 'x'.repeat(33) }),
  },
  {
    name: 'capacity',
    reason: Reason.CapacityExceeded,
    kind: CommandKind.NewOrder,
    config: { liveOrdersMax: 1 },
    before: [order()],
    cmd: order(),
  },
  { name: 'cancel unknown', reason: Reason.UnknownOrder, kind: CommandKind.Cancel, cmd: cancel(ALICE, 42) },
  {
    name: 'replace unknown',
    reason: Reason.UnknownOrder,
    kind: CommandKind.Replace,
    cmd: replace(ALICE, 42, 5, 10_000),
  },
  {
    name: 'replace out of band',
    reason: Reason.PriceOutsideBand,
    kind: CommandKind.Replace,
    before: [order()],
    cmd: replace(ALICE, 1, 10, 20_000),
  },
  {
    name: 'replace post-only crossing',
    reason: Reason.PostOnlyWouldTake,
    kind: CommandKind.Replace,
    before: [
      order({ postOnly: true, priceTicks: 9_990 }),
      order({ accountId: BOB, side: Side.Sell, priceTicks: 10_000 }),
    ],
    cmd: replace(ALICE, 1, 10, 10_000),
  },
  {
    name: 'replace duplicate ClOrdID',
    reason: Reason.DuplicateClOrdId,
    kind: CommandKind.Replace,
    before: [order({ clOrdId: 'a' }), order({ clOrdId: 'b' })],
    cmd: replace(ALICE, 1, 10, 10_000, { clOrdId: 'b' }),
  },
  {
    name: 'replace qty not a positive integer',
    reason: Reason.InvalidQuantity,
    kind: CommandKind.Replace,
    before: [order()],
    cmd: replace(ALICE, 1, 0, 10_000),
  },
  {
    name: 'replace qty not above the filled qty',
    reason: Reason.ReplaceQtyNotAboveCumQty,
    kind: CommandKind.Replace,
    before: [order({ qtyLots: 10 }), order({ accountId: BOB, side: Side.Sell, qtyLots: 4 })],
    cmd: replace(ALICE, 1, 4, 10_000),
  },
  {
    name: 'replace qty up over limit',
    reason: Reason.RiskMaxOrderQty,
    kind: CommandKind.Replace,
    before: [limits({ maxOrderQtyLots: 10 }), order()],
    cmd: replace(ALICE, 1, 11, 10_000),
  },
  {
    name: 'status of unknown',
    reason: Reason.UnknownOrder,
    kind: CommandKind.OrderStatus,
    cmd: { type: CommandType.OrderStatus, timestampMs: 1, accountId: ALICE, orderId: 5, origClOrdId: '' },
  },
  {
    name: 'mass cancel unknown account',
    reason: Reason.UnknownAccount,
    kind: CommandKind.MassCancel,
    cmd: {
      type: CommandType.MassCancel,
      timestampMs: 1,
      accountId: 999,
      instrumentId: 0,
      side: 0,
      clOrdId: '',
    },
  },
  {
    name: 'mass cancel unknown instrument',
    reason: Reason.UnknownInstrument,
    kind: CommandKind.MassCancel,
    cmd: {
      type: CommandType.MassCancel,
      timestampMs: 1,
      accountId: ALICE,
      instrumentId: 999,
      side: 0,
      clOrdId: '',
    },
  },
  {
    name: 'bad instrument definition',
    reason: Reason.InvalidInstrumentDefinition,
    kind: CommandKind.Admin,
    cmd: addInstrument({ tickSize: '0' }),
  },
  {
    name: 'bad band',
    reason: Reason.InvalidInstrumentDefinition,
    kind: CommandKind.Admin,
    cmd: addInstrument({ bandBps: 10_001 }),
  },
  {
    name: 'duplicate instrument symbol',
    reason: Reason.DuplicateInstrument,
    kind: CommandKind.Admin,
    cmd: addInstrument({ symbol: 'ZVZZT' }),
  },
  {
    name: 'duplicate account login',
    reason: Reason.DuplicateAccount,
    kind: CommandKind.Admin,
    cmd: addAccount({ login: 'alice' }),
  },
  {
    name: 'bad risk limits',
    reason: Reason.InvalidRiskLimits,
    kind: CommandKind.Admin,
    cmd: limits({ maxOpenOrders: -1 }),
  },
  {
    name: 'bad STP mode',
    reason: Reason.InvalidRiskLimits,
    kind: CommandKind.Admin,
    cmd: addAccount({ stpMode: 7 }),
  },
  {
    name: 'status of unknown instrument',
    reason: Reason.UnknownInstrument,
    kind: CommandKind.Admin,
    cmd: {
      type: CommandType.SetInstrumentStatus,
      timestampMs: 1,
      instrumentId: 999,
      status: InstrumentStatus.Open,
    },
  },
  {
    name: 'unknown command type',
    reason: Reason.InvalidCommand,
    kind: CommandKind.Admin,
    cmd: { type: 99, timestampMs: 1 } as unknown as Command,
  },
];

describe('every reject reason', () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.reason}`, () => {
      const { eng, sink } = setup(c.config ?? {});
      for (const b of c.before ?? []) eng.apply(b);
      const live = eng.liveOrderCount;
      const positions = eng.accountIds().map((a) => eng.position(a, ZVZZT));
      sink.clear();
      eng.apply(c.cmd);
      const ex = execs(sink.events);
      expect(ex).toHaveLength(1);
      expect(ex[0]).toMatchObject({
        execType: ExecType.Rejected,
        reason: c.reason,
        rejectedCommand: c.kind,
        text: reasonText(c.reason),
      });
      // Nothing changed.
      expect(eng.liveOrderCount).toBe(live);
      expect(eng.accountIds().map((a) => eng.position(a, ZVZZT))).toEqual(positions);
    });
  }

  it('every reject code has a text, and the table covers all reject codes below 40', () => {
    const covered = new Set(CASES.map((c) => c.reason));
    for (const [name, code] of Object.entries(Reason)) {
      if (code === 0) continue;
      expect(reasonText(code), name).not.toBe('');
      // NotAuthorized is decided by MatchingService (tested in service.test.ts), not by the engine.
      if (code < 40 && code !== Reason.NotAuthorized)
        expect(covered.has(code), `reject ${name} has a test`).toBe(true);
    }
  });
});
