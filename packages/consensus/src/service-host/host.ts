import type { Entry } from '../core/types.js';
import {
  ServiceControlAction,
  ServiceControlDecoder,
  ServiceControlEncoder,
  ServiceControlResponseDecoder,
  ServiceControlResponseEncoder,
} from '../generated/consensus/index.js';
import type {
  ClientSession,
  ClusteredService,
  Role,
  ServiceContext,
  SessionCloseReason,
} from '../service.js';
import { ByteReader, ByteWriter, hashHex } from './bytes.js';
import { HostSnapshotCursor, type SnapshotPart } from './incremental-snapshot.js';
import { TimerHeap, type TimerState } from './timer-heap.js';

/** An answer or event for a client. Every replica computes it; only the leader sends it. */
export interface Egress {
  readonly kind:
    | 'session-opened'
    | 'session-rejected'
    | 'response'
    | 'request-expired'
    | 'session-closed'
    | 'session-unknown';
  readonly sessionId: number;
  readonly requestSeq: number;
  /** session-opened / session-rejected: the client's connect nonce. */
  readonly correlationId: number;
  readonly payload: Uint8Array;
  /** True when answered from the session's recorded response (a retried request, not applied again). */
  readonly duplicate: boolean;
}

export interface ServiceHostConfig {
  readonly sessionTimeoutMs: number;
  readonly sessionsMax: number;
  /** Per request; more replies are an error of the service. */
  readonly repliesPerRequestMax: number;
  /**
   * Applied requests per session whose replies are kept for retries (a client may pipeline this many
   * requests and resubmit them all after a failover). At least 1.
   */
  readonly responsesRetainedPerSession: number;
  readonly timersMax: number;
  /** Highest service version this build can run (default 1). A log that activates a higher one stops it. */
  readonly serviceVersionMax?: number;
  /** Principals allowed to send service-control requests (undefined = any). */
  readonly controlPrincipals?: readonly string[];
  /** Test-only: apply retried requests again (a deliberately broken variant). */
  readonly mutations?: { readonly skipSessionDedup?: boolean };
}

export const defaultServiceHostConfig: ServiceHostConfig = {
  sessionTimeoutMs: 10_000,
  sessionsMax: 1024,
  repliesPerRequestMax: 64,
  responsesRetainedPerSession: 16,
  timersMax: 100_000,
};

interface RecordedRequest {
  readonly seq: number;
  readonly responses: Uint8Array[];
}

interface SessionState {
  readonly id: number;
  readonly principal: string;
  readonly openCorrelationId: number;
  lastRequestSeq: number;
  /** Replies of the most recent applied requests (ascending seq, at most responsesRetainedPerSession). */
  recent: RecordedRequest[];
  lastActivityMs: number;
}

const SNAPSHOT_MAGIC_V1 = 0x56534e31; // "VSN1": no service version (it was 1)
const SNAPSHOT_MAGIC = 0x56534e32; // "VSN2": + active service version and its position
const SNAPSHOT_MAGIC_PREFIX = 0x56534e00;

/** `serviceIndex` of a request for the service host itself (payload: SBE ServiceControl). */
export const SERVICE_CONTROL_INDEX = 0xffff_ffff;

/** The log activates a service version this build cannot run: the replica must stop, not diverge. */
export class UnsupportedServiceVersionError extends Error {
  constructor(
    readonly version: number,
    readonly supportedMax: number,
    readonly index: number,
  ) {
    super(
      `log position ${index} activates service version ${version}, this build runs versions 1..${supportedMax}: ` +
        'replace this member with a build that supports it (the entry stays in the log; nothing after it was applied)',
    );
    this.name = 'UnsupportedServiceVersionError';
  }
}

/** A snapshot written by a newer build in a format this one cannot read. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/** Encodes a request that activates `version` (send it with serviceIndex SERVICE_CONTROL_INDEX). */
export function encodeActivateServiceVersion(version: number): Uint8Array {
  const buf = new Uint8Array(64);
  const e = new ServiceControlEncoder().wrapAndApplyHeader(buf, 0);
  e.action(ServiceControlAction.ActivateVersion).serviceVersion(version);
  return buf.subarray(0, 8 + e.encodedLength());
}

