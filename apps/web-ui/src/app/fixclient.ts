import type { FixField, FixMessage } from '../lib/fix.js';
import { FixSessionCore, type SessionConfig } from '../lib/session.js';

export type ConnState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

/** Where the next outbound MsgSeqNum survives a page reload (sessionStorage in the app). */
export interface SeqStore {
  load(): number | undefined;
  save(nextOutSeq: number): void;
}

export interface FixClientHandlers {
  onState(state: ConnState, detail?: string): void;
  onApp(msg: FixMessage): void;
  onSessionReject(msg: FixMessage): void;
  onLatency(rttMs: number): void;
}

const PING_INTERVAL_MS = 2_000;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 8_000;

/** FIX over WebSocket with automatic reconnect; the session (sequence numbers) survives reconnects. */
export class FixClient {
  readonly core: FixSessionCore;
  state: ConnState = 'idle';
  private ws: WebSocket | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private backoffMs = BACKOFF_START_MS;
  private everLoggedOn = false;
  /** True when the first Logon continues a stored session instead of resetting it. */
  private resume = false;
  private closed = false;
  lastLogoutText: string | undefined;

  constructor(
    private readonly url: string,
    config: SessionConfig,
    private readonly handlers: FixClientHandlers,
    private readonly seqStore?: SeqStore,
  ) {
    this.core = new FixSessionCore(config);
    // After a reload the session continues: our next MsgSeqNum comes from the store, and as we
    // expect 1 the venue's Logon shows a gap, so we ask for a resend and the venue replays its
    // journal (the blotter is rebuilt from the ExecutionReports). Without a stored number: reset.
    const stored = seqStore?.load();
    if (stored !== undefined && Number.isSafeInteger(stored) && stored > 1) {
      this.core.nextOutSeq = stored;
      this.resume = true;
    }
  }

  start(): void {
    this.closed = false;
    this.open();
  }

  private setState(s: ConnState, detail?: string): void {
    this.state = s;
    this.handlers.onState(s, detail);
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.setState(this.everLoggedOn ? 'reconnecting' : 'connecting');
    ws.onopen = () => {
      // Fresh start resets both sequences; a reconnect continues them (the venue replays what we missed).
      ws.send(this.core.logon(Date.now(), !this.everLoggedOn && !this.resume));
      this.seqStore?.save(this.core.nextOutSeq);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const { events, replies } = this.core.receive(ev.data, Date.now());
      for (const r of replies) ws.send(r);
      if (replies.length > 0) this.seqStore?.save(this.core.nextOutSeq);
      for (const e of events) {
        if (e.kind === 'loggedOn') {
          this.everLoggedOn = true;
          this.backoffMs = BACKOFF_START_MS;
          this.setState('connected');
          this.ping();
        } else if (e.kind === 'app') this.handlers.onApp(e.msg);
        else if (e.kind === 'reject') this.handlers.onSessionReject(e.msg);
        else if (e.kind === 'latency') this.handlers.onLatency(e.rttMs);
        else if (e.kind === 'logout') this.lastLogoutText = e.text;
      }
    };
    ws.onclose = () => {
      this.stopTimer();
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.closed) {
        this.setState('idle');
        return;
      }
      if (!this.everLoggedOn && this.lastLogoutText !== undefined && !/too low/.test(this.lastLogoutText)) {
        this.setState('failed', this.lastLogoutText);
        return;
      }
      this.setState(this.everLoggedOn ? 'reconnecting' : 'connecting', this.lastLogoutText);
      setTimeout(() => {
        if (!this.closed) this.open();
      }, this.backoffMs);
      this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 1.5);
    };
    this.stopTimer();
    this.timer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    if (this.ws?.readyState === WebSocket.OPEN && this.core.loggedOn)
      this.ws.send(this.core.testRequest(Date.now()));
  }

  /** Sends an application message; false when not logged on (nothing sent). */
  send(fields: ReadonlyArray<FixField>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN || !this.core.loggedOn) return false;
    this.ws.send(this.core.app(fields, Date.now()));
    this.seqStore?.save(this.core.nextOutSeq);
    return true;
  }

  stop(): void {
    this.closed = true;
    this.stopTimer();
    if (this.ws?.readyState === WebSocket.OPEN && this.core.loggedOn)
      this.ws.send(this.core.logout(Date.now()));
    this.ws?.close();
  }
}
