import { describe, expect, it } from 'vitest';
import { L2Book, ladderRows } from '../src/lib/ladder.js';
import type { LevelMsg } from '../src/lib/md.js';

function lvl(
  side: 'buy' | 'sell',
  action: LevelMsg['action'],
  priceTicks: number,
  qtyLots: number,
): LevelMsg {
  return {
    type: 'level',
    channel: 'l2',
    instrumentId: 1,
    seq: 1,
    logPosition: 1,
    timestampMs: 0,
    side,
    action,
    priceTicks,
    qtyLots,
    orderCount: 1,
  };
}

describe('L2 book and ladder', () => {
  it('aggregates cumulative size from the inside out on both sides', () => {
    const b = new L2Book();
    b.reset([
      { side: 'buy', priceTicks: 9990, qtyLots: 5, orderCount: 1 },
      { side: 'buy', priceTicks: 9980, qtyLots: 7, orderCount: 2 },
      { side: 'sell', priceTicks: 10010, qtyLots: 3, orderCount: 1 },
      { side: 'sell', priceTicks: 10020, qtyLots: 4, orderCount: 1 },
      { side: 'sell', priceTicks: 10030, qtyLots: 1, orderCount: 1 },
    ]);
    const rows = ladderRows(b, 10);
    expect(rows.map((r) => [r.side, r.priceTicks, r.qtyLots, r.cumulativeLots])).toEqual([
      ['sell', 10030, 1, 8],
      ['sell', 10020, 4, 7],
      ['sell', 10010, 3, 3],
      ['buy', 9990, 5, 5],
      ['buy', 9980, 7, 12],
    ]);
    expect(b.bestBid()).toBe(9990);
    expect(b.bestAsk()).toBe(10010);
    expect(ladderRows(b, 1).map((r) => r.priceTicks)).toEqual([10010, 9990]);
  });

  it('applies new/change/delete and refuses impossible updates without changing the book', () => {
    const b = new L2Book();
    expect(b.apply(lvl('buy', 'new', 100, 2))).toBeUndefined();
    expect(b.apply(lvl('buy', 'change', 100, 9))).toBeUndefined();
    expect(b.levels('buy')).toEqual([{ priceTicks: 100, qtyLots: 9, orderCount: 1 }]);
    expect(b.apply(lvl('buy', 'new', 100, 1))).toMatch(/already exists/);
    expect(b.apply(lvl('sell', 'change', 101, 1))).toMatch(/unknown/);
    expect(b.apply(lvl('sell', 'delete', 101, 0))).toMatch(/unknown/);
    expect(b.levels('buy')[0]?.qtyLots).toBe(9);
    expect(b.apply(lvl('buy', 'delete', 100, 0))).toBeUndefined();
    expect(ladderRows(b, 10)).toEqual([]);
  });
});
