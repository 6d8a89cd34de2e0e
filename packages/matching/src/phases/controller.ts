import type { MatchingEngine } from '../engine/engine.js';
import type { Instrument } from '../instruments/instrument.js';
import { InstrumentStatus } from '../types/enums.js';
import {
  isCallPhase,
  lastBoundaryAtOrBefore,
  NO_DEADLINE_MS,
  nextBoundaryAfter,
  TradingPhase as P,
  scheduledPhaseAt,
  type TradingPhase,
  type TradingSchedule,
} from './phases.js';

/** Transitions processed one by one per instrument before a long log gap is skipped (> one day's 5). */
const STEPS_BEFORE_SKIP = 6;

/**
 * Drives the instruments' trading phases by log time. The engine calls `advance()` at the start
 * of every command whose log time reached `deadlineMs` (one comparison per command otherwise) and
 * schedules its log timer at `deadlineMs` (through `nextDeadlineMs`), so transitions happen at the
 * first log entry at or after each boundary: an entry at boundary - 1 ms is applied in the old
 * phase, an entry at the boundary in the new one.
 *
 * Entering a phase that is neither a call nor Halted (Continuous, Closed) uncrosses the book if it
 * is crossed: that is the opening, closing, volatility and post-halt auction. Entering Closed then
 * expires the instrument's Day (and due GTD) orders. Instruments are processed in definition order,
 * each one's transitions in time order.
 */
export class TradingController {
  /** Earliest deadline over all instruments (NO_DEADLINE_MS if none). */
  deadlineMs = NO_DEADLINE_MS;

  constructor(private readonly eng: MatchingEngine) {}

  recompute(): void {
    let d = NO_DEADLINE_MS;
    for (const inst of this.eng.instrumentList) {
      const x = inst.trading.deadlineMs();
      if (x < d) d = x;
    }
    this.deadlineMs = d;
  }

  /** Runs every transition due at the engine's log time. */
  advance(): void {
    const now = this.eng.nowMs;
    for (const inst of this.eng.instrumentList) {
      const t = inst.trading;
      let steps = 0;
      while (t.deadlineMs() <= now) {
        steps++;
        if (steps > STEPS_BEFORE_SKIP && t.schedule !== null && t.nextBoundaryMs <= now) {
          // A log gap of more than a day: a full cycle ran already (book uncrossed, Day orders
          // gone), so jump to the last boundary before now instead of replaying every day.
          t.nextBoundaryMs = lastBoundaryAtOrBefore(t.schedule, now);
        }
        if (steps > STEPS_BEFORE_SKIP + 2) throw new Error('invariant: phase transitions do not converge');
        if (t.nextBoundaryMs <= t.volAuctionEndMs) this.boundary(inst, t.nextBoundaryMs);
        else this.volatilityAuctionEnd(inst);
      }
    }
    this.recompute();
  }

  private boundary(inst: Instrument, atMs: number): void {
    const t = inst.trading;
    const s = t.schedule!;
    const sched = scheduledPhaseAt(s, atMs);
    t.nextBoundaryMs = nextBoundaryAfter(s, atMs);
    t.scheduled = sched;
    if (t.phase === P.Halted) {
      // A halt outlasts the schedule, but the session still ends: Day orders expire at close.
      if (sched === P.Closed) this.eng.expireOrdersDue(inst, atMs);
      return;
    }
    this.enter(inst, sched, atMs);
  }

  private volatilityAuctionEnd(inst: Instrument): void {
    const t = inst.trading;
    const end = t.volAuctionEndMs;
    t.volAuctionEndMs = NO_DEADLINE_MS;
    if (t.phase === P.VolatilityAuction) this.enter(inst, t.scheduled, end);
  }

  /** Moves to `target` with the actions of the transition (see the class comment). */
  private enter(inst: Instrument, target: TradingPhase, atMs: number): void {
    const t = inst.trading;
    const from = t.phase;
    if (from === P.VolatilityAuction && target !== P.VolatilityAuction) t.volAuctionEndMs = NO_DEADLINE_MS;
    t.phase = target;
    inst.status = target === P.Halted ? InstrumentStatus.Halted : InstrumentStatus.Open;
    if (from !== target) this.eng.emitPhaseChanged(inst);
    if (target === P.Halted || isCallPhase(target)) return;
    this.eng.uncross(inst);
    if (target === P.Closed) {
      if (from !== P.Closed) this.eng.expireOrdersDue(inst, atMs);
    } else {
      this.eng.runStopsAfterPhase(inst);
    }
  }

  /** A trade would print outside the volatility band: call a short auction instead. */
  startVolatilityAuction(inst: Instrument): void {
    const t = inst.trading;
    t.volAuctionEndMs = this.eng.nowMs + t.volAuctionMs;
    this.enter(inst, P.VolatilityAuction, this.eng.nowMs);
    if (t.volAuctionEndMs < this.deadlineMs) this.deadlineMs = t.volAuctionEndMs;
  }

  /** Admin halt (SetInstrumentStatus Halted): orders rejected, cancels allowed, no uncross. */
  halt(inst: Instrument): void {
    inst.trading.volAuctionEndMs = NO_DEADLINE_MS;
    this.enter(inst, P.Halted, this.eng.nowMs);
    this.recompute();
  }

  /** Admin resume: back to the phase the schedule gives now (uncrossing if that is Continuous). */
  resume(inst: Instrument): void {
    const t = inst.trading;
    if (t.phase === P.Halted)
      this.enter(inst, t.schedule === null ? P.Continuous : t.scheduled, this.eng.nowMs);
    this.recompute();
  }

  /** Admin SetTradingSchedule: takes effect at once, as if the schedule had always been in force. */
  setSchedule(
    inst: Instrument,
    schedule: TradingSchedule | null,
    volBandBps: number,
    volAuctionMs: number,
  ): void {
    const t = inst.trading;
    const now = this.eng.nowMs;
    t.schedule = schedule === null ? null : { ...schedule };
    t.volBandBps = volBandBps;
    t.volAuctionMs = volAuctionMs;
    if (schedule === null) {
      t.scheduled = P.Continuous;
      t.nextBoundaryMs = NO_DEADLINE_MS;
    } else {
      t.scheduled = scheduledPhaseAt(schedule, now);
      t.nextBoundaryMs = nextBoundaryAfter(schedule, now);
    }
    const keepVolAuction = t.phase === P.VolatilityAuction && t.scheduled === P.Continuous;
    if (t.phase !== P.Halted && !keepVolAuction) this.enter(inst, t.scheduled, now);
    this.recompute();
  }
}
