import { type FixField, FixMessage } from './message.js';
import { SessionRejectReason, Tag } from './tags.js';

export const SOH = '\x01';
export const BEGIN_STRING = 'FIX.4.4';

/** Result of decoding one complete frame. */
export type DecodeResult =
  | { readonly kind: 'ok'; readonly msg: FixMessage }
  /** Framing is broken (FIX "garbled"): the message must be ignored, seqnum not consumed. */
  | { readonly kind: 'garbled'; readonly reason: string; readonly wrongBeginString?: boolean }
  /** Framing is fine but a field is malformed: answer with Reject(3); seqnum is consumed. */
  | {
      readonly kind: 'invalid';
      readonly msg: FixMessage;
      readonly rejectReason: number;
      readonly refTagId: number | undefined;
      readonly text: string;
    };

const TAG_RE = /^[1-9]\d{0,8}$/;

/** Byte sum mod 256 of a latin1 string (one char = one byte). */
export function checksumOf(text: string, end = text.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum += text.charCodeAt(i);
  return sum & 0xff;
}

export function formatChecksum(sum: number): string {
  return String(sum & 0xff).padStart(3, '0');
}

/**
 * Decodes one complete frame in canonical form (SOH delimiters, latin1 text, one char per byte).
 * Checks: `8=` first, `9=` second, `35=` third, BodyLength exact, `10=` last with a valid
 * three-digit CheckSum. `checksumBasis` (same length), when given, replaces `text` as the bytes the
 * CheckSum is computed over: the `|`-delimited text of a WebSocket client that sums the `|` bytes.
 * Exactly one basis is accepted, so a corrupted byte can never pass under the other one.
 */
export function decodeFix(text: string, checksumBasis?: string): DecodeResult {
  if (!text.startsWith('8=')) return { kind: 'garbled', reason: 'message does not start with 8=' };
  if (!text.endsWith(SOH)) return { kind: 'garbled', reason: 'message does not end with SOH' };
  const firstSoh = text.indexOf(SOH);
  const second = text.indexOf(SOH, firstSoh + 1);
  if (second < 0 || !text.startsWith('9=', firstSoh + 1)) {
    return { kind: 'garbled', reason: 'BodyLength(9) is not the second field' };
  }
  const bodyLengthText = text.slice(firstSoh + 3, second);
  if (!/^\d{1,9}$/.test(bodyLengthText)) return { kind: 'garbled', reason: 'BodyLength(9) is not a number' };
  const bodyStart = second + 1;
  const bodyEnd = bodyStart + Number(bodyLengthText);
  if (bodyEnd + 7 !== text.length || !text.startsWith('10=', bodyEnd)) {
    return {
      kind: 'garbled',
      reason: `BodyLength(9)=${bodyLengthText} does not match the message (CheckSum not found there)`,
    };
  }
  const checksumText = text.slice(bodyEnd + 3, bodyEnd + 6);
  if (!/^\d{3}$/.test(checksumText)) return { kind: 'garbled', reason: 'CheckSum(10) is not three digits' };
  const expected = Number(checksumText);
  const basis = checksumBasis !== undefined && checksumBasis.length === text.length ? checksumBasis : text;
  const computed = checksumOf(basis, bodyEnd);
  if (computed !== expected) {
    return {
      kind: 'garbled',
      reason: `CheckSum(10)=${checksumText} but computed ${formatChecksum(computed)}`,
    };
  }
  if (!text.startsWith('35=', bodyStart))
    return { kind: 'garbled', reason: 'MsgType(35) is not the third field' };

  const fields: FixField[] = [];
  let problem: { reason: number; tag: number | undefined; text: string } | undefined;
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf(SOH, pos);
    const eq = text.indexOf('=', pos);
    if (eq < 0 || eq > end) {
      // A field without '=' inside a correctly framed message: malformed, not garbled.
      problem ??= { reason: SessionRejectReason.InvalidTagNumber, tag: undefined, text: 'field without =' };
      pos = end + 1;
      continue;
    }
    const tagText = text.slice(pos, eq);
    const value = text.slice(eq + 1, end);
    pos = end + 1;
    if (!TAG_RE.test(tagText)) {
      problem ??= {
        reason: SessionRejectReason.InvalidTagNumber,
        tag: undefined,
        text: `invalid tag number '${tagText.slice(0, 16)}'`,
      };
      continue;
    }
    const tag = Number(tagText);
    if (value.length === 0) {
      problem ??= { reason: SessionRejectReason.TagWithoutValue, tag, text: `tag ${tag} has no value` };
    }
    fields.push({ tag, value });
  }
  const msg = new FixMessage(fields);
  if (msg.get(Tag.BeginString) !== BEGIN_STRING) {
    // Well framed but another FIX version: FIX says log out (the session layer decides).
    return { kind: 'garbled', reason: `BeginString must be ${BEGIN_STRING}`, wrongBeginString: true };
  }
  if (problem !== undefined) {
    return { kind: 'invalid', msg, rejectReason: problem.reason, refTagId: problem.tag, text: problem.text };
  }
  return { kind: 'ok', msg };
}

