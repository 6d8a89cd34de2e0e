import type { ClientSession } from '@venue/consensus';
import {
  type Command,
  CommandType,
  decodeCommand,
  ExecType,
  encodeCommand,
  genesisCommands,
  MatchingEngine,
  MatchingService,
  OrdStatus,
  Reason,
  RecordingSink,
  type ReplyMessage,
  Side,
  stateHash,
  TimeInForce,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, cancel, execs, FakeContext, order, replace } from './helpers.js';

/**
 * Reply routing of MatchingService: answers to a Cancel / Replace / OrderStatus go to the session
 * that sent it, also when the order was placed by another session (a gateway's cluster session
 * that died: restart, leader change). Routing only: the engine state is what it is without it.
 */

/** s1: the gateway session that placed the orders (dead by now); s2: its replacement; s3: another gateway. */
const s1: ClientSession = { id: 1, principal: 'gw' };
const s2: ClientSession = { id: 2, principal: 'gw' };
const s3: ClientSession = { id: 3, principal: 'gw' };

interface Step {
  readonly session: ClientSession;
  readonly ts: number;
  readonly cmd: Command;
}

/**
 * Runs the steps on a MatchingService, and the same commands (as the service decodes them) on a bare
 * engine with a recording sink: the reference for the state hash and for the set of reports.
 */
function run(steps: readonly Step[]): {
  svc: MatchingService;
  ctx: FakeContext;
  engine: MatchingEngine;
  sink: RecordingSink;
  /** Replies of the last step only, per session. */
  last: Map<number, ReplyMessage[]>;
} {
  const svc = new MatchingService();
  const ctx = new FakeContext();
  svc.onStart(ctx, undefined);
  const sink = new RecordingSink();
  const engine = new MatchingEngine(sink);
  for (const c of genesisCommands(0)) engine.apply(c);
  sink.clear();
  let mark = 0;
  steps.forEach((s, i) => {
    mark = ctx.replies.length;
    const bytes = encodeCommand(s.cmd);
    svc.onSessionMessage(s.session, s.ts, i + 1, bytes);
    engine.apply(decodeCommand(bytes, s.ts, s.session.id));
  });
  const last = new Map<number, ReplyMessage[]>();
  for (const r of ctx.replies.slice(mark))
    last.set(r.sessionId, [...(last.get(r.sessionId) ?? []), ...r.messages]);
  return { svc, ctx, engine, sink, last };
}

const status = (accountId: number, orderId: number, origClOrdId = ''): Command => ({
  type: CommandType.OrderStatus,
  timestampMs: 0,
  accountId,
  orderId,
  origClOrdId,
});

const executions = (ms: readonly ReplyMessage[] | undefined) =>
  (ms ?? []).filter((m) => m.type === 'execution');

/** Every report reached exactly one session, and the service's state equals the bare engine's. */
function expectSameAsEngine(r: ReturnType<typeof run>): void {
  expect(r.svc.stateHash()).toBe(stateHash(r.engine));
  const sent = r.ctx.replies.flatMap((x) => executions(x.messages).map((m) => m.execId));
  expect(sent.sort((a, b) => a - b)).toEqual(execs(r.sink.events).map((e) => e.execId));
}

