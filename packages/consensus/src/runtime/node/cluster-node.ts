/**
 * One cluster member as a process: the Raft core on the main thread with the durable log, the peer
 * transport, the client listener and the admin HTTP server; the service host and the services on a
 * worker thread (service-worker.ts). This file is the I/O shell: wall-clock time, sockets and files
 * are allowed here, never inside the core or the services.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { defaultRaftTuning, type RaftConfig } from '../../core/config.js';
import { RaftNode } from '../../core/node.js';
import { Prng } from '../../core/prng.js';
import type { Entry, Message, NodeId, Proposal, Ready, RestartState, Snapshot } from '../../core/types.js';
import type { Role } from '../../service.js';
import {
  defaultServiceHostConfig,
  SERVICE_CONTROL_INDEX,
  type ServiceHostConfig,
} from '../../service-host/host.js';
import { layoutPieces } from '../../service-host/incremental-snapshot.js';
import { type LogFields, type LogLevel, lineLogger, type RuntimeLogger } from '../observe/logger.js';
import { ServiceHealth } from '../observe/service-health.js';
import type { LogEntry } from '../storage/codec.js';
import { enableDurableWatermarks } from '../storage/durable-watermark.js';
import { nodeIo } from '../storage/io.js';
import { markRejoin, NodeStorage } from '../storage/node-storage.js';
import type { Durability } from '../storage/segment-log.js';
import { PeerTransport } from '../transport/peer-transport.js';
import {
  type ClientEgress,
  type ClientIngress,
  decodeClientIngress,
  decodeEntryBody,
  encodeClientEgress,
  encodeEntryBody,
  encodeMessage,
  entryKindOf,
} from '../wire/codec.js';
import { FrameReader, frame } from '../wire/frames.js';
import {
  diskFaultIo,
  faultClock,
  faultHookState,
  faultHooksEnabled,
  setClockOffset,
  setDiskBudget,
  setFsyncDelay,
} from './fault-hooks.js';
import type { MemberAddress } from './members.js';
import { Histogram, LATENCY_BUCKETS_S, renderScalar } from './metrics.js';
import { coreSnapshot } from './offline-log.js';
import { concatPiecesYielding } from './snapshot-assembly.js';
import type { FromWorker, ServiceWorkerData, ToWorker, WorkerEgress } from './worker-protocol.js';

export interface ClusterNodeOptions {
  readonly id: NodeId;
  readonly members: readonly MemberAddress[];
  readonly dataDir: string;
  /**
   * This member's data was lost (disk replaced, a corrupt log deleted): it starts on blank storage
   * marked recovering and neither votes nor campaigns until it durably holds a committed entry of
   * the current leader's term (it may have acknowledged entries it no longer has). Refused when the
   * data directory holds a log or a vote that is not already recovering.
   */
  readonly rejoin?: boolean;
  /** ES module (absolute path or file URL) exporting the service factory, loaded in the service thread. */
  readonly serviceModule: string;
  /** Export name of the factory `(serviceArgs) => ClusteredService[]` (default `createServices`). */
  readonly serviceExport?: string;
  /** Handed to the factory in the service thread (must survive structured cloning). */
  readonly serviceArgs?: unknown;
  /** `fsync` (default): an entry counts only once fdatasync'ed. `none`: page cache only (benchmarks). */
  readonly durability?: Durability;
  /** Interface to bind (default: this member's host from `members`; use 0.0.0.0 behind NAT). */
  readonly bindHost?: string;
  /**
   * Port to listen on for peers when it differs from the advertised `peerPort` in `members` (what
   * peers dial): e.g. behind a port-forward or a fault-injecting proxy. Default: the advertised port.
   */
  readonly peerListenPort?: number;
  readonly tickIntervalMs?: number;
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'voters' | 'prng'>>;
  readonly host?: Partial<ServiceHostConfig>;
  /** Take a snapshot once the services applied this many entries since the last one (0 = never). */
  readonly snapshotEveryEntries?: number;
  /** Take a snapshot on SIGTERM / close() (default true). */
  readonly snapshotOnClose?: boolean;
  /** Client connections per node (each is one gateway). */
  readonly clientConnectionsMax?: number;
  /**
   * Service-thread backlog bound: beyond this many entries handed to the services and not yet applied,
   * the leader refuses client requests (back-pressure) and a follower ignores new appends.
   */
  readonly serviceLagEntriesMax?: number;
  /**
   * When set, the admin HTTP's actions (POST /snapshot, POST /step-down) and the backup reads
   * (GET /log, GET /snapshot/latest: every account's orders) need `Authorization: Bearer
   * <adminToken>` (401 without it, 403 with a wrong one); GET /status and /metrics stay open.
   */
  readonly adminToken?: string;
  /** Plain-line output (`node N: ...`) when no `logger` is given. */
  readonly log?: (line: string) => void;
  /** Structured events (role changes, snapshots, recovery, truncation, sessions, warnings). */
  readonly logger?: RuntimeLogger;
  /**
   * Service-health sampling (backlog = committed - applied by the services, processing time per
   * entry): interval and the trend window; a warning is logged when either keeps growing.
   */
  readonly health?: { readonly sampleIntervalMs?: number; readonly windowSamples?: number };
}

export interface FollowerStatus {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: string;
  readonly lagEntries: number;
  readonly connected: boolean;
}

export interface NodeStatus {
  readonly id: NodeId;
  readonly role: string;
  readonly term: number;
  readonly leaderId: NodeId;
  /** Started on lost data (`rejoin`): no vote until it durably holds a committed entry of this term. */
  readonly recovering: boolean;
  readonly lastIndex: number;
  readonly durableIndex: number;
  readonly commitIndex: number;
  /** Handed to the service thread. */
  readonly appliedIndex: number;
  /** Applied by the services (may lag appliedIndex while a service is busy). */
  readonly serviceAppliedIndex: number;
  readonly snapshotIndex: number;
  readonly followers: readonly FollowerStatus[];
  readonly lastElectionMs: number;
  readonly elections: number;
  readonly sessions: number;
  readonly clientConnections: number;
  /** Service host state hash at `hashIndex` (null if the service thread did not answer in time). */
  readonly stateHash: string | null;
  readonly hashIndex: number;
  /** Service version in force (decided through the log) and the position that activated it. */
  readonly serviceVersion: number | null;
  readonly serviceVersionSince: number;
  /** Highest service version this member's build runs. */
  readonly serviceVersionMax: number;
  readonly durability: Durability;
  readonly uptimeMs: number;
  /** Process memory: resident set and V8 heap in use (both threads share the process). */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

interface ClientConn {
  readonly socket: net.Socket;
  sessionId: number;
  /** Next requestSeq accepted in order (0 = not known yet: the first request sets it). */
  expectedSeq: number;
}

const CLIENT_FRAME_BYTES_MAX = 1024 * 1024;
const CLIENT_SOCKET_BYTES_MAX = 16 * 1024 * 1024;
const READY_ROUNDS_PER_TURN = 64;
const HOUSEKEEPING_INTERVAL_MS = 100;
const WORKER_ANSWER_TIMEOUT_MS = 1000;
const HEALTH_SAMPLE_INTERVAL_MS = 1000;
const HEALTH_WINDOW_SAMPLES = 10;
/** Service-thread time per entry, 1 µs .. 1 s. */
const PER_ENTRY_BUCKETS_S = [
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.01, 0.1, 1,
];

/**
 * Monotonic wall clock in ms (the core's tick must never go backwards). Through the clock fault
 * hook, which is the identity unless a test moved this process's clock (still never backwards).
 */
function nowMs(): number {
  // nondeterminism-ok: I/O shell
  return faultClock(Math.floor(performance.timeOrigin + performance.now()));
}

/** Bounds of one GET /log answer. */
const LOG_SERVE_ENTRIES_MAX = 4096;
const LOG_SERVE_BYTES_MAX = 8 * 1024 * 1024;

function toLogEntry(e: Entry): LogEntry {
  return {
    index: e.index,
    term: e.term,
    timestampMs: e.timestampMs,
    type: entryKindOf(e.type),
    payload: encodeEntryBody(e),
  };
}

export class ClusterNode {
  readonly id: NodeId;
  private readonly opts: ClusterNodeOptions;
  private readonly logger: RuntimeLogger;
  private readonly self: MemberAddress;
  private readonly started = nowMs();
  private node!: RaftNode;
  private storage!: NodeStorage;
  private transport!: PeerTransport;
  private worker!: Worker;
  private clientServer: net.Server | null = null;
  private adminServer: http.Server | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private housekeepingTimer: NodeJS.Timeout | null = null;
  private processScheduled = false;
  private closing = false;
  private closed = false;

