import { readOnlyText } from '../dropcopy/entitlements.js';
import { BEGIN_STRING, decodeFix, encodeFix, formatUtcTimestamp, parseUtcTimestamp } from '../fix/codec.js';
import { fieldName, isFix44MsgType, validateMessage } from '../fix/dictionary.js';
import type { FixField, FixMessage } from '../fix/message.js';
import { BusinessRejectReason, isAdminMsgType, MsgType, SessionRejectReason, Tag } from '../fix/tags.js';
import { storeIsFromEarlierPeriod } from '../schedule/period-store.js';
import { closedText, isoUtc, nextOpenMs, periodAt } from '../schedule/schedule.js';
import type { LogonGuard } from '../security/logon-guard.js';
import type { SessionStore, SessionStoreFactory } from '../store/store.js';
import { type Clock, type SessionConfig, scheduleFor } from './config.js';
import type { AuthenticatedUser, CredentialStore } from './credentials.js';

/** Where a session's output goes: the transport (socket) of its connection. */
export interface SessionOutput {
  /** Writes one canonical (SOH) FIX message. */
  send(wire: string): void;
  /** Closes the connection after flushing what was sent; `reason` is for logs. */
  close(reason: string): void;
  /** Diagnostics (garbled frames, rejects); optional. */
  log?(text: string): void;
  /** The peer's IP address, when the transport knows it (logon guard, per-address limits). */
  readonly remoteAddress?: string | undefined;
}

/** Receives logged-on sessions' application messages (the app layer). */
export interface SessionApplication {
  /** Message types delivered to onMessage; any other FIX 4.4 type gets BusinessMessageReject 380=3. */
  readonly supportedMsgTypes: ReadonlySet<string>;
  onLogon(session: FixSession): void;
  onMessage(session: FixSession, msg: FixMessage): void;
  /** The connection of a logged-on session ended (Logout, error or socket loss). */
  onDisconnect(session: FixSession, reason: string): void;
}

/** Shared by all connections of one acceptor: one logged-on connection per session key. */
export interface SessionDirectory {
  readonly config: SessionConfig;
  readonly clock: Clock;
  readonly credentials: CredentialStore;
  readonly stores: SessionStoreFactory;
  readonly app: SessionApplication;
  /** Slows password guessing (optional: without it every logon is checked). */
  readonly logonGuard?: LogonGuard;
  /** Claims `sessionKey` for `session`; false when another connection holds it. */
  claim(sessionKey: string, session: FixSession): boolean;
  release(sessionKey: string, session: FixSession): void;
}

export type SessionState = 'awaitingLogon' | 'active' | 'loggingOut' | 'closed';

const APP_FIELDS_MAX = 10_000;

/**
 * The FIX 4.4 session layer for one connection, as a deterministic state machine: complete frames
 * (`onFrame`) and time (`onTimer`, from the injected clock) in, messages out through SessionOutput.
 * No sockets or timers inside.
 */
export class FixSession {
  state: SessionState = 'awaitingLogon';
  user: AuthenticatedUser | undefined;
  sessionKey: string | undefined;
  heartBtIntSec = 30;
  private store: SessionStore | undefined;
  private readonly connectedAtMs: number;
  private lastRecvMs: number;
  private lastSentMs: number;
  private testRequestId: string | undefined;
  private testRequestSentMs = 0;
  private logoutSentMs = 0;
  /** Highest inbound seq that triggered our ResendRequest; cleared when the gap is filled. */
  private resendUpToSeq: number | undefined;
  /** When our outstanding ResendRequest was sent, and the expected seq then (to detect progress). */
  private resendSentMs = 0;
  private resendSentAtExpected = 0;
  private throttleTokens: number;
  private throttleRefillMs: number;
  private throttleRejectsWindowStartMs = 0;
  private throttleRejectsInWindow = 0;
  /** End of the logged-on session's schedule period (Infinity when always open). */
  private periodEndMs = Number.POSITIVE_INFINITY;
  /** Set when the period ended while logged on: the store is reset when the connection ends. */
  private periodEnded = false;
  /** Counters for tests and metrics. */
  readonly stats = { garbled: 0, rejects: 0, businessRejects: 0, throttled: 0, received: 0, sent: 0 };

