import { describe, expect, it } from 'vitest';
import { Blotter, computePositions, type Fill } from '../src/lib/blotter.js';
import { decodeFix, encodeFix, type FixField } from '../src/lib/fix.js';

function er(fields: FixField[]) {
  const r = decodeFix(
    encodeFix([[35, '8'], [49, 'VENUE'], [56, 'C'], [34, '1'], [52, '20261126-14:00:00.000'], ...fields]),
  );
  if (!r.ok) throw new Error(r.error);
  return r.msg;
}

function fill(side: 'buy' | 'sell', qty: string, price: string, symbol = 'ZVZZT'): Fill {
  return { execId: `${Math.random()}`, orderId: 'o', symbol, side, price, qty, time: '' };
}

describe('blotter from execution reports', () => {
  it('tracks an order through ack, partial fill, replace and cancel; ignores replays', () => {
    const b = new Blotter();
    const ack = b.onExecutionReport(
      er([
        [37, 'O1'],
        [11, 'c1'],
        [17, 'E1'],
        [150, '0'],
        [39, '0'],
        [55, 'ZVZZT'],
        [54, '2'],
        [38, '10'],
        [44, '100.50'],
        [40, '2'],
        [14, '0'],
        [151, '10'],
        [6, '0'],
      ]),
    );
    expect(ack.kind).toBe('ack');
    expect(b.openOrders().map((o) => [o.orderId, o.side, o.price, o.leavesQty])).toEqual([
      ['O1', 'sell', '100.50', '10'],
    ]);
    const f = b.onExecutionReport(
      er([
        [37, 'O1'],
        [11, 'c1'],
        [17, 'E2'],
        [150, 'F'],
        [39, '1'],
        [55, 'ZVZZT'],
        [54, '2'],
        [38, '10'],
        [44, '100.50'],
        [31, '100.50'],
        [32, '4'],
        [14, '4'],
        [151, '6'],
        [6, '100.5'],
      ]),
    );
    expect(f.kind).toBe('fill');
    expect(b.fills).toHaveLength(1);
    expect(
      b.onExecutionReport(
        er([
          [37, 'O1'],
          [11, 'c1'],
          [17, 'E2'],
          [150, 'F'],
          [39, '1'],
          [55, 'ZVZZT'],
          [54, '2'],
          [31, '100.50'],
          [32, '4'],
          [43, 'Y'],
        ]),
      ).kind,
    ).toBe('ignored');
    expect(b.fills).toHaveLength(1);
    b.onExecutionReport(
      er([
        [37, 'O1'],
        [11, 'c2'],
        [41, 'c1'],
        [17, 'E3'],
        [150, '5'],
        [39, '1'],
        [55, 'ZVZZT'],
        [54, '2'],
        [38, '8'],
        [44, '100.40'],
        [14, '4'],
        [151, '4'],
      ]),
    );
    const o = b.orders.get('O1')!;
    expect([o.clOrdId, o.price, o.orderQty, o.leavesQty]).toEqual(['c2', '100.40', '8', '4']);
    b.onExecutionReport(
      er([
        [37, 'O1'],
        [11, 'c3'],
        [41, 'c2'],
        [17, 'E4'],
        [150, '4'],
        [39, '4'],
        [55, 'ZVZZT'],
        [54, '2'],
        [14, '4'],
        [151, '0'],
      ]),
    );
    expect(b.openOrders()).toEqual([]);
  });

  it('returns the venue text of a reject and creates no order', () => {
    const b = new Blotter();
    const text = 'Price(44) 100.005 is not a multiple of the tick size 0.01 for ZVZZT';
    const r = b.onExecutionReport(
      er([
        [37, 'NONE'],
        [11, 'c9'],
        [17, 'R1'],
        [150, '8'],
        [39, '8'],
        [55, 'ZVZZT'],
        [54, '1'],
        [58, text],
      ]),
    );
    expect(r).toEqual({ kind: 'reject', clOrdId: 'c9', text, order: undefined });
    expect(b.orders.size).toBe(0);
    expect(b.onExecutionReport(er([[11, 'x']])).kind).toBe('ignored');
  });
});

describe('positions and P&L (average cost, exact decimals)', () => {
  it('marks an open long to the last price', () => {
    const [p] = computePositions(
      [fill('buy', '3', '100.10'), fill('buy', '1', '100.50')],
      new Map([['ZVZZT', '101.00']]),
    );
    expect(p).toEqual({
      symbol: 'ZVZZT',
      qty: '4',
      avgPrice: '100.2',
      realized: '0',
      unrealized: '3.2',
      mark: '101.00',
    });
  });

  it('realises P&L on reductions, flips sides, and never drifts like floats', () => {
    const fills = [
      fill('buy', '0.1', '0.1', 'BTC-USD'),
      fill('buy', '0.2', '0.2', 'BTC-USD'),
      fill('sell', '0.3', '0.3', 'BTC-USD'),
    ];
    const [btc] = computePositions(fills, new Map());
    // avg = (0.01 + 0.04) / 0.3; realised = (0.3 - avg) x 0.3 = 0.09 - 0.05 = 0.04 exactly.
    expect(btc?.qty).toBe('0');
    expect(btc?.realized).toBe('0.04');
    expect(btc?.unrealized).toBeUndefined();
    const flip = computePositions(
      [fill('sell', '2', '10'), fill('buy', '5', '8')],
      new Map([['ZVZZT', '9']]),
    )[0]!;
    expect(flip.qty).toBe('3');
    expect(flip.realized).toBe('4'); // short 2 from 10 covered at 8
    expect(flip.avgPrice).toBe('8');
    expect(flip.unrealized).toBe('3');
  });
});