  // Storage pipeline: readies wait behind a snapshot install or a full log queue, in order.
  private storageChain: Promise<void> = Promise.resolve();
  private storageChained = 0;

  // Service thread.
  private serviceApplied = 0;
  private readonly workerWaiters = new Map<number, (m: FromWorker) => void>();
  /** Pieces of a snapshot streamed by the service thread before its 'snapshot' answer, by request id. */
  private readonly snapshotStreams = new Map<number, Uint8Array[]>();
  private nextWorkerRequest = 1;
  private snapshotInFlight = false;
  private lastSnapshotIndex = 0;
  /** Started recovering lost data (see ClusterNodeOptions.rejoin); cleared, with a log line, once it ends. */
  private rejoining = false;

  // Clients.
  private readonly conns = new Set<ClientConn>();
  private readonly sessionConns = new Map<number, ClientConn>();
  private readonly pendingOpens = new Map<string, ClientConn>();
  private readonly proposedTimers = new Map<string, number>();
  private readonly proposedTimeouts = new Set<number>();

  // Observability.
  private lastRole: Role = 'follower';
  /** When this node last became leader (wall clock): session time-outs wait a grace period after it. */
  private leaderSinceMs = 0;
  private lastLeader: NodeId = 0;
  private lastElectionMs = 0;
  private elections = 0;
  private lastStatusSessions = 0;
  private readonly proposeTimes: { index: number; atMs: number }[] = [];
  readonly appendLatency = new Histogram(
    'venue_log_append_seconds',
    'Log append until durable',
    LATENCY_BUCKETS_S,
  );
  readonly fsyncLatency = new Histogram(
    'venue_log_fsync_seconds',
    'One fdatasync of the log',
    LATENCY_BUCKETS_S,
  );
  readonly commitLatency = new Histogram(
    'venue_commit_seconds',
    'Leader: proposal until commit',
    LATENCY_BUCKETS_S,
  );
  readonly serviceEntryTime = new Histogram(
    'venue_service_entry_seconds',
    'Service thread: processing time per entry (batch average)',
    PER_ENTRY_BUCKETS_S,
  );
  // Service health: backlog and time-per-entry trends (warnings), total service-thread time.
  private readonly health: ServiceHealth;
  private serviceBusyMsTotal = 0;
  private readonly counters = {
    proposals: 0,
    proposalsRefused: 0,
    clientRequests: 0,
    clientRejected: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    tickLagMaxMs: 0,
    appendsDeferred: 0,
  };

  private constructor(opts: ClusterNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.logger =
      opts.logger ??
      lineLogger(opts.log ?? ((line) => process.stdout.write(`${line}\n`)), `node ${opts.id}: `);
    const self = opts.members.find((m) => m.id === opts.id);
    if (!self) throw new Error(`ClusterNode: id ${opts.id} is not in the member list`);
    this.self = self;
    this.health = new ServiceHealth({ windowSamples: opts.health?.windowSamples ?? HEALTH_WINDOW_SAMPLES });
  }

  /**
   * One structured event. Every event carries this member's id, term and log positions (last,
   * commit, applied by the services), so any line can be placed on the log.
   */
  private emit(level: LogLevel, event: string, msg: string, extra: LogFields = {}): void {
    const n = this.node as RaftNode | undefined;
    const st = this.storage as NodeStorage | undefined;
    const fields: LogFields =
      n === undefined
        ? {
            nodeId: this.id,
            // null while the storage is being opened (the recovery lines say what they found).
            term: st?.hardState.current.term ?? null,
            logPosition: st?.log.lastIndex ?? null,
            ...extra,
          }
        : {
            nodeId: this.id,
            term: n.term,
            logPosition: n.lastIndex(),
            commitPosition: n.commitIndex,
            appliedPosition: this.serviceApplied,
            ...extra,
          };
    this.logger.log(level, event, fields, msg);
  }

  /** Opens storage (refusing a corrupt log), starts the service thread, listens, and starts ticking. */
  static async start(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const n = new ClusterNode(opts);
    await n.init();
    return n;
  }