  constructor(
    private readonly dir: SessionDirectory,
    private readonly out: SessionOutput,
  ) {
    const now = dir.clock.nowMs();
    this.connectedAtMs = now;
    this.lastRecvMs = now;
    this.lastSentMs = now;
    this.throttleTokens = dir.config.throttleMsgsPerSec;
    this.throttleRefillMs = now;
  }

  get counterpartyCompId(): string {
    return this.user?.username ?? '';
  }

  /** Next MsgSeqNum we expect (for tests/diagnostics). */
  get expectedTargetSeq(): number | undefined {
    return this.store?.nextTargetSeq;
  }

  get nextSenderSeq(): number | undefined {
    return this.store?.nextSenderSeq;
  }

  private log(text: string): void {
    this.out.log?.(`${this.sessionKey ?? 'pre-logon'}: ${text}`);
  }

  /** The transport saw a frame over the size bound (never decoded). */
  onOversized(sizeBytes: number): void {
    if (this.state === 'closed') return;
    this.fatal(`message of ${sizeBytes} bytes exceeds the limit of ${this.dir.config.frameBytesMax} bytes`);
  }

  /** Garbage bytes between frames: ignored as FIX requires (counted). */
  onGarbage(bytes: number, reason: string): void {
    this.stats.garbled++;
    this.log(`ignored ${bytes} garbage bytes: ${reason}`);
  }

