/**
 * The cluster client (what gateways use): connects to any member, follows redirects to the leader,
 * opens a session, sends requests numbered (sessionId, requestSeq) and receives their outcomes and
 * events. On leader loss it finds the new leader, re-attaches the session (same principal and nonce:
 * the log returns the existing session) and resends every unacknowledged request in order; the
 * session's dedup in the service host makes that exactly-once.
 *
 * Memory is bounded: at most `windowMax` requests are unacknowledged; `offer` returns false beyond
 * that and `request` waits for room (back-pressure to the caller, never an unbounded buffer).
 */

import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import {
  type ClientEgress,
  type ClientIngress,
  decodeClientEgress,
  encodeClientIngress,
} from '../wire/codec.js';
import { FrameReader, frame } from '../wire/frames.js';

export interface ClusterClientOptions {
  /** Client addresses (`host:port`) of some or all members; any one is enough to find the leader. */
  readonly members: readonly string[];
  /** Who this client is (e.g. the gateway's name); with `nonce` it identifies the session. */
  readonly principal: string;
  /** Session nonce (default: random). Reusing principal + nonce re-attaches the same session. */
  readonly nonce?: number;
  /** Unacknowledged requests at most (default 1024). */
  readonly windowMax?: number;
  /** Keep-alive when idle for this long (default 1000 ms; the cluster's session timeout is 10 s). */
  readonly keepAliveIntervalMs?: number;
  /** Pause between connection attempts (default 20 ms, doubling to 500 ms while nothing answers). */
  readonly retryDelayMs?: number;
  /**
   * Drop the connection when the member has been silent this long while requests are outstanding, or
   * has not answered the session open (default 2000 ms). A paused (SIGSTOPped) leader keeps its TCP
   * connections open and its kernel still accepts new ones; without this the client would wait on it
   * for the whole pause while the other members have already elected a new leader. Reconnecting is
   * safe: resends are deduplicated by the session.
   */
  readonly silenceTimeoutMs?: number;
  /** Give up (reject everything pending, close) when no leader was reachable for this long (default 30 s). */
  readonly failoverTimeoutMs?: number;
  /**
   * Events the service sends this session outside the answer to its own request. Best effort: sent
   * once to the connection open at that moment, not replayed after a failover (follow a log-ordered
   * feed of the service when every event matters).
   */
  readonly onEvent?: (payload: Uint8Array) => void;
  /** The session ended (closed by the cluster or timed out): pending requests were rejected. */
  readonly onClosed?: (reason: string) => void;
  readonly log?: (line: string) => void;
}

export interface ClusterResponse {
  readonly requestSeq: number;
  /**
   * applied: first application, `replies` are the service's answers. duplicate: it had been applied
   * before (a resend); `replies` are the recorded answers. stale: applied before, but a later request
   * was applied too, so its answers are no longer held (replies empty).
   */
  readonly status: 'applied' | 'duplicate' | 'stale';
  readonly replies: readonly Uint8Array[];
}

export class ClusterClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterClientError';
  }
}

interface Pending {
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly serviceIndex: number;
  readonly resolve: (r: ClusterResponse) => void;
  readonly reject: (err: Error) => void;
}

type State = 'connecting' | 'opening' | 'ready' | 'closed';

export class ClusterClient {
  private readonly opts: ClusterClientOptions;
  private readonly nonce: number;
  private readonly windowMax: number;
  private readonly members: string[];
  private state: State = 'connecting';
  private socket: net.Socket | null = null;
  private sessionIdValue = 0;
  private leaderAddress = '';
  private memberCursor = 0;
  private nextSeq = 1;
  private readonly unacked = new Map<number, Pending>();
  private readonly windowWaiters: (() => void)[] = [];
  private resendFrom = 0;
  private resendTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private lastSendMs = 0;
  /** Last time a byte arrived, or the time the first outstanding request was sent (silence detection). */
  private lastReceiveMs = 0;
  /** When the current connection attempt started (an unanswered open is given up after silenceTimeoutMs). */
  private dialStartedMs = 0;
  private lastProbeMs = 0;
  private retryDelayMs: number;
  private disconnectedSinceMs = 0;
  private opened: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Counters for tests and metrics. */
  readonly stats = { connects: 0, redirects: 0, resends: 0, rejections: 0, failovers: 0, silenceDrops: 0 };

  private constructor(opts: ClusterClientOptions) {
    if (opts.members.length === 0) throw new ClusterClientError('ClusterClient: no member addresses');
    this.opts = opts;
    // nondeterminism-ok: I/O shell (a session nonce only needs to be unique per principal)
    this.nonce = opts.nonce ?? randomInt(1, 2 ** 47);
    this.windowMax = opts.windowMax ?? 1024;
    this.members = [...opts.members];
    this.retryDelayMs = opts.retryDelayMs ?? 20;
  }

