/**
 * Reason codes carried by rejects (ExecType Rejected) and by unsolicited cancels/expiries.
 * Codes are stable wire values (SBE `reasonCode`); texts are constant strings (no allocation).
 */
export const Reason = {
  None: 0,
  // Rejects (1..39)
  UnknownInstrument: 1,
  InstrumentHalted: 2,
  UnknownAccount: 3,
  InvalidSide: 4,
  InvalidOrderType: 5,
  InvalidTimeInForce: 6,
  InvalidQuantity: 7,
  QuantityBelowMin: 8,
  QuantityAboveMax: 9,
  InvalidPrice: 10,
  PriceOutsideBand: 11,
  InvalidStopPrice: 12,
  InvalidDisplayQuantity: 13,
  InvalidExpireTime: 14,
  PostOnlyWouldTake: 15,
  RiskMaxOrderQty: 16,
  RiskMaxNotional: 17,
  RiskMaxOpenOrders: 18,
  RiskPositionLimit: 19,
  UnknownOrder: 20,
  DuplicateClOrdId: 21,
  InvalidInstrumentDefinition: 22,
  DuplicateInstrument: 23,
  DuplicateAccount: 24,
  CapacityExceeded: 25,
  InvalidCommand: 26,
  CashLimit: 27,
  InvalidRiskLimits: 28,
  /** Service level: the session's principal may not send admin commands. */
  NotAuthorized: 29,
  /** The instrument's trading phase is Closed (outside its schedule). */
  InstrumentClosed: 30,
  /** Market, IOC, FOK and post-only orders are not accepted during an auction call. */
  NotAllowedInPhase: 31,
  InvalidTradingSchedule: 32,
  /** A replace's new total quantity is not above the quantity already filled (CumQty). */
  ReplaceQtyNotAboveCumQty: 33,
  // Unsolicited cancels / expiries (40..)
  CanceledByUser: 40,
  IocRemainder: 41,
  FokNotFillable: 42,
  MarketRemainder: 43,
  SelfTradePrevention: 44,
  MassCancel: 45,
  CancelOnDisconnect: 46,
  DayExpired: 47,
  GtdExpired: 48,
  StpDecrement: 49,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

const TEXTS: Record<Reason, string> = {
  [Reason.None]: '',
  [Reason.UnknownInstrument]: 'unknown instrument',
  [Reason.InstrumentHalted]: 'instrument halted',
  [Reason.UnknownAccount]: 'unknown account',
  [Reason.InvalidSide]: 'invalid side',
  [Reason.InvalidOrderType]: 'invalid order type or order type/flag combination',
  [Reason.InvalidTimeInForce]: 'invalid time in force for this order type',
  [Reason.InvalidQuantity]: 'quantity must be a positive integer number of lots',
  [Reason.QuantityBelowMin]: 'quantity below instrument minimum',
  [Reason.QuantityAboveMax]: 'quantity above instrument maximum',
  [Reason.InvalidPrice]: 'price must be a positive integer number of ticks',
  [Reason.PriceOutsideBand]: 'price outside the price band',
  [Reason.InvalidStopPrice]: 'stop price invalid or already triggered by the last trade price',
  [Reason.InvalidDisplayQuantity]: 'display quantity must be positive and below the order quantity',
  [Reason.InvalidExpireTime]: 'GTD expire time must be in the future',
  [Reason.PostOnlyWouldTake]: 'post-only order would take liquidity',
  [Reason.RiskMaxOrderQty]: 'risk: order quantity above account limit',
  [Reason.RiskMaxNotional]: 'risk: order notional above account limit',
  [Reason.RiskMaxOpenOrders]: 'risk: too many open orders',
  [Reason.RiskPositionLimit]: 'risk: position limit would be exceeded',
  [Reason.UnknownOrder]: 'unknown order',
  [Reason.DuplicateClOrdId]: 'duplicate ClOrdID on a live order',
  [Reason.InvalidInstrumentDefinition]: 'invalid instrument definition',
  [Reason.DuplicateInstrument]: 'instrument id or symbol already defined',
  [Reason.DuplicateAccount]: 'account id or login already defined',
  [Reason.CapacityExceeded]: 'engine capacity exceeded',
  [Reason.InvalidCommand]: 'malformed command',
  [Reason.CashLimit]: 'cash would exceed the exact integer range',
  [Reason.InvalidRiskLimits]: 'risk limits must be non-negative integers',
  [Reason.NotAuthorized]: 'not authorized for admin commands',
  [Reason.InstrumentClosed]: 'instrument closed (outside its trading schedule)',
  [Reason.NotAllowedInPhase]: 'market, IOC, FOK and post-only orders are not accepted during an auction call',
  [Reason.InvalidTradingSchedule]: 'invalid trading schedule (times must be non-decreasing ms of day)',
  [Reason.ReplaceQtyNotAboveCumQty]: 'replace quantity must be above the quantity already filled (CumQty)',
  [Reason.CanceledByUser]: 'canceled by user',
  [Reason.IocRemainder]: 'IOC remainder canceled',
  [Reason.FokNotFillable]: 'FOK order could not be filled completely',
  [Reason.MarketRemainder]: 'market order remainder canceled (no liquidity within the band)',
  [Reason.SelfTradePrevention]: 'self-trade prevention',
  [Reason.MassCancel]: 'mass cancel',
  [Reason.CancelOnDisconnect]: 'cancel on disconnect',
  [Reason.DayExpired]: 'day order expired at session end',
  [Reason.GtdExpired]: 'GTD order expired',
  [Reason.StpDecrement]: 'self-trade prevention: quantity decremented',
};

export function reasonText(reason: Reason): string {
  return TEXTS[reason];
}

/** All reason codes, ascending (for docs and tests). */
export const ALL_REASONS: readonly Reason[] = Object.values(Reason).sort((a, b) => a - b);
