export const PACKAGE_NAME = '@venue/matching';

export type { AccountView } from './accounts/account.js';
export type { UncrossResult } from './auction/uncross.js';
export { findUncross } from './auction/uncross.js';
export type { LastTradeView } from './book/book.js';
export { BookView } from './book/book.js';
export type { LevelView } from './book/level.js';
export type { OrderView } from './book/order.js';
export { OrderIndex } from './book/order-index.js';
export { decimalToUnits, isPositiveDecimal, unitsToDecimal } from './decimal/decimal.js';
export type { EngineConfig } from './engine/engine.js';
export { DAY_MS, DEFAULT_ENGINE_CONFIG, MatchingEngine } from './engine/engine.js';
export type {
  AdminRecord,
  EventRecord,
  EventSink,
  ExecutionRecord,
  MassCancelRecord,
  TradeRecord,
} from './events/events.js';
export {
  AdminEvent,
  AdminEventKind,
  ExecutionEvent,
  MassCancelEvent,
  NullSink,
  RecordingSink,
  TradeEvent,
} from './events/events.js';
export type { InstrumentSpec } from './genesis/genesis.js';
export {
  GENESIS_ACCOUNTS,
  GENESIS_INSTRUMENTS,
  genesisCommands,
  instrumentCommand,
} from './genesis/genesis.js';
export { stateHash } from './hash/hash.js';
export type { InstrumentView } from './instruments/instrument.js';
export { bandHigh, bandLow } from './instruments/instrument.js';
export { MatchingMetrics } from './metrics/matching-metrics.js';
export type { TradingSchedule } from './phases/phases.js';
export {
  isCallPhase,
  nextBoundaryAfter,
  publishesIndicative,
  scheduledPhaseAt,
  TradingPhase,
  VOL_AUCTION_MS_MAX,
} from './phases/phases.js';
export type { TradingSpec } from './phases/spec.js';
export { timeOfDayMs, tradingScheduleCommand } from './phases/spec.js';
export {
  ACCOUNT_ORDERS_MAX,
  decodeAccountOrdersQuery,
  encodeAccountOrdersQuery,
} from './service/account-orders.js';
export type {
  AdminAckMessage,
  ExecutionReportMessage,
  MassCancelReportMessage,
  RejectMessage,
  ReplyMessage,
  TradeMessage,
} from './service/codec.js';
export {
  CommandDecodeError,
  decodeCommand,
  decodeReply,
  encodeCommand,
} from './service/codec.js';
export type { MatchingServiceOptions } from './service/matching-service.js';
export { MatchingService } from './service/matching-service.js';
export { SnapshotError } from './snapshot/bytes.js';
export { IncrementalSnapshot, type IncrementalSnapshotOptions } from './snapshot/incremental.js';
export { readSnapshot, writeSnapshot } from './snapshot/snapshot.js';
export type {
  AddAccountCommand,
  AddInstrumentCommand,
  CancelCommand,
  Command,
  MassCancelCommand,
  NewOrderCommand,
  OrderRef,
  OrderStatusCommand,
  ReplaceCommand,
  RiskLimits,
  SessionClosedCommand,
  SetCancelOnDisconnectCommand,
  SetInstrumentStatusCommand,
  SetRiskLimitsCommand,
  SetTradingScheduleCommand,
  TickCommand,
} from './types/commands.js';
export { CLORDID_LENGTH_MAX, CommandType, LOGIN_LENGTH_MAX, SYMBOL_LENGTH_MAX } from './types/commands.js';
export {
  CommandKind,
  ExecType,
  InstrumentStatus,
  OrderType,
  OrdStatus,
  Side,
  StpMode,
  TimeInForce,
} from './types/enums.js';
export { ALL_REASONS, Reason, reasonText } from './types/reasons.js';
