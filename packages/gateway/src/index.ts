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
  type DictionaryProblem,
  fieldName,
  fieldType,
  isFix44MsgType,
  REQUIRED_BODY_TAGS,
  REQUIRED_HEADER_TAGS,
  validateMessage,
  valueMatchesType,
} from './fix/dictionary.js';
export { FixFramer, type FrameEvent } from './fix/framer.js';
export { type FixField, type FixGroupEntry, FixMessage } from './fix/message.js';
export { BusinessRejectReason, isAdminMsgType, MsgType, SessionRejectReason, Tag } from './fix/tags.js';
export { SessionAcceptor, type SessionAcceptorOptions } from './session/acceptor.js';
export { type Clock, DEFAULT_SESSION_CONFIG, type SessionConfig, systemClock } from './session/config.js';
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