  private async init(): Promise<void> {
    const opts = this.opts;
    const t0 = performance.now();
    const durability = opts.durability ?? 'fsync';
    // Test-only: durable watermarks for the chaos suite's power-loss nemesis (see fault-hooks.ts).
    if (faultHooksEnabled()) enableDurableWatermarks();
    this.storage = await NodeStorage.open(opts.dataDir, {
      durability,
      print: (line) => this.emit('info', 'storage', line),
      log: {
        onFsync: (ms) => this.fsyncLatency.observe(ms / 1000),
        ...(faultHooksEnabled() ? { io: diskFaultIo(nodeIo) } : {}),
      },
    });
    if (opts.rejoin === true) await markRejoin(this.storage, opts.dataDir);
    const restart = this.restartState();
    this.rejoining = restart.hardState.recovering === true;
    if (this.rejoining)
      this.emit(
        'warn',
        'recovery',
        'recovering lost data: no vote and no candidacy until this member holds a committed entry of the current term',
      );
    const raft: RaftConfig = {
      ...defaultRaftTuning,
      ...opts.raft,
      id: opts.id,
      voters: opts.members.map((m) => m.id),
      // nondeterminism-ok: I/O shell (election jitter seed differs per process, as it should)
      prng: new Prng((Date.now() ^ (opts.id * 0x9e3779b1)) >>> 0),
    };
    this.node = new RaftNode(raft, restart, nowMs());
    this.lastSnapshotIndex = restart.snapshot?.index ?? 0;
    this.serviceApplied = this.lastSnapshotIndex;
    await this.startWorker(restart.snapshot?.data ?? null);
    this.emit(
      'info',
      'recovery',
      `restart state: snapshot ${restart.snapshot ? `@${restart.snapshot.index}` : 'none'}, ` +
        `${restart.entries.length} log entries after it, term ${restart.hardState.term}; ` +
        `started in ${(performance.now() - t0).toFixed(1)} ms`,
      { snapshotPosition: restart.snapshot?.index ?? 0, replayEntries: restart.entries.length },
    );
    const bindHost = opts.bindHost ?? this.self.host;
    this.transport = new PeerTransport({
      selfId: this.id,
      listenHost: bindHost,
      listenPort: opts.peerListenPort ?? this.self.peerPort,
      peers: opts.members
        .filter((m) => m.id !== this.id)
        .map((m) => ({ id: m.id, host: m.host, port: m.peerPort })),
      onMessage: (m) => this.onPeerMessage(m),
      log: (line) => this.emit('warn', 'peer', line),
    });
    await this.transport.start();
    await this.startClientServer(bindHost);
    await this.startAdminServer(bindHost);
    const interval = opts.tickIntervalMs ?? 10;
    let lastTick = nowMs();
    this.tickTimer = setInterval(() => {
      const now = nowMs();
      this.counters.tickLagMaxMs = Math.max(this.counters.tickLagMaxMs, now - lastTick - interval);
      lastTick = now;
      this.node.tick(now);
      this.scheduleProcess();
    }, interval);
    this.housekeepingTimer = setInterval(() => {
      if (this.node.role === 'leader' && this.node.transferTarget === 0)
        this.postWorker({ t: 'housekeeping', nowMs: nowMs() });
    }, HOUSEKEEPING_INTERVAL_MS);
    this.healthTimer = setInterval(
      () => this.sampleHealth(),
      opts.health?.sampleIntervalMs ?? HEALTH_SAMPLE_INTERVAL_MS,
    );
    this.healthTimer.unref();
    this.emit(
      'info',
      'listening',
      `listening peers ${bindHost}:${opts.peerListenPort ?? this.self.peerPort}, clients ${this.self.clientPort}, ` +
        `admin ${this.self.adminPort}; durability ${durability}`,
    );
  }

  private restartState(): RestartState {
    const s = this.storage;
    const hs = s.hardState.current;
    const snapshot = coreSnapshot(s.snapshot);
    const entries: Entry[] = [];
    let from = (snapshot?.index ?? 0) + 1;
    const last = s.log.lastIndex;
    // Bounded by the snapshot interval: the log before the snapshot was compacted.
    while (from <= last) {
      const batch = s.log.read(from, 4096, 16 * 1024 * 1024);
      if (batch.length === 0) throw new Error(`log read returned nothing at ${from} (last ${last})`);
      for (const e of batch) entries.push(decodeEntryBody(e, e.payload));
      from += batch.length;
    }
    const hardState = { term: hs.term, vote: hs.votedFor ?? 0 };
    return {
      hardState: hs.recovering === true ? { ...hardState, recovering: true } : hardState,
      snapshot,
      entries,
    };
  }

  // ---- Service thread ----

