/**
 * Auction price determination (the "uncross"): one price for the whole call book.
 *
 * Inputs are aggregated price levels, quantities in lots including iceberg reserve:
 * bids best (highest) first, asks best (lowest) first, each price at most once per side.
 * For a price p: demand D(p) = bid lots priced >= p, supply S(p) = ask lots priced <= p,
 * executable volume V(p) = min(D, S), surplus (imbalance) I(p) = D - S (> 0: buy surplus).
 *
 * The rule, applied over EVERY integer tick (not only the prices in the book), in order:
 *  1. maximum executable volume V;
 *  2. minimum absolute surplus |I|;
 *  3. closest to the reference price (last trade, else the instrument's reference price);
 *  4. the higher price. With integer ticks this never decides: V is quasi-concave and D - S
 *     falls as p rises, so of two prices equally far from the reference on either side, the
 *     reference itself (between them) is at least as good; rule 4 only makes the order total
 *     (test/uncross.test.ts checks that rules 1-3 always leave one price).
 * No uncross when the book does not cross (max V = 0).
 *
 * This follows the auction rules published by Xetra/Eurex and Euronext (maximum volume, minimum
 * surplus, then the reference price), without their "market pressure" step, which the issue does
 * not ask for. Between two consecutive book prices D and S are constant, so each gap is one
 * candidate: the tick of the gap closest to the reference. O(levels); no allocation besides the
 * result.
 */
export interface UncrossResult {
  priceTicks: number;
  volumeLots: number;
  /** D - S at the price: > 0 buy surplus, < 0 sell surplus. */
  surplusLots: number;
}

function better(
  v: number,
  absI: number,
  dist: number,
  px: number,
  bv: number,
  bAbsI: number,
  bDist: number,
  bPx: number,
): boolean {
  if (v !== bv) return v > bv;
  if (absI !== bAbsI) return absI < bAbsI;
  if (dist !== bDist) return dist < bDist;
  return px > bPx;
}

/**
 * Finds the uncross price. `bidPx/bidQty` descending by price, `askPx/askQty` ascending; the
 * first `nBids`/`nAsks` entries are used. Returns null if nothing would trade.
 */
export function findUncross(
  bidPx: ArrayLike<number>,
  bidQty: ArrayLike<number>,
  nBids: number,
  askPx: ArrayLike<number>,
  askQty: ArrayLike<number>,
  nAsks: number,
  refPxTicks: number,
): UncrossResult | null {
  if (nBids === 0 || nAsks === 0) return null;
  // Not crossed: nothing trades at any price.
  if (bidPx[0]! < askPx[0]!) return null;
  // Only prices in [best ask, best bid] can have V > 0. Walk them ascending, merging the ask
  // prices (ascending) with the bid prices (descending array read backwards).
  const lo = askPx[0]!;
  const hi = bidPx[0]!;
  let totalBids = 0;
  for (let i = 0; i < nBids; i++) totalBids += bidQty[i]!;
  // bi: index of the lowest bid price not yet passed (bids below lo have D contribution removed).
  let bi = nBids - 1;
  let demand = totalBids; // bid lots priced >= current p
  while (bi >= 0 && bidPx[bi]! < lo) {
    demand -= bidQty[bi]!;
    bi--;
  }
  let ai = 0;
  let supply = 0; // ask lots priced <= current p
  let bestV = -1;
  let bestAbsI = 0;
  let bestDist = 0;
  let bestPx = 0;
  let prev = -1; // previous book price visited (within [lo, hi])
  let prevSupply = 0;
  for (;;) {
    // Next book price >= lo: the smaller of the next ask price and the next bid price.
    const nextAsk = ai < nAsks ? askPx[ai]! : Number.POSITIVE_INFINITY;
    const nextBid = bi >= 0 ? bidPx[bi]! : Number.POSITIVE_INFINITY;
    const p = Math.min(nextAsk, nextBid);
    if (p > hi) break;
    // The gap (prev, p): D = demand at p (bids >= p), S = supply at prev.
    if (prev >= 0 && p - prev >= 2) {
      const ref = refPxTicks;
      const g = ref <= prev ? prev + 1 : ref >= p ? p - 1 : ref;
      const v = Math.min(demand, prevSupply);
      const i = demand - prevSupply;
      const absI = i < 0 ? -i : i;
      const dist = g > ref ? g - ref : ref - g;
      if (better(v, absI, dist, g, bestV, bestAbsI, bestDist, bestPx)) {
        bestV = v;
        bestAbsI = absI;
        bestDist = dist;
        bestPx = g;
      }
    }
    while (ai < nAsks && askPx[ai]! === p) supply += askQty[ai++]!;
    const dAt = demand; // bids >= p (bids at p still included)
    const v = Math.min(dAt, supply);
    const i = dAt - supply;
    const absI = i < 0 ? -i : i;
    const dist = p > refPxTicks ? p - refPxTicks : refPxTicks - p;
    if (better(v, absI, dist, p, bestV, bestAbsI, bestDist, bestPx)) {
      bestV = v;
      bestAbsI = absI;
      bestDist = dist;
      bestPx = p;
    }
    while (bi >= 0 && bidPx[bi]! === p) demand -= bidQty[bi--]!;
    prev = p;
    prevSupply = supply;
  }
  if (bestV <= 0) return null;
  // Recompute the signed surplus at the chosen price (the loop kept only its absolute value).
  let d = 0;
  for (let k = 0; k < nBids && bidPx[k]! >= bestPx; k++) d += bidQty[k]!;
  let s = 0;
  for (let k = 0; k < nAsks && askPx[k]! <= bestPx; k++) s += askQty[k]!;
  return { priceTicks: bestPx, volumeLots: Math.min(d, s), surplusLots: d - s };
}
