/**
 * Trading phases of one instrument. Values follow FIX TradingSessionSubID (625) where FIX has the
 * concept: 1 pre-trading, 2 opening auction, 3 continuous, 4 closing auction, 5 post-trading
 * (closed), 6 intraday auction (our volatility interruption); 7 (halted) is ours.
 */
export const TradingPhase = {
  PreOpen: 1,
  OpeningAuction: 2,
  Continuous: 3,
  ClosingAuction: 4,
  Closed: 5,
  VolatilityAuction: 6,
  Halted: 7,
} as const;
export type TradingPhase = (typeof TradingPhase)[keyof typeof TradingPhase];

const DAY_MS = 86_400_000;
/** Longest volatility auction an instrument may configure (one hour). */
export const VOL_AUCTION_MS_MAX = 3_600_000;
/** "No deadline" (larger than any log time). */
export const NO_DEADLINE_MS = Number.MAX_SAFE_INTEGER;

/** Call phases: orders are accepted, nothing matches; leaving one for a non-call phase uncrosses. */
export function isCallPhase(p: number): boolean {
  return (
    p === TradingPhase.PreOpen ||
    p === TradingPhase.OpeningAuction ||
    p === TradingPhase.ClosingAuction ||
    p === TradingPhase.VolatilityAuction
  );
}

/** Phases that publish an indicative uncross price (PreOpen does not: its book is closed). */
export function publishesIndicative(p: number): boolean {
  return (
    p === TradingPhase.OpeningAuction ||
    p === TradingPhase.ClosingAuction ||
    p === TradingPhase.VolatilityAuction
  );
}

/**
 * A daily schedule: five boundaries as ms after 00:00 UTC, non-decreasing, all < 24 h.
 * [0, preOpen) closed, [preOpen, openingAuction) pre-open, [openingAuction, continuous) opening
 * auction call, [continuous, closingAuction) continuous (the opening uncross happens at
 * `continuousMs`), [closingAuction, close) closing auction call, [close, 24 h) closed (the closing
 * uncross and the Day-order expiry happen at `closeMs`). Equal boundaries skip a phase.
 */
export interface TradingSchedule {
  preOpenMs: number;
  openingAuctionMs: number;
  continuousMs: number;
  closingAuctionMs: number;
  closeMs: number;
}

export function validSchedule(s: TradingSchedule): boolean {
  const b = [s.preOpenMs, s.openingAuctionMs, s.continuousMs, s.closingAuctionMs, s.closeMs];
  for (let i = 0; i < b.length; i++) {
    const v = b[i]!;
    if (!Number.isSafeInteger(v) || v < 0 || v >= DAY_MS) return false;
    if (i > 0 && v < b[i - 1]!) return false;
  }
  return true;
}

/** The phase the schedule gives at log time `tMs` (halts and volatility auctions aside). */
export function scheduledPhaseAt(s: TradingSchedule, tMs: number): TradingPhase {
  const t = tMs % DAY_MS;
  if (t >= s.closeMs) return TradingPhase.Closed;
  if (t >= s.closingAuctionMs) return TradingPhase.ClosingAuction;
  if (t >= s.continuousMs) return TradingPhase.Continuous;
  if (t >= s.openingAuctionMs) return TradingPhase.OpeningAuction;
  if (t >= s.preOpenMs) return TradingPhase.PreOpen;
  return TradingPhase.Closed;
}

/** First boundary strictly after `tMs` (absolute log ms). */
export function nextBoundaryAfter(s: TradingSchedule, tMs: number): number {
  const day = tMs - (tMs % DAY_MS);
  const t = tMs - day;
  const b = [s.preOpenMs, s.openingAuctionMs, s.continuousMs, s.closingAuctionMs, s.closeMs];
  for (const v of b) if (v > t) return day + v;
  return day + DAY_MS + s.preOpenMs;
}

/** Last boundary at or before `tMs` (absolute log ms). */
export function lastBoundaryAtOrBefore(s: TradingSchedule, tMs: number): number {
  const day = tMs - (tMs % DAY_MS);
  const t = tMs - day;
  const b = [s.closeMs, s.closingAuctionMs, s.continuousMs, s.openingAuctionMs, s.preOpenMs];
  for (const v of b) if (v <= t) return day + v;
  return day - DAY_MS + s.closeMs;
}

/** First close boundary strictly after `tMs`: when a Day order entered at `tMs` expires. */
export function nextCloseAfter(s: TradingSchedule, tMs: number): number {
  const day = tMs - (tMs % DAY_MS);
  const c = day + s.closeMs;
  return c > tMs ? c : c + DAY_MS;
}

/**
 * Per-instrument trading state (part of the snapshot and so of the state hash).
 * `scheduled` is what the schedule says now; `phase` is the effective phase (it differs while
 * halted or in a volatility auction).
 */
export class TradingState {
  phase: TradingPhase = TradingPhase.Continuous;
  scheduled: TradingPhase = TradingPhase.Continuous;
  /** null: no schedule, continuous all day (the default: the demo instruments). */
  schedule: TradingSchedule | null = null;
  /** Absolute log ms of the next schedule boundary; NO_DEADLINE_MS without a schedule. */
  nextBoundaryMs = NO_DEADLINE_MS;
  /** Volatility interruption: band around the last trade price in basis points; 0 = off. */
  volBandBps = 0;
  /** Length of a volatility auction (ms of log time). */
  volAuctionMs = 0;
  /** End of the running volatility auction (absolute log ms); NO_DEADLINE_MS if none. */
  volAuctionEndMs = NO_DEADLINE_MS;

  /** Earliest pending deadline of this instrument. */
  deadlineMs(): number {
    return Math.min(this.nextBoundaryMs, this.volAuctionEndMs);
  }
}
