/**
 * A small FIX 4.4 initiator over TCP or WebSocket (demo bots, tests, the chaos workload).
 *
 * Two modes:
 * - **reset** (default): every Logon carries ResetSeqNumFlag(141)=Y, both sides start at 1; what
 *   the venue sent while the client was away is not recovered.
 * - **resume**: pass `seqNums` (an object the client updates in place; give the same object to the
 *   next connection) and/or `seqFile` (a file the numbers are kept in; read when it exists). The
 *   Logon carries 141=N and MsgSeqNum = the next outgoing number, and the client keeps FIX's
 *   sequencing rules on what it receives:
 *   - a MsgSeqNum above the expected one is a gap: one ResendRequest(2) BeginSeqNo=expected,
 *     EndSeqNo=0 (asked again if nothing arrives for `resendRetryMs`); messages past the gap are not
 *     delivered (the resend brings them, in order);
 *   - replays (PossDupFlag=Y) and SequenceReset-GapFill fill the gap; SequenceReset-Reset moves the
 *     expected number; a PossDup below the expected number is a duplicate and is dropped;
 *   - a MsgSeqNum below the expected one without PossDupFlag is fatal: Logout with Text, close
 *     (`seqError` tells why);
 *   - a ResendRequest from the venue is answered with one SequenceReset-GapFill up to our next
 *     number (this client does not replay its own old orders: an engine configured not to resend
 *     stale orders does the same).
 *   Listeners and `waitFor` see messages in sequence order, each once (Logon and Logout always).
 *   `gapOpen` is true while a resend is outstanding.
 *
 * ```ts
 * const seqNums = { nextOut: 1, nextIn: 1 };
 * const c = await FixClient.tcp(host, port, { username, password, seqNums });
 * await c.logon();                  // first time: the venue's store decides (141=N)
 * c.close();                        // ... gateway restarts ...
 * const c2 = await FixClient.tcp(host, port, { username, password, seqNums });
 * await c2.logon();                 // gap detected, resent with PossDupFlag=Y, delivered in order
 * await c2.synced();                // resolves once no gap is open (after a TestRequest round trip)
 * ```
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import {
  decodeFix,
  encodeFix,
  type FixField,
  FixFramer,
  type FixMessage,
  formatUtcTimestamp,
  SOH,
} from '@venue/gateway';
import WebSocket from 'ws';

const FRAME_BYTES_MAX = 64 * 1024;
const RECEIVED_MAX = 10_000;

export interface FixClientOptions {
  readonly username: string;
  readonly password: string;
  readonly targetCompId?: string;
  readonly heartBtIntSec?: number;
  /** Resume mode: sequence numbers continued across connections (updated in place). */
  readonly seqNums?: FixSeqNums;
  /** Resume mode: where the sequence numbers are kept across processes (JSON; read if it exists). */
  readonly seqFile?: string;
  /** Resume mode: ask again for a resend that made no progress for this long (default 2000 ms). */
  readonly resendRetryMs?: number;
  /**
   * Listener attached before the connection delivers anything. Messages of one socket read are
   * delivered synchronously, so one registered with `onMessage` after `await logon()` misses what
   * came in the same read as the Logon answer (e.g. a fill a restarted gateway sends right after it).
   */
  readonly onMessage?: (m: FixMessage) => void;
}

/** The next MsgSeqNum this client sends, and the next one it expects from the venue. */
export interface FixSeqNums {
  nextOut: number;
  nextIn: number;
}

/** Reads sequence numbers kept by a resume-mode client (undefined when the file is missing or bad). */
export function readSeqFile(path: string): FixSeqNums | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<FixSeqNums>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
    return ok(v.nextOut) && ok(v.nextIn) ? { nextOut: v.nextOut, nextIn: v.nextIn } : undefined;
  } catch {
    return undefined;
  }
}

