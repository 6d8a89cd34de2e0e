import type { CommandKind, ExecType, OrderType, OrdStatus, Side, TimeInForce } from '../types/enums.js';
import type { Reason } from '../types/reasons.js';

/**
 * An execution report, shaped after FIX 8. The engine reuses ONE instance for every report (no
 * allocation on the hot path): a sink must copy what it keeps before returning.
 *
 * Average price is exact: avgPx (ticks) = cumNotional / cumQtyLots. Notional is in cash units
 * (price ticks x lots).
 */
export class ExecutionEvent {
  execType: ExecType = 0x30;
  ordStatus: OrdStatus = 0x30;
  /** Engine-wide counter, +1 per report. */
  execId = 0;
  /** Engine order id (0 when a new order is rejected). */
  orderId = 0;
  clOrdId = '';
  /** Previous ClOrdID on Replaced/Canceled when the request carried a new one ('' otherwise). */
  origClOrdId = '';
  accountId = 0;
  /** Session that entered the order (0 if unknown, e.g. on rejects of cancels): where the report goes. */
  sessionId = 0;
  instrumentId = 0;
  side = 0 as Side | 0;
  orderType = 0 as OrderType | 0;
  tif = 0 as TimeInForce;
  priceTicks = 0;
  stopPriceTicks = 0;
  orderQtyLots = 0;
  displayQtyLots = 0;
  lastPxTicks = 0;
  lastQtyLots = 0;
  cumQtyLots = 0;
  leavesQtyLots = 0;
  cumNotional = 0;
  /** Trade id on Trade reports, else 0. */
  tradeId = 0;
  /** On Trade reports: true if this order was the aggressor (taker). */
  aggressor = false;
  reason: Reason = 0;
  text = '';
  /** On Rejected: which command was rejected. */
  rejectedCommand = 0 as CommandKind | 0;
  timestampMs = 0;
}

/** A trade print. Reused like ExecutionEvent. */
export class TradeEvent {
  tradeId = 0;
  instrumentId = 0;
  priceTicks = 0;
  qtyLots = 0;
  aggressorSide = 0 as Side | 0;
  makerOrderId = 0;
  takerOrderId = 0;
  makerAccountId = 0;
  takerAccountId = 0;
  makerSessionId = 0;
  takerSessionId = 0;
  timestampMs = 0;
}

/** Result of a mass cancel (FIX OrderMassCancelReport). */
export class MassCancelEvent {
  accountId = 0;
  instrumentId = 0;
  side = 0 as Side | 0;
  clOrdId = '';
  canceledCount = 0;
  timestampMs = 0;
}

export const AdminEventKind = {
  InstrumentAdded: 1,
  InstrumentStatusChanged: 2,
  AccountAdded: 3,
  RiskLimitsChanged: 4,
  CancelOnDisconnectSet: 5,
  /** An instrument's trading phase changed (id = instrument); read it from `engine.instrument(id).phase`. */
  TradingPhaseChanged: 6,
  TradingScheduleSet: 7,
} as const;
export type AdminEventKind = (typeof AdminEventKind)[keyof typeof AdminEventKind];

/** Successful admin command (a rejected one is an ExecutionEvent with rejectedCommand Admin). */
export class AdminEvent {
  kind = 0 as AdminEventKind | 0;
  /** Instrument id, account id or session id, by kind. */
  id = 0;
  timestampMs = 0;
}

export interface EventSink {
  onExecution(e: ExecutionEvent): void;
  onTrade(t: TradeEvent): void;
  onMassCancel(m: MassCancelEvent): void;
  onAdmin(a: AdminEvent): void;
}

/** A sink that drops everything (benchmarks, replay without output). */
export class NullSink implements EventSink {
  onExecution(_e: ExecutionEvent): void {}
  onTrade(_t: TradeEvent): void {}
  onMassCancel(_m: MassCancelEvent): void {}
  onAdmin(_a: AdminEvent): void {}
}

export type ExecutionRecord = { readonly type: 'execution' } & Readonly<ExecutionEvent>;
export type TradeRecord = { readonly type: 'trade' } & Readonly<TradeEvent>;
export type MassCancelRecord = { readonly type: 'massCancel' } & Readonly<MassCancelEvent>;
export type AdminRecord = { readonly type: 'admin' } & Readonly<AdminEvent>;
export type EventRecord = ExecutionRecord | TradeRecord | MassCancelRecord | AdminRecord;

/** Copies every event into a plain object (tests, tools; allocates). */
export class RecordingSink implements EventSink {
  readonly events: EventRecord[] = [];
  onExecution(e: ExecutionEvent): void {
    this.events.push({ type: 'execution', ...e });
  }
  onTrade(t: TradeEvent): void {
    this.events.push({ type: 'trade', ...t });
  }
  onMassCancel(m: MassCancelEvent): void {
    this.events.push({ type: 'massCancel', ...m });
  }
  onAdmin(a: AdminEvent): void {
    this.events.push({ type: 'admin', ...a });
  }
  clear(): void {
    this.events.length = 0;
  }
}
