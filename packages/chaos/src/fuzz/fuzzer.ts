import { Prng } from '../random/prng.js';
import { type Endpoint, FuzzConnection, openSession, type Transport, utcTimestamp } from './connection.js';
import { type CaseInput, corpus, type Expectation, type FuzzCase, orderBody } from './corpus.js';
import { encodeFrame, framerDeficit, type RawField, type WireMessage } from './frame.js';
import { MUTATIONS, type MutationKind, mutate, wellFramed } from './mutate.js';
import { diffBooks, maxLogPosition, readVenueState, type VenueState } from './venue.js';

export interface FuzzOptions {
  readonly endpoint: Endpoint;
  /** The venue's web server (for /api/cluster and the /md feed). */
  readonly httpUrl: string;
  readonly seed: number;
  /** Random mutations in total, split over the transports. */
  readonly mutations: number;
  readonly transports?: readonly Transport[];
  /** The gateway's frame bound (for the TCP framer model); default 64 KiB. */
  readonly frameBytesMax?: number;
  readonly instrumentIds?: readonly number[];
  /** Whether the venue process still runs (checked after every phase). */
  readonly alive?: () => boolean;
  /** Stop the mutation phase after this long (bounds CI time). */
  readonly mutationBudgetMs?: number;
  readonly log?: (line: string) => void;
  /**
   * The venue's log position now (default: the longest member log from `/api/cluster`, exact in
   * single mode). `null` skips the check: a cluster's log also grows by itself (the gateway's
   * session keep-alive entries), so there only books, witness orders and replicas are compared.
   */
  readonly logPosition?: (() => Promise<number>) | null;
  /** Password of a demo login (CLIENT1..CLIENT4); default `demo`. */
  readonly password?: (login: string) => string;
}

export interface CaseResult {
  readonly name: string;
  readonly transport: Transport;
  readonly expected: string;
  readonly answer: string;
  readonly problem: string | undefined;
}

export interface FuzzReport {
  readonly seed: number;
  readonly cases: readonly CaseResult[];
  readonly mutationsSent: number;
  /** What the gateway answered to the mutations: answer kind -> count. */
  readonly mutationOutcomes: Readonly<Record<string, number>>;
  readonly mutationKinds: Readonly<Record<string, number>>;
  readonly reconnects: number;
  /** Mutations after which the client had to answer a ResendRequest to continue. */
  readonly resendRecoveries: number;
  readonly violations: readonly string[];
  readonly durationMs: number;
  readonly mutationMs: number;
}

const ANSWER_TIMEOUT_MS = 3_000;
const SESSION_USERS: Readonly<Record<Transport, string>> = { tcp: 'CLIENT1', ws: 'CLIENT2' };
const PRELOGON_USER = 'CLIENT3';
const WITNESS_USER = 'CLIENT4';
const WITNESS_SYMBOL = 'ACME';