  /** One complete frame in canonical SOH form; `checksumBasis`: see decodeFix. */
  onFrame(text: string, checksumBasis?: string): void {
    if (this.state === 'closed') return;
    const now = this.dir.clock.nowMs();
    if (text.length > this.dir.config.frameBytesMax) {
      this.onOversized(text.length);
      return;
    }
    const decoded = decodeFix(text, checksumBasis);
    if (decoded.kind === 'garbled' && decoded.wrongBeginString === true && this.state === 'active') {
      this.fatal(`Incorrect BeginString: this venue speaks ${BEGIN_STRING}`);
      return;
    }
    if (decoded.kind === 'garbled') {
      this.stats.garbled++;
      this.log(`ignored garbled message: ${decoded.reason}`);
      return;
    }
    this.lastRecvMs = now;
    this.testRequestId = undefined; // any traffic proves the peer alive
    this.stats.received++;
    const msg = decoded.msg;
    if (this.state === 'awaitingLogon') {
      this.onFirstMessage(msg, decoded.kind === 'invalid' ? decoded.text : undefined);
      return;
    }
    if (this.state === 'active' && now >= this.periodEndMs) this.endPeriod(now);
    const store = this.store!;
    const seq = msg.getInt(Tag.MsgSeqNum);
    if (seq === undefined || seq < 1) {
      this.fatal('MsgSeqNum(34) missing or invalid');
      return;
    }
    const msgType = msg.msgType;
    if (msg.get(Tag.SenderCompID) !== this.counterpartyCompId || msg.get(Tag.TargetCompID) !== this.venue) {
      this.sendReject(seq, msgType, SessionRejectReason.CompIdProblem, Tag.SenderCompID, 'CompID problem');
      this.fatal(`CompID problem: expected 49=${this.counterpartyCompId} 56=${this.venue}`);
      return;
    }
    // SequenceReset-Reset and ResendRequest are honoured whatever their MsgSeqNum (FIX 4.4 vol 2).
    if (msgType === MsgType.SequenceReset && msg.get(Tag.GapFillFlag) !== 'Y') {
      this.onSequenceReset(msg, seq, false);
      return;
    }
    const expected = store.nextTargetSeq;
    if (seq > expected) {
      if (msgType === MsgType.ResendRequest && validateMessage(msg) === undefined) {
        if (this.takeThrottleToken(now)) this.onResendRequest(msg);
        else this.stats.throttled++; // (see below: a ResendRequest flood must not amplify)
      }
      if (msgType === MsgType.Logout) {
        this.acknowledgeLogout(msg);
        return;
      }
      if (this.resendUpToSeq === undefined || seq > this.resendUpToSeq) {
        // One outstanding ResendRequest (to infinity) covers everything sent before the peer reads it.
        if (this.resendUpToSeq === undefined) this.sendResendRequest(expected);
        this.resendUpToSeq = seq;
      }
      return;
    }
    if (seq < expected) {
      if (msg.get(Tag.PossDupFlag) === 'Y') {
        if (msgType !== MsgType.SequenceReset && !msg.has(Tag.OrigSendingTime)) {
          this.sendReject(
            seq,
            msgType,
            SessionRejectReason.RequiredTagMissing,
            Tag.OrigSendingTime,
            'Required tag missing: OrigSendingTime(122)',
          );
        }
        return; // a duplicate we already processed: silently ignored
      }
      this.fatal(`MsgSeqNum too low, expecting ${expected} but received ${seq}`);
      return;
    }
    // seq === expected
    if (decoded.kind === 'invalid') {
      this.advanceTarget(seq);
      this.sendReject(seq, msgType, decoded.rejectReason, decoded.refTagId, decoded.text);
      return;
    }
    if (!isFix44MsgType(msgType)) {
      this.advanceTarget(seq);
      this.sendReject(
        seq,
        msgType,
        SessionRejectReason.InvalidMsgType,
        Tag.MsgType,
        `Invalid MsgType '${msgType.slice(0, 8)}'`,
      );
      return;
    }
    const problem = validateMessage(msg);
    if (problem !== undefined) {
      this.advanceTarget(seq);
      this.sendReject(seq, msgType, problem.rejectReason, problem.refTagId, problem.text);
      return;
    }
    // Gap fills are accepted without OrigSendingTime (several engines omit it there).
    if (
      msg.get(Tag.PossDupFlag) === 'Y' &&
      !msg.has(Tag.OrigSendingTime) &&
      msgType !== MsgType.SequenceReset
    ) {
      this.advanceTarget(seq);
      this.sendReject(
        seq,
        msgType,
        SessionRejectReason.RequiredTagMissing,
        Tag.OrigSendingTime,
        'Required tag missing: OrigSendingTime(122)',
      );
      return;
    }
    if (!this.sendingTimeOk(msg, now)) {
      this.sendReject(
        seq,
        msgType,
        SessionRejectReason.SendingTimeAccuracyProblem,
        Tag.SendingTime,
        'SendingTime accuracy problem',
      );
      this.fatal(`SendingTime(52) is more than ${this.dir.config.sendingTimeToleranceMs} ms from venue time`);
      return;
    }
    if (msgType === MsgType.SequenceReset) {
      this.onSequenceReset(msg, seq, true);
      return;
    }
    this.advanceTarget(seq);
    // A ResendRequest replays up to the whole journal: it counts against the throttle like an
    // application message, so that a flood of them cannot amplify into millions of messages.
    if (msgType === MsgType.ResendRequest && !this.takeThrottleToken(now)) {
      this.stats.throttled++;
      this.sendReject(
        seq,
        msgType,
        SessionRejectReason.Other,
        undefined,
        `Throttle limit exceeded: at most ${this.dir.config.throttleMsgsPerSec} messages per second`,
      );
      return;
    }
    if (isAdminMsgType(msgType)) {
      this.onAdmin(msg);
      return;
    }
    if (!this.takeThrottleToken(now)) {
      this.stats.throttled++;
      this.sendBusinessReject(
        seq,
        msgType,
        BusinessRejectReason.Other,
        `Throttle limit exceeded: at most ${this.dir.config.throttleMsgsPerSec} messages per second`,
      );
      return;
    }
    if (this.periodEnded) {
      // Past the scheduled end (we are logging the session out): nothing reaches the application.
      this.sendReject(seq, msgType, SessionRejectReason.Other, undefined, 'Session closed by schedule');
      return;
    }
    if (this.user?.dropCopy !== undefined) {
      // Drop-copy sessions are read-only: every application message is refused (session messages pass).
      this.sendBusinessReject(
        seq,
        msgType,
        BusinessRejectReason.NotAuthorized,
        readOnlyText(this.user, msgType),
      );
      return;
    }
    if (!this.dir.app.supportedMsgTypes.has(msgType)) {
      this.sendBusinessReject(
        seq,
        msgType,
        BusinessRejectReason.UnsupportedMessageType,
        `Unsupported message type ${msgType}`,
      );
      return;
    }
    this.dir.app.onMessage(this, msg);
  }

  private get venue(): string {
    return this.dir.config.venueCompId;
  }