export interface ServiceControlOutcome {
  readonly accepted: boolean;
  readonly serviceVersion: number;
  readonly sinceIndex: number;
  readonly detail: string;
}

export function decodeServiceControlResponse(payload: Uint8Array): ServiceControlOutcome {
  const d = new ServiceControlResponseDecoder().wrapWithHeader(payload, 0);
  return {
    accepted: d.accepted() === 1,
    serviceVersion: d.serviceVersion(),
    sinceIndex: d.sinceIndexAsNumber(),
    detail: d.detail(),
  };
}
const DUE_ITEMS_MAX = 64;

/**
 * Applies committed entries to the services in a fixed order (index 0 first), owns client sessions
 * (exactly-once answers) and service timers, and takes/restores snapshots of all of it.
 * Deterministic: the same entries give the same state, hashes and egress on every replica.
 */
export class ServiceHost {
  private services: readonly ClusteredService[] = [];
  private readonly sessions = new Map<number, SessionState>();
  private readonly timers = new Map<string, TimerState>();
  /** Deadline order over `timers` (lazy deletion: an entry is live iff it is the map's object). */
  private readonly timerHeap = new TimerHeap();
  private applied = 0;
  private lastTimestamp = 0;
  private started = false;
  private role: Role = 'follower';
  /** The request being applied: replies to it are recorded for duplicates. */
  private current: { sessionId: number; requestSeq: number } | undefined;
  private egress: Egress[] = [];
  private version = 1;
  private versionSince = 0;
  /** An incremental snapshot in progress (at most one). */
  private activeSnapshot: HostSnapshotCursor | null = null;

  constructor(
    private readonly serviceFactory: () => readonly ClusteredService[],
    private readonly config: ServiceHostConfig = defaultServiceHostConfig,
  ) {
    for (const [name, v] of [
      ['sessionTimeoutMs', config.sessionTimeoutMs],
      ['sessionsMax', config.sessionsMax],
      ['repliesPerRequestMax', config.repliesPerRequestMax],
      ['responsesRetainedPerSession', config.responsesRetainedPerSession],
      ['timersMax', config.timersMax],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1)
        throw new Error(`ServiceHostConfig: ${name} must be a positive integer`);
    }
  }

  get appliedIndex(): number {
    return this.applied;
  }
  get lastTimestampMs(): number {
    return this.lastTimestamp;
  }
  get sessionCount(): number {
    return this.sessions.size;
  }
  get timerCount(): number {
    return this.timers.size;
  }
  /** The service version in force, and the log position that activated it (0: from the start). */
  get serviceVersion(): number {
    return this.version;
  }
  get serviceVersionSince(): number {
    return this.versionSince;
  }
  get serviceVersionMax(): number {
    return this.config.serviceVersionMax ?? 1;
  }
  session(id: number): ClientSession | undefined {
    const s = this.sessions.get(id);
    return s && { id: s.id, principal: s.principal };
  }
  lastRequestSeq(sessionId: number): number | undefined {
    return this.sessions.get(sessionId)?.lastRequestSeq;
  }

  /** Creates the services and hands each its part of `snapshot` (undefined on a fresh start). */
  start(snapshot: Uint8Array | undefined): void {
    this.activeSnapshot?.abort();
    this.sessions.clear();
    this.timers.clear();
    this.timerHeap.clear();
    this.applied = 0;
    this.lastTimestamp = 0;
    this.version = 1;
    this.versionSince = 0;
    this.services = this.serviceFactory();
    const names = new Set(this.services.map((s) => s.name));
    if (names.size !== this.services.length) throw new Error('ServiceHost: service names must be unique');
    const parts = snapshot ? this.decodeSnapshot(snapshot) : undefined;
    this.services.forEach((service, i) => {
      service.onStart(this.contextFor(i), parts?.[i]);
      service.onRoleChange(this.role);
    });
    this.started = true;
  }

