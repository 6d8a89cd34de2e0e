import type { FixField } from '../fix/message.js';
import { resetIfNewPeriod } from '../schedule/period-store.js';
import { DEFAULT_SECURITY_CONFIG, LogonGuard, type SecurityConfig } from '../security/logon-guard.js';
import type { SessionStoreFactory } from '../store/store.js';
import { type Clock, DEFAULT_SESSION_CONFIG, type SessionConfig, scheduleFor } from './config.js';
import type { CredentialStore } from './credentials.js';
import {
  encodeOutbound,
  FixSession,
  type SessionApplication,
  type SessionDirectory,
  type SessionOutput,
} from './session.js';

export interface SessionAcceptorOptions {
  readonly clock: Clock;
  readonly credentials: CredentialStore;
  readonly stores: SessionStoreFactory;
  readonly app: SessionApplication;
  readonly config?: Partial<SessionConfig>;
  /** Bound on simultaneously open connections (logged on or not). */
  readonly connectionsMax?: number;
  /** Logon guard and per-address connection limit (`src/security/`). */
  readonly security?: Partial<SecurityConfig>;
}

/**
 * Owns every FIX connection of a gateway process: creates a FixSession per connection, keeps one
 * logged-on connection per session key, drives timers, and routes outbound application messages
 * to a session, journaling them (for the next ResendRequest) when the session is offline.
 */
export class SessionAcceptor implements SessionDirectory {
  readonly config: SessionConfig;
  readonly clock: Clock;
  readonly credentials: CredentialStore;
  readonly stores: SessionStoreFactory;
  readonly app: SessionApplication;
  readonly connectionsMax: number;
  readonly logonGuard: LogonGuard;
  private readonly connectionsByAddress = new Map<string, number>();
  private readonly addressOf = new Map<FixSession, string>();
  private readonly active = new Map<string, FixSession>();
  private readonly connections = new Set<FixSession>();
  /** Counters of connections already closed (live ones are added in `counters()`). */
  private readonly closedTotals = {
    garbled: 0,
    rejects: 0,
    businessRejects: 0,
    throttled: 0,
    received: 0,
    sent: 0,
  };
  private connectionsTotal = 0;

  constructor(options: SessionAcceptorOptions) {
    this.config = { ...DEFAULT_SESSION_CONFIG, ...options.config };
    if (!(this.config.throttleMsgsPerSec >= 1)) throw new Error('throttleMsgsPerSec must be >= 1');
    if (!(this.config.frameBytesMax >= 256)) throw new Error('frameBytesMax must be >= 256');
    this.clock = options.clock;
    this.credentials = options.credentials;
    this.stores = options.stores;
    this.app = options.app;
    this.connectionsMax = options.connectionsMax ?? 10_000;
    this.logonGuard = new LogonGuard({ ...DEFAULT_SECURITY_CONFIG, ...options.security });
  }

  /** Why a new connection from `remoteAddress` is refused (a limit is reached), or undefined. */
  refusalReason(remoteAddress: string | undefined): string | undefined {
    if (this.connections.size >= this.connectionsMax) {
      return `connection limit reached: at most ${this.connectionsMax} connections per gateway`;
    }
    const perAddress = this.logonGuard.config.connectionsPerAddressMax;
    if (
      remoteAddress !== undefined &&
      perAddress > 0 &&
      (this.connectionsByAddress.get(remoteAddress) ?? 0) >= perAddress
    ) {
      return `connection limit reached: at most ${perAddress} connections per address`;
    }
    return undefined;
  }

  /** A new transport connection; returns undefined (caller closes) when at a connection bound. */
  openConnection(out: SessionOutput): FixSession | undefined {
    if (this.refusalReason(out.remoteAddress) !== undefined) return undefined;
    const session = new FixSession(this, out);
    this.connections.add(session);
    if (out.remoteAddress !== undefined) {
      this.addressOf.set(session, out.remoteAddress);
      this.connectionsByAddress.set(
        out.remoteAddress,
        (this.connectionsByAddress.get(out.remoteAddress) ?? 0) + 1,
      );
    }
    this.connectionsTotal += 1;
    return session;
  }

  /** Transport-side end of a connection (socket closed): always call exactly once. */
  connectionClosed(session: FixSession, reason: string): void {
    session.onTransportClosed(reason);
    const address = this.addressOf.get(session);
    if (address !== undefined) {
      this.addressOf.delete(session);
      const n = (this.connectionsByAddress.get(address) ?? 1) - 1;
      if (n > 0) this.connectionsByAddress.set(address, n);
      else this.connectionsByAddress.delete(address);
    }
    if (this.connections.delete(session)) {
      const t = this.closedTotals;
      const st = session.stats;
      t.garbled += st.garbled;
      t.rejects += st.rejects;
      t.businessRejects += st.businessRejects;
      t.throttled += st.throttled;
      t.received += st.received;
      t.sent += st.sent;
    }
  }

  /** Operator counters since start, over closed and live connections (for /metrics). */
  counters(): {
    connections: number;
    connectionsTotal: number;
    loggedOn: number;
    garbled: number;
    rejects: number;
    businessRejects: number;
    throttled: number;
    received: number;
    sent: number;
  } {
    const c = { ...this.closedTotals };
    for (const s of this.connections) {
      c.garbled += s.stats.garbled;
      c.rejects += s.stats.rejects;
      c.businessRejects += s.stats.businessRejects;
      c.throttled += s.stats.throttled;
      c.received += s.stats.received;
      c.sent += s.stats.sent;
    }
    return {
      connections: this.connections.size,
      connectionsTotal: this.connectionsTotal,
      loggedOn: this.active.size,
      ...c,
    };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  claim(sessionKey: string, session: FixSession): boolean {
    const current = this.active.get(sessionKey);
    if (current !== undefined && current !== session) return false;
    this.active.set(sessionKey, session);
    return true;
  }

  release(sessionKey: string, session: FixSession): void {
    if (this.active.get(sessionKey) === session) this.active.delete(sessionKey);
  }

  /** The logged-on session for a key, if any. */
  session(sessionKey: string): FixSession | undefined {
    return this.active.get(sessionKey);
  }

  sessionKeyOf(username: string): string {
    return `${this.config.venueCompId}-${username}`;
  }

  /**
   * Sends an application message to a session. When it is not logged on, the message is journaled
   * with the next MsgSeqNum, so the client gets it by ResendRequest after its next Logon.
   */
  sendToSession(username: string, msgType: string, body: ReadonlyArray<FixField>): 'sent' | 'journaled' {
    const key = this.sessionKeyOf(username);
    const s = this.active.get(key);
    if (s?.sendApp(msgType, body)) return 'sent';
    const store = this.stores.open(key);
    // A new schedule period began since the session was last used: journal in the new numbering.
    resetIfNewPeriod(store, scheduleFor(this.config, username), this.clock.nowMs());
    const seq = store.nextSenderSeq;
    store.append(
      seq,
      encodeOutbound(msgType, this.config.venueCompId, username, seq, this.clock.nowMs(), body),
    );
    return 'journaled';
  }

  /** Drives heartbeats and timeouts of every connection; call about every 100 ms to 1 s. */
  onTimer(): void {
    for (const s of [...this.connections]) s.onTimer();
  }

  /** Graceful logout of every session (shutdown). */
  logoutAll(text: string): void {
    for (const s of [...this.connections]) s.logout(text);
  }
}
