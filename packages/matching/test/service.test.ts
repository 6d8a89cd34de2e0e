import type { ClientSession } from '@venue/consensus';
import {
  CommandDecodeError,
  CommandKind,
  CommandType,
  decodeCommand,
  ExecType,
  encodeCommand,
  InstrumentStatus,
  MatchingService,
  OrderType,
  OrdStatus,
  Reason,
  RecordingSink,
  Side,
  StpMode,
  TimeInForce,
} from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, cancel, FakeContext, order, replace, ZVZZT } from './helpers.js';

const s1: ClientSession = { id: 1, principal: 'gw1' };
const s2: ClientSession = { id: 2, principal: 'gw2' };
const admin: ClientSession = { id: 9, principal: 'admin' };

function start(): { svc: MatchingService; ctx: FakeContext } {
  const svc = new MatchingService({ adminPrincipals: ['admin'] });
  const ctx = new FakeContext();
  svc.onStart(ctx, undefined);
  return { svc, ctx };
}

describe('SBE codec', () => {
  it('round-trips every client command', () => {
    const cmds = [
      order({ clOrdId: 'abc', tif: TimeInForce.GTD, expireAtMs: 99_000, displayQtyLots: 3, postOnly: true }),
      cancel(ALICE, 7, { origClOrdId: 'o', clOrdId: 'c' }),
      replace(BOB, 8, 12, 10_001, { stopPriceTicks: 5, clOrdId: 'n', origClOrdId: 'p' }),
      {
        type: CommandType.MassCancel,
        timestampMs: 1_000,
        accountId: 1,
        instrumentId: 4,
        side: 2,
        clOrdId: 'm',
      },
      { type: CommandType.OrderStatus, timestampMs: 1_000, accountId: 1, orderId: 3, origClOrdId: 'q' },
      { type: CommandType.SetCancelOnDisconnect, timestampMs: 1_000, sessionId: 5, enabled: true },
      {
        type: CommandType.AddInstrument,
        timestampMs: 1_000,
        instrumentId: 77,
        symbol: 'NEW-SYM',
        tickSize: '0.05',
        lotSize: '10',
        minQtyLots: 1,
        maxQtyLots: 500,
        refPriceTicks: 2_000,
        bandBps: 750,
        status: InstrumentStatus.Halted,
      },
      {
        type: CommandType.SetInstrumentStatus,
        timestampMs: 1_000,
        instrumentId: 77,
        status: InstrumentStatus.Open,
      },
      {
        type: CommandType.AddAccount,
        timestampMs: 1_000,
        accountId: 50,
        login: 'zed',
        stpMode: StpMode.Decrement,
        maxOrderQtyLots: 10,
        maxOrderNotional: 1_000_000,
        maxOpenOrders: 5,
        maxPositionLots: 100,
      },
      {
        type: CommandType.SetRiskLimits,
        timestampMs: 1_000,
        accountId: 50,
        stpMode: StpMode.None,
        maxOrderQtyLots: 1,
        maxOrderNotional: 2,
        maxOpenOrders: 3,
        maxPositionLots: 4,
      },
    ] as const;
    for (const c of cmds) {
      const sessionId = 'sessionId' in c ? c.sessionId : 5;
      expect(decodeCommand(encodeCommand(c), c.timestampMs, sessionId)).toEqual(c);
    }
  });

  it('random bytes never decode into anything but a command or a CommandDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeCommand(bytes, 1, 1);
        } catch (err) {
          expect(err).toBeInstanceOf(CommandDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('MatchingService (ClusteredService)', () => {
  it('routes reports to the session of each order and trades to both sides', () => {
    const { svc, ctx } = start();
    svc.onSessionMessage(
      s1,
      1_000,
      1,
      encodeCommand(order({ accountId: ALICE, side: Side.Sell, clOrdId: 'a' })),
    );
    expect(ctx.replies).toHaveLength(1);
    expect(ctx.replies[0]).toMatchObject({
      sessionId: 1,
      messages: [{ type: 'execution', execType: ExecType.New, clOrdId: 'a' }],
    });
    ctx.replies.length = 0;
    svc.onSessionMessage(s2, 1_001, 2, encodeCommand(order({ accountId: BOB, qtyLots: 4, clOrdId: 'b' })));
    const byId = new Map(ctx.replies.map((r) => [r.sessionId, r.messages]));
    expect(ctx.replies.map((r) => r.sessionId)).toEqual([2, 1]); // requester first
    expect(byId.get(2)!.map((m) => m.type)).toEqual(['execution', 'trade', 'execution']);
    expect(byId.get(1)!.map((m) => m.type)).toEqual(['trade', 'execution']);
    expect(byId.get(1)![1]).toMatchObject({
      execType: ExecType.Trade,
      ordStatus: OrdStatus.PartiallyFilled,
      lastQtyLots: 4,
      leavesQtyLots: 6,
    });
    expect(svc.engine.book(ZVZZT)!.bestAsk()).toMatchObject({ visibleLots: 6 });
  });

  it('lets same-process listeners (market data) observe every event in order', () => {
    const { svc } = start();
    const seen = new RecordingSink();
    svc.addListener(seen);
    svc.onSessionMessage(s1, 1_000, 1, encodeCommand(order({ accountId: ALICE, side: Side.Sell })));
    svc.onSessionMessage(s2, 1_001, 2, encodeCommand(order({ accountId: BOB, qtyLots: 4 })));
    expect(seen.events.map((e) => e.type)).toEqual([
      'execution',
      'execution',
      'trade',
      'execution',
      'execution',
    ]);
    expect(seen.events[2]).toMatchObject({
      type: 'trade',
      qtyLots: 4,
      aggressorSide: Side.Buy,
      makerOrderId: 1,
      takerOrderId: 2,
    });
  });

  it('answers malformed payloads and unauthorised admin commands with a Reject, state unchanged', () => {
    const { svc, ctx } = start();
    const before = svc.stateHash();
    svc.onSessionMessage(s1, 1_000, 1, new Uint8Array([1, 2, 3]));
    svc.onSessionMessage(
      s1,
      1_000,
      2,
      encodeCommand({
        type: CommandType.SetInstrumentStatus,
        timestampMs: 0,
        instrumentId: ZVZZT,
        status: 2,
      }),
    );
    expect(ctx.replies.map((r) => r.messages[0])).toMatchObject([
      { type: 'reject', reason: Reason.InvalidCommand },
      { type: 'reject', rejectedCommand: CommandKind.Admin, reason: Reason.NotAuthorized },
    ]);
    expect(svc.stateHash()).toBe(before);
    svc.onSessionMessage(
      admin,
      1_000,
      3,
      encodeCommand({
        type: CommandType.SetInstrumentStatus,
        timestampMs: 0,
        instrumentId: ZVZZT,
        status: 2,
      }),
    );
    expect(ctx.replies.at(-1)!.messages[0]).toMatchObject({ type: 'admin', kind: 2, id: ZVZZT });
    expect(svc.engine.instrument(ZVZZT)!.status).toBe(InstrumentStatus.Halted);
  });

  it('survives random payloads without throwing', () => {
    const { svc } = start();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        svc.onSessionMessage(s1, 1_000, 1, bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('arms a log timer for Day/GTD expiry and expires on the timer event', () => {
    const { svc, ctx } = start();
    svc.onSessionMessage(s1, 1_000, 1, encodeCommand(order({ tif: TimeInForce.GTD, expireAtMs: 5_000 })));
    expect(ctx.timers.get(1)).toBe(5_000);
    ctx.replies.length = 0;
    ctx.timers.delete(1); // the cluster removes a timer when it fires
    svc.onTimerEvent(1, 5_000);
    expect(ctx.replies).toMatchObject([
      { sessionId: 1, messages: [{ execType: ExecType.Expired, reason: Reason.GtdExpired }] },
    ]);
    expect(ctx.timers.has(1)).toBe(false);
  });

  it('cancels on disconnect when the session opted in', () => {
    const { svc, ctx } = start();
    svc.onSessionMessage(
      s1,
      1_000,
      1,
      encodeCommand({ type: CommandType.SetCancelOnDisconnect, timestampMs: 0, sessionId: 0, enabled: true }),
    );
    svc.onSessionMessage(s1, 1_000, 2, encodeCommand(order({ orderType: OrderType.Limit })));
    svc.onSessionMessage(s2, 1_000, 3, encodeCommand(order({ accountId: BOB })));
    svc.onSessionClose(s1, 2_000, 'timeout');
    svc.onSessionClose(s2, 2_000, 'timeout');
    expect(svc.engine.liveOrderCount).toBe(1);
    expect(ctx.replies.length).toBeGreaterThan(0);
  });

  it('snapshot in onTakeSnapshot restores to the same hash and future', () => {
    const a = start();
    a.svc.onSessionMessage(s1, 1_000, 1, encodeCommand(order({ tif: TimeInForce.Day })));
    a.svc.onSessionMessage(
      s2,
      1_001,
      2,
      encodeCommand(order({ accountId: BOB, side: Side.Sell, qtyLots: 3 })),
    );
    let bytes: Uint8Array | undefined;
    a.svc.onTakeSnapshot({ write: (b) => (bytes = b) });
    const b = { svc: new MatchingService({ adminPrincipals: ['admin'] }), ctx: new FakeContext() };
    b.svc.onStart(b.ctx, bytes);
    expect(b.svc.stateHash()).toBe(a.svc.stateHash());
    expect(b.ctx.timers.get(1)).toBe(a.ctx.timers.get(1));
    const next = encodeCommand(order({ accountId: BOB, side: Side.Sell, qtyLots: 9 }));
    a.ctx.replies.length = 0;
    a.svc.onSessionMessage(s2, 1_002, 3, next);
    b.svc.onSessionMessage(s2, 1_002, 3, next);
    expect(b.ctx.replies).toEqual(a.ctx.replies);
    expect(b.svc.stateHash()).toBe(a.svc.stateHash());
  });
});