  roleChange(role: Role): void {
    if (role === this.role) return;
    this.role = role;
    for (const service of this.services) service.onRoleChange(role);
  }

  /** Applies one committed entry; returns the egress it produced. */
  apply(entry: Entry): Egress[] {
    if (!this.started) throw new Error('ServiceHost.apply before start');
    if (entry.index !== this.applied + 1) {
      throw new Error(`ServiceHost.apply: expected index ${this.applied + 1}, got ${entry.index}`);
    }
    if (entry.timestampMs < this.lastTimestamp) {
      throw new Error(`ServiceHost.apply: time went backwards at ${entry.index}`);
    }
    this.applied = entry.index;
    this.lastTimestamp = entry.timestampMs;
    this.egress = [];
    switch (entry.type) {
      case 'noop':
        break;
      case 'session-open':
        this.applyOpen(entry);
        break;
      case 'session-message':
        this.applyMessage(entry);
        break;
      case 'session-keepalive': {
        const s = this.sessions.get(entry.sessionId);
        if (s) s.lastActivityMs = entry.timestampMs;
        break;
      }
      case 'session-close':
        this.closeSession(entry.sessionId, entry.timestampMs, 'client-close');
        break;
      case 'session-timeout': {
        const s = this.sessions.get(entry.sessionId);
        // Re-checked at apply: a keep-alive may have been applied since the leader proposed it.
        if (s && entry.timestampMs - s.lastActivityMs >= this.config.sessionTimeoutMs) {
          this.closeSession(s.id, entry.timestampMs, 'timeout');
        }
        break;
      }
      case 'timer':
        this.applyTimer(entry);
        break;
    }
    const out = this.egress;
    this.egress = [];
    return out;
  }

  private applyOpen(entry: Entry): void {
    const principal = new TextDecoder().decode(entry.payload);
    for (const s of this.sessions.values()) {
      if (s.principal === principal && s.openCorrelationId === entry.correlationId) {
        this.pushEgress('session-opened', s.id, 0, entry.correlationId, new Uint8Array(0), true);
        return;
      }
    }
    if (this.sessions.size >= this.config.sessionsMax) {
      this.pushEgress('session-rejected', 0, 0, entry.correlationId, new Uint8Array(0), false);
      return;
    }
    // The id is the entry's index: deterministic and unique on every replica.
    const s: SessionState = {
      id: entry.index,
      principal,
      openCorrelationId: entry.correlationId,
      lastRequestSeq: 0,
      recent: [],
      lastActivityMs: entry.timestampMs,
    };
    this.sessions.set(s.id, s);
    for (const service of this.services) service.onSessionOpen({ id: s.id, principal }, entry.timestampMs);
    this.pushEgress('session-opened', s.id, 0, entry.correlationId, new Uint8Array(0), false);
  }

  private applyMessage(entry: Entry): void {
    const s = this.sessions.get(entry.sessionId);
    if (!s) {
      this.pushEgress('session-unknown', entry.sessionId, entry.requestSeq, 0, new Uint8Array(0), false);
      return;
    }
    s.lastActivityMs = entry.timestampMs;
    if (entry.requestSeq <= s.lastRequestSeq && !this.config.mutations?.skipSessionDedup) {
      // Already applied: answer from the record, never apply twice.
      const record = s.recent.find((x) => x.seq === entry.requestSeq);
      if (record) {
        for (const r of record.responses) this.pushEgress('response', s.id, entry.requestSeq, 0, r, true);
      } else {
        // Applied long ago: its answer is no longer kept (the client learns it was applied).
        this.pushEgress('request-expired', s.id, entry.requestSeq, 0, new Uint8Array(0), true);
      }
      return;
    }
    s.lastRequestSeq = Math.max(s.lastRequestSeq, entry.requestSeq);
    s.recent.push({ seq: entry.requestSeq, responses: [] });
    if (s.recent.length > this.config.responsesRetainedPerSession) s.recent.shift();
    const session = { id: s.id, principal: s.principal };
    this.current = { sessionId: s.id, requestSeq: entry.requestSeq };
    try {
      if (entry.serviceIndex === SERVICE_CONTROL_INDEX) {
        this.applyControl(session.principal, entry);
        return;
      }
      for (const service of this.services) {
        service.onSessionMessage(session, entry.timestampMs, entry.index, entry.payload);
      }
    } finally {
      this.current = undefined;
    }
  }

