export { DEMO_INSTRUMENTS, InstrumentCatalog } from './app/instruments.js';
export { OrderEntryApp } from './app/order-entry.js';
export { MassCancelRejectReason, MdReqRejReason, OrdRejReason } from './app/parse.js';
export { type Rendered, renderEvent, renderExecutionReport } from './app/render.js';
export type {
  CancelRejectEvent,
  CancelRequest,
  CxlRejReason,
  DisconnectInfo,
  ExecType,
  ExecutionReportEvent,
  GatewayEvents,
  Instrument,
  MarketDataIncrementalEvent,
  MarketDataRejectEvent,
  MarketDataRequest,
  MarketDataSnapshotEvent,
  MassCancelReportEvent,
  MassCancelRequest,
  MdEntry,
  MdEntryType,
  MdIncrementalEntry,
  NewOrderRequest,
  OrderEntryHandler,
  OrderStatusRequest,
  OrdStatus,
  OrdType,
  OutboundEvent,
  ReplaceRequest,
  SecurityListEvent,
  SecurityListRequest,
  SessionContext,
  Side,
  TimeInForce,
} from './app/types.js';
export { InMemoryOrderEntry } from './demo/in-memory-handler.js';
export {
  type DropCopyCursorStore,
  FileDropCopyCursors,
  MemoryDropCopyCursors,
} from './dropcopy/cursors.js';
export {
  ALL_ACCOUNTS,
  type DropCopyUser,
  isDropCopy,
  isEntitled,
  readOnlyText,
} from './dropcopy/entitlements.js';
export {
  COPY_MSG_INDICATOR_TAG,
  DropCopyPublisher,
  type DropCopyPublisherOptions,
} from './dropcopy/publisher.js';
export {
  BEGIN_STRING,
  checksumOf,
  type DecodeResult,
  decodeFix,
  encodeFix,
  encodeMessage,
  formatChecksum,
  formatUtcTimestamp,
  parseUtcTimestamp,
  SOH,
  toFixValue,
  withDelimiter,
} from './fix/codec.js';
export {
  CXL_REJ_REASON_VALUES,
  type DictItem,
  type DictMessage,
  type EnumValue,
  EXEC_TYPE_VALUES,
  isPublishedValue,
  ORD_STATUS_VALUES,
  ORD_TYPE_VALUES,
  REQUIRED_BODY_TAGS,
  REQUIRED_HEADER_TAGS,
  type Requirement,
  SIDE_VALUES,
  TIME_IN_FORCE_VALUES,
  VENUE_FIELD_VALUES,
  VENUE_HEADER,
  VENUE_MESSAGES,
  VENUE_TRAILER,
} from './fix/definitions.js';
export {
  type DictionaryProblem,
  fieldName,
  fieldType,
  isFix44MsgType,
  validateMessage,
  valueMatchesType,
} from './fix/dictionary.js';
export { venueDictionaryXml } from './fix/dictionary-xml.js';
export { FixFramer, type FrameEvent } from './fix/framer.js';
export { type FixField, type FixGroupEntry, FixMessage } from './fix/message.js';
export { BusinessRejectReason, isAdminMsgType, MsgType, SessionRejectReason, Tag } from './fix/tags.js';
export { FixGateway, type FixGatewayOptions } from './gateway/gateway.js';
export {
  lastSentMs,
  resetIfNewPeriod,
  storeIsFromEarlierPeriod,
} from './schedule/period-store.js';
export {
  ALWAYS_OPEN,
  closedText,
  DAY_SECONDS,
  describeSchedule,
  isoUtc,
  nextOpenMs,
  parseSchedule,
  periodAt,
  type SessionPeriod,
  type SessionSchedule,
  WEEK_SECONDS,
  WEEKDAYS,
} from './schedule/schedule.js';
export { sanitizeLogLine } from './security/log-sanitize.js';
export {
  checkSecurityConfig,
  DEFAULT_SECURITY_CONFIG,
  LogonGuard,
  type SecurityConfig,
} from './security/logon-guard.js';
export { refusalLogout } from './security/refusal.js';
export { SessionAcceptor, type SessionAcceptorOptions } from './session/acceptor.js';
export {
  type Clock,
  DEFAULT_SESSION_CONFIG,
  type SessionConfig,
  scheduleFor,
  systemClock,
} from './session/config.js';
export {
  type AccountConfig,
  type AuthenticatedUser,
  ConfiguredCredentials,
  type CredentialStore,
  demoCredentials,
} from './session/credentials.js';
export {
  FixSession,
  type SessionApplication,
  type SessionDirectory,
  type SessionOutput,
  type SessionState,
} from './session/session.js';
export {
  FileSessionStore,
  FileSessionStoreFactory,
  type FileStoreOptions,
  type FsyncPolicy,
} from './store/file-store.js';
export {
  JOURNAL_MESSAGES_MAX_DEFAULT,
  MemorySessionStore,
  MemorySessionStoreFactory,
  type OutboundRecord,
  type SessionStore,
  type SessionStoreFactory,
} from './store/store.js';
export { ConnectionPump, type PumpOptions, type WireSink } from './transport/pump.js';
export { FIX_TCP_PORT_DEFAULT, FixTcpServer, type FixTcpServerOptions } from './transport/tcp.js';
export {
  attachFixWebSocket,
  FIX_WS_PATH_DEFAULT,
  type FixWebSocketConnectionOptions,
  type FixWebSocketHandle,
  type FixWebSocketOptions,
  FixWebSocketServer,
  serveFixWebSocket,
} from './transport/websocket.js';
