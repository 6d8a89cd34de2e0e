import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../src/history/history.js';
import { latencySvg } from '../src/report/plot.js';

describe('latency plot', () => {
  it('draws a long run (200 000 operations) with its faults, thinned to a bounded number of dots', () => {
    const events: HistoryEvent[] = [];
    const ops = 200_000;
    for (let i = 0; i < ops; i++) {
      const at = i * 3;
      events.push({
        type: 'invoke',
        process: i % 4,
        opId: i,
        timeMs: at,
        kind: 'new',
        clOrdId: `P${i % 4}-${i}`,
        origClOrdId: '',
        symbol: 'ZVZZT',
        side: 'buy',
        qty: 1,
        price: '100.00',
      });
      events.push({
        type: i % 1000 === 0 ? 'info' : 'ok',
        process: i % 4,
        opId: i,
        timeMs: at + 1 + (i % 50),
        orderId: String(i),
        ordStatus: '',
        cumQty: 0,
        text: '',
      });
      if (i === 50_000)
        events.push({ type: 'fault', timeMs: at, fault: 'kill-leader', nodes: [2], phase: 'start' });
      if (i === 51_000)
        events.push({ type: 'fault', timeMs: at, fault: 'kill-leader', nodes: [2], phase: 'stop' });
    }
    // Before: Math.max(...points) threw "Maximum call stack size exceeded" past ~120 000 points.
    const svg = latencySvg(events, 'long run');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('kill-leader 2'); // few faults: the band is labelled
    expect(svg).toContain('kill-leader (1)'); // and the legend names the kind
    const dots = svg.match(/<circle /g)?.length ?? 0;
    expect(dots).toBeGreaterThan(1_000);
    expect(dots).toBeLessThanOrEqual(20_000);
  });
});
