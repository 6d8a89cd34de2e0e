import type { TradingSchedule } from '../phases/phases.js';
import type { InstrumentStatus, OrderType, Side, StpMode, TimeInForce } from './enums.js';

/**
 * Typed commands into the engine. Every command carries the log timestamp (ms) it was sequenced at;
 * the engine never reads a clock. Prices are integer ticks, quantities integer lots.
 * The engine never retains a command object, so callers may reuse them.
 */
export const CommandType = {
  NewOrder: 1,
  Cancel: 2,
  Replace: 3,
  MassCancel: 4,
  OrderStatus: 5,
  AddInstrument: 10,
  SetInstrumentStatus: 11,
  AddAccount: 12,
  SetRiskLimits: 13,
  SetCancelOnDisconnect: 14,
  SessionClosed: 15,
  /** Advances log time only (from a timer): expires Day/GTD orders whose deadline passed. */
  Tick: 16,
  SetTradingSchedule: 17,
} as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

export interface NewOrderCommand {
  type: typeof CommandType.NewOrder;
  timestampMs: number;
  accountId: number;
  /** Session that sent the order (cancel-on-disconnect scope); 0 if none. */
  sessionId: number;
  instrumentId: number;
  /** Client order id (FIX 11), at most CLORDID_LENGTH_MAX chars; '' if unused. Unique among the account's live orders. */
  clOrdId: string;
  side: Side;
  orderType: OrderType;
  tif: TimeInForce;
  /** Limit price in ticks (Limit, StopLimit); ignored for Market/Stop. */
  priceTicks: number;
  /** Trigger price in ticks (Stop, StopLimit). */
  stopPriceTicks: number;
  qtyLots: number;
  /** Iceberg display quantity in lots; 0 = fully displayed. */
  displayQtyLots: number;
  postOnly: boolean;
  /** GTD expiry (log time, ms); 0 otherwise. */
  expireAtMs: number;
}

/** Identifies a live order: by engine order id, or (if orderId is 0) by the account's client order id. */
export interface OrderRef {
  accountId: number;
  orderId: number;
  origClOrdId: string;
}

export interface CancelCommand extends OrderRef {
  type: typeof CommandType.Cancel;
  timestampMs: number;
  /** The cancel request's own ClOrdID (echoed). */
  clOrdId: string;
}

export interface ReplaceCommand extends OrderRef {
  type: typeof CommandType.Replace;
  timestampMs: number;
  /** New ClOrdID ('' keeps the old one). */
  clOrdId: string;
  /** New total order quantity (FIX OrderQty): leaves = qty - cumQty. */
  qtyLots: number;
  /** New limit price (ignored for Stop). */
  priceTicks: number;
  /** New stop price (Stop/StopLimit not yet triggered; ignored otherwise). */
  stopPriceTicks: number;
}

export interface MassCancelCommand {
  type: typeof CommandType.MassCancel;
  timestampMs: number;
  accountId: number;
  /** 0 = all instruments. */
  instrumentId: number;
  /** 0 = both sides. */
  side: Side | 0;
  clOrdId: string;
}

export interface OrderStatusCommand extends OrderRef {
  type: typeof CommandType.OrderStatus;
  timestampMs: number;
}

export interface AddInstrumentCommand {
  type: typeof CommandType.AddInstrument;
  timestampMs: number;
  instrumentId: number;
  symbol: string;
  /** Decimal strings, kept for display/parsing at the edge only. */
  tickSize: string;
  lotSize: string;
  minQtyLots: number;
  maxQtyLots: number;
  /** Reference price for the band until the first trade (then the last trade price is used). */
  refPriceTicks: number;
  /** Price band half-width in basis points of the reference price (1000 = 10%); 0 = no band. */
  bandBps: number;
  status: InstrumentStatus;
}

export interface SetInstrumentStatusCommand {
  type: typeof CommandType.SetInstrumentStatus;
  timestampMs: number;
  instrumentId: number;
  status: InstrumentStatus;
}

/** Pre-trade risk limits; 0 means unlimited. Notional in cash units (price ticks x lots). */
export interface RiskLimits {
  maxOrderQtyLots: number;
  maxOrderNotional: number;
  maxOpenOrders: number;
  /** Absolute position limit per instrument in lots, counting open orders on the same side. */
  maxPositionLots: number;
}

export interface AddAccountCommand extends RiskLimits {
  type: typeof CommandType.AddAccount;
  timestampMs: number;
  accountId: number;
  login: string;
  stpMode: StpMode;
}

export interface SetRiskLimitsCommand extends RiskLimits {
  type: typeof CommandType.SetRiskLimits;
  timestampMs: number;
  accountId: number;
  stpMode: StpMode;
}

export interface SetCancelOnDisconnectCommand {
  type: typeof CommandType.SetCancelOnDisconnect;
  timestampMs: number;
  sessionId: number;
  enabled: boolean;
}

export interface SessionClosedCommand {
  type: typeof CommandType.SessionClosed;
  timestampMs: number;
  sessionId: number;
}

/** Admin: an instrument's phase schedule and volatility interruption (see src/phases/). */
export interface SetTradingScheduleCommand {
  type: typeof CommandType.SetTradingSchedule;
  timestampMs: number;
  instrumentId: number;
  /** null: no schedule, continuous all day. */
  schedule: TradingSchedule | null;
  /** Volatility band around the last trade price in basis points; 0 = no interruption. */
  volBandBps: number;
  /** Volatility auction length (log ms), 1..VOL_AUCTION_MS_MAX when volBandBps > 0. */
  volAuctionMs: number;
}

export interface TickCommand {
  type: typeof CommandType.Tick;
  timestampMs: number;
}

export type Command =
  | NewOrderCommand
  | CancelCommand
  | ReplaceCommand
  | MassCancelCommand
  | OrderStatusCommand
  | AddInstrumentCommand
  | SetInstrumentStatusCommand
  | AddAccountCommand
  | SetRiskLimitsCommand
  | SetCancelOnDisconnectCommand
  | SessionClosedCommand
  | TickCommand
  | SetTradingScheduleCommand;

export const CLORDID_LENGTH_MAX = 32;
export const SYMBOL_LENGTH_MAX = 16;
export const LOGIN_LENGTH_MAX = 32;
