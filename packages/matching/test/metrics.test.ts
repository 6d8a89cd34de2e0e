import {
  genesisCommands,
  MatchingEngine,
  MatchingMetrics,
  NullSink,
  Reason,
  Side,
  stateHash,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { BOB, order, ZVZZT } from './helpers.js';

function replica(withMetrics: boolean): { eng: MatchingEngine; metrics: MatchingMetrics } {
  const metrics = new MatchingMetrics();
  const eng = new MatchingEngine(withMetrics ? metrics : new NullSink());
  for (const c of genesisCommands(0)) eng.apply(c);
  return { eng, metrics };
}

const commands = [
  order({ clOrdId: 'S1', side: Side.Sell, qtyLots: 10, priceTicks: 10_000 }),
  order({ clOrdId: 'B1', accountId: BOB, side: Side.Buy, qtyLots: 4, priceTicks: 10_000 }),
  order({ clOrdId: 'B2', accountId: BOB, side: Side.Buy, qtyLots: 2, priceTicks: 9_990 }),
  order({ clOrdId: 'X1', accountId: BOB, side: Side.Buy, qtyLots: 1, priceTicks: 20_000 }), // outside the band
  order({ clOrdId: 'X2', accountId: 999, side: Side.Buy, qtyLots: 1 }), // unknown account
  order({ clOrdId: 'X3', accountId: BOB, instrumentId: 77, qtyLots: 1 }), // unknown instrument
];

describe('MatchingMetrics: counters on apply, outside the state', () => {
  it('counts accepted orders, trades, lots and rejects by reason; reads depth and resting orders', () => {
    const { eng, metrics } = replica(true);
    const genesisAccepted = metrics.ordersAccepted;
    for (const c of commands) eng.apply(c);
    expect(metrics.ordersAccepted - genesisAccepted).toBe(3);
    expect(metrics.trades).toBe(1);
    expect(metrics.rejectsOf(Reason.PriceOutsideBand)).toBe(1);
    expect(metrics.rejectsOf(Reason.UnknownAccount)).toBe(1);
    expect(metrics.rejectsOf(Reason.UnknownInstrument)).toBe(1);
    const text = metrics.render(eng);
    expect(text).toContain('venue_matching_trades_total 1');
    expect(text).toContain('venue_matching_traded_lots_total 4');
    expect(text).toContain('venue_matching_rejects_total{reason="PriceOutsideBand"} 1');
    // 6 lots resting on the ask at 100.00, 2 on the bid at 99.90.
    expect(text).toContain('venue_matching_resting_orders{symbol="ZVZZT"} 2');
    expect(text).toContain('venue_matching_book_levels{symbol="ZVZZT",side="ask"} 1');
    expect(text).toContain('venue_matching_book_levels{symbol="ZVZZT",side="bid"} 1');
    expect(eng.book(ZVZZT)?.restingOrderCount).toBe(2);
  });

  it('a replica with the metrics listener has the same state hash as one without (not part of the state)', () => {
    const a = replica(true);
    const b = replica(false);
    for (const c of commands) {
      a.eng.apply(c);
      b.eng.apply(c);
    }
    expect(stateHash(a.eng)).toBe(stateHash(b.eng));
    // Two replicas with metrics count the same (deterministic: counts only what apply reports).
    const c = replica(true);
    for (const x of commands) c.eng.apply(x);
    expect(c.metrics.render(c.eng)).toBe(a.metrics.render(a.eng));
  });
});