  /** A request for the host itself: today, activating a service version at this position. */
  private applyControl(principal: string, entry: Entry): void {
    const answer = (accepted: boolean, detail: string) => {
      const buf = new Uint8Array(64 + detail.length * 3);
      const e = new ServiceControlResponseEncoder().wrapAndApplyHeader(buf, 0);
      e.accepted(accepted ? 1 : 0)
        .serviceVersion(this.version)
        .sinceIndexAsNumber(this.versionSince)
        .detail(detail);
      this.recordReply(entry.sessionId, buf.subarray(0, 8 + e.encodedLength()));
    };
    const allowed = this.config.controlPrincipals;
    if (allowed !== undefined && !allowed.includes(principal)) {
      answer(false, `principal ${principal} may not send service-control requests`);
      return;
    }
    let action: number;
    let version: number;
    try {
      const d = new ServiceControlDecoder().wrapWithHeader(entry.payload, 0);
      action = d.actionRaw();
      version = d.serviceVersion();
    } catch {
      answer(false, 'malformed service-control request');
      return;
    }
    if (action !== ServiceControlAction.ActivateVersion) {
      answer(false, `unknown service-control action ${action}`);
      return;
    }
    if (version <= this.version) {
      answer(false, `service version ${version} is not above the active version ${this.version}`);
      return;
    }
    const max = this.config.serviceVersionMax ?? 1;
    if (version > max) throw new UnsupportedServiceVersionError(version, max, entry.index);
    this.version = version;
    this.versionSince = entry.index;
    for (const service of this.services) service.onServiceVersion?.(version, entry.timestampMs);
    answer(true, `service version ${version} in force from log position ${entry.index + 1}`);
  }

  private applyTimer(entry: Entry): void {
    const key = timerKey(entry.serviceIndex, entry.correlationId);
    const t = this.timers.get(key);
    // Fires only if still scheduled and due by the log's clock (else it was cancelled or moved).
    if (!t || t.deadlineMs > entry.timestampMs) return;
    this.timers.delete(key);
    this.services[entry.serviceIndex]?.onTimerEvent(entry.correlationId, entry.timestampMs);
  }

