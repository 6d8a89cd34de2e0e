import type { FuzzConnection } from './connection.js';
import { encodeFrame, type RawField, SOH } from './frame.js';

/** What FIX 4.4 requires the gateway to answer to one malformed message. */
export type Expectation =
  /** Garbled (bad CheckSum/BodyLength/BeginString position): ignored, MsgSeqNum not consumed, no answer. */
  | { readonly kind: 'ignored' }
  /** Accepted without an answer (e.g. a user-defined tag on a Heartbeat); MsgSeqNum consumed. */
  | { readonly kind: 'silent' }
  /** Session-level Reject(3) with RefSeqNum(45), SessionRejectReason(373) and Text(58). */
  | { readonly kind: 'reject'; readonly reason: number; readonly refTag?: number }
  /** BusinessMessageReject(j) with BusinessRejectReason(380) and Text(58). */
  | { readonly kind: 'businessReject'; readonly reason: number }
  /** ExecutionReport 150=8/39=8 with Text(58) for ClOrdID `clOrdId`. */
  | { readonly kind: 'execRejected'; readonly clOrdId: string }
  /** OrderCancelReject(9) with Text(58) for ClOrdID `clOrdId`. */
  | { readonly kind: 'cancelReject'; readonly clOrdId: string }
  /** OrderMassCancelReport(r) refusing the request (531=0) with Text(58). */
  | { readonly kind: 'massCancelRejected'; readonly clOrdId: string }
  /** Too-high MsgSeqNum: ResendRequest(2) from the expected number; the message is not processed. */
  | { readonly kind: 'resendRequest' }
  /** Logout(5) with Text(58) matching `text`, then the connection closes. */
  | { readonly kind: 'logout'; readonly text: RegExp; readonly reject?: number }
  /** Before Logon: the connection is closed without any session answer. */
  | { readonly kind: 'dropped' }
  /** WebSocket only: the server fails the connection with this close code (RFC 6455). */
  | { readonly kind: 'wsClose'; readonly code: number };

export interface CaseInput {
  readonly conn: FuzzConnection;
  /** The connection's login password (for the Logon cases that must fail for another reason). */
  readonly password: string;
  /** MsgSeqNum this case's message carries when it is in sequence. */
  readonly seq: number;
  /** Another account's resting order (authorization cases). */
  readonly witness: { readonly orderId: string; readonly clOrdId: string; readonly symbol: string };
}

export interface FuzzCase {
  readonly name: string;
  /** `prelogon` cases run on a fresh connection; `fatal` ones end the session. */
  readonly phase: 'prelogon' | 'session' | 'fatal';
  /** Does a correct gateway consume the MsgSeqNum of this message? */
  readonly consumesSeq: boolean;
  /** Refused before the replicated log: the log position must not move. */
  readonly gatewayOnly: boolean;
  readonly expect: Expectation;
  /** Only over these transports (default both). */
  readonly transports?: ReadonlyArray<'tcp' | 'ws'>;
  /** WebSocket: send as a text frame even when the bytes are not UTF-8. */
  readonly invalidUtf8Text?: boolean;
  build(input: CaseInput): string;
}

const ts = () => new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');
const hdr = (c: FuzzConnection, type: string, seq: number, extra: RawField[] = []): RawField[] => [
  ['35', type],
  ['49', c.compId],
  ['56', 'VENUE'],
  ['34', String(seq)],
  ['52', ts()],
  ...extra,
];

/** A valid IOC buy on the quiet symbol: against an empty book it never rests. */
export function orderBody(clOrdId: string, over: Record<string, string | null> = {}): RawField[] {
  const base: Array<[string, string]> = [
    ['11', clOrdId],
    ['55', 'ZVZZT'],
    ['54', '1'],
    ['60', ts()],
    ['38', '1'],
    ['40', '2'],
    ['44', '90.00'],
    ['59', '3'],
  ];
  const out: RawField[] = [];
  for (const [t, v] of base) {
    const o = over[t];
    if (o === null) continue;
    out.push([t, o ?? v]);
  }
  for (const [t, v] of Object.entries(over)) if (v !== null && !base.some(([b]) => b === t)) out.push([t, v]);
  return out;
}

const order = (c: FuzzConnection, seq: number, id: string, over: Record<string, string | null> = {}) =>
  encodeFrame([...hdr(c, 'D', seq), ...orderBody(id, over)]);

/** The wrong password the corpus tries: distinctive, so a log that prints it is easy to find. */
export const WRONG_PASSWORD = 'Wr0ng-Guess-7c1d';

let idCounter = 0;
/** ClOrdIDs unique per run (the venue deduplicates by (session, ClOrdID)). */
const uid = (p: string) => `${p}${(++idCounter).toString(36)}${process.pid.toString(36)}`;

