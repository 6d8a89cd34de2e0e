/**
 * Wire-level enumerations. Numeric values follow FIX 4.4 where FIX has the concept (Side 54,
 * OrdType 40, TimeInForce 59, ExecType 150 and OrdStatus 39 as ASCII char codes) so the gateway
 * maps them 1:1 and the SBE schema can carry them as plain integers/chars.
 */

export const Side = { Buy: 1, Sell: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { Market: 1, Limit: 2, Stop: 3, StopLimit: 4 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const TimeInForce = { Day: 0, GTC: 1, IOC: 3, FOK: 4, GTD: 6 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/** Self-trade prevention, per account: what happens when an order would trade against its own account. */
export const StpMode = { None: 0, CancelResting: 1, CancelIncoming: 2, CancelBoth: 3, Decrement: 4 } as const;
export type StpMode = (typeof StpMode)[keyof typeof StpMode];

export const InstrumentStatus = { Open: 1, Halted: 2 } as const;
export type InstrumentStatus = (typeof InstrumentStatus)[keyof typeof InstrumentStatus];

/** FIX ExecType (150) as the ASCII code of its char value. */
export const ExecType = {
  New: 0x30, // '0'
  Canceled: 0x34, // '4'
  Replaced: 0x35, // '5'
  Rejected: 0x38, // '8'
  Expired: 0x43, // 'C'
  Restated: 0x44, // 'D' (STP decrement reduced the order)
  Trade: 0x46, // 'F'
  OrderStatus: 0x49, // 'I'
  Triggered: 0x4c, // 'L' (stop triggered or activated by system)
} as const;
export type ExecType = (typeof ExecType)[keyof typeof ExecType];

/** FIX OrdStatus (39) as the ASCII code of its char value. */
export const OrdStatus = {
  New: 0x30, // '0'
  PartiallyFilled: 0x31, // '1'
  Filled: 0x32, // '2'
  Canceled: 0x34, // '4'
  Rejected: 0x38, // '8'
  Expired: 0x43, // 'C'
} as const;
export type OrdStatus = (typeof OrdStatus)[keyof typeof OrdStatus];

/** Which command a Rejected execution report answers (lets the gateway choose 8 vs 9 vs j). */
export const CommandKind = {
  NewOrder: 1,
  Cancel: 2,
  Replace: 3,
  MassCancel: 4,
  OrderStatus: 5,
  Admin: 6,
} as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];