  private sendingTimeOk(msg: FixMessage, now: number): boolean {
    const tol = this.dir.config.sendingTimeToleranceMs;
    if (tol <= 0 || msg.get(Tag.PossDupFlag) === 'Y') return true;
    const t = parseUtcTimestamp(msg.get(Tag.SendingTime) ?? '');
    return t !== undefined && Math.abs(t - now) <= tol;
  }

  private advanceTarget(seq: number): void {
    const next = seq + 1;
    // Inbound sequence numbers never move backwards (only a ResetSeqNumFlag Logon resets them).
    assert(next > this.store!.nextTargetSeq - 1 && next >= 2, `target seq would move back to ${next}`);
    this.store!.setNextTargetSeq(next);
    if (this.resendUpToSeq !== undefined && next > this.resendUpToSeq) this.resendUpToSeq = undefined;
  }

  private onFirstMessage(msg: FixMessage, invalidText: string | undefined): void {
    const cfg = this.dir.config;
    if (msg.msgType !== MsgType.Logon) {
      this.close('first message is not a Logon');
      return;
    }
    const problem = invalidText ?? validateMessage(msg)?.text;
    if (problem !== undefined) {
      this.rejectLogon(msg, `Invalid Logon: ${problem}`);
      return;
    }
    if (msg.get(Tag.TargetCompID) !== cfg.venueCompId) {
      this.rejectLogon(msg, `TargetCompID(56) must be ${cfg.venueCompId}`);
      return;
    }
    const sender = msg.get(Tag.SenderCompID) ?? '';
    const username = msg.get(Tag.Username);
    if (username === undefined || username !== sender) {
      this.rejectLogon(msg, 'Username(553) is required and must equal SenderCompID(49)');
      return;
    }
    const guard = this.dir.logonGuard;
    const address = this.out.remoteAddress;
    const locked = guard?.refusal(username, address, this.dir.clock.nowMs());
    if (locked !== undefined) {
      this.rejectLogon(msg, locked); // the password is not even checked while locked
      return;
    }
    const user = this.dir.credentials.authenticate(username, msg.get(Tag.Password) ?? '');
    if (user === undefined) {
      guard?.failure(username, address, this.dir.clock.nowMs());
      this.rejectLogon(msg, 'Invalid username or password');
      return;
    }
    guard?.success(username);
    if (msg.get(Tag.EncryptMethod) !== '0') {
      this.rejectLogon(msg, 'EncryptMethod(98) must be 0');
      return;
    }
    const hb = msg.getInt(Tag.HeartBtInt) ?? -1;
    if (hb < cfg.heartBtIntSecMin || hb > cfg.heartBtIntSecMax) {
      this.rejectLogon(
        msg,
        `HeartBtInt(108) must be between ${cfg.heartBtIntSecMin} and ${cfg.heartBtIntSecMax}`,
      );
      return;
    }
    const seq = msg.getInt(Tag.MsgSeqNum) ?? 0;
    const reset = msg.get(Tag.ResetSeqNumFlag) === 'Y';
    if (reset && seq !== 1) {
      this.rejectLogon(msg, 'ResetSeqNumFlag(141)=Y requires MsgSeqNum(34)=1');
      return;
    }
    const schedule = scheduleFor(cfg, sender);
    const nowMs = this.dir.clock.nowMs();
    const period = periodAt(schedule, nowMs);
    if (period === undefined) {
      this.rejectLogon(msg, closedText(schedule, nowMs));
      return;
    }
    const key = `${cfg.venueCompId}-${sender}`;
    if (!this.dir.claim(key, this)) {
      this.rejectLogon(msg, `Session ${sender} is already logged on`);
      return;
    }
    this.user = user;
    this.sessionKey = key;
    this.heartBtIntSec = hb;
    const store = this.dir.stores.open(key);
    this.store = store;
    if (reset) store.reset();
    else if (storeIsFromEarlierPeriod(store, period)) {
      // First Logon of a new schedule period: both sequence numbers restart at 1 (QuickFIX does the same).
      this.log(`new session period from ${isoUtc(period.startMs)}: sequence numbers reset`);
      store.reset();
    }
    this.periodEndMs = period.endMs;
    const expected = store.nextTargetSeq;
    if (seq < expected) {
      this.state = 'active';
      this.fatal(`MsgSeqNum too low, expecting ${expected} but received ${seq}`);
      return;
    }
    this.state = 'active';
    const logon: FixField[] = [
      { tag: Tag.EncryptMethod, value: '0' },
      { tag: Tag.HeartBtInt, value: String(hb) },
    ];
    if (reset) logon.push({ tag: Tag.ResetSeqNumFlag, value: 'Y' });
    // NextExpectedMsgSeqNum(789): answered in kind, and what the peer missed is resent at once.
    const nextExpected = msg.getInt(Tag.NextExpectedMsgSeqNum);
    if (nextExpected !== undefined) {
      logon.push({
        tag: Tag.NextExpectedMsgSeqNum,
        value: String(seq === expected ? expected + 1 : expected),
      });
    }
    this.sendAdmin(MsgType.Logon, logon);
    if (nextExpected !== undefined && nextExpected >= 1 && nextExpected < store.nextSenderSeq - 1) {
      this.resend(nextExpected, store.nextSenderSeq - 2); // up to the message before our Logon
    }
    if (seq > expected) {
      this.resendUpToSeq = seq;
      this.sendResendRequest(expected);
    } else {
      this.advanceTarget(seq);
    }
    this.log(
      `logged on (HeartBtInt ${hb}s, next in ${store.nextTargetSeq}, next out ${store.nextSenderSeq})`,
    );
    this.dir.app.onLogon(this);
  }

