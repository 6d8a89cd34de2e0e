import { REQUIRED_BODY_TAGS, REQUIRED_HEADER_TAGS } from './definitions.js';
import { FIX44_FIELDS } from './generated/fix44-fields.js';
import { DECIMAL_RE, type FixMessage, INT_RE } from './message.js';
import { SessionRejectReason, Tag } from './tags.js';

/** FIX type of each tag in the FIX 4.4 dictionary (QuickFIX FIX44.xml). */
const FIELD_TYPES: ReadonlyMap<number, string> = new Map(FIX44_FIELDS.map(([tag, , type]) => [tag, type]));
const FIELD_NAMES: ReadonlyMap<number, string> = new Map(FIX44_FIELDS.map(([tag, name]) => [tag, name]));

/** Every MsgType defined by FIX 4.4 (FIX44.xml `<messages>`). */
const FIX44_MSG_TYPES: ReadonlySet<string> = new Set(
  (
    '0 1 2 3 4 5 6 7 8 9 A B C D E F G H J K L M N P Q R S T V W X Y Z a b c d e f g h i j k l m n o p q r s t ' +
    'u v w x y z AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AP AQ AR AS AT AU AV AW AX AY AZ BA BB BC BD BE BF ' +
    'BG BH'
  ).split(' '),
);

/**
 * Tags that appear at most once in every message we accept (header tags and body tags outside any
 * repeating group). A second occurrence is FIX's "Tag appears more than once" (373=13): found by
 * the fuzzer, a duplicated Symbol(55) or Side(54) used to pass with the first value winning.
 * Symbol(55) repeats legitimately only in MarketDataRequest's NoRelatedSym(146) group.
 */
const SINGLE_TAGS: ReadonlySet<number> = new Set([
  8, 9, 35, 49, 56, 34, 52, 43, 97, 122, 1, 7, 11, 16, 18, 36, 37, 38, 40, 41, 44, 45, 54, 59, 60, 98, 99,
  108, 111, 112, 123, 126, 141, 262, 263, 264, 265, 320, 530, 553, 554, 559,
]);

function duplicateTag(msg: FixMessage): number | undefined {
  const seen = new Set<number>();
  for (const f of msg.fields) {
    const single = SINGLE_TAGS.has(f.tag) || (f.tag === Tag.Symbol && msg.msgType !== 'V');
    if (!single) continue;
    if (seen.has(f.tag)) return f.tag;
    seen.add(f.tag);
  }
  return undefined;
}

export function isFix44MsgType(msgType: string): boolean {
  return FIX44_MSG_TYPES.has(msgType);
}

export function fieldName(tag: number): string {
  return FIELD_NAMES.get(tag) ?? String(tag);
}

export function fieldType(tag: number): string | undefined {
  return FIELD_TYPES.get(tag);
}

const INT_TYPES = new Set(['INT', 'SEQNUM', 'LENGTH', 'NUMINGROUP', 'DAYOFMONTH']);
const FLOAT_TYPES = new Set(['PRICE', 'QTY', 'AMT', 'PERCENTAGE', 'FLOAT', 'PRICEOFFSET']);
const TIMESTAMP_RE = /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3}(\d{3}(\d{3})?)?)?$/;
const TIME_RE = /^\d{2}:\d{2}:\d{2}(\.\d{3})?$/;
const DATE_RE = /^\d{8}$/;

/** True when `value` has the lexical form of FIX type `type` (unknown types accept anything). */
export function valueMatchesType(type: string, value: string): boolean {
  if (INT_TYPES.has(type)) return INT_RE.test(value);
  if (FLOAT_TYPES.has(type)) return DECIMAL_RE.test(value);
  switch (type) {
    case 'BOOLEAN':
      return value === 'Y' || value === 'N';
    case 'CHAR':
      return value.length === 1;
    case 'UTCTIMESTAMP':
      return TIMESTAMP_RE.test(value);
    case 'UTCTIMEONLY':
      return TIME_RE.test(value);
    case 'UTCDATEONLY':
    case 'LOCALMKTDATE':
      return DATE_RE.test(value);
    default:
      return true;
  }
}

export interface DictionaryProblem {
  readonly rejectReason: number;
  readonly refTagId: number;
  readonly text: string;
}

/**
 * Validates a decoded message against the FIX 4.4 dictionary: required header tags, required body
 * tags for the messages we accept, and the lexical type of every known tag. Unknown tags are
 * tolerated (user-defined tags must not hide business messages).
 */
export function validateMessage(msg: FixMessage): DictionaryProblem | undefined {
  for (const tag of REQUIRED_HEADER_TAGS) {
    if (!msg.has(tag)) {
      return {
        rejectReason: SessionRejectReason.RequiredTagMissing,
        refTagId: tag,
        text: `Required tag missing: ${fieldName(tag)}(${tag})`,
      };
    }
  }
  const dup = duplicateTag(msg);
  if (dup !== undefined) {
    return {
      rejectReason: SessionRejectReason.TagAppearsMoreThanOnce,
      refTagId: dup,
      text: `Tag appears more than once: ${fieldName(dup)}(${dup})`,
    };
  }
  for (const f of msg.fields) {
    const type = FIELD_TYPES.get(f.tag);
    if (type !== undefined && !valueMatchesType(type, f.value)) {
      return {
        rejectReason: SessionRejectReason.IncorrectDataFormat,
        refTagId: f.tag,
        text: `Incorrect data format for ${fieldName(f.tag)}(${f.tag}): expected ${type}`,
      };
    }
  }
  const required = REQUIRED_BODY_TAGS[msg.msgType] ?? [];
  for (const tag of required) {
    if (!msg.has(tag)) {
      return {
        rejectReason: SessionRejectReason.RequiredTagMissing,
        refTagId: tag,
        text: `Required tag missing: ${fieldName(tag)}(${tag})`,
      };
    }
  }
  return undefined;
}