function junk(bytes: number, seed: number): string {
  let s = seed >>> 0;
  let out = '';
  while (out.length < bytes) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode((s >>> 16) & 0xff);
  }
  return out.split('8=FIX').join('8=FYX');
}

/** The corpus: one case per malformation, each with the answer FIX 4.4 requires. */
export function corpus(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const garbled = (name: string, build: (i: CaseInput) => string) =>
    cases.push({
      name,
      phase: 'session',
      consumesSeq: false,
      gatewayOnly: true,
      expect: { kind: 'ignored' },
      build,
    });
  garbled('checksum off by one', (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('g'))], { checksumDelta: 1 }),
  );
  garbled('checksum of two digits', (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('g'))], { checksumText: '12' }),
  );
  garbled('body length 3 too short', (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('g'))], { bodyLengthDelta: -3 }),
  );
  garbled('body length 5 too long', (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('g'))], { bodyLengthDelta: 5 }),
  );
  garbled('body length not a number', (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('g'))], { bodyLengthText: 'abc' }),
  );
  garbled('BeginString missing', (i) => {
    const f = order(i.conn, i.seq, uid('g'));
    return f.slice(f.indexOf(SOH) + 1);
  });
  garbled('MsgType not the third field', (i) => {
    const h = hdr(i.conn, 'D', i.seq);
    return encodeFrame([h[1]!, h[0]!, ...h.slice(2), ...orderBody(uid('g'))]);
  });
  garbled('2 KiB of binary junk', () => junk(2048, 7));
  garbled('junk after a fake 8=FIX header', () => `8=FIX.4.4${SOH}9=x${junk(300, 11)}`);
  garbled('pipe-delimited message on a SOH connection', (i) =>
    order(i.conn, i.seq, uid('g')).split(SOH).join('|'),
  );
  garbled('NUL and high bytes', () => '\x00\x00\xff\xfe\x80'.repeat(50));

  const reject = (
    name: string,
    reason: number,
    refTag: number | undefined,
    build: (i: CaseInput) => string,
  ) =>
    cases.push({
      name,
      phase: 'session',
      consumesSeq: true,
      gatewayOnly: true,
      expect: refTag === undefined ? { kind: 'reject', reason } : { kind: 'reject', reason, refTag },
      build,
    });
  reject('required tag missing: Side(54)', 1, 54, (i) => order(i.conn, i.seq, uid('r'), { '54': null }));
  reject('tag without value: Price(44)=', 4, 44, (i) => order(i.conn, i.seq, uid('r'), { '44': '' }));
  reject('non-numeric price', 6, 44, (i) => order(i.conn, i.seq, uid('r'), { '44': 'abc' }));
  reject('quantity in exponent form', 6, 38, (i) => order(i.conn, i.seq, uid('r'), { '38': '1e3' }));
  reject('duplicated tag: Symbol(55) twice', 13, 55, (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('r')), ['55', 'ZVZZT']]),
  );
  reject('tag number not a number', 0, undefined, (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('r')), ['abc', '1']]),
  );
  reject('tag number 0', 0, undefined, (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('r')), ['0', '1']]),
  );
  reject('MsgType not defined by FIX 4.4', 11, 35, (i) => encodeFrame(hdr(i.conn, 'ZZ', i.seq)));
  reject('duplicated tag: Side(54) twice with different values', 13, 54, (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq), ...orderBody(uid('r')), ['54', '2']]),
  );
  reject('PossDupFlag without OrigSendingTime', 1, 122, (i) =>
    encodeFrame([...hdr(i.conn, 'D', i.seq, [['43', 'Y']]), ...orderBody(uid('r'))]),
  );
  reject('malformed SendingTime(52)', 6, 52, (i) =>
    encodeFrame([
      ['35', '0'],
      ['49', i.conn.compId],
      ['56', 'VENUE'],
      ['34', String(i.seq)],
      ['52', 'yesterday'],
    ]),
  );
  reject('TestRequest without TestReqID(112)', 1, 112, (i) => encodeFrame(hdr(i.conn, '1', i.seq)));
  reject('ResendRequest with a non-numeric BeginSeqNo', 6, 7, (i) =>
    encodeFrame([...hdr(i.conn, '2', i.seq), ['7', 'x'], ['16', '0']]),
  );
  reject('SequenceReset-GapFill moving backwards', 5, 36, (i) =>
    encodeFrame([...hdr(i.conn, '4', i.seq), ['123', 'Y'], ['36', '1']]),
  );

  cases.push({
    name: 'unsupported FIX 4.4 message type (NewOrderList)',
    phase: 'session',
    consumesSeq: true,
    gatewayOnly: true,
    expect: { kind: 'businessReject', reason: 3 },
    build: (i) =>
      encodeFrame([...hdr(i.conn, 'E', i.seq), ['66', 'L1'], ['394', '3'], ['68', '0'], ['73', '0']]),
  });
  cases.push({
    name: 'enormous user-defined field on a Heartbeat (30 KiB, under the 64 KiB limit)',
    phase: 'session',
    consumesSeq: true,
    gatewayOnly: true,
    expect: { kind: 'silent' },
    build: (i) => encodeFrame([...hdr(i.conn, '0', i.seq), ['5001', 'A'.repeat(30 * 1024)]]),
  });

  const execRejected = (name: string, over: Record<string, string | null>, gatewayOnly = true) => {
    const id = uid('x');
    cases.push({
      name,
      phase: 'session',
      consumesSeq: true,
      gatewayOnly,
      expect: { kind: 'execRejected', clOrdId: id },
      build: (i) => order(i.conn, i.seq, id, over),
    });
  };
  // The venue refuses an order's content (including enum values outside what it supports) at the
  // application level: an ExecutionReport Rejected with Text names the problem and the ClOrdID.
  // An unknown Side cannot be echoed on an ExecutionReport (Side is required there): the gateway
  // answers BusinessMessageReject 380=0 with Text.
  cases.push({
    name: 'unknown Side(54)=9',
    phase: 'session',
    consumesSeq: true,
    gatewayOnly: true,
    expect: { kind: 'businessReject', reason: 0 },
    build: (i) => order(i.conn, i.seq, uid('x'), { '54': '9' }),
  });
  execRejected('unknown OrdType(40)=Z', { '40': 'Z' });
  execRejected('Symbol(55) missing (venue-required; optional in FIX44.xml)', { '55': null });
  execRejected('negative quantity', { '38': '-5' });
  execRejected('zero quantity', { '38': '0' });
  execRejected('price off the tick grid', { '44': '90.005' });
  execRejected('unknown symbol', { '55': 'NOPE' });
  execRejected('price of 25 digits', { '44': '9999999999999999999999999' });
  execRejected('GTD without ExpireTime(126)', { '59': '6' });
  execRejected("another account's Account(1)", { '1': 'CLIENT4' });
  cases.push({
    name: 'ClOrdID(11) of 20 KiB',
    phase: 'session',
    consumesSeq: true,
    gatewayOnly: true,
    expect: { kind: 'execRejected', clOrdId: 'X'.repeat(20 * 1024) },
    build: (i) => order(i.conn, i.seq, 'X'.repeat(20 * 1024)),
  });

  // Authorization: another account's resting order (the witness) cannot be seen or touched.
  const cxl = (name: string, type: 'F' | 'G', byOrderId: boolean) => {
    const id = uid('a');
    cases.push({
      name,
      phase: 'session',
      consumesSeq: true,
      gatewayOnly: false,
      expect: { kind: 'cancelReject', clOrdId: id },
      build: (i) =>
        encodeFrame([
          ...hdr(i.conn, type, i.seq),
          ...(byOrderId ? ([['37', i.witness.orderId]] as RawField[]) : []),
          ['41', i.witness.clOrdId],
          ['11', id],
          ['55', i.witness.symbol],
          ['54', '1'],
          ['60', ts()],
          ['38', '10'],
          ...(type === 'G'
            ? ([
                ['40', '2'],
                ['44', '49.50'],
              ] as RawField[])
            : []),
        ]),
    });
  };
  cxl("cancel another account's order by OrderID", 'F', true);
  cxl("cancel another account's order by OrigClOrdID", 'F', false);
  cxl("replace another account's order", 'G', true);
  {
    const id = uid('s');
    cases.push({
      name: "order status of another account's order",
      phase: 'session',
      consumesSeq: true,
      gatewayOnly: false,
      expect: { kind: 'execRejected', clOrdId: id },
      build: (i) =>
        encodeFrame([
          ...hdr(i.conn, 'H', i.seq),
          ['37', i.witness.orderId],
          ['11', id],
          ['55', i.witness.symbol],
          ['54', '1'],
        ]),
    });
  }
  {
    const id = uid('m');
    cases.push({
      name: "mass cancel naming another account's Account(1)",
      phase: 'session',
      consumesSeq: true,
      gatewayOnly: true,
      expect: { kind: 'massCancelRejected', clOrdId: id },
      build: (i) =>
        encodeFrame([...hdr(i.conn, 'q', i.seq), ['11', id], ['530', '7'], ['60', ts()], ['1', 'CLIENT4']]),
    });
  }

  cases.push({
    name: 'MsgSeqNum 5 too high',
    phase: 'session',
    consumesSeq: false,
    gatewayOnly: true,
    expect: { kind: 'resendRequest' },
    build: (i) => encodeFrame(hdr(i.conn, '0', i.seq + 5)),
  });
  cases.push({
    name: 'MsgSeqNum too low with PossDupFlag=Y (a duplicate)',
    phase: 'session',
    consumesSeq: false,
    gatewayOnly: true,
    expect: { kind: 'ignored' },
    build: (i) =>
      encodeFrame([
        ...hdr(i.conn, 'D', i.seq - 1, [
          ['43', 'Y'],
          ['122', ts()],
        ]),
        ...orderBody(uid('d')),
      ]),
  });

  const fatal = (name: string, text: RegExp, build: (i: CaseInput) => string, reject?: number) =>
    cases.push({
      name,
      phase: 'fatal',
      consumesSeq: true,
      gatewayOnly: true,
      expect: reject === undefined ? { kind: 'logout', text } : { kind: 'logout', text, reject },
      build,
    });
  fatal('MsgSeqNum too low without PossDupFlag', /too low/i, (i) => encodeFrame(hdr(i.conn, '0', i.seq - 1)));
  fatal('second Logon on a logged-on session', /Logon/, (i) =>
    encodeFrame([
      ...hdr(i.conn, 'A', i.seq),
      ['98', '0'],
      ['108', '30'],
      ['553', i.conn.compId],
      ['554', i.password],
    ]),
  );
  fatal(
    'wrong SenderCompID',
    /CompID/,
    (i) =>
      encodeFrame([
        ['35', '0'],
        ['49', 'CLIENT3'],
        ['56', 'VENUE'],
        ['34', String(i.seq)],
        ['52', ts()],
      ]),
    9,
  );
  fatal('BeginString FIX.4.2', /BeginString/, (i) =>
    encodeFrame(hdr(i.conn, '0', i.seq), { beginString: 'FIX.4.2' }),
  );
  fatal('message of 70 KiB (over the 64 KiB limit)', /exceeds the limit/, (i) =>
    encodeFrame([...hdr(i.conn, '0', i.seq), ['5001', 'B'.repeat(70 * 1024)]]),
  );
  fatal(
    'SendingTime one hour off',
    /SendingTime/,
    (i) =>
      encodeFrame([
        ['35', '0'],
        ['49', i.conn.compId],
        ['56', 'VENUE'],
        ['34', String(i.seq)],
        [
          '52',
          new Date(Date.now() - 3_600_000).toISOString().replace(/-/g, '').replace('T', '-').replace('Z', ''),
        ],
      ]),
    10,
  );
  fatal('MsgSeqNum(34) missing', /MsgSeqNum/, (i) =>
    encodeFrame([
      ['35', '0'],
      ['49', i.conn.compId],
      ['56', 'VENUE'],
      ['52', ts()],
    ]),
  );

  const pre = (name: string, expect: Expectation, build: (i: CaseInput) => string) =>
    cases.push({ name, phase: 'prelogon', consumesSeq: false, gatewayOnly: true, expect, build });
  pre('an order before Logon', { kind: 'dropped' }, (i) => order(i.conn, 1, uid('p')));
  const logon = (i: CaseInput, over: Record<string, string>) => {
    const body: Record<string, string> = {
      '98': '0',
      '108': '30',
      '141': 'Y',
      '553': i.conn.compId,
      '554': i.password,
      ...over,
    };
    return encodeFrame([...hdr(i.conn, 'A', 1), ...Object.entries(body)]);
  };
  pre('Logon with a wrong password', { kind: 'logout', text: /^Invalid username or password$/ }, (i) =>
    logon(i, { '554': WRONG_PASSWORD }),
  );
  pre('Logon of an unknown user', { kind: 'logout', text: /^Invalid username or password$/ }, (i) => {
    const f = hdr(i.conn, 'A', 1).map(([t, v]): RawField => [t, t === '49' ? 'NOBODY' : v]);
    return encodeFrame([...f, ['98', '0'], ['108', '30'], ['553', 'NOBODY'], ['554', i.password]]);
  });
  pre('Logon with HeartBtInt(108)=0', { kind: 'logout', text: /HeartBtInt/ }, (i) =>
    logon(i, { '108': '0' }),
  );
  pre('Logon to another TargetCompID', { kind: 'logout', text: /TargetCompID/ }, (i) => {
    const f = hdr(i.conn, 'A', 1).map(([t, v]): RawField => [t, t === '56' ? 'ELSEWHERE' : v]);
    return encodeFrame([...f, ['98', '0'], ['108', '30'], ['553', i.conn.compId], ['554', i.password]]);
  });
  pre('Logon with Username(553) unlike SenderCompID', { kind: 'logout', text: /Username/ }, (i) =>
    logon(i, { '553': 'CLIENT4' }),
  );
  cases.push({
    name: 'text frame with invalid UTF-8 (WebSocket protocol error)',
    phase: 'fatal',
    consumesSeq: false,
    gatewayOnly: true,
    expect: { kind: 'wsClose', code: 1007 },
    transports: ['ws'],
    invalidUtf8Text: true,
    build: () => junk(200, 3),
  });
  return cases;
}
