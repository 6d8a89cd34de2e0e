import { decodeFix, encodeFix, type FixField, type FixMessage, fixTimestamp } from './fix.js';

// FIX session state without sockets or timers (the caller passes `nowMs`): sequence numbers that
// continue across reconnects, Logon, heartbeat/TestRequest round trips (latency), inbound gap
// handling with ResendRequest, and sequence reset gap fills.

export interface SessionConfig {
  readonly username: string;
  readonly password: string;
  readonly targetCompId: string;
  readonly heartBtIntSec: number;
}

export type SessionEvent =
  | { kind: 'loggedOn' }
  | { kind: 'app'; msg: FixMessage }
  | { kind: 'logout'; text: string | undefined }
  | { kind: 'latency'; rttMs: number }
  | { kind: 'reject'; msg: FixMessage }
  | { kind: 'garbled'; error: string };

const QUEUED_MAX = 10_000;

export class FixSessionCore {
  /** Next MsgSeqNum we send. */
  nextOutSeq = 1;
  /** Next MsgSeqNum we expect. */
  nextInSeq = 1;
  loggedOn = false;
  private resendPending = false;
  /** Messages above the expected seq while a resend is outstanding, by seq. */
  private readonly queued = new Map<number, FixMessage>();
  private readonly pendingTests = new Map<string, number>();
  private testCounter = 0;

  constructor(readonly config: SessionConfig) {}

  private frame(fields: ReadonlyArray<FixField>, nowMs: number): string {
    const [first, ...rest] = fields;
    if (first === undefined) throw new Error('empty message');
    const header: FixField[] = [
      first,
      [49, this.config.username],
      [56, this.config.targetCompId],
      [34, String(this.nextOutSeq++)],
      [52, fixTimestamp(nowMs)],
    ];
    return encodeFix([...header, ...rest]);
  }

  /** Logon for a new connection. `reset` only for a fresh start (both sides restart at 1). */
  logon(nowMs: number, reset: boolean): string {
    this.loggedOn = false;
    this.resendPending = false;
    this.queued.clear();
    this.pendingTests.clear();
    if (reset) {
      this.nextOutSeq = 1;
      this.nextInSeq = 1;
    }
    const fields: FixField[] = [
      [35, 'A'],
      [98, '0'],
      [108, String(this.config.heartBtIntSec)],
      [553, this.config.username],
      [554, this.config.password],
    ];
    if (reset) fields.push([141, 'Y']);
    return this.frame(fields, nowMs);
  }

  /** An application message (fields start with 35). */
  app(fields: ReadonlyArray<FixField>, nowMs: number): string {
    return this.frame(fields, nowMs);
  }

  /** A TestRequest whose Heartbeat answer gives the round-trip latency. */
  testRequest(nowMs: number): string {
    const id = `T${++this.testCounter}`;
    this.pendingTests.set(id, nowMs);
    if (this.pendingTests.size > 16) this.pendingTests.delete(this.pendingTests.keys().next().value!);
    return this.frame(
      [
        [35, '1'],
        [112, id],
      ],
      nowMs,
    );
  }

  heartbeat(nowMs: number): string {
    return this.frame([[35, '0']], nowMs);
  }

  logout(nowMs: number): string {
    return this.frame([[35, '5']], nowMs);
  }

  /** Handles one inbound frame; returns events and frames to send back. */
  receive(frame: string, nowMs: number): { events: SessionEvent[]; replies: string[] } {
    const events: SessionEvent[] = [];
    const replies: string[] = [];
    const decoded = decodeFix(frame);
    if (!decoded.ok) {
      events.push({ kind: 'garbled', error: decoded.error });
      return { events, replies };
    }
    const msg = decoded.msg;
    const seq = Number(msg.get(34));
    if (!Number.isSafeInteger(seq) || seq <= 0) {
      events.push({ kind: 'garbled', error: 'MsgSeqNum(34) missing' });
      return { events, replies };
    }
    const type = msg.msgType;
    if (type === '5') {
      // Logout: the text may tell us the sequence the venue expects.
      const text = msg.get(58);
      const m = text === undefined ? null : /expecting (\d+)/.exec(text);
      if (m?.[1] !== undefined && /too low/.test(text ?? '')) this.nextOutSeq = Number(m[1]);
      this.loggedOn = false;
      events.push({ kind: 'logout', text });
      return { events, replies };
    }
    if (type === '4' && msg.get(123) !== 'Y') {
      // SequenceReset-Reset: honoured whatever its seq.
      this.nextInSeq = Number(msg.get(36) ?? this.nextInSeq);
      return { events, replies };
    }
    if (type === 'A') {
      this.loggedOn = true;
      events.push({ kind: 'loggedOn' });
    }
    if (seq < this.nextInSeq) return { events, replies }; // already processed (PossDup replay)
    if (seq > this.nextInSeq) {
      if (this.queued.size < QUEUED_MAX) this.queued.set(seq, msg);
      if (!this.resendPending) {
        this.resendPending = true;
        replies.push(
          this.frame(
            [
              [35, '2'],
              [7, String(this.nextInSeq)],
              [16, '0'],
            ],
            nowMs,
          ),
        );
      }
      return { events, replies };
    }
    this.process(msg, nowMs, events, replies);
    // Drain queued messages that are now in order.
    for (
      let next = this.queued.get(this.nextInSeq);
      next !== undefined;
      next = this.queued.get(this.nextInSeq)
    ) {
      this.queued.delete(this.nextInSeq);
      this.process(next, nowMs, events, replies);
    }
    for (const s of this.queued.keys()) if (s < this.nextInSeq) this.queued.delete(s);
    if (this.queued.size === 0) this.resendPending = false;
    return { events, replies };
  }

  private process(msg: FixMessage, nowMs: number, events: SessionEvent[], replies: string[]): void {
    const seq = Number(msg.get(34));
    this.nextInSeq = seq + 1;
    switch (msg.msgType) {
      case 'A':
        return;
      case '4': {
        const newSeq = Number(msg.get(36));
        if (Number.isSafeInteger(newSeq) && newSeq > this.nextInSeq) this.nextInSeq = newSeq;
        return;
      }
      case '0': {
        const id = msg.get(112);
        const sent = id === undefined ? undefined : this.pendingTests.get(id);
        if (id !== undefined && sent !== undefined) {
          this.pendingTests.delete(id);
          events.push({ kind: 'latency', rttMs: nowMs - sent });
        }
        return;
      }
      case '1':
        replies.push(
          this.frame(
            [[35, '0'], ...(msg.get(112) === undefined ? [] : [[112, msg.get(112)!] as const])],
            nowMs,
          ),
        );
        return;
      case '2': {
        // The venue asks for a resend. We keep no journal (an order is never re-sent blindly: the
        // trader sees its state from the venue), so one SequenceReset-GapFill covers the range; it
        // carries the first requested seq as its own MsgSeqNum and does not consume a new one.
        const next = this.nextOutSeq;
        const begin = Number(msg.get(7));
        this.nextOutSeq = Number.isSafeInteger(begin) && begin >= 1 && begin < next ? begin : next;
        replies.push(
          this.frame(
            [
              [35, '4'],
              [123, 'Y'],
              [36, String(next)],
              [43, 'Y'],
            ],
            nowMs,
          ),
        );
        this.nextOutSeq = next;
        return;
      }
      case '3':
        events.push({ kind: 'reject', msg });
        return;
      default:
        events.push({ kind: 'app', msg });
    }
  }
}
