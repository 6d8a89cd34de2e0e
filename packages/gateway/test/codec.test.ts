import {
  checksumOf,
  decodeFix,
  encodeFix,
  FixFramer,
  FixMessage,
  formatUtcTimestamp,
  parseUtcTimestamp,
  SOH,
  Tag,
  validateMessage,
  withDelimiter,
} from '@venue/gateway';
import { describe, expect, it } from 'vitest';

const soh = (s: string) => s.split('|').join(SOH);

/** Builds a wire message by hand (independent of encodeFix) from a `|`-separated body. */
function handBuilt(body: string): string {
  const b = soh(body);
  const head = `8=FIX.4.4${SOH}9=${b.length}${SOH}`;
  let sum = 0;
  for (const ch of head + b) sum += ch.charCodeAt(0);
  return `${head}${b}10=${String(sum % 256).padStart(3, '0')}${SOH}`;
}

describe('codec: BodyLength and CheckSum', () => {
  it('matches the classic FIX example byte for byte', () => {
    // Heartbeat from the FIX spec family of examples: checksum is sum of bytes mod 256, 3 digits.
    const wire = encodeFix([
      { tag: 35, value: '0' },
      { tag: 49, value: 'A' },
      { tag: 56, value: 'B' },
      { tag: 34, value: '12' },
      { tag: 52, value: '20100304-07:59:30' },
    ]);
    const body = soh('35=0|49=A|56=B|34=12|52=20100304-07:59:30|');
    expect(wire.startsWith(`8=FIX.4.4${SOH}9=${body.length}${SOH}`)).toBe(true);
    expect(wire).toBe(handBuilt('35=0|49=A|56=B|34=12|52=20100304-07:59:30|'));
    expect(wire.endsWith(SOH)).toBe(true);
    expect(wire.slice(-7, -4)).toBe('10=');
  });

  it('pads the checksum to three digits', () => {
    for (let i = 0; i < 300; i++) {
      const wire = encodeFix([
        { tag: 35, value: '0' },
        { tag: 58, value: 'x'.repeat(i % 7) + String(i) },
      ]);
      const cs = wire.slice(-4, -1);
      expect(cs).toMatch(/^\d{3}$/);
      expect(Number(cs)).toBe(checksumOf(wire, wire.length - 7));
      expect(decodeFix(wire).kind).toBe('ok');
    }
  });

  it('round-trips fields in order', () => {
    const wire = handBuilt('35=D|49=CLIENT1|56=VENUE|34=2|52=20240101-00:00:00.000|11=a|55=BTC-USD|54=1|');
    const r = decodeFix(wire);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.msg.msgType).toBe('D');
    expect(r.msg.get(Tag.ClOrdID)).toBe('a');
    expect(r.msg.getInt(Tag.MsgSeqNum)).toBe(2);
    expect(r.msg.fields.map((f) => f.tag)).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 55, 54, 10]);
  });

  it('treats a wrong checksum as garbled', () => {
    const wire = handBuilt('35=0|49=A|56=B|34=1|52=20240101-00:00:00|');
    const cs = Number(wire.slice(-4, -1));
    const bad = `${wire.slice(0, -4)}${String((cs + 1) % 256).padStart(3, '0')}${SOH}`;
    const r = decodeFix(bad);
    expect(r.kind).toBe('garbled');
    if (r.kind === 'garbled') expect(r.reason).toMatch(/CheckSum/);
  });

  it('treats a wrong BodyLength as garbled, both too short and too long', () => {
    const wire = handBuilt('35=0|49=A|56=B|34=1|52=20240101-00:00:00|');
    const len = Number(/9=(\d+)/.exec(wire)?.[1]);
    for (const delta of [-1, 1]) {
      const bad = wire.replace(`9=${len}`, `9=${len + delta}`);
      const r = decodeFix(bad);
      expect(r.kind).toBe('garbled');
      if (r.kind === 'garbled') expect(r.reason).toMatch(/BodyLength/);
    }
  });

  it('requires 8, 9, 35 in that order and 10 last', () => {
    expect(decodeFix(soh('9=5|8=FIX.4.4|35=0|10=000|')).kind).toBe('garbled');
    const noMsgType = handBuilt('49=A|35=0|56=B|34=1|52=20240101-00:00:00|');
    const r = decodeFix(noMsgType);
    expect(r.kind).toBe('garbled');
    if (r.kind === 'garbled') expect(r.reason).toMatch(/MsgType/);
  });

  it('reports a tag without value and an invalid tag number as invalid (Reject), not garbled', () => {
    const empty = decodeFix(handBuilt('35=D|49=A|56=B|34=3|52=20240101-00:00:00|44=|'));
    expect(empty.kind).toBe('invalid');
    if (empty.kind === 'invalid') {
      expect(empty.rejectReason).toBe(4);
      expect(empty.refTagId).toBe(44);
      expect(empty.msg.getInt(Tag.MsgSeqNum)).toBe(3);
    }
    const badTag = decodeFix(handBuilt('35=D|49=A|56=B|34=3|52=20240101-00:00:00|4x4=1|'));
    expect(badTag.kind).toBe('invalid');
    if (badTag.kind === 'invalid') expect(badTag.rejectReason).toBe(0);
  });

  it('accepts | rendering: canonical checksum, or (as chosen) the checksum over the | text', () => {
    const wire = handBuilt('35=0|49=A|56=B|34=1|52=20240101-00:00:00|');
    const piped = withDelimiter(wire, '|');
    expect(piped.includes(SOH)).toBe(false);
    expect(decodeFix(soh(piped)).kind).toBe('ok');
    // A client that computed CheckSum over the '|' bytes themselves.
    const body = '35=0|49=A|56=B|34=1|52=20240101-00:00:00|';
    const head = `8=FIX.4.4|9=${body.length}|`;
    let sum = 0;
    for (const ch of head + body) sum += ch.charCodeAt(0);
    const literal = `${head}${body}10=${String(sum % 256).padStart(3, '0')}|`;
    expect(decodeFix(soh(literal)).kind).toBe('garbled');
    expect(decodeFix(soh(literal), literal).kind).toBe('ok');
    // Only the chosen basis is accepted.
    expect(decodeFix(soh(piped), piped).kind).toBe('garbled');
    // Rendering with a literal checksum produces what such a client expects.
    expect(withDelimiter(soh(literal), '|', true)).toBe(literal);
  });

  it('replaces SOH inside values and encodes non-ASCII text as UTF-8 bytes', () => {
    const wire = encodeFix([
      { tag: 35, value: '0' },
      { tag: 58, value: `a${SOH}b é` },
    ]);
    const r = decodeFix(wire);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') {
      expect(Buffer.from(r.msg.get(58) ?? '', 'latin1').toString('utf8')).toBe('a b é');
    }
  });

  it('formats and parses UTCTIMESTAMP', () => {
    const t = Date.UTC(2024, 1, 29, 23, 59, 58, 7);
    expect(formatUtcTimestamp(t)).toBe('20240229-23:59:58.007');
    expect(parseUtcTimestamp('20240229-23:59:58.007')).toBe(t);
    expect(parseUtcTimestamp('20240229-23:59:58')).toBe(t - 7);
    expect(parseUtcTimestamp('2024022-23:59:58')).toBeUndefined();
    expect(parseUtcTimestamp('20241329-23:59:58')).toBeUndefined();
  });
});

