import { CommandKind, ExecType, type ExecutionReportMessage, OrdStatus, Reason, Side } from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { checkTradesAndPositions } from '../src/checker/trades.js';
import { History, type ReportEvent } from '../src/history/history.js';
import { transportStats } from '../src/report/transports.js';
import { accountIdOf, directProcess, loginOf, transportOf } from '../src/workload/accounts.js';
import { DirectReports, DirectUnits, reportEventOf } from '../src/workload/direct-client.js';

// The direct client's report mapping and its exactly-once rule, without processes: matching's
// ExecutionReports become the same history events a FIX client records, and a report that reaches
// the client by reply, by session event and by the execution feed is recorded once.

const INSTRUMENTS = [
  { instrumentId: 1, symbol: 'BTC-USD', tickSize: '0.01', lotSize: '0.0001' },
  { instrumentId: 3, symbol: 'ACME', tickSize: '0.01', lotSize: '1' },
  { instrumentId: 4, symbol: 'ZVZZT', tickSize: '0.01', lotSize: '1' },
];
const units = new DirectUnits(INSTRUMENTS);
const DIRECT = directProcess(0);
const ACCOUNT = accountIdOf(DIRECT);

function er(fields: Partial<ExecutionReportMessage>): ExecutionReportMessage {
  return {
    type: 'execution',
    execType: ExecType.New,
    ordStatus: OrdStatus.New,
    execId: 1,
    orderId: 7,
    clOrdId: 'P4-1',
    origClOrdId: '',
    accountId: ACCOUNT,
    instrumentId: 3,
    side: Side.Buy,
    orderType: 2,
    tif: 1,
    priceTicks: 5_005,
    stopPriceTicks: 0,
    orderQtyLots: 5,
    displayQtyLots: 0,
    lastPxTicks: 0,
    lastQtyLots: 0,
    cumQtyLots: 0,
    leavesQtyLots: 5,
    cumNotional: 0,
    tradeId: 0,
    aggressor: false,
    reason: 0 as ExecutionReportMessage['reason'],
    text: '',
    rejectedCommand: 0,
    timestampMs: 0,
    ...fields,
  };
}

const trade = (execId: number, fields: Partial<ExecutionReportMessage> = {}) =>
  er({
    execId,
    execType: ExecType.Trade,
    ordStatus: OrdStatus.PartiallyFilled,
    lastPxTicks: 5_005,
    lastQtyLots: 2,
    cumQtyLots: 2,
    leavesQtyLots: 3,
    ...fields,
  });

const reports = (h: History) => h.events.filter((e): e is ReportEvent => e.type === 'report');

describe('direct client: accounts and processes', () => {
  it('numbers direct processes after the FIX clients, with their own logins and accounts', () => {
    expect(DIRECT).toBe(4);
    expect(loginOf(DIRECT)).toBe('DIRECT1');
    expect(loginOf(directProcess(3))).toBe('DIRECT4');
    expect(transportOf(0)).toBe('tcp');
    expect(transportOf(1)).toBe('ws');
    expect(transportOf(DIRECT)).toBe('direct');
    expect(accountIdOf(DIRECT)).not.toBe(accountIdOf(0));
    expect(() => loginOf(8)).toThrow(/no workload process 8/);
    expect(() => directProcess(4)).toThrow(/at most 4 direct clients/);
  });
});