  /** Logout for a Logon we refuse: not journaled, no session state touched. */
  private rejectLogon(msg: FixMessage, text: string): void {
    const sender = this.dir.config.venueCompId;
    const theirs = msg.get(Tag.SenderCompID) ?? '';
    const target = /^[A-Za-z0-9_.-]{1,64}$/.test(theirs) ? theirs : 'UNKNOWN';
    const wire = encodeFix([
      { tag: Tag.MsgType, value: MsgType.Logout },
      { tag: Tag.SenderCompID, value: sender },
      { tag: Tag.TargetCompID, value: target },
      { tag: Tag.MsgSeqNum, value: '1' },
      { tag: Tag.SendingTime, value: formatUtcTimestamp(this.dir.clock.nowMs()) },
      { tag: Tag.Text, value: text },
    ]);
    this.out.send(wire);
    this.close(`logon refused: ${text}`);
  }

  private onAdmin(msg: FixMessage): void {
    switch (msg.msgType) {
      case MsgType.Heartbeat:
        if (this.testRequestId !== undefined && msg.get(Tag.TestReqID) === this.testRequestId) {
          this.testRequestId = undefined;
        }
        return;
      case MsgType.TestRequest:
        this.sendAdmin(MsgType.Heartbeat, [{ tag: Tag.TestReqID, value: msg.get(Tag.TestReqID) ?? '' }]);
        return;
      case MsgType.ResendRequest:
        this.onResendRequest(msg);
        return;
      case MsgType.Reject:
        this.log(`peer rejected our ${msg.get(Tag.RefSeqNum)}: ${msg.get(Tag.Text) ?? ''}`);
        return;
      case MsgType.Logout:
        this.acknowledgeLogout(msg);
        return;
      case MsgType.Logon:
        this.fatal('Logon received on a session that is already logged on');
        return;
      default:
        return;
    }
  }

  private acknowledgeLogout(msg: FixMessage): void {
    if (this.state === 'loggingOut') {
      this.close('logout confirmed');
      return;
    }
    this.sendAdmin(MsgType.Logout, []);
    this.close(`peer logged out${msg.has(Tag.Text) ? `: ${msg.get(Tag.Text)}` : ''}`);
  }

  private onSequenceReset(msg: FixMessage, seq: number, gapFill: boolean): void {
    const store = this.store!;
    const newSeq = msg.getInt(Tag.NewSeqNo);
    if (newSeq === undefined || newSeq < store.nextTargetSeq) {
      if (gapFill) this.advanceTarget(seq);
      this.sendReject(
        seq,
        MsgType.SequenceReset,
        SessionRejectReason.ValueIncorrect,
        Tag.NewSeqNo,
        `NewSeqNo(36)=${msg.get(Tag.NewSeqNo) ?? ''} is below the expected MsgSeqNum ${store.nextTargetSeq}`,
      );
      return;
    }
    this.advanceTarget(newSeq - 1);
  }