describe('codec: repeating groups', () => {
  it('reads NoMDEntryTypes and NoRelatedSym groups', () => {
    const r = decodeFix(
      handBuilt(
        '35=V|49=A|56=B|34=4|52=20240101-00:00:00|262=r1|263=1|264=0|267=3|269=0|269=1|269=2|146=2|55=BTC-USD|55=ETH-USD|',
      ),
    );
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    const types = r.msg.group(Tag.NoMDEntryTypes, Tag.MDEntryType, []);
    expect(types.ok && types.entries.map((e) => e.get(Tag.MDEntryType))).toEqual(['0', '1', '2']);
    const syms = r.msg.group(Tag.NoRelatedSym, Tag.Symbol, [Tag.SecurityDesc]);
    expect(syms.ok && syms.entries.map((e) => e.get(Tag.Symbol))).toEqual(['BTC-USD', 'ETH-USD']);
  });

  it('reads multi-field entries and detects a wrong count', () => {
    const msg = FixMessage.of([
      [35, 'W'],
      [55, 'X'],
      [268, 2],
      [269, '0'],
      [270, '10.5'],
      [271, '3'],
      [269, '1'],
      [270, '11'],
      [271, '4'],
    ]);
    const g = msg.group(Tag.NoMDEntries, Tag.MDEntryType, [Tag.MDEntryPx, Tag.MDEntrySize]);
    expect(g.ok).toBe(true);
    if (g.ok)
      expect(g.entries.map((e) => [e.get(270), e.get(271)])).toEqual([
        ['10.5', '3'],
        ['11', '4'],
      ]);
    const wrong = FixMessage.of([
      [268, 3],
      [269, '0'],
      [269, '1'],
    ]).group(Tag.NoMDEntries, Tag.MDEntryType, []);
    expect(wrong.ok).toBe(false);
  });
});

