import {
  checkMarketData,
  checkReads,
  checkTradesAndPositions,
  type MdMessage,
  type PositionsInput,
  parseMessage,
  type ReportEvent,
  toUnits,
} from '@venue/chaos';
import { describe, expect, it } from 'vitest';

// Hand-made fills and feeds: a consistent one must pass, each broken one must be caught.

const fill = (
  execId: number,
  process: number,
  side: '1' | '2',
  qty: number,
  px: string,
  symbol = 'ZVZZT',
): ReportEvent => ({
  type: 'report',
  process,
  timeMs: execId,
  msgType: '8',
  execType: 'F',
  ordStatus: '1',
  clOrdId: `P${process}-${execId}`,
  origClOrdId: '',
  orderId: String(execId),
  execId: String(execId),
  symbol,
  side,
  orderQty: 10,
  lastQty: qty,
  lastPx: px,
  cumQty: qty,
  leavesQty: 10 - qty,
});

const units = [
  { symbol: 'ZVZZT', tickSize: '0.01', lotSize: '1' },
  { symbol: 'ACME', tickSize: '0.01', lotSize: '1' },
];

// Trade 1 (ExecIDs 10, 11): CLIENT1 (maker) sells 3 @ 100.05 to CLIENT2 (taker).
// Trade 2 (ExecIDs 14, 15): CLIENT2 (maker) sells 2 ACME @ 50.00 to CLIENT1.
const fills: ReportEvent[] = [
  fill(10, 0, '2', 3, '100.05'),
  fill(11, 1, '1', 3, '100.05'),
  fill(14, 1, '2', 2, '50', 'ACME'),
  fill(15, 0, '1', 2, '50', 'ACME'),
];

const positions = (over: Partial<Record<string, [number, number]>> = {}): PositionsInput => {
  const base: Record<string, [number, number]> = {
    'CLIENT1/ZVZZT': [-3, 30_015],
    'CLIENT2/ZVZZT': [3, -30_015],
    'CLIENT1/ACME': [2, -10_000],
    'CLIENT2/ACME': [-2, 10_000],
    'BOTMM/ZVZZT': [0, 0],
    ...over,
  };
  return {
    instruments: units,
    logins: ['CLIENT1', 'CLIENT2'],
    positions: Object.entries(base).map(([k, v]) => {
      const [login, symbol] = k.split('/') as [string, string];
      const [positionLots, cash] = v ?? [0, 0];
      return { login, symbol, positionLots, cash };
    }),
  };
};

describe('per-trade pairing and positions = sum of fills', () => {
  it('passes when both sides of every trade arrived and the positions and cash add up', () => {
    const r = checkTradesAndPositions(fills, positions());
    expect(r.issues).toEqual([]);
    expect(r.tradesPaired).toBe(2);
    expect(r.positionsChecked).toBe(5);
  });

  it('a fill reported twice (same ExecID, e.g. a resend) counts once', () => {
    const r = checkTradesAndPositions(
      [...fills, { ...fill(10, 0, '2', 3, '100.05'), timeMs: 99 }],
      positions(),
    );
    expect(r.issues).toEqual([]);
  });

  it('catches a trade whose taker fill never reached its owner, and the position it leaves wrong', () => {
    const r = checkTradesAndPositions(
      fills.filter((f) => f.execId !== '11'),
      positions(),
    );
    expect(r.issues.map((i) => i.property).sort()).toEqual([
      'cash-mismatch',
      'position-mismatch',
      'trade-unpaired',
    ]);
    expect(r.issues.find((i) => i.property === 'trade-unpaired')?.explanation).toContain(
      'no client received that ExecID',
    );
  });

  it('catches two fills of one trade that disagree (price or side)', () => {
    const badPx = checkTradesAndPositions(
      [fill(10, 0, '2', 3, '100.05'), fill(11, 1, '1', 3, '100.06')],
      positions({ 'CLIENT1/ACME': [0, 0], 'CLIENT2/ACME': [0, 0], 'CLIENT2/ZVZZT': [3, -30_018] }),
    );
    expect(badPx.issues.filter((i) => i.property === 'trade-unpaired').length).toBe(2);
    const sameSide = checkTradesAndPositions(
      [fill(10, 0, '1', 3, '100.05'), fill(11, 1, '1', 3, '100.05')],
      positions({ 'CLIENT1/ACME': [0, 0], 'CLIENT2/ACME': [0, 0], 'CLIENT1/ZVZZT': [3, -30_015] }),
    );
    expect(sameSide.issues.filter((i) => i.property === 'trade-unpaired').length).toBe(2);
  });

  it('catches a venue position or cash that differs from the fills, and a non-workload account that moved', () => {
    const r = checkTradesAndPositions(
      fills,
      positions({ 'CLIENT2/ACME': [-1, 10_000], 'CLIENT1/ZVZZT': [-3, 30_000], 'BOTMM/ZVZZT': [1, -100] }),
    );
    expect(r.issues.map((i) => `${i.property} ${i.subject}`).sort()).toEqual([
      'cash-mismatch BOTMM/ZVZZT',
      'cash-mismatch CLIENT1/ZVZZT',
      'position-mismatch BOTMM/ZVZZT',
      'position-mismatch CLIENT2/ACME',
    ]);
  });

  it('converts decimal prices and quantities to whole units, refusing fractions', () => {
    expect(toUnits('100.05', '0.01')).toBe(10_005);
    expect(toUnits(3, '1')).toBe(3);
    expect(toUnits('100.055', '0.01')).toBeUndefined();
  });
});

