import type { ClientSession } from '@venue/consensus';
import {
  ACCOUNT_ORDERS_MAX,
  decodeAccountOrdersQuery,
  ExecType,
  encodeAccountOrdersQuery,
  encodeCommand,
  MatchingService,
  OrderType,
  OrdStatus,
  Reason,
  type ReplyMessage,
  Side,
  TimeInForce,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, cancel, FakeContext, order, ZVZZT } from './helpers.js';

const trader: ClientSession = { id: 1, principal: 'gw1' };
const ops: ClientSession = { id: 9, principal: 'admin' };

function start(): { svc: MatchingService; ctx: FakeContext } {
  const svc = new MatchingService({ adminPrincipals: ['admin'] });
  const ctx = new FakeContext();
  svc.onStart(ctx, undefined);
  return { svc, ctx };
}

/** The replies to one query sent by `session`. */
function query(
  svc: MatchingService,
  ctx: FakeContext,
  session: ClientSession,
  accountId: number,
): ReplyMessage[] {
  ctx.replies.length = 0;
  svc.onSessionMessage(session, 5_000, 0, encodeAccountOrdersQuery(accountId));
  expect(ctx.replies.every((r) => r.sessionId === session.id)).toBe(true);
  return ctx.replies.flatMap((r) => r.messages);
}

describe('account orders query (venue orders --account)', () => {
  it('round-trips and is told apart from commands', () => {
    expect(decodeAccountOrdersQuery(encodeAccountOrdersQuery(123_456))).toBe(123_456);
    expect(decodeAccountOrdersQuery(encodeCommand(order()))).toBeUndefined();
    expect(decodeAccountOrdersQuery(new Uint8Array(3))).toBeUndefined();
  });

  it("answers the requester with the account's live orders, ascending, and changes no state", () => {
    const { svc, ctx } = start();
    const send = (c: Parameters<typeof encodeCommand>[0]) =>
      svc.onSessionMessage(trader, 1_000, 0, encodeCommand(c));
    send(order({ clOrdId: 'a1', priceTicks: 9_990, qtyLots: 10 }));
    send(order({ clOrdId: 'a2', side: Side.Sell, priceTicks: 10_050, qtyLots: 7 }));
    send(order({ clOrdId: 'a3', priceTicks: 9_980, qtyLots: 5 }));
    send(order({ accountId: BOB, clOrdId: 'b1', side: Side.Sell, priceTicks: 9_990, qtyLots: 4 })); // fills 4 of a1
    send(cancel(ALICE, 3)); // a3 gone
    send(
      order({
        clOrdId: 'stop',
        side: Side.Sell,
        orderType: OrderType.Stop,
        tif: TimeInForce.Day,
        stopPriceTicks: 9_000,
        priceTicks: 0,
        qtyLots: 2,
      }),
    );
    const hashBefore = svc.stateHash();
    const answer = query(svc, ctx, ops, ALICE);
    expect(svc.stateHash()).toBe(hashBefore);
    expect(
      answer.map((m) => (m.type === 'execution' ? [m.clOrdId, m.execType, m.ordStatus] : m.type)),
    ).toEqual([
      ['a1', ExecType.OrderStatus, OrdStatus.PartiallyFilled],
      ['a2', ExecType.OrderStatus, OrdStatus.New],
      ['stop', ExecType.OrderStatus, OrdStatus.New],
    ]);
    const a1 = answer[0];
    if (a1?.type !== 'execution') throw new Error('expected an execution report');
    expect(a1).toMatchObject({
      accountId: ALICE,
      instrumentId: ZVZZT,
      side: Side.Buy,
      priceTicks: 9_990,
      orderQtyLots: 10,
      cumQtyLots: 4,
      leavesQtyLots: 6,
      cumNotional: 4 * 9_990,
      timestampMs: 5_000,
      execId: 0,
    });
    // Another query gives the same answer: nothing was consumed.
    expect(query(svc, ctx, ops, ALICE)).toEqual(answer);
    expect(query(svc, ctx, ops, BOB)).toEqual([]);
  });

  it('rejects an unknown account, and a principal that may not read other accounts', () => {
    const { svc, ctx } = start();
    const unknown = query(svc, ctx, ops, 4242);
    expect(unknown).toMatchObject([
      { type: 'reject', reason: Reason.UnknownAccount, text: 'account 4242 is unknown' },
    ]);
    const denied = query(svc, ctx, trader, ALICE);
    expect(denied).toMatchObject([{ type: 'reject', reason: Reason.NotAuthorized }]);
  });

  it('cuts a long list at the bound and says so on the last report', () => {
    const { svc, ctx } = start();
    const n = ACCOUNT_ORDERS_MAX + 3;
    for (let i = 0; i < n; i++) {
      svc.onSessionMessage(
        trader,
        1_000,
        0,
        encodeCommand(order({ priceTicks: 9_000 + (i % 900), qtyLots: 1 })),
      );
    }
    const answer = query(svc, ctx, ops, ALICE);
    expect(answer).toHaveLength(ACCOUNT_ORDERS_MAX);
    const last = answer[answer.length - 1];
    expect(last?.type === 'execution' ? last.text : '').toBe(
      `first ${ACCOUNT_ORDERS_MAX} of ${n} live orders`,
    );
    const first = answer[0];
    expect(first?.type === 'execution' ? first.text : 'x').toBe('');
  });
});