describe('dictionary validation (FIX44.xml)', () => {
  const base = '49=A|56=B|34=5|52=20240101-00:00:00|';
  const decode = (body: string) => {
    const r = decodeFix(handBuilt(body));
    if (r.kind !== 'ok') throw new Error(r.kind);
    return r.msg;
  };
  it('accepts a valid NewOrderSingle', () => {
    expect(validateMessage(decode(`35=D|${base}11=c|55=X|54=1|60=20240101-00:00:00|38=1|40=2|44=1.5|`))).toBe(
      undefined,
    );
  });
  it('finds a missing required body tag (Side)', () => {
    const p = validateMessage(decode(`35=D|${base}11=c|55=X|60=20240101-00:00:00|38=1|40=2|`));
    expect(p).toMatchObject({ rejectReason: 1, refTagId: 54 });
  });
  it('finds a missing header tag', () => {
    const p = validateMessage(decode('35=0|49=A|56=B|52=20240101-00:00:00|'));
    expect(p).toMatchObject({ rejectReason: 1, refTagId: 34 });
  });
  it('finds a bad data format (PRICE, INT, UTCTIMESTAMP, BOOLEAN, CHAR)', () => {
    const cases: [string, number][] = [
      [`35=D|${base}11=c|54=1|60=20240101-00:00:00|40=2|44=1,5|`, 44],
      [`35=D|${base}11=c|54=1|60=yesterday|40=2|`, 60],
      [`35=0|49=A|56=B|34=x|52=20240101-00:00:00|`, 34],
      [`35=0|${base}43=maybe|`, 43],
      [`35=D|${base}11=c|54=12|60=20240101-00:00:00|40=2|`, 54],
    ];
    for (const [body, tag] of cases) {
      expect(validateMessage(decode(body))).toMatchObject({ rejectReason: 6, refTagId: tag });
    }
  });
  it('tolerates unknown (user-defined) tags', () => {
    expect(validateMessage(decode(`35=0|${base}9999=anything|`))).toBe(undefined);
  });
});

describe('framer', () => {
  const m1 = handBuilt('35=0|49=A|56=B|34=1|52=20240101-00:00:00|');
  const m2 = handBuilt('35=1|49=A|56=B|34=2|52=20240101-00:00:00|112=hello|');
  const frames = (events: ReturnType<FixFramer['push']>) =>
    events.filter((e) => e.kind === 'frame').map((e) => (e.kind === 'frame' ? e.text : ''));
  const b = (s: string) => Buffer.from(s, 'latin1');

  it('splits coalesced messages', () => {
    const f = new FixFramer(4096);
    expect(frames(f.push(b(m1 + m2 + m1)))).toEqual([m1, m2, m1]);
    expect(f.bufferedBytes).toBe(0);
  });

  it('reassembles byte-by-byte partial reads', () => {
    const f = new FixFramer(4096);
    const got: string[] = [];
    for (const ch of m1 + m2) got.push(...frames(f.push(b(ch))));
    expect(got).toEqual([m1, m2]);
  });

  it('skips garbage between and before messages and reports it', () => {
    const f = new FixFramer(4096);
    const ev = f.push(b(`garbage!!${m1}\x00\xff junk 8=FI${m2}`));
    expect(frames(ev)).toEqual([m1, m2]);
    expect(ev.some((e) => e.kind === 'garbage')).toBe(true);
  });

  it('resynchronises after a frame with a wrong BodyLength', () => {
    const f = new FixFramer(4096);
    const bad = m1.replace(/9=(\d+)/, (_, n) => `9=${Number(n) - 3}`);
    expect(frames(f.push(b(bad + m2)))).toEqual([m2]);
  });

  it('flags and skips oversized frames, keeping the bound on buffered bytes', () => {
    const f = new FixFramer(256);
    const big = handBuilt(`35=0|49=A|56=B|34=1|52=20240101-00:00:00|58=${'z'.repeat(500)}|`);
    const ev = f.push(b(big + m1));
    expect(ev.some((e) => e.kind === 'oversized')).toBe(true);
    expect(frames(ev)).toEqual([m1]);
    const g = new FixFramer(256);
    g.push(b('x'.repeat(10_000)));
    expect(g.bufferedBytes).toBeLessThanOrEqual(4);
  });

  it('never throws on random bytes (bounded fuzz)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const f = new FixFramer(512);
    for (let i = 0; i < 2000; i++) {
      const len = rnd() % 64;
      const chunk = Buffer.alloc(len);
      for (let j = 0; j < len; j++) chunk[j] = rnd() % 256;
      const ev = f.push(i % 10 === 0 ? Buffer.concat([chunk, b(m1)]) : chunk);
      for (const e of ev) if (e.kind === 'frame') decodeFix(e.text);
      expect(f.bufferedBytes).toBeLessThanOrEqual(512 + 64);
    }
  });
});
