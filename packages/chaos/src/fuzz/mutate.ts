import type { Prng } from '../random/prng.js';
import { checksum, encodeFrame, type RawField, SOH } from './frame.js';

export const MUTATIONS = [
  'flip-byte',
  'flip-bit',
  'delete-field',
  'duplicate-field',
  'swap-fields',
  'bad-value',
  'truncate',
  'insert-junk',
  'wrong-length',
  'trailing-junk',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** Values that break types, ranges and parsers. */
const NASTY_VALUES = [
  '',
  '-1',
  '0',
  '-0',
  '1e9',
  '1e400',
  'abc',
  'NaN',
  'Infinity',
  '1.',
  '.5',
  ' 1',
  '1 ',
  '99999999999999999999',
  '0x10',
  '\x00',
  'Y',
  'N',
  '\u00ff\u00fe',
  '%s%n',
  '<script>alert(1)</script>',
  'A'.repeat(300),
  '9'.repeat(40),
  '2026-01-01',
  '20261301-25:61:61',
];

/** One seeded mutation of a valid message (body fields from MsgType on, 8/9/10 computed). */
export function mutate(rnd: Prng, fields: ReadonlyArray<RawField>, kind: MutationKind): string {
  const valid = encodeFrame(fields);
  const at = (n: number) => rnd.int(0, Math.max(0, n - 1));
  switch (kind) {
    case 'flip-byte': {
      const i = at(valid.length);
      let b = rnd.int(0, 255);
      if (b === valid.charCodeAt(i)) b = (b + 1) & 0xff;
      return valid.slice(0, i) + String.fromCharCode(b) + valid.slice(i + 1);
    }
    case 'flip-bit': {
      const i = at(valid.length);
      return (
        valid.slice(0, i) +
        String.fromCharCode(valid.charCodeAt(i) ^ (1 << rnd.int(0, 7))) +
        valid.slice(i + 1)
      );
    }
    case 'delete-field': {
      const i = at(fields.length);
      return encodeFrame(fields.filter((_, j) => j !== i));
    }
    case 'duplicate-field': {
      const f = fields[at(fields.length)];
      const out = [...fields];
      if (f !== undefined) out.splice(rnd.int(0, out.length), 0, f);
      return encodeFrame(out);
    }
    case 'swap-fields': {
      const out = [...fields];
      const i = at(out.length);
      const j = at(out.length);
      const a = out[i];
      const b = out[j];
      if (a !== undefined && b !== undefined) {
        out[i] = b;
        out[j] = a;
      }
      return encodeFrame(out);
    }
    case 'bad-value': {
      const i = at(fields.length);
      const v = rnd.pick(NASTY_VALUES);
      return encodeFrame(fields.map((f, j): RawField => (j === i ? [f[0], v] : f)));
    }
    case 'truncate':
      return valid.slice(0, rnd.int(1, valid.length - 1));
    case 'insert-junk': {
      const i = at(valid.length);
      let junk = '';
      for (let n = rnd.int(1, 16); n > 0; n--) junk += String.fromCharCode(rnd.int(0, 255));
      return valid.slice(0, i) + junk + valid.slice(i);
    }
    case 'wrong-length': {
      let d = rnd.int(-12, 12);
      if (d === 0) d = 1;
      return encodeFrame(fields, rnd.int(0, 1) === 0 ? { bodyLengthDelta: d } : { checksumDelta: d });
    }
    case 'trailing-junk': {
      let junk = '';
      for (let n = rnd.int(1, 64); n > 0; n--) junk += String.fromCharCode(rnd.int(0, 255));
      return valid + junk.split('8=FIX').join('8=FYX').split(SOH).join(' ');
    }
  }
}

/** True when the bytes are one well-framed FIX message (BodyLength and CheckSum right). */
export function wellFramed(raw: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
  const m = /^8=FIX\.4\.4\x019=(\d{1,9})\x01/.exec(raw);
  if (m === null) return false;
  const bodyEnd = m[0].length + Number(m[1]);
  if (raw.length !== bodyEnd + 7 || !raw.startsWith('10=', bodyEnd) || !raw.endsWith(SOH)) return false;
  return String(checksum(raw, bodyEnd)).padStart(3, '0') === raw.slice(bodyEnd + 3, bodyEnd + 6);
}