  private startWorker(snapshot: Uint8Array | null): Promise<void> {
    const data: ServiceWorkerData = {
      serviceModule: this.opts.serviceModule,
      serviceExport: this.opts.serviceExport ?? 'createServices',
      serviceArgs: this.opts.serviceArgs ?? null,
      host: { ...defaultServiceHostConfig, ...this.opts.host },
      snapshot,
    };
    this.worker = new Worker(serviceWorkerUrl(), { workerData: data });
    return new Promise((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.t === 'ready') {
          this.emit(
            'info',
            'services-started',
            `services started at index ${m.applied} in ${m.startMs.toFixed(1)} ms`,
            {
              servicePosition: m.applied,
            },
          );
          this.worker.off('message', onReady);
          this.worker.on('message', (x: FromWorker) => this.onWorkerMessage(x));
          resolve();
        } else if (m.t === 'fatal') reject(new Error(`service thread failed to start: ${m.message}`));
      };
      this.worker.on('message', onReady);
      this.worker.on('error', (err) => this.fatal(`service thread crashed: ${err.stack ?? err.message}`));
      this.worker.on('exit', (code) => {
        if (!this.closing) this.fatal(`service thread exited with code ${code}`);
      });
    });
  }

  private postWorker(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private askWorker(
    build: (id: number) => ToWorker,
    timeoutMs = WORKER_ANSWER_TIMEOUT_MS,
  ): Promise<FromWorker | null> {
    const id = this.nextWorkerRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.workerWaiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.workerWaiters.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.postWorker(build(id));
    });
  }

  private onWorkerMessage(m: FromWorker): void {
    switch (m.t) {
      case 'applied':
        if (m.busyMs > 0 && m.index > this.serviceApplied) {
          const entries = m.index - this.serviceApplied;
          this.health.recordApplied(entries, m.busyMs);
          this.serviceBusyMsTotal += m.busyMs;
          this.serviceEntryTime.observe(m.busyMs / entries / 1000);
        }
        this.serviceApplied = m.index;
        this.logSessions(m.egress);
        if (this.node.role === 'leader') for (const e of m.egress) this.deliverEgress(e);
        this.maybeSnapshot();
        break;
      case 'snapshot-chunks': {
        // Kept only while someone waits for that snapshot (a timed-out one is dropped).
        if (!this.workerWaiters.has(m.id)) break;
        const list = this.snapshotStreams.get(m.id);
        if (list === undefined) this.snapshotStreams.set(m.id, [...m.chunks]);
        else list.push(...m.chunks);
        break;
      }
      case 'snapshot':
      case 'metrics':
      case 'status': {
        const w = this.workerWaiters.get(m.id);
        this.workerWaiters.delete(m.id);
        if (w === undefined && m.t === 'snapshot') this.snapshotStreams.delete(m.id);
        w?.(m);
        break;
      }
      case 'housekeeping':
        this.proposeHousekeeping(m.timers, m.sessions);
        break;
      case 'fatal':
        this.fatal(`service thread failed: ${m.message}`);
        break;
      case 'ready':
        break;
    }
  }

  /** Session open/close as applied from the log (every member logs them, at their log position). */
  private logSessions(egress: readonly WorkerEgress[]): void {
    for (const e of egress) {
      if (e.type === 'opened')
        this.emit('info', 'session-open', `session ${e.sessionId} opened by ${e.principal}`, {
          sessionId: e.sessionId,
          principal: e.principal,
          entryPosition: e.index,
        });
      else if (e.type === 'session-closed')
        this.emit('info', 'session-close', `session ${e.sessionId} closed: ${e.reason}`, {
          sessionId: e.sessionId,
          reason: e.reason,
          entryPosition: e.index,
        });
    }
  }

  /**
   * Once per sampling interval: the services' backlog (committed, not yet applied by the service
   * thread) and their mean processing time per entry. A warning when either keeps growing over the
   * window; the `venue_service_*_growing` gauges say the same to a scraper.
   */
  private sampleHealth(): void {
    if (this.closed) return;
    for (const e of this.health.sample(this.node.commitIndex - this.serviceApplied))
      this.emit(e.level, e.event, e.msg, e.fields);
  }

  private proposeHousekeeping(
    timers: readonly { serviceIndex: number; correlationId: number; deadlineMs: number }[],
    sessions: readonly number[],
  ): void {
    if (this.node.role !== 'leader') return;
    const live = new Set<string>();
    for (const t of timers) {
      const key = `${t.serviceIndex}:${t.correlationId}`;
      live.add(key);
      if (this.proposedTimers.get(key) === t.deadlineMs) continue;
      const r = this.propose({
        type: 'timer',
        sessionId: 0,
        requestSeq: 0,
        correlationId: t.correlationId,
        serviceIndex: t.serviceIndex,
        payload: EMPTY,
      });
      if (r) this.proposedTimers.set(key, t.deadlineMs);
    }
    for (const key of [...this.proposedTimers.keys()]) if (!live.has(key)) this.proposedTimers.delete(key);
    const expired = new Set(sessions);
    // Time without a leader is not a client's idle time: after an outage longer than the session
    // time-out (all members down, no quorum) every session looks idle to the new leader's clock, and
    // closing them at once would cut off gateways that are reconnecting. Like etcd extending leases on
    // a leader change: a full time-out after becoming leader for clients to re-attach and be heard.
    const graceMs = this.opts.host?.sessionTimeoutMs ?? defaultServiceHostConfig.sessionTimeoutMs;
    const due = nowMs() - this.leaderSinceMs < graceMs ? [] : sessions;
    for (const id of due) {
      if (this.proposedTimeouts.has(id)) continue;
      const ok = this.propose({
        type: 'session-timeout',
        sessionId: id,
        requestSeq: 0,
        correlationId: 0,
        serviceIndex: 0,
        payload: EMPTY,
      });
      if (ok) this.proposedTimeouts.add(id);
    }
    for (const id of [...this.proposedTimeouts]) if (!expired.has(id)) this.proposedTimeouts.delete(id);
  }

  // ---- Snapshots ----

  private maybeSnapshot(): void {
    const every = this.opts.snapshotEveryEntries ?? 10_000;
    if (every > 0 && this.serviceApplied - this.lastSnapshotIndex >= every) void this.takeSnapshot();
  }

  /** Asks the services for a snapshot at their applied index, stores it durably, compacts. */
  async takeSnapshot(): Promise<{ index: number; bytes: number } | null> {
    if (this.snapshotInFlight || this.closed) return null;
    this.snapshotInFlight = true;
    try {
      const m = await this.askWorker((id) => ({ t: 'take-snapshot', id }), 60_000);
      if (m === null || m.t !== 'snapshot') return null;
      if (m.index <= this.node.snapshotIndex || m.index <= this.lastSnapshotIndex) return null;
      const term = this.node.termAt(m.index);
      if (term === undefined) return null;
      const streamed = this.snapshotStreams.get(m.id) ?? [];
      this.snapshotStreams.delete(m.id);
      const pieces = layoutPieces(m.layout, streamed);
      const t0 = performance.now();
      // The core keeps one buffer (it sends offsets of it to followers). A 100 MB image copied at once
      // held this thread (heartbeats, commits) for 66-94 ms: the copy yields every few MiB instead.
      const copy = concatPiecesYielding(pieces);
      await this.storageChain; // after any pending install
      const saved = await this.storage.saveSnapshot(
        { lastIndex: m.index, lastTerm: term, timestampMs: m.timestampMs },
        pieces,
      );
      const snap: Snapshot = { index: m.index, term, timestampMs: m.timestampMs, data: await copy };
      this.lastSnapshotIndex = snap.index;
      if (snap.index > this.node.snapshotIndex && this.node.termAt(snap.index) === snap.term)
        this.node.compact(snap);
      this.counters.snapshotsTaken++;
      this.emit(
        'info',
        'snapshot-taken',
        `snapshot @${snap.index} (${snap.data.length} bytes, ${streamed.length} pieces streamed, services ${m.tookMs.toFixed(1)} ms, longest step ${m.stepMaxMs.toFixed(1)} ms, ` +
          `store ${(performance.now() - t0).toFixed(1)} ms, ${saved.segmentsDeleted} segment(s) compacted)`,
        { snapshotPosition: snap.index, snapshotTerm: snap.term, bytes: snap.data.length },
      );
      this.scheduleProcess();
      return { index: snap.index, bytes: snap.data.length };
    } catch (err) {
      this.emit('error', 'snapshot-failed', `snapshot failed: ${(err as Error).message}`);
      return null;
    } finally {
      this.snapshotInFlight = false;
    }
  }

  // ---- Core driving ----

  private onPeerMessage(m: Message): void {
    if (this.closed) return;
    if (
      m.type === 'append' &&
      m.entries.length > 0 &&
      this.node.appliedIndex - this.serviceApplied > (this.opts.serviceLagEntriesMax ?? 16_384)
    ) {
      // Flow control for a follower whose services fall behind: take no new entries (the leader
      // re-sends them later), so the backlog handed to the service thread stays bounded.
      this.counters.appendsDeferred++;
      return;
    }
    this.node.step(m);
    this.scheduleProcess();
  }

  private propose(p: Proposal): boolean {
    const r = this.node.propose(p);
    if (r.ok) {
      this.counters.proposals++;
      if (this.proposeTimes.length < 8192)
        this.proposeTimes.push({ index: r.index, atMs: performance.now() });
      this.scheduleProcess();
    } else this.counters.proposalsRefused++;
    return r.ok;
  }

  private scheduleProcess(): void {
    if (this.processScheduled || this.closed) return;
    this.processScheduled = true;
    setImmediate(() => {
      this.processScheduled = false;
      this.process();
    });
  }

  /** Drains the core's output: persist, send, apply (bounded rounds per turn, then yield). */
  private process(): void {
    if (this.closed) return;
    for (let round = 0; round < READY_ROUNDS_PER_TURN && this.node.hasReady(); round++) {
      const rd = this.node.ready();
      this.persist(rd);
      for (const m of rd.messages) this.transport.send(m);
      if (rd.snapshot) {
        this.counters.snapshotsInstalled++;
        this.postWorker({ t: 'install', index: rd.snapshot.index, data: rd.snapshot.data });
        this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, rd.snapshot.index);
        this.emit('info', 'snapshot-install', `installing snapshot @${rd.snapshot.index} from the leader`, {
          snapshotPosition: rd.snapshot.index,
          snapshotTerm: rd.snapshot.term,
        });
      }
      if (rd.committedEntries.length > 0) this.postWorker({ t: 'apply', entries: rd.committedEntries });
      this.observeRoles(rd);
      this.observeCommit(rd.commitIndex);
    }
    if (this.node.hasReady()) this.scheduleProcess();
  }

  private observeCommit(commitIndex: number): void {
    const now = performance.now();
    let k = 0;
    while (k < this.proposeTimes.length && (this.proposeTimes[k] as { index: number }).index <= commitIndex) {
      this.commitLatency.observe((now - (this.proposeTimes[k] as { atMs: number }).atMs) / 1000);
      k++;
    }
    if (k > 0) this.proposeTimes.splice(0, k);
  }

  private observeRoles(rd: Ready): void {
    const role: Role = rd.role === 'pre-candidate' ? 'follower' : rd.role;
    if (rd.leaderId !== this.lastLeader && rd.leaderId !== 0) {
      this.lastElectionMs = nowMs();
      this.elections++;
    }
    this.lastLeader = rd.leaderId;
    if (role === this.lastRole) return;
    const was = this.lastRole;
    this.lastRole = role;
    this.postWorker({ t: 'role', role });
    if (role === 'leader') this.leaderSinceMs = nowMs();
    this.proposedTimers.clear();
    this.proposedTimeouts.clear();
    this.emit('info', 'role-change', `${role} in term ${rd.term} (leader ${rd.leaderId || 'unknown'})`, {
      role,
      previousRole: was,
      leaderId: rd.leaderId,
    });
    if (was === 'leader') {
      // Clients must find the new leader; their unacknowledged requests are resent there.
      this.proposeTimes.length = 0;
      for (const c of [...this.conns]) {
        this.sendClient(c, { type: 'not-leader', leaderId: 0, leaderAddress: '' });
        c.socket.end();
      }
    }
  }

  private persist(rd: Ready): void {
    const hs = rd.hardState;
    if (hs) {
      const state = {
        term: hs.term,
        votedFor: hs.vote === 0 ? null : hs.vote,
        ...(hs.recovering === true ? { recovering: true } : {}),
      };
      this.storage.hardState.save(state).then(
        () => {
          if (this.storage.hardState.current.recovering !== true && this.rejoining) {
            this.rejoining = false;
            this.emit(
              'info',
              'recovery',
              'recovered: this member holds a committed entry of the current term and votes again',
            );
          }
          this.node.hardStatePersisted(hs);
          this.scheduleProcess();
        },
        (err: unknown) => this.fatal(`hard state save failed: ${(err as Error).message}`),
      );
    }
    if (!rd.snapshot && rd.entries.length === 0) return;
    if (rd.snapshot || this.storageChained > 0 || !this.appendNow(rd.entries)) {
      this.storageChained++;
      const snapshot = rd.snapshot;
      const entries = rd.entries;
      this.storageChain = this.storageChain
        .then(async () => {
          if (snapshot) await this.installSnapshot(snapshot);
          if (entries.length > 0) {
            while (!this.appendNow(entries)) {
              await this.storage.log.whenWritable(
                entries.length,
                entries.reduce((n, e) => n + e.payload.length, 0),
              );
            }
          }
        })
        .catch((err: unknown) => this.fatal(`storage failed: ${(err as Error).message}`))
        .finally(() => {
          this.storageChained--;
        });
    }
  }

  private async installSnapshot(s: Snapshot): Promise<void> {
    const t0 = performance.now();
    await this.storage.snapshots.write(
      { lastIndex: s.index, lastTerm: s.term, timestampMs: s.timestampMs },
      s.data,
    );
    await this.storage.log.reset(s.index + 1, s.term);
    this.node.appendPersisted(s.index, s.term);
    this.emit(
      'info',
      'snapshot-installed',
      `snapshot @${s.index} (${s.data.length} bytes) installed durably in ${(performance.now() - t0).toFixed(1)} ms`,
      { snapshotPosition: s.index, snapshotTerm: s.term, bytes: s.data.length },
    );
    this.scheduleProcess();
  }

  /** Hands entries to the log (truncating a conflicting suffix first); false when the log is full. */
  private appendNow(entries: readonly Entry[]): boolean {
    const log = this.storage.log;
    const first = entries[0] as Entry;
    const last = entries[entries.length - 1] as Entry;
    const mapped = entries.map(toLogEntry);
    if (first.index <= log.lastIndex) {
      // Check capacity before truncating, so a refusal changes nothing.
      if (log.pendingEntries + entries.length > 65_536) return false;
      this.emit(
        'warn',
        'log-truncate',
        `truncating the log from ${first.index} (conflicting suffix ${first.index}..${log.lastIndex} replaced by the leader's entries)`,
        { truncateFrom: first.index, truncatedLast: log.lastIndex },
      );
      log
        .truncateSuffix(first.index)
        .catch((err: unknown) => this.fatal(`truncate failed: ${(err as Error).message}`));
    }
    const t0 = performance.now();
    const ack = log.append(mapped);
    if (ack === false) return false;
    ack.then(
      (index) => {
        this.appendLatency.observe((performance.now() - t0) / 1000);
        this.node.appendPersisted(index, last.term);
        this.scheduleProcess();
      },
      (err: unknown) => this.fatal(`log append failed: ${(err as Error).message}`),
    );
    return true;
  }

  // ---- Client protocol ----

  private startClientServer(bindHost: string): Promise<void> {
    const server = net.createServer((socket) => this.acceptClient(socket));
    this.clientServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.self.clientPort, bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private leaderClientAddress(): { leaderId: number; leaderAddress: string } {
    const leader = this.opts.members.find((m) => m.id === this.node.leaderId);
    return leader
      ? { leaderId: leader.id, leaderAddress: `${leader.host}:${leader.clientPort}` }
      : { leaderId: 0, leaderAddress: '' };
  }

  private acceptClient(socket: net.Socket): void {
    if (this.closing || this.conns.size >= (this.opts.clientConnectionsMax ?? 256)) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: ClientConn = { socket, sessionId: 0, expectedSeq: 0 };
    this.conns.add(conn);
    const reader = new FrameReader(CLIENT_FRAME_BYTES_MAX);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (body) => this.onClientMessage(conn, decodeClientIngress(body)));
      } catch (err) {
        this.emit(
          'warn',
          'client-dropped',
          `client ${socket.remoteAddress}:${socket.remotePort} dropped: ${(err as Error).message}`,
        );
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.conns.delete(conn);
      if (conn.sessionId !== 0 && this.sessionConns.get(conn.sessionId) === conn)
        this.sessionConns.delete(conn.sessionId);
      for (const [k, c] of this.pendingOpens) if (c === conn) this.pendingOpens.delete(k);
    });
  }

  private sendClient(conn: ClientConn, m: ClientEgress): void {
    const s = conn.socket;
    if (s.destroyed) return;
    if (s.writableLength > CLIENT_SOCKET_BYTES_MAX) {
      // A client that does not read is cut off rather than buffered without bound; it reconnects.
      this.emit('warn', 'client-slow', `client session ${conn.sessionId} too slow, disconnecting`, {
        sessionId: conn.sessionId,
      });
      s.destroy();
      return;
    }
    s.write(frame(encodeClientEgress(m)));
  }

  private onClientMessage(conn: ClientConn, m: ClientIngress): void {
    if (this.node.role !== 'leader' || this.closing) {
      if (m.type === 'open') {
        this.sendClient(conn, {
          type: 'open-response',
          nonce: m.nonce,
          status: 'redirect',
          sessionId: 0,
          ...this.leaderClientAddress(),
        });
      } else this.sendClient(conn, { type: 'not-leader', ...this.leaderClientAddress() });
      return;
    }
    switch (m.type) {
      case 'open': {
        const ok = this.propose({
          type: 'session-open',
          sessionId: 0,
          requestSeq: 0,
          correlationId: m.nonce,
          serviceIndex: 0,
          payload: new TextEncoder().encode(m.principal),
        });
        if (ok) this.pendingOpens.set(`${m.principal}\u0000${m.nonce}`, conn);
        else
          this.sendClient(conn, {
            type: 'open-response',
            nonce: m.nonce,
            status: 'redirect',
            sessionId: 0,
            leaderId: 0,
            leaderAddress: '',
          });
        return;
      }
      case 'request': {
        this.counters.clientRequests++;
        const reject = (code: 'back-pressure' | 'out-of-order' | 'no-session', detail: string) => {
          this.counters.clientRejected++;
          this.sendClient(conn, {
            type: 'rejected',
            sessionId: m.sessionId,
            requestSeq: m.requestSeq,
            code,
            detail,
          });
        };
        if (conn.sessionId !== m.sessionId) {
          reject('no-session', 'open or re-attach the session on this connection first');
          return;
        }
        // In order per session: a request after a refused one is refused too, so the log never holds
        // seq n+1 without n (the dedup keeps only the highest seq).
        if (conn.expectedSeq !== 0 && m.requestSeq > conn.expectedSeq) {
          reject('out-of-order', `expected request ${conn.expectedSeq}`);
          return;
        }
        if (this.node.commitIndex - this.serviceApplied > (this.opts.serviceLagEntriesMax ?? 16_384)) {
          conn.expectedSeq = m.requestSeq;
          reject('back-pressure', 'services are behind');
          return;
        }
        const r = this.node.propose({
          type: 'session-message',
          sessionId: m.sessionId,
          requestSeq: m.requestSeq,
          correlationId: 0,
          // 0: the services; SERVICE_CONTROL_INDEX: the service host (anything else it ignores).
          serviceIndex: m.serviceIndex === SERVICE_CONTROL_INDEX ? SERVICE_CONTROL_INDEX : 0,
          payload: m.payload,
        });
        if (r.ok) {
          this.counters.proposals++;
          if (this.proposeTimes.length < 8192)
            this.proposeTimes.push({ index: r.index, atMs: performance.now() });
          conn.expectedSeq = Math.max(conn.expectedSeq, m.requestSeq + 1);
          this.scheduleProcess();
          return;
        }
        this.counters.proposalsRefused++;
        conn.expectedSeq = m.requestSeq;
        if (r.reason === 'not-leader' || r.reason === 'transferring') {
          this.sendClient(conn, { type: 'not-leader', ...this.leaderClientAddress() });
        } else if (r.reason === 'backpressure') reject('back-pressure', r.detail);
        else {
          this.counters.clientRejected++;
          conn.expectedSeq = m.requestSeq + 1; // an invalid request is skipped, never retried
          this.sendClient(conn, {
            type: 'rejected',
            sessionId: m.sessionId,
            requestSeq: m.requestSeq,
            code: 'invalid',
            detail: r.detail,
          });
        }
        return;
      }
      case 'keep-alive':
        // Answered by this (consensus) thread at once, whatever the services are doing: the client
        // uses the answer to tell a slow service from a paused or deposed leader.
        if (this.node.role !== 'leader') {
          this.sendClient(conn, { type: 'not-leader', ...this.leaderClientAddress() });
          return;
        }
        if (conn.sessionId === m.sessionId) {
          this.sendClient(conn, { type: 'keep-alive-ack', sessionId: m.sessionId });
          this.propose({
            type: 'session-keepalive',
            sessionId: m.sessionId,
            requestSeq: 0,
            correlationId: 0,
            serviceIndex: 0,
            payload: EMPTY,
          });
        }
        return;
      case 'close':
        if (conn.sessionId === m.sessionId) {
          this.propose({
            type: 'session-close',
            sessionId: m.sessionId,
            requestSeq: 0,
            correlationId: 0,
            serviceIndex: 0,
            payload: EMPTY,
          });
        }
        return;
    }
  }

  private deliverEgress(e: WorkerEgress): void {
    switch (e.type) {
      case 'opened':
      case 'open-rejected': {
        const key = `${e.principal}\u0000${e.nonce}`;
        const conn = this.pendingOpens.get(key);
        if (!conn) return;
        this.pendingOpens.delete(key);
        if (e.type === 'open-rejected') {
          this.sendClient(conn, {
            type: 'open-response',
            nonce: e.nonce,
            status: 'rejected',
            sessionId: 0,
            leaderId: this.id,
            leaderAddress: '',
          });
          return;
        }
        const previous = this.sessionConns.get(e.sessionId);
        if (previous && previous !== conn) previous.socket.destroy();
        conn.sessionId = e.sessionId;
        conn.expectedSeq = 0;
        this.sessionConns.set(e.sessionId, conn);
        this.sendClient(conn, {
          type: 'open-response',
          nonce: e.nonce,
          status: 'opened',
          sessionId: e.sessionId,
          leaderId: this.id,
          leaderAddress: '',
        });
        return;
      }
      case 'response':
      case 'event': {
        const conn = this.sessionConns.get(e.sessionId);
        if (conn) this.sendClient(conn, e);
        return;
      }
      case 'session-closed': {
        const conn = this.sessionConns.get(e.sessionId);
        if (!conn) return;
        this.sendClient(conn, e);
        this.sessionConns.delete(e.sessionId);
        conn.sessionId = 0;
        return;
      }
    }
  }

  // ---- Admin ----

  private startAdminServer(bindHost: string): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handleAdmin(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(`${(err as Error).message}\n`);
      });
    });
    this.adminServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.self.adminPort, bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private async handleAdmin(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    const json = (code: number, body: unknown) => {
      res.statusCode = code;
      res.setHeader('content-type', 'application/json');
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method === 'GET' && url === '/status') return json(200, await this.status());
    if (req.method === 'GET' && url === '/metrics') {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(await this.metricsText());
      return;
    }
    // Actions, and the committed log and snapshots (every account's orders), need the token.
    const guarded = req.method === 'POST' || url === '/log' || url === '/snapshot/latest';
    if (guarded && this.opts.adminToken !== undefined) {
      const denied = adminDenied(this.opts.adminToken, req.headers.authorization);
      if (denied !== undefined) {
        if (denied.code === 401) res.setHeader('www-authenticate', 'Bearer realm="venue-admin"');
        return json(denied.code, { error: denied.error });
      }
    }
    if (req.method === 'GET' && url === '/log') return this.serveLog(req, res, json);
    if (req.method === 'GET' && url === '/snapshot/latest') return this.serveLatestSnapshot(res, json);
    if (req.method === 'POST' && url === '/snapshot') {
      const r = await this.takeSnapshot();
      return json(
        r ? 200 : 409,
        r ?? { error: 'snapshot not taken (one in progress, or nothing new applied)' },
      );
    }
    if (req.method === 'POST' && url === '/step-down') {
      const to = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? 0);
      const r = this.stepDown(Number.isSafeInteger(to) && to > 0 ? to : undefined);
      return json(r.ok ? 200 : 409, r);
    }
    if (req.method === 'POST' && url?.startsWith('/fault/') && faultHooksEnabled()) {
      return json(...this.injectFault(url, new URL(req.url ?? '/', 'http://x').searchParams));
    }
    json(404, {
      error:
        'GET /status, GET /metrics, GET /log?from=<index>[&max=<n>], GET /snapshot/latest, POST /snapshot, POST /step-down[?to=<id>]',
    });
  }

  /**
   * Committed entries from `from` (at most `max`, and LOG_SERVE_BYTES_MAX), SBE-encoded as one Append
   * message (prevIndex/prevTerm let the reader check continuity; commitIndex says how far the cluster
   * is). Only committed entries: a copy (the backup member) must never hold what may still be
   * truncated. 410 when `from` was compacted away: fetch /snapshot/latest first.
   */
  private serveLog(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    json: (code: number, body: unknown) => void,
  ): void {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const from = Number(q.get('from'));
    const max = Number(q.get('max') ?? LOG_SERVE_ENTRIES_MAX);
    if (!Number.isSafeInteger(from) || from < 1) {
      json(400, { error: 'from must be a log index (an integer >= 1)' });
      return;
    }
    if (!Number.isSafeInteger(max) || max < 1 || max > LOG_SERVE_ENTRIES_MAX) {
      json(400, { error: `max must be an integer 1..${LOG_SERVE_ENTRIES_MAX}` });
      return;
    }
    const log = this.storage.log;
    if (from < log.firstIndex) {
      json(410, {
        error: `entries before ${log.firstIndex} were compacted into a snapshot: fetch GET /snapshot/latest`,
        firstIndex: log.firstIndex,
      });
      return;
    }
    const commit = Math.min(this.node.commitIndex, log.lastIndex);
    const count = Math.max(0, Math.min(max, commit - from + 1));
    const entries =
      count === 0 ? [] : log.read(from, count, LOG_SERVE_BYTES_MAX).map((e) => decodeEntryBody(e, e.payload));
    const body = encodeMessage({
      type: 'append',
      from: this.id,
      to: 0,
      term: this.node.term,
      prevIndex: from - 1,
      prevTerm: from - 1 === 0 ? 0 : (log.termAt(from - 1) ?? 0),
      entries,
      commitIndex: commit,
    });
    res.statusCode = 200;
    res.setHeader('content-type', 'application/octet-stream');
    res.end(body);
  }

  /** The newest valid snapshot's bytes; its position in headers (404 when there is none). */
  private async serveLatestSnapshot(
    res: http.ServerResponse,
    json: (code: number, body: unknown) => void,
  ): Promise<void> {
    const loaded = await this.storage.snapshots.loadNewest();
    const snap = loaded.snapshot;
    if (snap === null) return json(404, { error: 'no snapshot yet' });
    res.statusCode = 200;
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('x-snapshot-index', String(snap.info.lastIndex));
    res.setHeader('x-snapshot-term', String(snap.info.lastTerm));
    res.setHeader('x-snapshot-timestamp-ms', String(snap.info.timestampMs));
    res.end(snap.data);
  }

  /** Test-only faults (VENUE_FAULT_HOOKS=1): POST /fault/disk-full?afterBytes=N, /fault/clock?offsetMs=N. */
  private injectFault(url: string, params: URLSearchParams): [number, unknown] {
    try {
      if (url === '/fault/disk-full') setDiskBudget(Number(params.get('afterBytes') ?? 0));
      else if (url === '/fault/clock') setClockOffset(Number(params.get('offsetMs') ?? 0));
      else if (url === '/fault/slow-fsync') setFsyncDelay(Number(params.get('delayMs') ?? 0));
      else
        return [
          404,
          {
            error:
              'POST /fault/disk-full?afterBytes=N, /fault/clock?offsetMs=N or /fault/slow-fsync?delayMs=N',
          },
        ];
    } catch (err) {
      return [400, { error: (err as Error).message }];
    }
    this.emit('warn', 'fault-hook', `fault hook ${url}?${params.toString()}`);
    return [200, faultHookState()];
  }

  /** Leadership transfer to `target`, or by default to the most caught-up connected follower. */
  stepDown(target?: NodeId): { ok: boolean; detail: string; target: number } {
    if (this.node.role !== 'leader') return { ok: false, detail: 'not the leader', target: 0 };
    if (target !== undefined) {
      const r = this.node.transferLeadership(target);
      this.scheduleProcess();
      return { ...r, target };
    }
    let best = 0;
    let bestMatch = -1;
    for (const m of this.opts.members) {
      if (m.id === this.id || !this.transport.isConnected(m.id)) continue;
      const p = this.node.followerProgress(m.id);
      if (p && p.match > bestMatch) {
        best = m.id;
        bestMatch = p.match;
      }
    }
    if (best === 0) return { ok: false, detail: 'no connected follower', target: 0 };
    const r = this.node.transferLeadership(best);
    this.scheduleProcess();
    return { ...r, target: best };
  }

  async status(): Promise<NodeStatus> {
    const w = await this.askWorker((id) => ({ t: 'status', id }), 500);
    if (w?.t === 'status') this.lastStatusSessions = w.sessions;
    const followers: FollowerStatus[] = [];
    for (const m of this.opts.members) {
      if (m.id === this.id) continue;
      const p = this.node.followerProgress(m.id);
      followers.push({
        id: m.id,
        match: p?.match ?? 0,
        next: p?.next ?? 0,
        state: p?.state ?? 'unknown',
        lagEntries: p ? this.node.lastIndex() - p.match : 0,
        connected: this.transport.isConnected(m.id),
      });
    }
    return {
      id: this.id,
      role: this.node.role,
      term: this.node.term,
      leaderId: this.node.leaderId,
      recovering: this.node.recovering,
      lastIndex: this.node.lastIndex(),
      durableIndex: this.node.stableIndex,
      commitIndex: this.node.commitIndex,
      appliedIndex: this.node.appliedIndex,
      serviceAppliedIndex: this.serviceApplied,
      snapshotIndex: this.node.snapshotIndex,
      followers,
      lastElectionMs: this.lastElectionMs,
      elections: this.elections,
      sessions: this.lastStatusSessions,
      clientConnections: this.conns.size,
      stateHash: w?.t === 'status' ? w.hash : null,
      hashIndex: w?.t === 'status' ? w.applied : 0,
      serviceVersion: w?.t === 'status' ? w.serviceVersion : null,
      serviceVersionSince: w?.t === 'status' ? w.serviceVersionSince : 0,
      serviceVersionMax: this.opts.host?.serviceVersionMax ?? 1,
      durability: this.opts.durability ?? 'fsync',
      uptimeMs: nowMs() - this.started,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  }

  async metricsText(): Promise<string> {
    const s = this.transport.stats;
    const c = this.counters;
    const node = this.node;
    const fromServices = await this.askWorker((id) => ({ t: 'metrics', id }), 500);
    const followerLines: string[] = [];
    if (node.role === 'leader') {
      for (const m of this.opts.members) {
        if (m.id === this.id) continue;
        const p = node.followerProgress(m.id);
        followerLines.push(
          `venue_follower_lag_entries{follower="${m.id}"} ${p ? node.lastIndex() - p.match : node.lastIndex()}`,
          `venue_follower_match_index{follower="${m.id}"} ${p?.match ?? 0}`,
          `venue_follower_connected{follower="${m.id}"} ${this.transport.isConnected(m.id) ? 1 : 0}`,
        );
      }
    }
    const parts = [
      renderScalar('venue_node_id', 'This member', 'gauge', this.id),
      renderScalar(
        'venue_process_resident_memory_bytes',
        'Resident set size',
        'gauge',
        process.memoryUsage.rss(),
      ),
      [
        '# HELP venue_raft_role 1 for the role this member has now',
        '# TYPE venue_raft_role gauge',
        ...(['leader', 'follower', 'candidate'] as const).map(
          (r) => `venue_raft_role{role="${r}"} ${this.lastRole === r ? 1 : 0}`,
        ),
      ].join('\n'),
      [
        "# HELP venue_follower_lag_entries Leader only: last log index minus the follower's match index",
        '# TYPE venue_follower_lag_entries gauge',
        ...followerLines,
      ].join('\n'),
      renderScalar(
        'venue_last_election_timestamp_seconds',
        'Wall time of the last leader change seen (0 = none)',
        'gauge',
        this.lastElectionMs / 1000,
      ),
      renderScalar(
        'venue_service_backlog_entries',
        'Committed entries not yet applied by the services',
        'gauge',
        node.commitIndex - this.serviceApplied,
      ),
      renderScalar(
        'venue_service_busy_seconds_total',
        'Service thread time spent applying entries',
        'counter',
        this.serviceBusyMsTotal / 1000,
      ),
      renderScalar(
        'venue_service_backlog_growing',
        '1 while the service backlog keeps growing over the health window',
        'gauge',
        this.health.backlogGrowing ? 1 : 0,
      ),
      renderScalar(
        'venue_service_entry_time_growing',
        '1 while the processing time per entry keeps growing over the health window',
        'gauge',
        this.health.entryTimeGrowing ? 1 : 0,
      ),
      this.serviceEntryTime.render(),
      renderScalar('venue_raft_term', 'Current term', 'gauge', node.term),
      renderScalar('venue_raft_is_leader', '1 if this node leads', 'gauge', node.role === 'leader' ? 1 : 0),
      renderScalar('venue_raft_leader_id', 'Known leader (0 = none)', 'gauge', node.leaderId),
      renderScalar('venue_log_last_index', 'Last log index', 'gauge', node.lastIndex()),
      renderScalar('venue_log_durable_index', 'Durable log index', 'gauge', node.stableIndex),
      renderScalar('venue_commit_index', 'Commit index', 'gauge', node.commitIndex),
      renderScalar('venue_applied_index', 'Applied by the services', 'gauge', this.serviceApplied),
      renderScalar('venue_snapshot_index', 'Index of the current snapshot', 'gauge', node.snapshotIndex),
      renderScalar('venue_elections_total', 'Leader changes observed', 'counter', this.elections),
      renderScalar('venue_proposals_total', 'Entries proposed as leader', 'counter', c.proposals),
      renderScalar('venue_proposals_refused_total', 'Proposals refused', 'counter', c.proposalsRefused),
      renderScalar('venue_client_requests_total', 'Client requests received', 'counter', c.clientRequests),
      renderScalar('venue_client_rejected_total', 'Client requests refused', 'counter', c.clientRejected),
      renderScalar('venue_sessions', 'Open client sessions (last status)', 'gauge', this.lastStatusSessions),
      renderScalar('venue_client_connections', 'Client connections', 'gauge', this.conns.size),
      renderScalar('venue_snapshots_taken_total', 'Snapshots taken', 'counter', c.snapshotsTaken),
      renderScalar(
        'venue_snapshots_installed_total',
        'Snapshots installed from the leader',
        'counter',
        c.snapshotsInstalled,
      ),
      renderScalar(
        'venue_peer_bytes_sent_total',
        'Bytes sent to peers (replication)',
        'counter',
        s.bytesSent,
      ),
      renderScalar(
        'venue_peer_bytes_received_total',
        'Bytes received from peers',
        'counter',
        s.bytesReceived,
      ),
      renderScalar(
        'venue_peer_frames_dropped_total',
        'Frames dropped by full peer queues',
        'counter',
        s.framesDropped,
      ),
      renderScalar(
        'venue_appends_deferred_total',
        'Appends ignored while the services lagged (flow control)',
        'counter',
        c.appendsDeferred,
      ),
      renderScalar(
        'venue_tick_lag_max_ms',
        'Worst timer lateness of the consensus thread',
        'gauge',
        c.tickLagMaxMs,
      ),
      this.appendLatency.render(),
      this.fsyncLatency.render(),
      this.commitLatency.render(),
    ];
    if (fromServices?.t === 'metrics' && fromServices.text !== '') parts.push(fromServices.text.trimEnd());
    else if (fromServices === null)
      parts.push('# service metrics: the service thread did not answer in time');
    return `${parts.join('\n')}\n`;
  }

  // ---- Shutdown ----

  private fatal(message: string): void {
    this.emit('fatal', 'fatal', `FATAL ${message}`);
    process.exit(1);
  }

  /** Stops accepting clients, snapshots if configured, closes sockets, storage and the service thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const c of this.conns) c.socket.destroy();
    this.clientServer?.close();
    if (this.opts.snapshotOnClose ?? true) {
      // A periodic snapshot may be in flight: wait for it (bounded), then take the closing one.
      for (let i = 0; i < 600 && this.snapshotInFlight; i++) await new Promise((r) => setTimeout(r, 100));
      const snap = await this.takeSnapshot();
      if (snap === null)
        this.emit(
          'info',
          'snapshot-skipped',
          `no snapshot on close (snapshot @${this.lastSnapshotIndex} is the newest; nothing newer was taken)`,
          { snapshotPosition: this.lastSnapshotIndex },
        );
    }
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.housekeepingTimer) clearInterval(this.housekeepingTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.adminServer?.close();
    await this.transport.close();
    await this.storageChain;
    await this.storage.close();
    await this.worker.terminate();
    this.emit('info', 'closed', 'closed');
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The service thread's entry. Built code runs service-worker.js directly; run from source (tsx), the
 * worker first registers tsx's loader, because loader hooks are per thread.
 */
function serviceWorkerUrl(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./service-worker.js', import.meta.url);
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./service-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Checks an admin action's `Authorization: Bearer` header against the token (constant time). */
function adminDenied(
  token: string,
  header: string | undefined,
): { code: 401 | 403; error: string } | undefined {
  if (header === undefined || !header.startsWith('Bearer ')) {
    return { code: 401, error: 'admin token required: Authorization: Bearer <adminToken>' };
  }
  const given = createHash('sha256').update(header.slice(7)).digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) ? undefined : { code: 403, error: 'wrong admin token' };
}