/** Text summary of what came back (for the report). */
function describe(answers: readonly WireMessage[], closed: boolean): string {
  const parts = answers.map((m) => {
    const t = m.msgType;
    const extra =
      t === '3'
        ? ` 373=${m.get(373)}`
        : t === 'j'
          ? ` 380=${m.get(380)}`
          : t === '8'
            ? ` 150=${m.get(150)}`
            : t === '2'
              ? ` 7=${m.get(7)}`
              : '';
    const text = m.get(58);
    return `${t}${extra}${text === undefined ? '' : ` "${text.slice(0, 60)}"`}`;
  });
  if (closed) parts.push('closed');
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

function expectedText(e: Expectation): string {
  switch (e.kind) {
    case 'reject':
      return `Reject 373=${e.reason}${e.refTag === undefined ? '' : ` 371=${e.refTag}`}`;
    case 'businessReject':
      return `BusinessMessageReject 380=${e.reason}`;
    case 'logout':
      return `${e.reject === undefined ? '' : `Reject 373=${e.reject}, `}Logout ${e.text}, closed`;
    default:
      return e.kind;
  }
}

const hasText = (m: WireMessage | undefined) => (m?.get(58) ?? '').length > 0;

/** Checks the answers to one case against its expectation; returns the problem or undefined. */
function judge(
  c: FuzzCase,
  seq: number,
  answers: readonly WireMessage[],
  closed: boolean,
  probeAnswered: boolean,
  closeCode = 0,
): string | undefined {
  const e = c.expect;
  const only = (pred: (m: WireMessage) => boolean, what: string): string | undefined => {
    const m = answers.find(pred);
    if (m === undefined) return `expected ${what}`;
    if (!hasText(m) && m.msgType !== '2') return `${what} without Text(58)`;
    return undefined;
  };
  if (c.phase === 'session' && !probeAnswered) return 'the session did not answer the TestRequest after it';
  if (c.phase === 'session' && closed) return 'the session was closed';
  switch (e.kind) {
    case 'ignored':
    case 'silent':
      return answers.length === 0 ? undefined : 'expected no answer';
    case 'reject': {
      const p = only((m) => m.msgType === '3', 'Reject(3)');
      if (p !== undefined) return p;
      const m = answers.find((a) => a.msgType === '3')!;
      if (m.get(45) !== String(seq)) return `RefSeqNum(45)=${m.get(45)}, expected ${seq}`;
      if (m.get(373) !== String(e.reason))
        return `SessionRejectReason(373)=${m.get(373)}, expected ${e.reason}`;
      if (e.refTag !== undefined && m.get(371) !== String(e.refTag))
        return `RefTagID(371)=${m.get(371)}, expected ${e.refTag}`;
      return undefined;
    }
    case 'businessReject': {
      const p = only((m) => m.msgType === 'j', 'BusinessMessageReject(j)');
      if (p !== undefined) return p;
      const m = answers.find((a) => a.msgType === 'j')!;
      return m.get(380) === String(e.reason) ? undefined : `380=${m.get(380)}, expected ${e.reason}`;
    }
    case 'execRejected':
      return only(
        (m) => m.msgType === '8' && m.get(11) === e.clOrdId && m.get(150) === '8' && m.get(39) === '8',
        'ExecutionReport Rejected',
      );
    case 'cancelReject':
      return only((m) => m.msgType === '9' && m.get(11) === e.clOrdId, 'OrderCancelReject(9)');
    case 'massCancelRejected':
      return only((m) => m.msgType === 'r' && m.get(11) === e.clOrdId && m.get(531) === '0', 'rejected r');
    case 'resendRequest': {
      const m = answers.find((a) => a.msgType === '2');
      if (m === undefined) return 'expected ResendRequest(2)';
      return m.get(7) === String(seq) ? undefined : `BeginSeqNo(7)=${m.get(7)}, expected ${seq}`;
    }
    case 'logout': {
      if (!closed) return 'the connection was not closed';
      const lo = answers.find((m) => m.msgType === '5');
      if (lo === undefined) return 'no Logout(5) before the close';
      if (!e.text.test(lo.get(58) ?? '')) return `Logout Text "${lo.get(58)}" does not match ${e.text}`;
      if (
        e.reject !== undefined &&
        !answers.some((m) => m.msgType === '3' && m.get(373) === String(e.reject))
      )
        return `expected Reject 373=${e.reject} before the Logout`;
      return undefined;
    }
    case 'wsClose':
      return closed && closeCode === e.code
        ? undefined
        : `expected close code ${e.code}, got ${closed ? closeCode : 'open'}`;
    case 'dropped':
      if (!closed) return 'the connection was not closed';
      return answers.length === 0 ? undefined : 'expected no answer before the close';
  }
}

/** Sends a frame; on TCP, pads with spaces when its BodyLength promises more bytes than it has. */
function sendWire(conn: FuzzConnection, wire: string, frameBytesMax: number, invalidUtf8Text = false): void {
  conn.raw(wire, invalidUtf8Text);
  if (conn.transport === 'tcp') {
    const deficit = framerDeficit(wire, frameBytesMax);
    if (deficit > 0) conn.raw(' '.repeat(deficit));
  }
}

/** Sends TestRequest(1) and waits for its Heartbeat(0): proves the session alive and in sequence. */
async function probe(conn: FuzzConnection, from: number, orResend = false): Promise<WireMessage | undefined> {
  const id = probeId(conn, 0);
  conn.send('1', [['112', id]]);
  return conn.waitFor(
    (m) => (m.msgType === '0' && m.get(112) === id) || (orResend && m.msgType === '2'),
    ANSWER_TIMEOUT_MS,
    from,
  );
}

/** TestReqID of the probe sent with MsgSeqNum conn.seq + delta (unique per connection and seq). */
function probeId(conn: FuzzConnection, delta: number): string {
  return `P${conn.seq + delta}-${conn.id}`;
}

/**
 * Runs the corpus and the seeded mutations against a live venue (FIX over TCP and WebSocket) and
 * checks, per FIX 4.4: the answer to every malformed message, that the session stays in sequence
 * and responsive, that nothing rejected reaches the log, that another account's resting orders are
 * untouched and that the books end as they began.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const transports = options.transports ?? ['tcp', 'ws'];
  const frameBytesMax = options.frameBytesMax ?? 64 * 1024;
  const instrumentIds = options.instrumentIds ?? [1, 2, 3, 4];
  const violations: string[] = [];
  const results: CaseResult[] = [];
  const ep = options.endpoint;
  const pw = options.password ?? (() => 'demo');
  const aliveCheck = (phase: string) => {
    if (options.alive !== undefined && !options.alive())
      violations.push(`the venue process died during ${phase}`);
  };
  const apiLogPosition = async (): Promise<number> => {
    const res = await fetch(`${options.httpUrl}/api/cluster`, { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json()) as { members: Array<{ logPosition: number }> };
    return maxLogPosition(body.members);
  };
  const logPosition = options.logPosition === null ? async () => 0 : (options.logPosition ?? apiLogPosition);

  // Another account's resting orders: nothing the fuzzer sends may touch them.
  const witnessConn = await openSession(ep, 'tcp', WITNESS_USER, pw(WITNESS_USER));
  const witnessOrders: Array<{ orderId: string; clOrdId: string; side: string }> = [];
  for (const [side, px] of [
    ['1', '49.00'],
    ['2', '51.00'],
  ] as const) {
    const clOrdId = `W${side}-${process.pid}-${Date.now() % 1_000_000}`;
    witnessConn.send('D', [
      ['11', clOrdId],
      ['55', WITNESS_SYMBOL],
      ['54', side],
      ['60', utcTimestamp(Date.now())],
      ['38', '10'],
      ['40', '2'],
      ['44', px],
      ['59', '1'],
    ]);
    const ack = await witnessConn.waitFor(
      (m) => m.msgType === '8' && m.get(11) === clOrdId,
      ANSWER_TIMEOUT_MS,
    );
    if (ack?.get(150) !== '0' || ack.get(37) === undefined)
      throw new Error(`witness order not accepted: ${ack?.raw ?? 'no answer'}`);
    witnessOrders.push({ orderId: ack.get(37)!, clOrdId, side });
  }
  const witness = {
    orderId: witnessOrders[0]!.orderId,
    clOrdId: witnessOrders[0]!.clOrdId,
    symbol: WITNESS_SYMBOL,
  };
  const before: VenueState = await readVenueState(options.httpUrl, instrumentIds);
  log(
    `fuzz: witness orders ${witnessOrders.map((w) => w.orderId).join(', ')}; log position ${before.logPosition}`,
  );

  const cases = corpus();
  for (const transport of transports) {
    const user = SESSION_USERS[transport];
    let conn = await openSession(ep, transport, user, pw(user));
    for (const c of cases) {
      if (c.transports !== undefined && !c.transports.includes(transport)) continue;
      if (c.phase === 'prelogon') {
        const fresh = await FuzzConnection.open(ep, transport, PRELOGON_USER);
        const posBefore = await logPosition();
        sendWire(
          fresh,
          c.build({ conn: fresh, seq: 1, witness, password: pw(PRELOGON_USER) }),
          frameBytesMax,
        );
        const closed = await fresh.waitClosed(ANSWER_TIMEOUT_MS);
        const answers = fresh.received.slice();
        let problem = judge(c, 1, answers, closed, true);
        if (problem === undefined && (await logPosition()) !== posBefore) problem = 'the log position moved';
        results.push({
          name: c.name,
          transport,
          expected: expectedText(c.expect),
          answer: describe(answers, closed),
          problem,
        });
        fresh.close();
        continue;
      }
      const seq = conn.seq;
      const mark = conn.received.length;
      const posBefore = c.gatewayOnly ? await logPosition() : 0;
      sendWire(
        conn,
        c.build({ conn, seq, witness, password: pw(user) } satisfies CaseInput),
        frameBytesMax,
        c.invalidUtf8Text,
      );
      conn.seq = seq + (c.consumesSeq ? 1 : 0);
      let probeAnswered = false;
      let closed = false;
      if (c.phase === 'fatal') {
        closed = await conn.waitClosed(ANSWER_TIMEOUT_MS);
      } else {
        const e = c.expect;
        if (e.kind === 'execRejected' || e.kind === 'cancelReject' || e.kind === 'massCancelRejected') {
          await conn.waitFor((m) => m.get(11) === e.clOrdId, ANSWER_TIMEOUT_MS, mark);
        }
        probeAnswered = (await probe(conn, mark)) !== undefined;
        closed = conn.closed;
      }
      // Execution reports of earlier cases may still arrive (they travel through the log): only
      // this case's own ClOrdID counts for the application answers.
      const e = c.expect;
      const own = 'clOrdId' in e ? e.clOrdId : undefined;
      const answers = conn.received
        .slice(mark)
        .filter((m) => !(m.msgType === '0' && m.get(112)?.startsWith('P')))
        .filter((m) => !['8', '9', 'r'].includes(m.msgType) || m.get(11) === own);
      let problem = judge(c, seq, answers, closed, probeAnswered, conn.closeCode);
      if (problem === undefined && c.gatewayOnly && (await logPosition()) !== posBefore) {
        problem = 'rejected input reached the log (log position moved)';
      }
      results.push({
        name: c.name,
        transport,
        expected: expectedText(c.expect),
        answer: describe(answers, closed),
        problem,
      });
      if (conn.closed) {
        conn.close();
        conn = await openSession(ep, transport, user, pw(user));
      }
    }
    // Junk before a Logon does not stop the Logon.
    {
      const fresh = await FuzzConnection.open(ep, transport, PRELOGON_USER);
      fresh.raw('\x00\xff garbage before the logon \x01\x01 8=FYX');
      const answer = await fresh.logon(pw(PRELOGON_USER));
      results.push({
        name: 'junk before a valid Logon',
        transport,
        expected: 'Logon',
        answer: answer === undefined ? 'nothing' : describe([answer], false),
        problem: answer?.msgType === 'A' ? undefined : 'the Logon after junk was not accepted',
      });
      fresh.close();
    }
    conn.close();
    aliveCheck(`the corpus over ${transport}`);
  }

  // Seeded random mutations of valid messages.
  const rnd = new Prng(options.seed);
  const outcomes: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  let sent = 0;
  let reconnects = 0;
  let resendRecoveries = 0;
  const mutationStart = Date.now();
  const budgetEnd = mutationStart + (options.mutationBudgetMs ?? Number.POSITIVE_INFINITY);
  const perTransport = Math.ceil(options.mutations / transports.length);
  for (const transport of transports) {
    const user = SESSION_USERS[transport];
    let conn = await openSession(ep, transport, user, pw(user));
    for (let i = 0; i < perTransport && sent < options.mutations && Date.now() < budgetEnd; i++) {
      const seq = conn.seq;
      const mark = conn.received.length;
      const base = baseMessage(rnd, conn, seq, i);
      const kind: MutationKind = rnd.pick(MUTATIONS);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const wire = mutate(rnd, base, kind);
      sendWire(conn, wire, frameBytesMax);
      sent++;
      // Whatever the mutation did to the inbound sequence, a SequenceReset-Reset (honoured
      // whatever its MsgSeqNum) brings it to seq+1; the TestRequest then proves the session alive.
      conn.raw(encodeFrame([...conn.header('4', seq + 1), ['36', String(seq + 1)]]));
      conn.seq = seq + 1;
      let hb = await probe(conn, mark, true);
      if (hb?.msgType === '2')
        hb = await conn.waitFor((m) => m.msgType === '0' && m.get(112) === probeId(conn, -1), 300, mark);
      if (hb === undefined && !conn.closed && conn.received.slice(mark).some((m) => m.msgType === '2')) {
        // The mutated frame swallowed the SequenceReset on the TCP stream (e.g. a truncated header
        // merged with it): the TestRequest was then too high and the gateway asked for a resend, as
        // FIX requires. Answer like a FIX client: reset the sequence, probe again.
        resendRecoveries++;
        conn.raw(encodeFrame([...conn.header('4', conn.seq), ['36', String(conn.seq)]]));
        hb = await probe(conn, mark);
      }
      const answers = conn.received.slice(mark).filter((m) => m !== hb);
      const label = conn.closed
        ? 'logout+close'
        : answers.length === 0
          ? wellFramed(wire)
            ? 'accepted-silently'
            : 'ignored'
          : [...new Set(answers.map((m) => m.msgType))].sort().join('+');
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      for (const m of answers) {
        if (
          (m.msgType === '3' || m.msgType === 'j' || m.msgType === '9' || m.msgType === '5') &&
          !hasText(m)
        ) {
          violations.push(`mutation ${sent} (${kind}): ${m.msgType} without Text(58): ${m.raw}`);
        }
        if (m.msgType === '8' && m.get(150) === '8' && !hasText(m)) {
          violations.push(`mutation ${sent} (${kind}): rejected ExecutionReport without Text(58)`);
        }
      }
      if (!conn.closed && hb === undefined) {
        violations.push(
          `mutation ${sent} (${kind}) on ${transport}: no answer to the TestRequest after it (${JSON.stringify(wire.slice(0, 200))})`,
        );
      }
      if (conn.closed || hb === undefined) {
        conn.close();
        reconnects++;
        conn = await openSession(ep, transport, user, pw(user));
      }
    }
    // Cancel whatever a mutation managed to place (valid orders are allowed), then compare books.
    const id = `CLEAN-${transport}-${Date.now() % 1_000_000}`;
    const mark = conn.received.length;
    conn.send('q', [
      ['11', id],
      ['530', '7'],
      ['60', utcTimestamp(Date.now())],
    ]);
    const report = await conn.waitFor((m) => m.msgType === 'r' && m.get(11) === id, ANSWER_TIMEOUT_MS, mark);
    if (report === undefined) violations.push(`no OrderMassCancelReport for the clean-up on ${transport}`);
    for (const m of conn.malformed) violations.push(`malformed frame from the gateway on ${transport}: ${m}`);
    conn.close();
    aliveCheck(`the mutations over ${transport}`);
  }
  const mutationMs = Date.now() - mutationStart;

  // The other account's orders are untouched and the books are as before.
  for (const w of witnessOrders) {
    const id = `WS-${w.orderId}`;
    witnessConn.send('H', [
      ['37', w.orderId],
      ['11', id],
      ['55', WITNESS_SYMBOL],
      ['54', w.side],
    ]);
    const st = await witnessConn.waitFor(
      (m) => m.msgType === '8' && m.get(11) === w.clOrdId && m.get(150) === 'I',
      ANSWER_TIMEOUT_MS,
    );
    if (st?.get(39) !== '0' || st.get(151) !== '10' || st.get(14) !== '0') {
      violations.push(
        `witness order ${w.orderId} changed: ${st?.raw.split('\x01').join('|') ?? 'no status answer'}`,
      );
    }
  }
  const after = await readVenueState(options.httpUrl, instrumentIds);
  const diff = diffBooks(before, after);
  if (diff !== '') violations.push(`books differ after fuzzing: ${diff}`);
  // The witness cancels its orders so that the venue ends as it began.
  for (const w of witnessOrders) {
    witnessConn.send('F', [
      ['37', w.orderId],
      ['41', w.clOrdId],
      ['11', `WC-${w.orderId}`],
      ['55', WITNESS_SYMBOL],
      ['54', w.side],
      ['60', utcTimestamp(Date.now())],
      ['38', '10'],
    ]);
  }
  await witnessConn.waitFor((m) => m.get(11) === `WC-${witnessOrders[1]!.orderId}`, ANSWER_TIMEOUT_MS);
  witnessConn.close();
  for (const r of results)
    if (r.problem !== undefined)
      violations.push(`${r.transport} "${r.name}": ${r.problem} (got: ${r.answer})`);
  aliveCheck('the whole run');
  return {
    seed: options.seed,
    cases: results,
    mutationsSent: sent,
    mutationOutcomes: outcomes,
    mutationKinds: kinds,
    reconnects,
    resendRecoveries,
    violations,
    durationMs: Date.now() - started,
    mutationMs,
  };
}

/** A valid message to mutate: orders (IOC, never resting), cancels, status, lists, heartbeats. */
function baseMessage(rnd: Prng, conn: FuzzConnection, seq: number, i: number): RawField[] {
  const h = conn.header(rnd.pick(['D', 'D', 'D', 'F', 'G', 'H', 'q', 'x', 'V', '0', '1']), seq);
  const type = h[0]![1];
  const id = `M${i}-${seq}`;
  const ts = utcTimestamp(Date.now());
  switch (type) {
    case 'D':
      return [
        ...h,
        ...orderBody(id, { '38': String(rnd.int(1, 5)), '44': `${rnd.int(90, 99)}.${rnd.int(10, 99)}` }),
      ];
    case 'F':
      return [...h, ['41', `M${i}`], ['11', id], ['55', 'ZVZZT'], ['54', '1'], ['60', ts], ['38', '1']];
    case 'G':
      return [
        ...h,
        ['41', `M${i}`],
        ['11', id],
        ['55', 'ZVZZT'],
        ['54', '1'],
        ['60', ts],
        ['38', '2'],
        ['40', '2'],
        ['44', '91.00'],
      ];
    case 'H':
      return [...h, ['11', `M${i}`], ['55', 'ZVZZT'], ['54', '1']];
    case 'q':
      return [...h, ['11', id], ['530', '1'], ['55', 'ZVZZT'], ['60', ts]];
    case 'x':
      return [...h, ['320', id], ['559', '4']];
    case 'V':
      return [
        ...h,
        ['262', id],
        ['263', '0'],
        ['264', '5'],
        ['267', '2'],
        ['269', '0'],
        ['269', '1'],
        ['146', '1'],
        ['55', 'ZVZZT'],
      ];
    case '1':
      return [...h, ['112', id]];
    default:
      return h;
  }
}
