/**
 * Matching counters for `/metrics`: an EventSink listener (MatchingService.addListener) that counts
 * what the engine reports while entries are applied. Plain integer counters updated on apply: the
 * same on every replica that applied the same entries, but NOT part of the state hash or the
 * snapshot (they count what THIS process applied since it started, as Prometheus counters do).
 * Book depth and resting orders are read from the engine when rendered, between entries.
 */

import type { MatchingEngine } from '../engine/engine.js';
import type { AdminEvent, EventSink, ExecutionEvent, MassCancelEvent, TradeEvent } from '../events/events.js';
import { ExecType, Side } from '../types/enums.js';
import { Reason } from '../types/reasons.js';

const REASON_NAMES = new Map<number, string>(Object.entries(Reason).map(([name, code]) => [code, name]));
const EXEC_TYPE_NAMES = new Map<number, string>(
  Object.entries(ExecType).map(([name, code]) => [code, name.toLowerCase()]),
);

/** Prometheus label value: backslash, quote and newline escaped. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class MatchingMetrics implements EventSink {
  /** ExecutionReports by ExecType code. */
  private readonly execReports = new Map<number, number>();
  /** Rejects by reason code. */
  private readonly rejects = new Map<number, number>();
  private tradesTotal = 0;
  private tradedLotsTotal = 0;
  private massCancels = 0;

  onExecution(e: ExecutionEvent): void {
    this.execReports.set(e.execType, (this.execReports.get(e.execType) ?? 0) + 1);
    if (e.execType === ExecType.Rejected) this.rejects.set(e.reason, (this.rejects.get(e.reason) ?? 0) + 1);
  }

  onTrade(t: TradeEvent): void {
    this.tradesTotal += 1;
    this.tradedLotsTotal += t.qtyLots;
  }

  onMassCancel(_m: MassCancelEvent): void {
    this.massCancels += 1;
  }

  onAdmin(_a: AdminEvent): void {}

  /** Orders accepted (ExecutionReport New). */
  get ordersAccepted(): number {
    return this.execReports.get(ExecType.New) ?? 0;
  }

  get trades(): number {
    return this.tradesTotal;
  }

  /** Rejects of one reason (for tests and the panel). */
  rejectsOf(reason: Reason): number {
    return this.rejects.get(reason) ?? 0;
  }

  /** Prometheus text: counters, then the book read from `engine` (omit it when there is none). */
  render(engine: MatchingEngine | undefined): string {
    const lines: string[] = [
      '# HELP venue_matching_orders_accepted_total Orders accepted (ExecutionReport New)',
      '# TYPE venue_matching_orders_accepted_total counter',
      `venue_matching_orders_accepted_total ${this.ordersAccepted}`,
      '# HELP venue_matching_trades_total Trades (one per maker/taker match)',
      '# TYPE venue_matching_trades_total counter',
      `venue_matching_trades_total ${this.tradesTotal}`,
      '# HELP venue_matching_traded_lots_total Quantity traded, in lots',
      '# TYPE venue_matching_traded_lots_total counter',
      `venue_matching_traded_lots_total ${this.tradedLotsTotal}`,
      '# HELP venue_matching_mass_cancels_total Mass cancel requests answered',
      '# TYPE venue_matching_mass_cancels_total counter',
      `venue_matching_mass_cancels_total ${this.massCancels}`,
      '# HELP venue_matching_rejects_total Rejected requests by reason',
      '# TYPE venue_matching_rejects_total counter',
    ];
    for (const code of [...this.rejects.keys()].sort((a, b) => a - b)) {
      const name = REASON_NAMES.get(code) ?? `reason${code}`;
      lines.push(`venue_matching_rejects_total{reason="${label(name)}"} ${this.rejects.get(code)}`);
    }
    lines.push(
      '# HELP venue_matching_execution_reports_total Execution reports by ExecType',
      '# TYPE venue_matching_execution_reports_total counter',
    );
    for (const code of [...this.execReports.keys()].sort((a, b) => a - b)) {
      const name = EXEC_TYPE_NAMES.get(code) ?? `type${code}`;
      lines.push(`venue_matching_execution_reports_total{exec_type="${name}"} ${this.execReports.get(code)}`);
    }
    if (engine !== undefined) {
      lines.push(
        '# HELP venue_matching_live_orders Live orders (resting and untriggered stops)',
        '# TYPE venue_matching_live_orders gauge',
        `venue_matching_live_orders ${engine.liveOrderCount}`,
        '# HELP venue_matching_resting_orders Orders resting in the book, per instrument',
        '# TYPE venue_matching_resting_orders gauge',
      );
      const depth: string[] = [
        '# HELP venue_matching_book_levels Price levels in the book, per instrument and side',
        '# TYPE venue_matching_book_levels gauge',
      ];
      for (const id of engine.instrumentIds()) {
        const book = engine.book(id);
        const symbol = label(engine.instrument(id)?.symbol ?? String(id));
        if (book === undefined) continue;
        lines.push(`venue_matching_resting_orders{symbol="${symbol}"} ${book.restingOrderCount}`);
        depth.push(`venue_matching_book_levels{symbol="${symbol}",side="bid"} ${book.depth(Side.Buy)}`);
        depth.push(`venue_matching_book_levels{symbol="${symbol}",side="ask"} ${book.depth(Side.Sell)}`);
      }
      lines.push(...depth);
    }
    return lines.join('\n');
  }
}
