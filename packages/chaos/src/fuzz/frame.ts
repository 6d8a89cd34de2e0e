/**
 * FIX 4.4 tag=value framing written independently of the gateway's codec: the fuzzer must not
 * judge the gateway with the gateway's own code. Text is latin1 (one char per byte).
 */
export const SOH = '\x01';
export const BEGIN_STRING = 'FIX.4.4';

/** One field as sent: the tag is text so that malformed tags (`abc`, `0`) can be built. */
export type RawField = readonly [tag: string, value: string];

export function checksum(text: string, end = text.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum = (sum + text.charCodeAt(i)) & 0xff;
  return sum;
}

export interface EncodeOptions {
  readonly beginString?: string;
  /** Added to the true BodyLength (wrong-length cases). */
  readonly bodyLengthDelta?: number;
  /** Replaces the BodyLength text entirely (e.g. `abc`). */
  readonly bodyLengthText?: string;
  /** Added to the true CheckSum (mod 256). */
  readonly checksumDelta?: number;
  /** Replaces the CheckSum text entirely (e.g. `12`). */
  readonly checksumText?: string;
}

/** Encodes body fields (from MsgType on, without 8/9/10) into a frame; options break it on purpose. */
export function encodeFrame(body: ReadonlyArray<RawField>, options: EncodeOptions = {}): string {
  let text = '';
  for (const [tag, value] of body) text += `${tag}=${value}${SOH}`;
  const length = options.bodyLengthText ?? String(text.length + (options.bodyLengthDelta ?? 0));
  const head = `8=${options.beginString ?? BEGIN_STRING}${SOH}9=${length}${SOH}${text}`;
  const sum =
    options.checksumText ?? String((checksum(head) + (options.checksumDelta ?? 0)) & 0xff).padStart(3, '0');
  return `${head}10=${sum}${SOH}`;
}

/** A decoded, well-framed message from the gateway. */
export class WireMessage {
  constructor(
    readonly fields: ReadonlyArray<RawField>,
    readonly raw: string,
  ) {}
  get msgType(): string {
    return this.get('35') ?? '';
  }
  get(tag: number | string): string | undefined {
    const t = String(tag);
    for (const [k, v] of this.fields) if (k === t) return v;
    return undefined;
  }
  count(tag: number | string): number {
    const t = String(tag);
    return this.fields.filter(([k]) => k === t).length;
  }
}

/** Checks a frame the gateway sent: 8 first, 9 exact, 35 third, 10 = byte sum. Returns a problem. */
export function parseStrict(raw: string): WireMessage | string {
  if (!raw.endsWith(SOH)) return 'does not end with SOH';
  const parts = raw.slice(0, -1).split(SOH);
  const fields: RawField[] = [];
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) return `field without tag=value: ${JSON.stringify(p.slice(0, 40))}`;
    fields.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  if (fields[0]?.[0] !== '8' || fields[0][1] !== BEGIN_STRING)
    return 'BeginString is not first or not FIX.4.4';
  if (fields[1]?.[0] !== '9') return 'BodyLength is not second';
  if (fields[2]?.[0] !== '35') return 'MsgType is not third';
  const last = fields[fields.length - 1];
  if (last?.[0] !== '10' || !/^\d{3}$/.test(last[1])) return 'CheckSum is not last or not 3 digits';
  const bodyStart = raw.indexOf(SOH, raw.indexOf(SOH) + 1) + 1;
  const checksumAt = raw.length - 7;
  if (Number(fields[1][1]) !== checksumAt - bodyStart) return `BodyLength ${fields[1][1]} is wrong`;
  if (checksum(raw, checksumAt) !== Number(last[1])) return `CheckSum ${last[1]} is wrong`;
  return new WireMessage(fields, raw);
}

/**
 * Streaming splitter for what the gateway sends over TCP (always well framed, so a simple
 * BodyLength-driven split suffices; anything else is a finding).
 */
export class StreamSplitter {
  private buf = '';
  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    for (;;) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
      const m = /^8=[^\x01]*\x019=(\d{1,9})\x01/.exec(this.buf);
      if (m === null) {
        if (this.buf.length > 64 && !this.buf.startsWith('8=')) {
          out.push(this.buf);
          this.buf = '';
        }
        return out;
      }
      const total = m[0].length + Number(m[1]) + 7;
      if (this.buf.length < total) return out;
      out.push(this.buf.slice(0, total));
      this.buf = this.buf.slice(total);
    }
  }
}

/** How the gateway's TCP framer will see a frame we send: how many more bytes it will wait for. */
export function framerDeficit(raw: string, frameBytesMax: number): number {
  const start = raw.indexOf('8=FIX');
  if (start < 0) return 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
  const m = /^8=FIX[^\x01]{0,30}\x019=(\d{1,9})\x01/.exec(raw.slice(start));
  if (m === null) return 0;
  const total = m[0].length + Number(m[1]) + 7;
  if (total > frameBytesMax) return 0; // oversized: the gateway logs the session out
  return Math.max(0, total - (raw.length - start));
}
