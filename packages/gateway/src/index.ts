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