const snap = (instrumentId: number, seq: number, levels: [string, number, number, number][]): MdMessage => ({
  type: 'snapshot',
  instrumentId,
  seq,
  logPosition: seq,
  levels: levels.map(([side, priceTicks, qtyLots, orderCount]) => ({
    side: side as 'buy' | 'sell',
    priceTicks,
    qtyLots,
    orderCount,
  })),
});
const lvl = (
  instrumentId: number,
  seq: number,
  side: 'buy' | 'sell',
  action: 'new' | 'change' | 'delete',
  priceTicks: number,
  qtyLots: number,
  orderCount: number,
): MdMessage => ({
  type: 'level',
  instrumentId,
  seq,
  logPosition: 100 + seq,
  side,
  action,
  priceTicks,
  qtyLots,
  orderCount,
});

const feed: MdMessage[] = [
  snap(1, 0, []),
  lvl(1, 1, 'buy', 'new', 9_990, 5, 1),
  lvl(1, 2, 'sell', 'new', 10_010, 3, 1),
  lvl(1, 3, 'buy', 'change', 9_990, 9, 2),
  lvl(1, 4, 'sell', 'delete', 10_010, 0, 0),
];
const finalBook = [
  {
    instrumentId: 1,
    symbol: 'ZVZZT',
    levels: [{ side: 'buy' as const, priceTicks: 9_990, qtyLots: 9, orderCount: 2 }],
  },
];

