import { describe, expect, it } from 'vitest';
import { TrendWatch } from '../../../src/runtime/observe/trend.js';

const backlogOptions = { windowSamples: 5, risingFraction: 0.8, minRise: 100, minRatio: 1 };

function feed(w: TrendWatch, values: readonly number[]): (string | null)[] {
  return values.map((v) => w.push(v));
}

describe('TrendWatch: "keeps growing" over a window of injected samples', () => {
  it('starts once when a backlog rises steadily, and stops when it plateaus', () => {
    const w = new TrendWatch(backlogOptions);
    const changes = feed(w, [0, 50, 120, 200, 300, 420, 600]);
    // Window full at the 5th sample (0..300: 4 rises, +300): started there, and only there.
    expect(changes).toEqual([null, null, null, null, 'started', null, null]);
    expect(w.growing).toBe(true);
    expect(w.span).toEqual({ first: 120, last: 600, samples: 5 });
    // The first flat step leaves 3 rises out of 4 (< 80%): stopped at once, and stays so.
    const after = feed(w, [600, 600, 600]);
    expect(after).toEqual(['stopped', null, null]);
    expect(w.growing).toBe(false);
  });

  it('a single spike that drains is not a trend', () => {
    const w = new TrendWatch(backlogOptions);
    const changes = feed(w, [0, 0, 5000, 0, 0, 0, 0, 0, 0]);
    expect(changes.every((c) => c === null)).toBe(true);
    expect(w.growing).toBe(false);
  });

  it('a slow rise below the absolute threshold does not warn', () => {
    const w = new TrendWatch(backlogOptions);
    const changes = feed(w, [10, 20, 30, 40, 50, 60, 70, 80]);
    expect(changes.every((c) => c === null)).toBe(true);
  });

  it('a noisy rise passes with one step down out of five only when risingFraction allows it', () => {
    const values = [0, 200, 150, 400, 600, 800];
    const strict = new TrendWatch({ ...backlogOptions, windowSamples: 6, risingFraction: 1 });
    expect(feed(strict, values).includes('started')).toBe(false);
    const lenient = new TrendWatch({ ...backlogOptions, windowSamples: 6, risingFraction: 0.8 });
    expect(feed(lenient, values).at(-1)).toBe('started');
  });

  it('a relative rule for processing time: rising but not doubled is not a trend, doubled is', () => {
    const opts = { windowSamples: 4, risingFraction: 1, minRise: 0, minRatio: 2 };
    const slow = new TrendWatch(opts);
    expect(feed(slow, [10, 11, 12, 13]).includes('started')).toBe(false);
    const doubling = new TrendWatch(opts);
    expect(feed(doubling, [10, 14, 17, 21])).toEqual([null, null, null, 'started']);
  });

  it('missing measurements (NaN: no entries in the interval) are skipped, not counted as a drop', () => {
    const w = new TrendWatch({ windowSamples: 3, risingFraction: 1, minRise: 0, minRatio: 2 });
    expect(feed(w, [5, Number.NaN, 8, Number.NaN, 12])).toEqual([null, null, null, null, 'started']);
  });

  it('rejects nonsensical options with the name of the option', () => {
    expect(() => new TrendWatch({ ...backlogOptions, windowSamples: 2 })).toThrow(/windowSamples/);
    expect(() => new TrendWatch({ ...backlogOptions, risingFraction: 0 })).toThrow(/risingFraction/);
    expect(() => new TrendWatch({ ...backlogOptions, minRise: -1 })).toThrow(/minRise/);
    expect(() => new TrendWatch({ ...backlogOptions, minRatio: 0.5 })).toThrow(/minRatio/);
  });
});