  /** Answers a ResendRequest from the journal: app messages replayed, admin ones gap-filled. */
  private onResendRequest(msg: FixMessage): void {
    this.resend(msg.getInt(Tag.BeginSeqNo) ?? 0, msg.getInt(Tag.EndSeqNo) ?? 0);
  }

  /** Replays [begin, endReq] (0 = up to the last sent) from the journal. */
  private resend(begin: number, endReq: number): void {
    const store = this.store!;
    const lastSent = store.nextSenderSeq - 1;
    const end = endReq === 0 || endReq > lastSent ? lastSent : endReq;
    if (begin < 1 || begin > end) {
      this.log(`ResendRequest ${begin}..${endReq} has nothing to resend (last sent ${lastSent})`);
      return;
    }
    const now = this.dir.clock.nowMs();
    const records = new Map(store.range(begin, end).map((r) => [r.seq, r.wire]));
    let gapStart: number | undefined;
    const flushGap = (nextSeq: number) => {
      if (gapStart === undefined) return;
      this.write(
        encodeFix([
          { tag: Tag.MsgType, value: MsgType.SequenceReset },
          ...this.header(gapStart, now),
          { tag: Tag.PossDupFlag, value: 'Y' },
          { tag: Tag.OrigSendingTime, value: formatUtcTimestamp(now) },
          { tag: Tag.GapFillFlag, value: 'Y' },
          { tag: Tag.NewSeqNo, value: String(nextSeq) },
        ]),
      );
      gapStart = undefined;
    };
    for (let seq = begin; seq <= end; seq++) {
      const wire = records.get(seq);
      const decoded = wire === undefined ? undefined : decodeFix(wire);
      if (decoded === undefined || decoded.kind !== 'ok' || isAdminMsgType(decoded.msg.msgType)) {
        gapStart ??= seq;
        continue;
      }
      flushGap(seq);
      this.write(replayOf(decoded.msg, now));
    }
    flushGap(end + 1);
  }

  private header(seq: number, now: number): FixField[] {
    return [
      { tag: Tag.SenderCompID, value: this.venue },
      { tag: Tag.TargetCompID, value: this.counterpartyCompId },
      { tag: Tag.MsgSeqNum, value: String(seq) },
      { tag: Tag.SendingTime, value: formatUtcTimestamp(now) },
    ];
  }

  private write(wire: string): void {
    this.lastSentMs = this.dir.clock.nowMs();
    this.stats.sent++;
    this.out.send(wire);
  }

  /** Journals then sends a message with the next MsgSeqNum. */
  private sendSequenced(msgType: string, body: ReadonlyArray<FixField>): void {
    const store = this.store!;
    const seq = store.nextSenderSeq;
    const wire = encodeOutbound(
      msgType,
      this.venue,
      this.counterpartyCompId,
      seq,
      this.dir.clock.nowMs(),
      body,
    );
    store.append(seq, wire);
    assert(store.nextSenderSeq === seq + 1, 'store did not advance the sender seq');
    this.write(wire);
  }

  private sendAdmin(msgType: string, body: ReadonlyArray<FixField>): void {
    if (this.store === undefined || this.state === 'closed') return;
    this.sendSequenced(msgType, body);
  }

  /**
   * Sends an application message (body fields after the standard header, MsgType separate).
   * Returns false when the session is not logged on (the caller may journal it offline instead).
   */
  sendApp(msgType: string, body: ReadonlyArray<FixField>): boolean {
    if (this.state !== 'active' || this.store === undefined) return false;
    if (body.length > APP_FIELDS_MAX) throw new Error('sendApp: too many fields');
    this.sendSequenced(msgType, body);
    return true;
  }

  private sendResendRequest(begin: number): void {
    this.resendSentMs = this.dir.clock.nowMs();
    this.resendSentAtExpected = begin;
    this.sendAdmin(MsgType.ResendRequest, [
      { tag: Tag.BeginSeqNo, value: String(begin) },
      { tag: Tag.EndSeqNo, value: '0' },
    ]);
  }

