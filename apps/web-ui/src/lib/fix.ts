// Browser FIX 4.4 codec: one message per WebSocket text frame, `|` as the delimiter on the wire.
// CheckSum(10) is computed over the canonical SOH form (the gateway's default basis), BodyLength(9)
// counts the body bytes; values are ASCII (the UI never sends anything else).

export const SOH = '\x01';
export const WIRE_DELIMITER = '|';
export const BEGIN_STRING = 'FIX.4.4';

export type FixField = readonly [tag: number, value: string];

export interface FixMessage {
  readonly msgType: string;
  readonly fields: ReadonlyArray<FixField>;
  get(tag: number): string | undefined;
}

export type DecodeResult = { ok: true; msg: FixMessage } | { ok: false; error: string };

const MESSAGE_CHARS_MAX = 65_536;

function checksumOf(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return sum & 0xff;
}

function formatChecksum(sum: number): string {
  return String(sum & 0xff).padStart(3, '0');
}

function makeMessage(fields: ReadonlyArray<FixField>): FixMessage {
  const byTag = new Map<number, string>();
  // First occurrence wins: repeating groups are read through `fields`.
  for (const [tag, value] of fields) if (!byTag.has(tag)) byTag.set(tag, value);
  return { msgType: byTag.get(35) ?? '', fields, get: (tag) => byTag.get(tag) };
}

/**
 * Encodes body fields (35 first; 8, 9 and 10 are computed) into the wire form with `delimiter`.
 * Throws on a value containing a delimiter or a non-ASCII character: a programming error.
 */
export function encodeFix(fields: ReadonlyArray<FixField>, delimiter = WIRE_DELIMITER): string {
  if (fields[0]?.[0] !== 35) throw new Error('encodeFix: MsgType(35) must be the first field');
  let body = '';
  for (const [tag, value] of fields) {
    if (tag === 8 || tag === 9 || tag === 10) throw new Error(`encodeFix: tag ${tag} is computed`);
    if (!Number.isInteger(tag) || tag <= 0) throw new Error(`encodeFix: bad tag ${tag}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
    if (value.length === 0 || /[|\x01]|[^\x20-\x7e]/.test(value)) {
      throw new Error(`encodeFix: tag ${tag} has an empty or unsafe value`);
    }
    body += `${tag}=${value}${SOH}`;
  }
  const head = `8=${BEGIN_STRING}${SOH}9=${body.length}${SOH}`;
  const canonical = `${head}${body}10=${formatChecksum(checksumOf(head + body))}${SOH}`;
  return delimiter === SOH ? canonical : canonical.split(SOH).join(delimiter);
}

/**
 * Decodes one frame (`|` or SOH delimited). Checks 8/9/35 order, BodyLength and CheckSum (over the
 * SOH form). Never throws.
 */
export function decodeFix(frame: string): DecodeResult {
  if (frame.length > MESSAGE_CHARS_MAX) return { ok: false, error: 'message too long' };
  const delimiter = frame.startsWith(`8=${BEGIN_STRING}${SOH}`) ? SOH : WIRE_DELIMITER;
  if (!frame.startsWith(`8=${BEGIN_STRING}${delimiter}`)) return { ok: false, error: 'not FIX.4.4' };
  if (!frame.endsWith(delimiter)) return { ok: false, error: 'no trailing delimiter' };
  const canonical = delimiter === SOH ? frame : frame.split(WIRE_DELIMITER).join(SOH);
  const parts = canonical.slice(0, -1).split(SOH);
  const fields: FixField[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const tagText = part.slice(0, eq);
    if (eq <= 0 || !/^[1-9]\d{0,8}$/.test(tagText)) return { ok: false, error: `bad field '${part}'` };
    fields.push([Number(tagText), part.slice(eq + 1)]);
  }
  if (fields[1]?.[0] !== 9 || fields[2]?.[0] !== 35) return { ok: false, error: '9 and 35 must follow 8' };
  const last = fields[fields.length - 1];
  if (last?.[0] !== 10 || !/^\d{3}$/.test(last[1])) return { ok: false, error: 'CheckSum(10) missing' };
  const bodyStart = canonical.indexOf(SOH, canonical.indexOf(SOH) + 1) + 1;
  const checksumAt = canonical.length - 7;
  if (Number(fields[1][1]) !== checksumAt - bodyStart) return { ok: false, error: 'BodyLength(9) mismatch' };
  if (checksumOf(canonical.slice(0, checksumAt)) !== Number(last[1])) {
    return { ok: false, error: 'CheckSum(10) mismatch' };
  }
  return { ok: true, msg: makeMessage(fields.slice(2, -1)) };
}

/** FIX UTCTIMESTAMP with milliseconds. */
export function fixTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
  );
}

/** Renders a message for logs: `35=D 11=... ` (no header/trailer). */
export function describeFix(msg: FixMessage): string {
  return msg.fields.map(([t, v]) => `${t}=${v}`).join(' ');
}