describe('direct client: report mapping (what a FIX client would record)', () => {
  it('renders a fill with FIX chars, the decimal LastPx and quantities in FIX units', () => {
    const e = reportEventOf(trade(17, { orderId: 9 }), { process: DIRECT, timeMs: 5, units });
    expect(e).toEqual({
      type: 'report',
      process: DIRECT,
      timeMs: 5,
      msgType: '8',
      execType: 'F',
      ordStatus: '1',
      clOrdId: 'P4-1',
      origClOrdId: '',
      orderId: '9',
      execId: '17',
      symbol: 'ACME',
      side: '1',
      orderQty: 5,
      lastQty: 2,
      lastPx: '50.05',
      cumQty: 2,
      leavesQty: 3,
    });
    // Lots to the instrument's quantity unit, as the gateway renders tags 14/32/38/151.
    const btc = reportEventOf(
      trade(18, {
        instrumentId: 1,
        side: Side.Sell,
        lastPxTicks: 6_000_000,
        lastQtyLots: 25,
        cumQtyLots: 25,
      }),
      { process: DIRECT, timeMs: 0, units },
    );
    expect(btc.lastQty).toBe(0.0025);
    expect(btc.lastPx).toBe('60000');
    expect(btc.side).toBe('2');
    // Not a trade: no LastQty / LastPx.
    const ack = reportEventOf(er({ execId: 3 }), { process: DIRECT, timeMs: 0, units });
    expect([ack.execType, ack.ordStatus, ack.lastQty, ack.lastPx]).toEqual(['0', '0', 0, '']);
  });

  it('renders a rejected cancel as an OrderCancelReject (35=9) and a rejected order with its text', () => {
    const rej = reportEventOf(
      er({
        execId: 20,
        orderId: 0,
        clOrdId: '',
        execType: ExecType.Rejected,
        ordStatus: OrdStatus.Rejected,
        rejectedCommand: CommandKind.Cancel,
        reason: Reason.UnknownOrder,
        text: 'unknown order',
      }),
      {
        process: DIRECT,
        timeMs: 0,
        units,
        fallback: { clOrdId: 'P4-9', origClOrdId: 'P4-3', symbol: 'ACME', side: 'buy' },
      },
    );
    expect(rej).toMatchObject({ msgType: '9', execType: '', execId: '', orderId: 'NONE', clOrdId: 'P4-9' });
    expect(rej.origClOrdId).toBe('P4-3');
    const newRej = reportEventOf(
      er({
        execId: 21,
        orderId: 0,
        execType: ExecType.Rejected,
        ordStatus: OrdStatus.Rejected,
        rejectedCommand: CommandKind.NewOrder,
      }),
      { process: DIRECT, timeMs: 0, units },
    );
    expect(newRej).toMatchObject({
      msgType: '8',
      execType: '8',
      ordStatus: '8',
      orderId: 'NONE',
      execId: '21',
    });
  });
});