  /** Connects, finds the leader and opens the session; rejects after `failoverTimeoutMs`. */
  static async connect(opts: ClusterClientOptions): Promise<ClusterClient> {
    const c = new ClusterClient(opts);
    // Started before the first open so that a silent first member is given up on too.
    c.keepAliveTimer = setInterval(() => c.keepAlive(), Math.max(50, (opts.keepAliveIntervalMs ?? 1000) / 2));
    await new Promise<void>((resolve, reject) => {
      c.opened = { resolve, reject };
      c.disconnectedSinceMs = Date.now();
      c.dial();
    });
    return c;
  }

  get sessionId(): number {
    return this.sessionIdValue;
  }
  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.unacked.size;
  }
  get connected(): boolean {
    return this.state === 'ready';
  }
  /** The address of the member this client talks to now (the leader when connected). */
  get currentAddress(): string {
    return this.leaderAddress;
  }

  /**
   * Sends a request without waiting for room: returns its promise, or false when `windowMax` requests
   * are already unacknowledged (back-pressure: retry later or use `request`).
   */
  offer(payload: Uint8Array, serviceIndex = 0): Promise<ClusterResponse> | false {
    if (this.state === 'closed') return Promise.reject(new ClusterClientError('client closed'));
    if (this.unacked.size >= this.windowMax) return false;
    // Silence is measured from the moment something is outstanding, not from the last idle byte.
    if (this.unacked.size === 0) this.lastReceiveMs = Date.now();
    const seq = this.nextSeq++;
    const promise = new Promise<ClusterResponse>((resolve, reject) => {
      this.unacked.set(seq, { seq, payload: payload.slice(), serviceIndex, resolve, reject });
    });
    if (this.state === 'ready' && this.resendTimer === null) this.sendRequest(seq, payload, serviceIndex);
    return promise;
  }

  /** Sends a request, waiting for room in the window first; resolves with its outcome. */
  async request(payload: Uint8Array, serviceIndex = 0): Promise<ClusterResponse> {
    for (;;) {
      const p = this.offer(payload, serviceIndex);
      if (p !== false) return p;
      await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
    }
  }

  /** Closes the session through the log (best effort) and the connection; pending requests are rejected. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'ready' && this.socket) {
      this.send({ type: 'close', sessionId: this.sessionIdValue });
      const s = this.socket;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.end();
      });
    }
    this.shutdown('client closed');
  }

  // ---- Internals ----

  private shutdown(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const t of [this.resendTimer, this.retryTimer]) if (t) clearTimeout(t);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.socket?.destroy();
    this.socket = null;
    const err = new ClusterClientError(reason);
    for (const p of this.unacked.values()) p.reject(err);
    this.unacked.clear();
    for (const w of this.windowWaiters.splice(0)) w();
    this.opened?.reject(err);
    this.opened = null;
    this.opts.onClosed?.(reason);
  }

  private nextAddress(): string {
    if (this.leaderAddress !== '') {
      const a = this.leaderAddress;
      this.leaderAddress = '';
      return a;
    }
    const a = this.members[this.memberCursor % this.members.length] as string;
    this.memberCursor++;
    return a;
  }

  private dial(): void {
    if (this.state === 'closed') return;
    const budget = this.opts.failoverTimeoutMs ?? 30_000;
    if (Date.now() - this.disconnectedSinceMs > budget) {
      this.shutdown(`no leader reachable for ${budget} ms`);
      return;
    }
    const address = this.nextAddress();
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    this.state = 'connecting';
    this.dialStartedMs = Date.now();
    const socket = net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    const reader = new FrameReader(16 * 1024 * 1024);
    socket.on('connect', () => {
      this.stats.connects++;
      this.state = 'opening';
      this.leaderAddress = address;
      this.send({ type: 'open', nonce: this.nonce, principal: this.opts.principal });
    });
    socket.on('data', (chunk: Buffer) => {
      this.lastReceiveMs = Date.now();
      try {
        reader.push(chunk, (body) => this.onEgress(socket, decodeClientEgress(body)));
      } catch (err) {
        this.opts.log?.(`cluster client: bad frame from ${address}: ${(err as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.state === 'closed') return;
      if (this.state === 'ready') {
        this.stats.failovers++;
        this.disconnectedSinceMs = Date.now();
      }
      this.state = 'connecting';
      this.scheduleDial();
    });
  }

  private scheduleDial(): void {
    if (this.retryTimer || this.state === 'closed') return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(500, this.retryDelayMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.dial();
    }, delay);
  }

  private redirect(socket: net.Socket, leaderAddress: string): void {
    this.stats.redirects++;
    this.leaderAddress = leaderAddress;
    if (leaderAddress !== '') this.retryDelayMs = this.opts.retryDelayMs ?? 20;
    socket.destroy();
  }

  private onEgress(socket: net.Socket, m: ClientEgress): void {
    if (this.socket !== socket || this.state === 'closed') return;
    switch (m.type) {
      case 'open-response':
        if (m.nonce !== this.nonce) return;
        if (m.status === 'redirect') {
          this.redirect(socket, m.leaderAddress);
          return;
        }
        if (m.status === 'rejected') {
          this.shutdown('the cluster refused the session (too many sessions?)');
          return;
        }
        if (this.sessionIdValue !== 0 && m.sessionId !== this.sessionIdValue) {
          // The old session is gone (timed out): its unacknowledged requests have unknown fate.
          const err = new ClusterClientError(`session ${this.sessionIdValue} was lost; outcome unknown`);
          for (const p of this.unacked.values()) p.reject(err);
          this.unacked.clear();
          this.nextSeq = 1;
        }
        this.sessionIdValue = m.sessionId;
        this.state = 'ready';
        this.retryDelayMs = this.opts.retryDelayMs ?? 20;
        this.opened?.resolve();
        this.opened = null;
        this.resendAll(0);
        return;
      case 'not-leader':
        this.redirect(socket, m.leaderAddress);
        return;
      case 'response': {
        if (m.sessionId !== this.sessionIdValue) return;
        const p = this.unacked.get(m.requestSeq);
        if (!p) return; // answered already (a resend's second outcome)
        if (m.status === 'unknown-session') {
          socket.destroy(); // re-open finds out whether the session still exists
          return;
        }
        this.unacked.delete(m.requestSeq);
        p.resolve({ requestSeq: m.requestSeq, status: m.status, replies: m.replies });
        const w = this.windowWaiters.shift();
        w?.();
        return;
      }
      case 'rejected': {
        this.stats.rejections++;
        const p = this.unacked.get(m.requestSeq);
        if (m.code === 'invalid') {
          if (p) {
            this.unacked.delete(m.requestSeq);
            p.reject(new ClusterClientError(`request ${m.requestSeq} refused: ${m.detail}`));
            this.windowWaiters.shift()?.();
          }
          return;
        }
        if (m.code === 'no-session') {
          socket.destroy();
          return;
        }
        // back-pressure / out-of-order: everything from this seq is resent in order, after a pause.
        this.resendFrom = this.resendFrom === 0 ? m.requestSeq : Math.min(this.resendFrom, m.requestSeq);
        if (this.resendTimer === null) {
          this.resendTimer = setTimeout(() => {
            this.resendTimer = null;
            const from = this.resendFrom;
            this.resendFrom = 0;
            if (this.state === 'ready') this.resendAll(from);
          }, 5);
        }
        return;
      }
      case 'event':
        if (m.sessionId === this.sessionIdValue) this.opts.onEvent?.(m.payload);
        return;
      case 'session-closed':
        if (m.sessionId === this.sessionIdValue) this.shutdown(`session closed by the cluster: ${m.reason}`);
        return;
      case 'keep-alive-ack':
        return; // its arrival (lastReceiveMs) is all that matters
    }
  }

  /** Gives up on the current member (it may be paused or partitioned away) and looks for the leader again. */
  private dropSilent(why: string): void {
    this.stats.silenceDrops++;
    this.opts.log?.(`cluster client: leaving ${this.leaderAddress || 'member'}: ${why}`);
    // Do not dial the same member first again: ask the others who leads now.
    this.leaderAddress = '';
    this.socket?.destroy();
  }

  private resendAll(fromSeq: number): void {
    for (const p of this.unacked.values()) {
      if (p.seq < fromSeq) continue;
      this.stats.resends++;
      this.sendRequest(p.seq, p.payload, p.serviceIndex);
    }
  }

  private sendRequest(seq: number, payload: Uint8Array, serviceIndex: number): void {
    this.send({ type: 'request', sessionId: this.sessionIdValue, requestSeq: seq, payload, serviceIndex });
  }

  private send(m: ClientIngress): void {
    const s = this.socket;
    if (!s || s.destroyed) return;
    this.lastSendMs = Date.now();
    s.write(frame(encodeClientIngress(m)));
  }

  private keepAlive(): void {
    const silenceMs = this.opts.silenceTimeoutMs ?? 2_000;
    const now = Date.now();
    if (this.state === 'connecting' || this.state === 'opening') {
      if (this.socket !== null && now - this.dialStartedMs > silenceMs) this.dropSilent('no answer to open');
      else if (this.socket === null) this.scheduleDial();
      return;
    }
    if (this.state !== 'ready') return;
    if (this.unacked.size > 0) {
      const silentMs = now - this.lastReceiveMs;
      if (silentMs > silenceMs) {
        this.dropSilent(`silent for ${silentMs} ms with ${this.unacked.size} requests outstanding`);
        return;
      }
      // A slow service is not a dead leader: the leader's consensus thread answers a keep-alive at once.
      if (silentMs > silenceMs / 4 && now - this.lastProbeMs > silenceMs / 4) {
        this.lastProbeMs = now;
        this.send({ type: 'keep-alive', sessionId: this.sessionIdValue });
        return;
      }
    }
    const interval = this.opts.keepAliveIntervalMs ?? 1000;
    if (Date.now() - this.lastSendMs >= interval)
      this.send({ type: 'keep-alive', sessionId: this.sessionIdValue });
  }
}