  private closeSession(id: number, timestampMs: number, reason: SessionCloseReason): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    for (const service of this.services)
      service.onSessionClose({ id, principal: s.principal }, timestampMs, reason);
    this.pushEgress('session-closed', id, 0, 0, new TextEncoder().encode(reason), false);
  }

  private pushEgress(
    kind: Egress['kind'],
    sessionId: number,
    requestSeq: number,
    correlationId: number,
    payload: Uint8Array,
    duplicate: boolean,
  ): void {
    this.egress.push({ kind, sessionId, requestSeq, correlationId, payload, duplicate });
  }

  private contextFor(serviceIndex: number): ServiceContext {
    return {
      reply: (sessionId, payload) => this.recordReply(sessionId, payload),
      serviceVersion: () => this.version,
      scheduleTimer: (correlationId, deadlineMs) => {
        if (!Number.isSafeInteger(correlationId) || correlationId < 0 || !Number.isSafeInteger(deadlineMs)) {
          throw new Error('scheduleTimer: correlationId and deadlineMs must be safe integers');
        }
        const key = timerKey(serviceIndex, correlationId);
        if (!this.timers.has(key) && this.timers.size >= this.config.timersMax) {
          throw new Error(`scheduleTimer: more than ${this.config.timersMax} timers`);
        }
        const timer: TimerState = { serviceIndex, correlationId, deadlineMs };
        this.timers.delete(key);
        this.timers.set(key, timer);
        this.timerHeap.push(timer);
        if (this.timerHeap.size > 2 * this.timers.size + 64) this.timerHeap.rebuild(this.timers.values());
      },
      cancelTimer: (correlationId) => this.timers.delete(timerKey(serviceIndex, correlationId)),
    };
  }

  /** Sends `payload` to a session; an answer to the request being applied is recorded for retries. */
  private recordReply(sessionId: number, payload: Uint8Array): void {
    const cur = this.current;
    if (cur && cur.sessionId === sessionId) {
      const s = this.sessions.get(sessionId);
      const record = s?.recent[s.recent.length - 1];
      if (record && record.seq === cur.requestSeq) {
        if (record.responses.length >= this.config.repliesPerRequestMax) {
          throw new Error(
            `service replied more than ${this.config.repliesPerRequestMax} times to one request`,
          );
        }
        record.responses.push(payload.slice());
      }
      this.pushEgress('response', sessionId, cur.requestSeq, 0, payload, false);
    } else if (this.sessions.has(sessionId)) {
      this.pushEgress('response', sessionId, 0, 0, payload, false);
    }
  }

  /** Timers due by `nowMs` (leader's clock), earliest first, bounded. */
  dueTimers(nowMs: number): { serviceIndex: number; correlationId: number; deadlineMs: number }[] {
    const live = (t: TimerState) => this.timers.get(timerKey(t.serviceIndex, t.correlationId)) === t;
    return this.timerHeap.due(nowMs, DUE_ITEMS_MAX, live);
  }

  /** Sessions idle for the timeout by `nowMs` (leader's clock), bounded. */
  expiredSessions(nowMs: number): number[] {
    const out: number[] = [];
    for (const s of this.sessions.values()) {
      if (nowMs - s.lastActivityMs >= this.config.sessionTimeoutMs) out.push(s.id);
    }
    return out.sort((a, b) => a - b).slice(0, DUE_ITEMS_MAX);
  }

  // ---- Snapshots and hashes ----

  private writeClusterState(w: ByteWriter): void {
    w.u53(this.applied);
    w.u53(this.lastTimestamp);
    w.u32(this.version);
    w.u53(this.versionSince);
    const sessions = [...this.sessions.values()].sort((a, b) => a.id - b.id);
    w.u32(sessions.length);
    for (const s of sessions) {
      w.u53(s.id);
      w.string(s.principal);
      w.u53(s.openCorrelationId);
      w.u53(s.lastRequestSeq);
      w.u53(s.lastActivityMs);
      w.u32(s.recent.length);
      for (const rec of s.recent) {
        w.u53(rec.seq);
        w.u32(rec.responses.length);
        for (const r of rec.responses) w.bytes(r);
      }
    }
    const timers = [...this.timers.values()].sort(
      (a, b) => a.serviceIndex - b.serviceIndex || a.correlationId - b.correlationId,
    );
    w.u32(timers.length);
    for (const t of timers) {
      w.u32(t.serviceIndex);
      w.u53(t.correlationId);
      w.u53(t.deadlineMs);
    }
  }

  takeSnapshot(): Uint8Array {
    const w = new ByteWriter();
    w.u32(SNAPSHOT_MAGIC);
    this.writeClusterState(w);
    w.u32(this.services.length);
    for (const service of this.services) {
      const sw = new ByteWriter();
      service.onTakeSnapshot({ write: (bytes) => sw.bytes(bytes) });
      w.string(service.name);
      w.bytes(sw.finish());
    }
    return w.finish();
  }

  /**
   * Begins a snapshot of the state at this position, completed by `step` between entries while
   * entries keep being applied (services with `beginSnapshot` copy-on-write; the others, and the
   * host's sessions and timers, are written now). Same bytes as `takeSnapshot` here.
   */
  beginSnapshot(): HostSnapshotCursor {
    if (!this.started) throw new Error('ServiceHost.beginSnapshot before start');
    if (this.activeSnapshot !== null) throw new Error('ServiceHost.beginSnapshot: a snapshot is in progress');
    const w = new ByteWriter();
    w.u32(SNAPSHOT_MAGIC);
    this.writeClusterState(w);
    w.u32(this.services.length);
    const parts: SnapshotPart[] = this.services.map((service) => {
      if (service.beginSnapshot !== undefined) return { name: service.name, cursor: service.beginSnapshot() };
      const sw = new ByteWriter();
      service.onTakeSnapshot({ write: (bytes) => sw.bytes(bytes) });
      return { name: service.name, bytes: sw.finish() };
    });
    const cursor = new HostSnapshotCursor(this.applied, this.lastTimestamp, w.finish(), parts, (c) => {
      if (this.activeSnapshot === c) this.activeSnapshot = null;
    });
    this.activeSnapshot = cursor;
    return cursor;
  }

  private decodeSnapshot(snapshot: Uint8Array): (Uint8Array | undefined)[] {
    const r = new ByteReader(snapshot);
    const magic = r.u32();
    if (magic !== SNAPSHOT_MAGIC && magic !== SNAPSHOT_MAGIC_V1) {
      if ((magic & 0xffffff00) === SNAPSHOT_MAGIC_PREFIX)
        throw new SnapshotFormatError(
          `snapshot format VSN${String.fromCharCode(magic & 0xff)} is newer than this build reads (VSN1, VSN2): run a newer build`,
        );
      throw new SnapshotFormatError('not a service-host snapshot');
    }
    this.applied = r.u53();
    this.lastTimestamp = r.u53();
    if (magic === SNAPSHOT_MAGIC) {
      this.version = r.u32();
      this.versionSince = r.u53();
      const max = this.config.serviceVersionMax ?? 1;
      if (this.version > max) throw new UnsupportedServiceVersionError(this.version, max, this.versionSince);
    }
    const sessionCount = r.u32();
    for (let i = 0; i < sessionCount; i++) {
      const id = r.u53();
      const principal = r.string();
      const openCorrelationId = r.u53();
      const lastRequestSeq = r.u53();
      const lastActivityMs = r.u53();
      const recent: RecordedRequest[] = [];
      const n = r.u32();
      for (let k = 0; k < n; k++) {
        const seq = r.u53();
        const responses: Uint8Array[] = [];
        const m = r.u32();
        for (let j = 0; j < m; j++) responses.push(r.bytes());
        recent.push({ seq, responses });
      }
      this.sessions.set(id, {
        id,
        principal,
        openCorrelationId,
        lastRequestSeq,
        recent,
        lastActivityMs,
      });
    }
    const timerCount = r.u32();
    for (let i = 0; i < timerCount; i++) {
      const serviceIndex = r.u32();
      const correlationId = r.u53();
      const deadlineMs = r.u53();
      const timer: TimerState = { serviceIndex, correlationId, deadlineMs };
      this.timers.set(timerKey(serviceIndex, correlationId), timer);
      this.timerHeap.push(timer);
    }
    const serviceCount = r.u32();
    if (serviceCount !== this.services.length) {
      throw new Error(`ServiceHost: snapshot has ${serviceCount} services, host has ${this.services.length}`);
    }
    const parts: Uint8Array[] = [];
    for (let i = 0; i < serviceCount; i++) {
      const name = r.string();
      const expected = this.services[i]?.name;
      if (name !== expected)
        throw new Error(`ServiceHost: snapshot service ${i} is '${name}', host has '${expected}'`);
      // Each service wrote a sequence of length-prefixed chunks; hand it the concatenated bytes.
      const inner = new ByteReader(r.bytes());
      const chunks: Uint8Array[] = [];
      while (!inner.done()) chunks.push(inner.bytes());
      parts.push(concat(chunks));
    }
    if (!r.done()) throw new Error('ServiceHost: trailing bytes in snapshot');
    return parts;
  }

  /** Hash of sessions, timers, applied position and every service's own hash. */
  stateHash(): string {
    const w = new ByteWriter();
    this.writeClusterState(w);
    for (const service of this.services) {
      w.string(service.name);
      w.string(service.stateHash());
    }
    return hashHex(w.finish());
  }
}

function timerKey(serviceIndex: number, correlationId: number): string {
  return `${serviceIndex}:${correlationId}`;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