describe('direct client: every report recorded exactly once', () => {
  it('records a report from whichever path brings it first and drops the later copies by ExecID', () => {
    const h = new History();
    const seen: ReportEvent[] = [];
    const r = new DirectReports(DIRECT, ACCOUNT, units, h, (e) => seen.push(e));
    // The ack comes as a reply, then again on the feed.
    expect(r.offer(er({ execId: 1 }), 'reply')).toBeDefined();
    // A fill of the resting order (another client's order traded with it): a session event, then the feed.
    expect(r.offer(trade(3), 'event')).toBeDefined();
    expect(r.offer(trade(3), 'event')).toBeUndefined();
    // ExecID 2 is another account's report: skipped, and the feed moves past it.
    expect(r.deliver([er({ execId: 1 }), er({ execId: 2, accountId: 1 }), trade(3)])).toBe(true);
    // A fill the session never saw (the client was between leaders): the feed brings it.
    expect(
      r.deliver([trade(4, { lastQtyLots: 3, cumQtyLots: 5, leavesQtyLots: 0, ordStatus: OrdStatus.Filled })]),
    ).toBe(true);
    // A resend answered `duplicate` carries the recorded replies again: nothing new.
    expect(r.offer(er({ execId: 1 }), 'reply')).toBeUndefined();
    expect(r.position).toBe(4);
    expect(reports(h).map((e) => e.execId)).toEqual(['1', '3', '4']);
    expect(seen).toHaveLength(3);
    expect(r.stats).toEqual({ reply: 1, event: 1, feed: 1, duplicates: 4 });
  });

  it("takes only the account's order events from the feed, and refuses a jump in ExecID", () => {
    const h = new History();
    const r = new DirectReports(DIRECT, ACCOUNT, units, h);
    expect(
      r.deliver([
        er({ execId: 1, execType: ExecType.OrderStatus }), // a status answer: replies only
        er({
          execId: 2,
          execType: ExecType.Rejected,
          ordStatus: OrdStatus.Rejected,
          rejectedCommand: CommandKind.Replace,
        }), // an OrderCancelReject: replies only
        er({ execId: 3, accountId: 2 }),
      ]),
    ).toBe(true);
    expect(reports(h)).toHaveLength(0);
    expect(r.position).toBe(3);
    // 5 after 3: ExecID 4 is missing, the follower must resynchronise from 3.
    expect(r.deliver([er({ execId: 5 })])).toBe(false);
    expect(r.position).toBe(3);
    expect(reports(h)).toHaveLength(0);
    // Another account's reply is not this client's to record.
    expect(r.offer(er({ execId: 9, accountId: 3 }), 'reply')).toBeUndefined();
  });

  it('gives the checker both sides of a trade between a FIX client and a direct client', () => {
    const h = new History();
    const r = new DirectReports(DIRECT, ACCOUNT, units, h);
    // CLIENT1 (process 0, FIX) rested a sell; the direct client's buy took it: maker 10, taker 11.
    const fixMaker: ReportEvent = {
      type: 'report',
      process: 0,
      timeMs: 1,
      msgType: '8',
      execType: 'F',
      ordStatus: '2',
      clOrdId: 'P0-1',
      origClOrdId: '',
      orderId: '6',
      execId: '10',
      symbol: 'ACME',
      side: '2',
      orderQty: 2,
      lastQty: 2,
      lastPx: '50.05',
      cumQty: 2,
      leavesQty: 0,
    };
    const input = {
      instruments: INSTRUMENTS.map(({ symbol, tickSize, lotSize }) => ({ symbol, tickSize, lotSize })),
      positions: [
        { login: 'CLIENT1', symbol: 'ACME', positionLots: -2, cash: 10_010 },
        { login: 'DIRECT1', symbol: 'ACME', positionLots: 2, cash: -10_010 },
      ],
      logins: [0, 1, 2, 3, DIRECT].map((p) => loginOf(p)),
    };
    // Without the direct client's fill the trade is unpaired and DIRECT1's position is off.
    const without = checkTradesAndPositions([fixMaker], input);
    expect(without.issues.map((i) => i.property).sort()).toEqual([
      'cash-mismatch',
      'position-mismatch',
      'trade-unpaired',
    ]);
    // The taker fill reached the client only through the feed (its reply was lost with a leader).
    r.deliver(Array.from({ length: 10 }, (_, i) => er({ execId: i + 1, accountId: 1 })));
    r.deliver([trade(11, { lastQtyLots: 2, cumQtyLots: 2, leavesQtyLots: 3 })]);
    const withFeed = checkTradesAndPositions([fixMaker, ...reports(h)], input);
    expect(withFeed.issues).toEqual([]);
    expect(withFeed.tradesPaired).toBe(1);
  });
});

describe('direct client: per-transport figures', () => {
  it('counts operations and acknowledged orders per transport', () => {
    const inv = (process: number, opId: number, kind: 'new' | 'cancel', clOrdId: string) =>
      ({
        type: 'invoke',
        process,
        opId,
        timeMs: 0,
        kind,
        clOrdId,
        origClOrdId: '',
        symbol: 'ACME',
        side: 'buy',
        qty: 1,
        price: '50.00',
      }) as const;
    const done = (process: number, opId: number, type: 'ok' | 'fail' | 'info') =>
      ({ type, process, opId, timeMs: 1, orderId: '', ordStatus: '', cumQty: 0, text: '' }) as const;
    const h = new History();
    h.add(inv(0, 1, 'new', 'P0-1'));
    h.add(done(0, 1, 'ok'));
    h.add(inv(1, 1, 'new', 'P1-1'));
    h.add(done(1, 1, 'fail'));
    h.add(inv(DIRECT, 1, 'new', 'P4-1'));
    h.add(done(DIRECT, 1, 'info'));
    // An indeterminate new whose ack report came later counts as acknowledged (as the checker does).
    h.add(reportEventOf(er({ execId: 1, clOrdId: 'P4-1' }), { process: DIRECT, timeMs: 2, units }));
    h.add(inv(DIRECT, 2, 'cancel', 'P4-2'));
    h.add(done(DIRECT, 2, 'ok'));
    expect(transportStats(h.events)).toEqual([
      { transport: 'tcp', processes: 1, operations: 1, ok: 1, acknowledged: 1 },
      { transport: 'ws', processes: 1, operations: 1, ok: 0, acknowledged: 0 },
      { transport: 'direct', processes: 1, operations: 2, ok: 1, acknowledged: 1 },
    ]);
  });
});