describe('market-data replay against the final book', () => {
  it('passes when the replayed feed gives exactly the final book', () => {
    const r = checkMarketData({
      messages: feed,
      books: finalBook,
      headSeqs: new Map([[1, 4]]),
      problem: undefined,
    });
    expect(r.issues).toEqual([]);
    expect(r.messagesReplayed).toBe(5);
    expect(r.levelsCompared).toBe(1);
  });

  it('a gap recovered by a snapshot is fine; an unrecovered gap is caught', () => {
    const recovered = [
      ...feed.slice(0, 2),
      snap(1, 3, [
        ['buy', 9_990, 9, 2],
        ['sell', 10_010, 3, 1],
      ]),
      feed[4] as MdMessage,
    ];
    const ok = checkMarketData({
      messages: recovered,
      books: finalBook,
      headSeqs: new Map([[1, 4]]),
      problem: undefined,
    });
    expect(ok.issues).toEqual([]);
    expect(ok.recoverySnapshots).toBe(1);
    const gap = checkMarketData({
      messages: [feed[0], feed[1], feed[3]] as MdMessage[],
      books: finalBook,
      headSeqs: new Map([[1, 3]]),
      problem: undefined,
    });
    expect(gap.issues.map((i) => i.property)).toContain('md-gap-unrecovered');
  });

  it('catches a book that differs (quantity, order count, extra or missing level) and a recording short of the head', () => {
    const qty = checkMarketData({
      messages: feed,
      books: [
        { ...finalBook[0], levels: [{ side: 'buy', priceTicks: 9_990, qtyLots: 8, orderCount: 2 }] },
      ] as typeof finalBook,
      headSeqs: undefined,
      problem: undefined,
    });
    expect(qty.issues.map((i) => i.property)).toEqual(['md-replay-mismatch']);
    const extra = checkMarketData({
      messages: feed.slice(0, 4),
      books: finalBook,
      headSeqs: undefined,
      problem: undefined,
    });
    expect(extra.issues[0]?.explanation).toContain('sell 10010: venue none, feed 3 lots/1 orders');
    const short = checkMarketData({
      messages: feed.slice(0, 4),
      books: finalBook,
      headSeqs: new Map([[1, 4]]),
      problem: undefined,
    });
    expect(short.issues.map((i) => i.property)).toEqual(['md-gap-unrecovered']);
  });

  it('catches an impossible update (change of an unknown level) and reports a recorder problem', () => {
    const r = checkMarketData({
      messages: [snap(1, 0, []), lvl(1, 1, 'buy', 'change', 9_990, 5, 1)],
      books: [
        {
          instrumentId: 1,
          symbol: 'ZVZZT',
          levels: [{ side: 'buy', priceTicks: 9_990, qtyLots: 5, orderCount: 1 }],
        },
      ],
      headSeqs: undefined,
      problem: 'recording full',
    });
    expect(r.issues.map((i) => i.property).sort()).toEqual(['md-gap-unrecovered', 'md-update-invalid']);
  });

  it('parses the feed JSON it records and refuses malformed messages', () => {
    const level = parseMessage({
      type: 'level',
      channel: 'l2full',
      instrumentId: 1,
      seq: 7,
      logPosition: 42,
      timestampMs: 1,
      side: 'sell',
      action: 'change',
      priceTicks: 10_010,
      qtyLots: 4,
      orderCount: 2,
    });
    expect(level).toMatchObject({ type: 'level', side: 'sell', action: 'change', qtyLots: 4 });
    expect(
      parseMessage({ type: 'level', instrumentId: 1, seq: 7, logPosition: 1, side: 'up' }),
    ).toBeUndefined();
    expect(
      parseMessage({ type: 'snapshot', instrumentId: 1, seq: 1.5, logPosition: 1, levels: [] }),
    ).toBeUndefined();
  });
});

describe('status-read linearizability with an unanswered cancel', () => {
  const inv = (opId: number, kind: 'new' | 'cancel' | 'status', timeMs: number) => ({
    type: 'invoke' as const,
    process: 1,
    opId,
    timeMs,
    kind,
    clOrdId: kind === 'cancel' ? `C${opId}` : 'P1-1',
    origClOrdId: kind === 'new' ? '' : 'P1-1',
    symbol: 'ZVZZT',
    side: 'sell' as const,
    qty: 10,
    price: '100.17',
  });
  const done = (opId: number, type: 'ok' | 'fail' | 'info', timeMs: number, ordStatus = '') => ({
    type,
    process: 1,
    opId,
    timeMs,
    orderId: '7',
    ordStatus,
    cumQty: 0,
    text: '',
  });

  it('a cancel without an answer followed by one that succeeds is legal (the first never applied)', () => {
    const ops = [
      { invoke: inv(1, 'new', 0), complete: done(1, 'ok', 5) },
      { invoke: inv(2, 'status', 10), complete: done(2, 'ok', 12, '0') },
      { invoke: inv(3, 'cancel', 20), complete: done(3, 'info', 5_020) },
      { invoke: inv(4, 'status', 6_000), complete: done(4, 'ok', 6_005, '0') },
      { invoke: inv(5, 'cancel', 7_000), complete: done(5, 'ok', 7_004) },
    ];
    expect(checkReads(new Map([['P1-1', ops]])).illegal).toEqual([]);
  });

  it('still catches a live read after an acknowledged cancel', () => {
    const ops = [
      { invoke: inv(1, 'new', 0), complete: done(1, 'ok', 5) },
      { invoke: inv(2, 'cancel', 10), complete: done(2, 'ok', 12) },
      { invoke: inv(3, 'status', 20), complete: done(3, 'ok', 22, '0') },
    ];
    expect(checkReads(new Map([['P1-1', ops]])).illegal).toEqual(['P1-1']);
  });
});
