import { findUncross } from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Lv = [price: number, qty: number];

/** Brute force: every integer tick from the lowest to the highest book price, the rule spelled out. */
function bruteForce(bids: Lv[], asks: Lv[], ref: number) {
  const prices = [...bids, ...asks].map((l) => l[0]);
  if (prices.length === 0) return null;
  let best: { priceTicks: number; volumeLots: number; surplusLots: number } | null = null;
  for (let p = Math.min(...prices); p <= Math.max(...prices); p++) {
    const d = bids.filter((l) => l[0] >= p).reduce((s, l) => s + l[1], 0);
    const s = asks.filter((l) => l[0] <= p).reduce((a, l) => a + l[1], 0);
    const v = Math.min(d, s);
    if (v === 0) continue;
    const c = { priceTicks: p, volumeLots: v, surplusLots: d - s };
    if (best === null) {
      best = c;
      continue;
    }
    const key = (x: typeof c) => [
      -x.volumeLots,
      Math.abs(x.surplusLots),
      Math.abs(x.priceTicks - ref),
      -x.priceTicks,
    ];
    const a = key(c);
    const b = key(best);
    for (let k = 0; k < a.length; k++) {
      if (a[k]! !== b[k]!) {
        if (a[k]! < b[k]!) best = c;
        break;
      }
    }
  }
  return best;
}

function run(bids: Lv[], asks: Lv[], ref: number) {
  const b = [...bids].sort((x, y) => y[0] - x[0]);
  const a = [...asks].sort((x, y) => x[0] - y[0]);
  return findUncross(
    b.map((l) => l[0]),
    b.map((l) => l[1]),
    b.length,
    a.map((l) => l[0]),
    a.map((l) => l[1]),
    a.length,
    ref,
  );
}

/** Distinct prices per side (a side has one level per price). */
const side = (lo: number, hi: number) =>
  fc.uniqueArray(fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: 1, max: 50 })), {
    maxLength: 12,
    selector: (l) => l[0],
  });

describe('findUncross', () => {
  it('matches the brute force over every tick on random books (property)', () => {
    fc.assert(
      fc.property(side(90, 130), side(80, 120), fc.integer({ min: 60, max: 150 }), (bids, asks, ref) => {
        expect(run(bids, asks, ref)).toEqual(bruteForce(bids, asks, ref));
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches the brute force on narrow books with many ties (property)', () => {
    fc.assert(
      fc.property(side(98, 104), side(97, 103), fc.integer({ min: 95, max: 106 }), (bids, asks, ref) => {
        expect(run(bids, asks, ref)).toEqual(bruteForce(bids, asks, ref));
      }),
      { numRuns: 2_000 },
    );
  });

  it('no uncross when the book does not cross or a side is empty', () => {
    expect(run([[99, 5]], [[100, 5]], 100)).toBeNull();
    expect(run([[99, 5]], [], 100)).toBeNull();
    expect(run([], [[99, 5]], 100)).toBeNull();
  });

  it('1. maximum volume wins over everything else', () => {
    // At 100: D = 10 + 5 = 15? bids 101x10, 100x5; asks 99x8, 100x7. V(100) = min(15, 15) = 15.
    // At 101: D = 10, S = 15 -> V 10. At 99: D = 15, S = 8 -> V 8. Reference far away at 150.
    expect(
      run(
        [
          [101, 10],
          [100, 5],
        ],
        [
          [99, 8],
          [100, 7],
        ],
        150,
      ),
    ).toEqual({
      priceTicks: 100,
      volumeLots: 15,
      surplusLots: 0,
    });
  });

  it('2. same volume: minimum surplus wins over the reference price', () => {
    // bids 102x10, 100x4; asks 100x10.
    // 100: D 14, S 10, V 10, I +4.  101/102: D 10, S 10, V 10, I 0 -> the surplus decides.
    // Reference 100 would prefer 100, but |I| 0 beats it; then 101 is closest to the reference.
    expect(
      run(
        [
          [102, 10],
          [100, 4],
        ],
        [[100, 10]],
        100,
      ),
    ).toEqual({
      priceTicks: 101,
      volumeLots: 10,
      surplusLots: 0,
    });
  });

  it('3. same volume and surplus: closest to the reference, also between book prices', () => {
    // bids 110x5, asks 90x5: every price in [90, 110] gives V 5, I 0.
    expect(run([[110, 5]], [[90, 5]], 103)).toEqual({ priceTicks: 103, volumeLots: 5, surplusLots: 0 });
    // Reference above the range: the highest price of the range; below: the lowest.
    expect(run([[110, 5]], [[90, 5]], 200)?.priceTicks).toBe(110);
    expect(run([[110, 5]], [[90, 5]], 10)?.priceTicks).toBe(90);
  });

  it('rules 1-3 always leave a single price (rule 4 never decides; property)', () => {
    // V(p) is quasi-concave and the surplus D - S decreases with p, so two prices equally far
    // from the reference on either side can never both be optimal: the price between them is at
    // least as good. The brute force checks it: after rules 1-3 exactly one price remains.
    fc.assert(
      fc.property(side(95, 105), side(95, 105), fc.integer({ min: 93, max: 107 }), (bids, asks, ref) => {
        const best = bruteForce(bids, asks, ref);
        if (best === null) return;
        let tied = 0;
        for (let p = 90; p <= 110; p++) {
          const d = bids.filter((l) => l[0] >= p).reduce((s, l) => s + l[1], 0);
          const s = asks.filter((l) => l[0] <= p).reduce((a, l) => a + l[1], 0);
          if (
            Math.min(d, s) === best.volumeLots &&
            Math.abs(d - s) === Math.abs(best.surplusLots) &&
            Math.abs(p - ref) === Math.abs(best.priceTicks - ref)
          ) {
            tied++;
          }
        }
        expect(tied).toBe(1);
      }),
      { numRuns: 1_000 },
    );
  });
});