  private sendReject(
    refSeq: number,
    refMsgType: string,
    reason: number,
    refTagId: number | undefined,
    text: string,
  ): void {
    this.stats.rejects++;
    const body: FixField[] = [{ tag: Tag.RefSeqNum, value: String(refSeq) }];
    if (refTagId !== undefined) body.push({ tag: Tag.RefTagID, value: String(refTagId) });
    if (refMsgType !== '' && isFix44MsgType(refMsgType))
      body.push({ tag: Tag.RefMsgType, value: refMsgType });
    body.push({ tag: Tag.SessionRejectReason, value: String(reason) });
    body.push({ tag: Tag.Text, value: text });
    this.log(`Reject ${refSeq}: ${text}${refTagId === undefined ? '' : ` (${fieldName(refTagId)})`}`);
    this.sendAdmin(MsgType.Reject, body);
  }

  /** BusinessMessageReject (j); also used by the app layer. */
  sendBusinessReject(refSeq: number, refMsgType: string, reason: number, text: string, refId?: string): void {
    this.stats.businessRejects++;
    const body: FixField[] = [
      { tag: Tag.RefSeqNum, value: String(refSeq) },
      { tag: Tag.RefMsgType, value: refMsgType },
    ];
    if (refId !== undefined && refId !== '') body.push({ tag: Tag.BusinessRejectRefID, value: refId });
    body.push({ tag: Tag.BusinessRejectReason, value: String(reason) }, { tag: Tag.Text, value: text });
    this.sendApp(MsgType.BusinessMessageReject, body);
  }

  private takeThrottleToken(now: number): boolean {
    const limit = this.dir.config.throttleMsgsPerSec;
    const elapsed = Math.max(0, now - this.throttleRefillMs);
    this.throttleTokens = Math.min(limit, this.throttleTokens + (elapsed * limit) / 1000);
    this.throttleRefillMs = now;
    if (this.throttleTokens >= 1) {
      this.throttleTokens -= 1;
      return true;
    }
    if (now - this.throttleRejectsWindowStartMs >= 1000) {
      this.throttleRejectsWindowStartMs = now;
      this.throttleRejectsInWindow = 0;
    }
    this.throttleRejectsInWindow++;
    if (this.throttleRejectsInWindow > limit * this.dir.config.throttleLogoutFactor) {
      this.fatal(`Message rate far over the throttle limit of ${limit} messages per second`);
    }
    return false;
  }

  /** Time-driven duties: heartbeats, TestRequest on silence, logon/logout timeouts. */
  onTimer(): void {
    const now = this.dir.clock.nowMs();
    const cfg = this.dir.config;
    if (this.state === 'awaitingLogon') {
      if (now - this.connectedAtMs >= cfg.logonTimeoutMs)
        this.close(`no Logon within ${cfg.logonTimeoutMs} ms`);
      return;
    }
    if (this.state === 'loggingOut') {
      if (now - this.logoutSentMs >= cfg.logoutTimeoutMs) this.close('no Logout reply');
      return;
    }
    if (this.state !== 'active') return;
    if (now >= this.periodEndMs) {
      this.endPeriod(now);
      return;
    }
    const hbMs = this.heartBtIntSec * 1000;
    // A ResendRequest the peer never answered is sent again (else the session would stall forever).
    const store = this.store!;
    if (
      this.resendUpToSeq !== undefined &&
      store.nextTargetSeq === this.resendSentAtExpected &&
      now - this.resendSentMs >= hbMs
    ) {
      this.log(
        `ResendRequest from ${store.nextTargetSeq} unanswered for ${now - this.resendSentMs} ms: sending again`,
      );
      this.sendResendRequest(store.nextTargetSeq);
    }
    if (this.testRequestId !== undefined) {
      if (now - this.testRequestSentMs >= hbMs * 1.2) {
        this.fatal(`No response to TestRequest within ${Math.round(hbMs * 1.2)} ms`);
        return;
      }
    } else if (now - this.lastRecvMs >= hbMs * 1.2) {
      this.testRequestId = `TEST-${now}`;
      this.testRequestSentMs = now;
      this.sendAdmin(MsgType.TestRequest, [{ tag: Tag.TestReqID, value: this.testRequestId }]);
    }
    if (now - this.lastSentMs >= hbMs) this.sendAdmin(MsgType.Heartbeat, []);
  }