describe('MatchingService reply routing (answers go to the requesting session)', () => {
  it('a cancel from a new session for an order of the old one: the Canceled report goes to the requester only', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1' }) },
      { session: s2, ts: 1_001, cmd: cancel(ALICE, 1, { clOrdId: 'c1' }) },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(r.last.get(2)).toMatchObject([
      {
        type: 'execution',
        execType: ExecType.Canceled,
        orderId: 1,
        clOrdId: 'c1',
        reason: Reason.CanceledByUser,
      },
    ]);
    expect(r.svc.engine.liveOrderCount).toBe(0);
    expectSameAsEngine(r);
  });

  it('a cancel by OrigClOrdID (no order id) is routed the same way', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1' }) },
      { session: s2, ts: 1_001, cmd: cancel(ALICE, 0, { origClOrdId: 'a1', clOrdId: 'c1' }) },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(executions(r.last.get(2))).toMatchObject([{ execType: ExecType.Canceled, orderId: 1 }]);
    expectSameAsEngine(r);
  });

  it('an order status request from a new session is answered on that session', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1' }) },
      { session: s2, ts: 1_001, cmd: status(ALICE, 0, 'a1') },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(r.last.get(2)).toMatchObject([
      {
        type: 'execution',
        execType: ExecType.OrderStatus,
        orderId: 1,
        ordStatus: OrdStatus.New,
        leavesQtyLots: 10,
      },
    ]);
    expectSameAsEngine(r);
  });

  it('a replace that does not cross: the Replaced report goes to the requester; a later fill to the session that placed the order', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1', qtyLots: 10 }) },
      { session: s2, ts: 1_001, cmd: replace(ALICE, 1, 6, 10_000, { clOrdId: 'a2' }) },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(r.last.get(2)).toMatchObject([
      { execType: ExecType.Replaced, orderId: 1, clOrdId: 'a2', origClOrdId: 'a1', leavesQtyLots: 6 },
    ]);
    // A later fill of the order (not an answer to a request) still goes to the session that placed it.
    const later = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1', qtyLots: 10 }) },
      { session: s2, ts: 1_001, cmd: replace(ALICE, 1, 6, 10_000, { clOrdId: 'a2' }) },
      { session: s3, ts: 1_002, cmd: order({ accountId: BOB, side: Side.Sell, qtyLots: 2, clOrdId: 'b1' }) },
    ]);
    expect(executions(later.last.get(1))).toMatchObject([{ execType: ExecType.Trade, orderId: 1 }]);
    expect(executions(later.last.get(2))).toEqual([]);
    expectSameAsEngine(later);
  });

  it("a replace that crosses: the replaced order's fills go to the requester, the maker's fill to the maker's session", () => {
    const r = run([
      {
        session: s1,
        ts: 1_000,
        cmd: order({ accountId: ALICE, clOrdId: 'a1', priceTicks: 9_990, qtyLots: 10 }),
      },
      {
        session: s3,
        ts: 1_001,
        cmd: order({ accountId: BOB, side: Side.Sell, clOrdId: 'b1', priceTicks: 10_000, qtyLots: 4 }),
      },
      { session: s2, ts: 1_002, cmd: replace(ALICE, 1, 10, 10_000, { clOrdId: 'a2' }) },
    ]);
    expect([...r.last.keys()].sort()).toEqual([2, 3]);
    expect(r.ctx.replies.at(-2)!.sessionId).toBe(2); // the requester's reply first
    const mine = r.last.get(2)!;
    expect(executions(mine)).toMatchObject([
      { execType: ExecType.Replaced, orderId: 1, clOrdId: 'a2' },
      {
        execType: ExecType.Trade,
        orderId: 1,
        lastQtyLots: 4,
        cumQtyLots: 4,
        leavesQtyLots: 6,
        aggressor: true,
      },
    ]);
    expect(mine.filter((m) => m.type === 'trade')).toMatchObject([
      { takerOrderId: 1, makerOrderId: 2, qtyLots: 4 },
    ]);
    const maker = r.last.get(3)!;
    expect(executions(maker)).toMatchObject([
      { execType: ExecType.Trade, orderId: 2, clOrdId: 'b1', ordStatus: OrdStatus.Filled, aggressor: false },
    ]);
    expect(maker.filter((m) => m.type === 'trade')).toMatchObject([{ takerOrderId: 1, makerOrderId: 2 }]);
    expectSameAsEngine(r);
  });

  it('events of other orders in the same entry (an expiry before the command) still go to their own sessions', () => {
    const r = run([
      {
        session: s1,
        ts: 1_000,
        cmd: order({ accountId: BOB, tif: TimeInForce.GTD, expireAtMs: 5_000, clOrdId: 'b1' }),
      },
      { session: s1, ts: 1_001, cmd: order({ accountId: ALICE, clOrdId: 'a1' }) },
      // At 5 000 BOB's order expires first (before the command), then ALICE's order is canceled.
      { session: s2, ts: 5_000, cmd: cancel(ALICE, 2) },
    ]);
    expect(executions(r.last.get(1))).toMatchObject([
      { execType: ExecType.Expired, orderId: 1, accountId: BOB },
    ]);
    expect(executions(r.last.get(2))).toMatchObject([
      { execType: ExecType.Canceled, orderId: 2, accountId: ALICE },
    ]);
    expectSameAsEngine(r);
  });

  it('the subject expiring at the start of the entry: its Expired report and the reject both go to the requester', () => {
    const r = run([
      {
        session: s1,
        ts: 1_000,
        cmd: order({ accountId: ALICE, tif: TimeInForce.GTD, expireAtMs: 5_000, clOrdId: 'a1' }),
      },
      { session: s2, ts: 5_000, cmd: cancel(ALICE, 0, { origClOrdId: 'a1', clOrdId: 'c1' }) },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(executions(r.last.get(2))).toMatchObject([
      { execType: ExecType.Expired, orderId: 1, reason: Reason.GtdExpired },
      { execType: ExecType.Rejected, reason: Reason.UnknownOrder, clOrdId: 'c1' },
    ]);
    expectSameAsEngine(r);
  });

  it("a cancel of another account's order is rejected to the requester and routes nothing of that order there", () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: BOB, clOrdId: 'b1' }) },
      { session: s2, ts: 1_001, cmd: cancel(ALICE, 1) },
      { session: s3, ts: 1_002, cmd: order({ accountId: ALICE, side: Side.Sell, qtyLots: 1 }) },
    ]);
    expect(executions(r.ctx.replies.find((x) => x.sessionId === 2)?.messages)).toMatchObject([
      { execType: ExecType.Rejected, reason: Reason.UnknownOrder },
    ]);
    expect(r.svc.engine.order(1)).toBeDefined();
    // The fill of BOB's order by a later order goes to BOB's session.
    expect(executions(r.last.get(1))).toMatchObject([{ execType: ExecType.Trade, orderId: 1 }]);
    expectSameAsEngine(r);
  });

  it('a mass cancel from a new session: the Canceled reports and the summary go to the requester', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1' }) },
      { session: s1, ts: 1_001, cmd: order({ accountId: ALICE, clOrdId: 'a2', priceTicks: 9_999 }) },
      { session: s3, ts: 1_002, cmd: order({ accountId: BOB, clOrdId: 'b1' }) },
      {
        session: s2,
        ts: 1_003,
        cmd: {
          type: CommandType.MassCancel,
          timestampMs: 0,
          accountId: ALICE,
          instrumentId: 0,
          side: 0,
          clOrdId: 'm',
        },
      },
    ]);
    expect([...r.last.keys()]).toEqual([2]);
    expect(r.last.get(2)).toMatchObject([
      { type: 'execution', execType: ExecType.Canceled, orderId: 1, reason: Reason.MassCancel },
      { type: 'execution', execType: ExecType.Canceled, orderId: 2, reason: Reason.MassCancel },
      { type: 'massCancel', canceledCount: 2 },
    ]);
    expectSameAsEngine(r);
  });

  it('a replace below the filled quantity is rejected with its own reason, to the requester, state unchanged', () => {
    const r = run([
      { session: s1, ts: 1_000, cmd: order({ accountId: ALICE, clOrdId: 'a1', qtyLots: 10 }) },
      { session: s3, ts: 1_001, cmd: order({ accountId: BOB, side: Side.Sell, qtyLots: 4 }) },
    ]);
    r.ctx.replies.length = 0;
    r.svc.onSessionMessage(s2, 1_002, 3, encodeCommand(replace(ALICE, 1, 4, 10_000, { clOrdId: 'a2' })));
    expect(r.ctx.replies).toMatchObject([
      {
        sessionId: 2,
        messages: [
          {
            execType: ExecType.Rejected,
            reason: Reason.ReplaceQtyNotAboveCumQty,
            text: 'replace quantity must be above the quantity already filled (CumQty)',
            orderId: 1,
            cumQtyLots: 4,
          },
        ],
      },
    ]);
    // The same state as the bare engine given the same command.
    r.engine.apply(decodeCommand(encodeCommand(replace(ALICE, 1, 4, 10_000, { clOrdId: 'a2' })), 1_002, 2));
    expect(r.svc.stateHash()).toBe(stateHash(r.engine));
    expect(r.svc.engine.order(1)).toMatchObject({ orderQtyLots: 10, clOrdId: 'a1' });
  });
});
