/**
 * The service thread: a ServiceHost (sessions, exactly-once answers, timers, snapshots) and the
 * services, fed committed entries by the consensus thread. A slow service stalls only this thread;
 * elections, heartbeats, replication and fsyncs continue on the main thread (Aeron's split of the
 * consensus module and the clustered service into separate agents).
 */

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Entry } from '../../core/types.js';
import type { ClusteredService } from '../../service.js';
import { ServiceHost } from '../../service-host/host.js';
import type { HostSnapshotCursor } from '../../service-host/incremental-snapshot.js';
import type { ResponseStatusName } from '../wire/codec.js';
import {
  type FromWorker,
  METRICS_EXPORT,
  type ServiceMetricsContext,
  type ServiceWorkerData,
  type ToWorker,
  type WorkerEgress,
} from './worker-protocol.js';

const decoder = new TextDecoder();

/**
 * Incremental snapshots (issue 12): the snapshot is written in slices of at most about this long,
 * between batches of entries, so applying the log never waits longer for it. Only decides WHEN the
 * steps run, never the bytes.
 */
const SNAPSHOT_SLICE_MS = 2;
/** Work per cursor step (about one resting order per unit); the slice checks the clock between steps. */
const SNAPSHOT_STEP_UNITS = 2_000;

/**
 * Replies of recent requests, on every replica (each computes the same replies; only the leader sends
 * them). The service host keeps only a session's LAST replies, so after a failover the resends of
 * earlier in-flight requests would get `stale` (applied, answers gone); this node-local cache answers
 * them as `duplicate` with the replies instead. Not replicated state: a node restarted from a snapshot
 * simply has fewer entries. Bounded by count and bytes (oldest evicted first).
 */
class RecentReplies {
  private readonly map = new Map<string, readonly Uint8Array[]>();
  private bytes = 0;

  constructor(
    private readonly entriesMax: number,
    private readonly bytesMax: number,
  ) {}

