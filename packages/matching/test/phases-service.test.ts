import type { ClientSession, ServiceContext } from '@venue/consensus';
import {
  CommandKind,
  CommandType,
  decodeCommand,
  ExecType,
  encodeCommand,
  MatchingService,
  Reason,
  type SetTradingScheduleCommand,
  Side,
  TradingPhase,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { BOB, FakeContext, order, ZVZZT } from './helpers.js';

const H = 3_600_000;
const s1: ClientSession = { id: 1, principal: 'gw1' };
const s2: ClientSession = { id: 2, principal: 'gw2' };
const admin: ClientSession = { id: 9, principal: 'admin' };

const scheduleCmd = (ts: number): SetTradingScheduleCommand => ({
  type: CommandType.SetTradingSchedule,
  timestampMs: ts,
  instrumentId: ZVZZT,
  schedule: {
    preOpenMs: 8 * H,
    openingAuctionMs: 8 * H,
    continuousMs: 9 * H,
    closingAuctionMs: 17 * H,
    closeMs: 17 * H,
  },
  volBandBps: 250,
  volAuctionMs: 120_000,
});

describe('trading phases through MatchingService', () => {
  it('SetTradingSchedule round-trips through SBE (with and without a schedule)', () => {
    const a = scheduleCmd(5);
    expect(decodeCommand(encodeCommand(a), 5, 9)).toEqual(a);
    const b: SetTradingScheduleCommand = { ...a, schedule: null, volBandBps: 0, volAuctionMs: 0 };
    expect(decodeCommand(encodeCommand(b), 5, 9)).toEqual(b);
  });

  it('only admin principals may set a schedule', () => {
    const svc = new MatchingService({ adminPrincipals: ['admin'] });
    const ctx = new FakeContext();
    svc.onStart(ctx, undefined);
    svc.onSessionMessage(s1, 8 * H, 1, encodeCommand(scheduleCmd(8 * H)));
    expect(ctx.replies[0]!.messages[0]).toMatchObject({
      type: 'reject',
      reason: Reason.NotAuthorized,
      rejectedCommand: CommandKind.Admin,
    });
    expect(svc.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.Continuous);
    svc.onSessionMessage(admin, 8 * H, 2, encodeCommand(scheduleCmd(8 * H)));
    expect(svc.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.OpeningAuction);
    // Acks: schedule set, then the phase change it caused.
    expect(ctx.replies.at(-1)).toMatchObject({
      sessionId: 9,
      messages: [
        { type: 'admin', kind: 6 },
        { type: 'admin', kind: 7 },
      ],
    });
  });

  it('arms the log timer at the next boundary; the timer event uncrosses and reports to both sessions', () => {
    const svc = new MatchingService();
    const ctx = new FakeContext();
    svc.onStart(ctx, undefined);
    svc.onSessionMessage(admin, 8 * H, 1, encodeCommand(scheduleCmd(8 * H)));
    expect(ctx.timers.get(1)).toBe(9 * H);
    svc.onSessionMessage(
      s1,
      8 * H + 1,
      2,
      encodeCommand(order({ side: Side.Buy, priceTicks: 10_100, qtyLots: 4 })),
    );
    svc.onSessionMessage(
      s2,
      8 * H + 2,
      3,
      encodeCommand(order({ accountId: BOB, side: Side.Sell, priceTicks: 9_900, qtyLots: 6 })),
    );
    ctx.replies.length = 0;
    ctx.timers.delete(1);
    svc.onTimerEvent(1, 9 * H);
    expect(svc.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.Continuous);
    const fills = ctx.replies.flatMap((r) =>
      r.messages
        .filter((m) => m.type === 'execution' && m.execType === ExecType.Trade)
        .map((m) => [r.sessionId, m.type === 'execution' ? m.lastQtyLots : 0]),
    );
    expect(fills).toEqual([
      [1, 4],
      [2, 4],
    ]);
    // Next boundary: the close at 17:00.
    expect(ctx.timers.get(1)).toBe(17 * H);
  });

  it('with newCommandsFromVersion, schedules are unknown (as to an older build) until that version is active', () => {
    let version = 1;
    const svc = new MatchingService({ newCommandsFromVersion: 2 });
    const ctx = new FakeContext();
    const withVersion: ServiceContext = {
      reply: (id, p) => ctx.reply(id, p),
      scheduleTimer: (c, d) => ctx.scheduleTimer(c, d),
      cancelTimer: (c) => ctx.cancelTimer(c),
      serviceVersion: () => version,
    };
    svc.onStart(withVersion, undefined);
    svc.onSessionMessage(admin, 8 * H, 1, encodeCommand(scheduleCmd(8 * H)));
    expect(ctx.replies[0]!.messages[0]).toMatchObject({
      type: 'reject',
      reason: Reason.InvalidCommand,
      text: 'not a matching command (schema 2, template 14)',
    });
    expect(svc.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.Continuous);
    version = 2;
    svc.onSessionMessage(admin, 8 * H, 2, encodeCommand(scheduleCmd(8 * H)));
    expect(svc.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.OpeningAuction);
  });
});