type Waiter = {
  match: (m: FixMessage) => boolean;
  resolve: (m: FixMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

/**
 * A small FIX 4.4 initiator over TCP or WebSocket, for the demo bots and tests: logon, send,
 * wait for a matching message. Answers TestRequest; keeps the last messages received (bounded).
 */
export class FixClient {
  private readonly waiters = new Set<Waiter>();
  readonly received: FixMessage[] = [];
  private listeners: ((m: FixMessage) => void)[] = [];
  private closed = false;
  /** Sequence numbers (resume mode: continued; reset mode: from 1). */
  readonly seqNums: FixSeqNums;
  /** True in resume mode (141=N, sequencing rules applied to what arrives). */
  readonly resume: boolean;
  /** Why the session was ended for a sequence error (resume mode), if it was. */
  seqError: string | undefined;
  /** Resume-mode counters. */
  readonly seqStats = { resendRequestsSent: 0, duplicatesDropped: 0, aheadDropped: 0, gapFillsSent: 0 };
  /** Highest MsgSeqNum seen past a gap (undefined: no resend outstanding). */
  private gapUpTo: number | undefined;
  private resendSentMs = 0;
  private resendSentAtIn = 0;
  private testReqN = 0;

  private constructor(
    private readonly options: FixClientOptions,
    private readonly write: (wire: string) => void,
    private readonly end: () => void,
  ) {
    if (options.onMessage !== undefined) this.listeners.push(options.onMessage);
    this.resume = options.seqNums !== undefined || options.seqFile !== undefined;
    const fromFile = options.seqFile === undefined ? undefined : readSeqFile(options.seqFile);
    this.seqNums = options.seqNums ?? { nextOut: 1, nextIn: 1 };
    if (fromFile !== undefined && options.seqNums === undefined) Object.assign(this.seqNums, fromFile);
    if (!this.resume) {
      this.seqNums.nextOut = 1;
      this.seqNums.nextIn = 1;
    }
  }

  /** Resume mode: a resend is outstanding (a gap in what we received is not filled yet). */
  get gapOpen(): boolean {
    return this.gapUpTo !== undefined;
  }

  /**
   * Resume mode: resolves once everything the venue sent before now has arrived in order (a
   * TestRequest's Heartbeat is received and no gap is open); rejects after `timeoutMs`.
   */
  async synced(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const id = `SYNC-${++this.testReqN}`;
    this.send('1', [[112, id]]);
    await this.waitFor((m) => m.msgType === '0' && m.get(112) === id, timeoutMs);
    while (this.gapOpen) {
      if (Date.now() > deadline) throw new Error(`FixClient(${this.options.username}): gap still open`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  static async tcp(host: string, port: number, options: FixClientOptions): Promise<FixClient> {
    const socket: Socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new FixClient(
      options,
      (wire) => socket.write(wire, 'latin1'),
      () => socket.destroy(),
    );
    const framer = new FixFramer(FRAME_BYTES_MAX);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) if (ev.kind === 'frame') client.onWire(ev.text);
    });
    socket.on('error', () => {});
    socket.on('close', () => client.onClose());
    return client;
  }

  static async ws(url: string, options: FixClientOptions): Promise<FixClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new FixClient(
      options,
      (wire) => ws.send(wire),
      () => ws.terminate(),
    );
    ws.on('message', (data) => client.onWire(String(data)));
    ws.on('error', () => {});
    ws.on('close', () => client.onClose());
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onMessage(listener: (m: FixMessage) => void): void {
    this.listeners.push(listener);
  }

  async logon(timeoutMs = 5_000): Promise<FixMessage> {
    if (!this.resume) {
      this.seqNums.nextOut = 1;
      this.seqNums.nextIn = 1;
    }
    this.send('A', [
      [98, 0],
      [108, this.options.heartBtIntSec ?? 30],
      [141, this.resume ? 'N' : 'Y'],
      [553, this.options.username],
      [554, this.options.password],
    ]);
    return this.waitFor((m) => m.msgType === 'A' || m.msgType === '5', timeoutMs);
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): number {
    const seq = this.seqNums.nextOut++;
    this.saveSeqNums();
    this.sendWithSeq(seq, msgType, body);
    return seq;
  }

  private sendWithSeq(
    seq: number,
    msgType: string,
    body: ReadonlyArray<readonly [number, string | number]>,
    header: ReadonlyArray<readonly [number, string]> = [],
  ): void {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.options.username },
      { tag: 56, value: this.options.targetCompId ?? 'VENUE' },
      { tag: 34, value: String(seq) },
      // nondeterminism-ok: a client stamps its own SendingTime
      { tag: 52, value: formatUtcTimestamp(Date.now()) },
      ...header.map(([tag, value]) => ({ tag, value })),
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    if (!this.closed) this.write(encodeFix(fields));
  }

  private saveSeqNums(): void {
    const file = this.options.seqFile;
    if (file === undefined || !this.resume) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.seqNums));
    renameSync(`${file}.tmp`, file);
  }

  waitFor(match: (m: FixMessage) => boolean, timeoutMs = 5_000): Promise<FixMessage> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(`FixClient(${this.options.username}): no matching message within ${timeoutMs} ms`),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    if (!this.closed) this.send('5', []);
    this.end();
    this.onClose();
  }

  private onWire(text: string): void {
    const wire = text.includes(SOH) ? text : text.replaceAll('|', SOH);
    const r = decodeFix(wire);
    if (r.kind !== 'ok') return;
    const m = r.msg;
    if (this.resume && !this.sequence(m)) return;
    if (m.msgType === '1') this.send('0', [[112, m.get(112) ?? '']]);
    this.deliver(m);
  }

  private deliver(m: FixMessage): void {
    if (this.received.length >= RECEIVED_MAX) this.received.shift();
    this.received.push(m);
    for (const l of this.listeners) l(m);
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
  }

  /**
   * Resume mode: FIX sequencing of one received message; returns whether it is delivered (and
   * answered) in order. Moves `nextIn`, asks for resends, answers the venue's ResendRequest.
   */
  private sequence(m: FixMessage): boolean {
    const seq = m.getInt(34);
    if (seq === undefined) return false;
    const s = this.seqNums;
    if (this.seqError !== undefined) return false;
    const type = m.msgType;
    const possDup = m.get(43) === 'Y';
    if (type === '2' && m.get(43) !== 'Y') this.answerResendRequest(m);
    if (type === '4' && m.get(123) !== 'Y') {
      // SequenceReset-Reset: honoured whatever its MsgSeqNum.
      const next = m.getInt(36);
      if (next !== undefined && next >= s.nextIn) this.moveIn(next);
      return false;
    }
    if (type === 'A' && m.get(141) === 'Y') this.moveIn(seq); // the venue reset both directions
    if (seq > s.nextIn) {
      const now = Date.now();
      const stalled =
        this.gapUpTo !== undefined && now - this.resendSentMs > (this.options.resendRetryMs ?? 2_000);
      if (this.gapUpTo === undefined || (stalled && this.resendSentAtIn === s.nextIn)) {
        this.send('2', [
          [7, s.nextIn],
          [16, 0],
        ]);
        this.seqStats.resendRequestsSent++;
        this.resendSentMs = now;
        this.resendSentAtIn = s.nextIn;
      } else if (stalled) {
        this.resendSentMs = now;
        this.resendSentAtIn = s.nextIn;
      }
      this.gapUpTo = Math.max(this.gapUpTo ?? 0, seq);
      // Logon and Logout act at once (the gap is filled afterwards); the rest comes again by resend.
      if (type === 'A' || type === '5') return true;
      this.seqStats.aheadDropped++;
      return false;
    }
    if (seq < s.nextIn) {
      if (type === '5') return true; // a Logout's reason is read whatever its number
      if (possDup) {
        this.seqStats.duplicatesDropped++;
        return false;
      }
      this.seqError = `MsgSeqNum too low, expecting ${s.nextIn} but received ${seq}`;
      this.send('5', [[58, this.seqError]]);
      this.end();
      this.onClose();
      const err = new Error(`FixClient(${this.options.username}): ${this.seqError}`);
      for (const w of [...this.waiters]) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.reject(err);
      }
      return false;
    }
    // In order.
    if (type === '4') {
      const next = m.getInt(36);
      this.moveIn(next !== undefined && next > seq ? next : seq + 1);
      return false;
    }
    this.moveIn(seq + 1);
    return true;
  }

  private moveIn(next: number): void {
    this.seqNums.nextIn = next;
    if (this.gapUpTo !== undefined && next > this.gapUpTo) this.gapUpTo = undefined;
    this.saveSeqNums();
  }

  /** The venue asks for our messages from BeginSeqNo: one gap fill up to our next number. */
  private answerResendRequest(m: FixMessage): void {
    const begin = m.getInt(7) ?? 1;
    const next = this.seqNums.nextOut;
    if (begin >= next) return;
    this.sendWithSeq(
      begin,
      '4',
      [
        [123, 'Y'],
        [36, next],
      ],
      [
        [43, 'Y'],
        [122, formatUtcTimestamp(Date.now())],
      ],
    );
    this.seqStats.gapFillsSent++;
  }

  private onClose(): void {
    this.closed = true;
  }
}