/** Makes any JS string safe as a latin1 FIX value: UTF-8 bytes, no SOH. */
export function toFixValue(value: string): string {
  let v = value;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
  if (v.includes(SOH)) v = v.replace(/\x01/g, ' ');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detect non-latin1 text to re-encode as UTF-8.
  if (/[^\x00-\x7f]/.test(v)) v = Buffer.from(v, 'utf8').toString('latin1');
  return v;
}

/**
 * Encodes a message (its fields must not include 8, 9 or 10; 35 must come first) in canonical SOH
 * form with BodyLength and CheckSum computed.
 */
export function encodeFix(fields: ReadonlyArray<FixField>): string {
  if (fields[0]?.tag !== Tag.MsgType) throw new Error('encodeFix: MsgType(35) must be the first field');
  let body = '';
  for (const f of fields) {
    if (f.tag === Tag.BeginString || f.tag === Tag.BodyLength || f.tag === Tag.CheckSum) {
      throw new Error(`encodeFix: tag ${f.tag} is computed by the encoder`);
    }
    body += `${f.tag}=${toFixValue(f.value)}${SOH}`;
  }
  const head = `8=${BEGIN_STRING}${SOH}9=${body.length}${SOH}`;
  const msg = head + body;
  return `${msg}10=${formatChecksum(checksumOf(msg))}${SOH}`;
}

/** Encodes a FixMessage whose fields may include 8/9/10 (they are recomputed). */
export function encodeMessage(msg: FixMessage): string {
  return encodeFix(
    msg.fields.filter((f) => f.tag !== Tag.BeginString && f.tag !== Tag.BodyLength && f.tag !== Tag.CheckSum),
  );
}

/**
 * Renders a canonical SOH message with another delimiter (e.g. `|` for WebSocket clients). With
 * `literalChecksum`, CheckSum(10) is recomputed over the rendered bytes (for clients that sum `|`).
 */
export function withDelimiter(canonical: string, delimiter: string, literalChecksum = false): string {
  if (delimiter === SOH) return canonical;
  const rendered = canonical.split(SOH).join(delimiter);
  if (!literalChecksum) return rendered;
  const bodyEnd = rendered.length - 7; // "10=nnn" + delimiter
  return `${rendered.slice(0, bodyEnd)}10=${formatChecksum(checksumOf(rendered, bodyEnd))}${delimiter}`;
}

/** FIX UTCTIMESTAMP with milliseconds: YYYYMMDD-HH:MM:SS.sss */
export function formatUtcTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
  );
}

const TS_RE = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3})(\d{3})?(\d{3})?)?$/;

/** Parses a FIX UTCTIMESTAMP to epoch ms; undefined when malformed or out of range. */
export function parseUtcTimestamp(text: string): number | undefined {
  const m = TS_RE.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, m[7] === undefined ? 0 : Number(m[7]));
}