  /** Graceful logout initiated by the venue (e.g. shutdown): waits for the peer's Logout. */
  logout(text: string): void {
    if (this.state !== 'active') {
      if (this.state === 'awaitingLogon') this.close(text);
      return;
    }
    this.sendAdmin(MsgType.Logout, [{ tag: Tag.Text, value: text }]);
    this.state = 'loggingOut';
    this.logoutSentMs = this.dir.clock.nowMs();
  }

  /** The schedule period ended while logged on: graceful Logout saying when the session reopens. */
  private endPeriod(now: number): void {
    this.periodEnded = true;
    const next = nextOpenMs(scheduleFor(this.dir.config, this.counterpartyCompId), now);
    this.logout(
      `Session closed by schedule at ${isoUtc(this.periodEndMs)}` +
        (next === undefined ? '' : `; it opens next at ${isoUtc(next)}`),
    );
  }

  /** Logout with a reason, then disconnect (FIX: too-low seq, CompID problem, timeouts...). */
  private fatal(text: string): void {
    if (this.state === 'active' || this.state === 'loggingOut') {
      this.sendAdmin(MsgType.Logout, [{ tag: Tag.Text, value: text }]);
    }
    this.close(text);
  }

  private close(reason: string): void {
    if (this.state === 'closed') return;
    const wasLoggedOn = this.sessionKey !== undefined;
    this.state = 'closed';
    this.log(`closing: ${reason}`);
    this.out.close(reason);
    this.onClosed(reason, wasLoggedOn);
  }

  /** The transport reports the connection gone (also called after our own close; idempotent). */
  onTransportClosed(reason = 'connection lost'): void {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.log(`transport closed: ${reason}`);
      this.onClosed(reason, this.sessionKey !== undefined);
    }
  }

  private released = false;
  private onClosed(reason: string, wasLoggedOn: boolean): void {
    if (this.released) return;
    this.released = true;
    // The period is over: its sequence numbers are not used again (the next period starts at 1).
    if (this.periodEnded) this.store?.reset();
    if (wasLoggedOn && this.sessionKey !== undefined) {
      this.dir.release(this.sessionKey, this);
      this.dir.app.onDisconnect(this, reason);
    }
  }
}

/** A journaled message replayed on ResendRequest: same MsgSeqNum, PossDupFlag=Y, OrigSendingTime. */
function replayOf(original: FixMessage, now: number): string {
  const fields: FixField[] = [];
  const origSendingTime = original.get(Tag.SendingTime) ?? formatUtcTimestamp(now);
  for (const f of original.fields) {
    if (f.tag === Tag.BeginString || f.tag === Tag.BodyLength || f.tag === Tag.CheckSum) continue;
    if (f.tag === Tag.PossDupFlag || f.tag === Tag.OrigSendingTime) continue;
    if (f.tag === Tag.SendingTime) {
      fields.push({ tag: Tag.PossDupFlag, value: 'Y' });
      fields.push({ tag: Tag.SendingTime, value: formatUtcTimestamp(now) });
      fields.push({ tag: Tag.OrigSendingTime, value: origSendingTime });
      continue;
    }
    fields.push(f);
  }
  return encodeFix(fields);
}

function assert(cond: boolean, text: string): asserts cond {
  if (!cond) throw new Error(`FixSession invariant: ${text}`);
}

/** Header tags an application may pass in a body; they are moved into the standard header. */
const HEADER_TAGS_FROM_BODY: ReadonlySet<number> = new Set([Tag.LastMsgSeqNumProcessed]);

/** Encodes an outbound message: standard header (49, 56, 34, 52, header extras), then the body. */
export function encodeOutbound(
  msgType: string,
  sender: string,
  target: string,
  seq: number,
  nowMs: number,
  body: ReadonlyArray<FixField>,
): string {
  const header: FixField[] = [
    { tag: Tag.MsgType, value: msgType },
    { tag: Tag.SenderCompID, value: sender },
    { tag: Tag.TargetCompID, value: target },
    { tag: Tag.MsgSeqNum, value: String(seq) },
    { tag: Tag.SendingTime, value: formatUtcTimestamp(nowMs) },
  ];
  const rest: FixField[] = [];
  for (const f of body) (HEADER_TAGS_FROM_BODY.has(f.tag) ? header : rest).push(f);
  return encodeFix([...header, ...rest]);
}