  remember(sessionId: number, requestSeq: number, replies: readonly Uint8Array[]): void {
    const key = `${sessionId}:${requestSeq}`;
    if (this.map.has(key)) return;
    this.map.set(key, replies);
    for (const r of replies) this.bytes += r.length;
    while (this.map.size > this.entriesMax || this.bytes > this.bytesMax) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      for (const r of this.map.get(oldest.value) ?? []) this.bytes -= r.length;
      this.map.delete(oldest.value);
    }
  }

  get(sessionId: number, requestSeq: number): readonly Uint8Array[] | undefined {
    return this.map.get(`${sessionId}:${requestSeq}`);
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error('service-worker.ts must run in a worker thread');
  const data = workerData as ServiceWorkerData;
  const post = (m: FromWorker) => port.postMessage(m);
  const started = performance.now();
  const mod = (await import(data.serviceModule)) as Record<string, unknown>;
  const factory = mod[data.serviceExport];
  if (typeof factory !== 'function') {
    throw new Error(`${data.serviceModule} does not export a function '${data.serviceExport}'`);
  }
  const create = factory as (args: unknown) => readonly ClusteredService[];
  // Optional: the module's own Prometheus text (service counters, feed subscribers), read on /metrics.
  const metricsFn = mod[METRICS_EXPORT];
  const metricsText =
    typeof metricsFn === 'function'
      ? (metricsFn as (ctx: ServiceMetricsContext) => string)
      : (_ctx: ServiceMetricsContext) => '';
  const host = new ServiceHost(() => create(data.serviceArgs), data.host);
  host.start(data.snapshot ?? undefined);
  let lastTerm = 0;
  const recent = new RecentReplies(65_536, 32 * 1024 * 1024);
  post({ t: 'ready', applied: host.appliedIndex, startMs: performance.now() - started });

  const applyOne = (entry: Entry, out: WorkerEgress[]) => {
    const prevSeq = entry.type === 'session-message' ? host.lastRequestSeq(entry.sessionId) : undefined;
    const egress = host.apply(entry);
    lastTerm = entry.term;
    const replies: Uint8Array[] = [];
    for (const e of egress) {
      switch (e.kind) {
        case 'response':
          if (
            entry.type === 'session-message' &&
            e.sessionId === entry.sessionId &&
            e.requestSeq === entry.requestSeq
          ) {
            replies.push(e.payload);
          } else out.push({ type: 'event', sessionId: e.sessionId, payload: e.payload });
          break;
        case 'session-opened': {
          const principal = decoder.decode(entry.payload);
          out.push({
            type: 'opened',
            index: entry.index,
            sessionId: e.sessionId,
            nonce: e.correlationId,
            principal,
          });
          break;
        }
        case 'session-rejected':
          out.push({
            type: 'open-rejected',
            nonce: e.correlationId,
            principal: decoder.decode(entry.payload),
          });
          break;
        case 'session-closed':
          out.push({
            type: 'session-closed',
            index: entry.index,
            sessionId: e.sessionId,
            reason: decoder.decode(e.payload),
          });
          break;
        case 'session-unknown':
          break;
      }
    }
    if (entry.type === 'session-message') {
      // One outcome per request, so a client always learns what became of it.
      let status: ResponseStatusName =
        prevSeq === undefined
          ? 'unknown-session'
          : entry.requestSeq > prevSeq
            ? 'applied'
            : entry.requestSeq === prevSeq
              ? 'duplicate'
              : 'stale';
      let answer: readonly Uint8Array[] = replies;
      if (status === 'applied') recent.remember(entry.sessionId, entry.requestSeq, replies);
      else if (status === 'stale') {
        const known = recent.get(entry.sessionId, entry.requestSeq);
        if (known !== undefined) {
          status = 'duplicate';
          answer = known;
        }
      }
      out.push({
        type: 'response',
        sessionId: entry.sessionId,
        requestSeq: entry.requestSeq,
        status,
        replies: answer,
      });
    }
  };

  /** The buffers under snapshot pieces, each once (moved with the message). */
  const transferList = (items: readonly (Uint8Array | number)[]): ArrayBuffer[] => {
    const buffers = new Set<ArrayBuffer>();
    for (const c of items) if (typeof c !== 'number') buffers.add(c.buffer as ArrayBuffer);
    return [...buffers];
  };
  // At most one snapshot in progress; later requests wait (the consensus thread asks one at a time).
  let snap: { id: number; term: number; cursor: HostSnapshotCursor; t0: number; stepMaxMs: number } | null =
    null;
  const waiting: number[] = [];
  const finishSnapshot = () => {
    const s = snap!;
    snap = null;
    streamSnapshot(s);
    const layout = s.cursor.layout();
    const m: FromWorker = {
      t: 'snapshot',
      id: s.id,
      index: s.cursor.index,
      term: s.term,
      timestampMs: s.cursor.timestampMs,
      layout,
      tookMs: performance.now() - s.t0,
      stepMaxMs: s.stepMaxMs,
    };
    port.postMessage(m, transferList(layout));
  };
  /**
   * Moves the pieces written so far to the consensus thread (transferred, not copied): the image is
   * never held here, so this thread's external memory stays flat and allocating the next pieces
   * triggers no GC (holding a 100 MB image here did: forced marking steps and full GCs, issue 12).
   */
  const streamSnapshot = (s: { id: number; cursor: HostSnapshotCursor }) => {
    const chunks = s.cursor.takeChunks();
    if (chunks.length === 0) return;
    port.postMessage({ t: 'snapshot-chunks', id: s.id, chunks } satisfies FromWorker, transferList(chunks));
  };
  const beginSnapshot = (id: number) => {
    const t0 = performance.now();
    snap = { id, term: lastTerm, cursor: host.beginSnapshot(), t0, stepMaxMs: 0 };
    snap.stepMaxMs = performance.now() - t0;
    setImmediate(pumpSnapshot);
  };
  // One slice, then back to the event loop so queued entries are applied before the next slice.
  const pumpSnapshot = () => {
    try {
      if (snap === null) return;
      const t0 = performance.now();
      let complete = false;
      while (!complete && performance.now() - t0 < SNAPSHOT_SLICE_MS)
        complete = snap.cursor.step(SNAPSHOT_STEP_UNITS);
      snap.stepMaxMs = Math.max(snap.stepMaxMs, performance.now() - t0);
      if (!complete) {
        streamSnapshot(snap);
        setImmediate(pumpSnapshot);
        return;
      }
      finishSnapshot();
      const next = waiting.shift();
      if (next !== undefined) beginSnapshot(next);
    } catch (err) {
      post({ t: 'fatal', message: (err as Error).stack ?? String(err) });
    }
  };
  /** Completes the snapshot in progress at once (before the state it observes is replaced). */
  const drainSnapshot = () => {
    while (snap !== null && !snap.cursor.step(SNAPSHOT_STEP_UNITS)) {}
    if (snap !== null) finishSnapshot();
  };

  port.on('message', (m: ToWorker) => {
    try {
      switch (m.t) {
        case 'apply': {
          const t0 = performance.now();
          const out: WorkerEgress[] = [];
          for (const e of m.entries) applyOne(e, out);
          post({
            t: 'applied',
            index: host.appliedIndex,
            term: lastTerm,
            egress: out,
            busyMs: performance.now() - t0,
          });
          break;
        }
        case 'install':
          drainSnapshot();
          host.start(m.data);
          if (host.appliedIndex !== m.index) {
            throw new Error(`installed snapshot holds index ${host.appliedIndex}, expected ${m.index}`);
          }
          post({ t: 'applied', index: host.appliedIndex, term: lastTerm, egress: [], busyMs: 0 });
          break;
        case 'take-snapshot':
          if (snap === null) beginSnapshot(m.id);
          else waiting.push(m.id);
          break;
        case 'housekeeping':
          post({
            t: 'housekeeping',
            timers: host.dueTimers(m.nowMs),
            sessions: host.expiredSessions(m.nowMs),
          });
          break;
        case 'role':
          host.roleChange(m.role);
          break;
        case 'metrics':
          post({ t: 'metrics', id: m.id, text: metricsText({ appliedIndex: host.appliedIndex }) });
          break;
        case 'status':
          post({
            t: 'status',
            id: m.id,
            applied: host.appliedIndex,
            hash: host.stateHash(),
            sessions: host.sessionCount,
            timers: host.timerCount,
            serviceVersion: host.serviceVersion,
            serviceVersionSince: host.serviceVersionSince,
          });
          break;
      }
    } catch (err) {
      post({ t: 'fatal', message: (err as Error).stack ?? String(err) });
    }
  });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ t: 'fatal', message: (err as Error).stack ?? String(err) } satisfies FromWorker);
});
