import { assert } from '../core/assert.js';
import type { RaftConfig } from '../core/config.js';
import { RaftNode } from '../core/node.js';
import type {
  Message,
  NodeId,
  Proposal,
  ProposeResult,
  Ready,
  RestartState,
  Snapshot,
} from '../core/types.js';
import type { ClusteredService, Role } from '../service.js';
import { type Egress, ServiceHost, type ServiceHostConfig } from './host.js';

export interface ReplicaConfig {
  readonly raft: RaftConfig;
  readonly host: ServiceHostConfig;
  readonly services: () => readonly ClusteredService[];
  /** Take a snapshot once this many entries were applied since the last one (0 = never). */
  readonly snapshotEveryEntries: number;
}

export interface ReplicaOutput {
  /** The core's batch: persist, send (see `Ready`). Committed entries are already applied. */
  readonly ready: Ready;
  /** Client answers produced by applying; send them only when `isLeader`. */
  readonly egress: readonly Egress[];
  readonly isLeader: boolean;
  /** A snapshot to write durably; then call `snapshotPersisted` so the log can be compacted. */
  readonly snapshotTaken: Snapshot | undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * One cluster member: the Raft core plus the service host, with the leader's housekeeping that goes
 * through the log (due service timers, idle session time-outs). Still pure: the driver does the I/O.
 */
export class Replica {
  readonly node: RaftNode;
  readonly host: ServiceHost;
  private readonly proposedTimers = new Map<string, number>();
  private readonly proposedTimeouts = new Set<number>();
  private lastRole: Role = 'follower';

  constructor(
    private readonly config: ReplicaConfig,
    restart: RestartState | undefined,
    nowMs: number,
  ) {
    this.node = new RaftNode(config.raft, restart, nowMs);
    this.host = new ServiceHost(config.services, config.host);
    this.host.start(restart?.snapshot?.data);
    assert(this.host.appliedIndex === this.node.appliedIndex, 'snapshot data and metadata disagree on index');
  }

  get id(): NodeId {
    return this.node.id;
  }

  tick(nowMs: number): void {
    this.node.tick(nowMs);
    if (this.node.role === 'leader' && this.node.transferTarget === 0) this.proposeHousekeeping(nowMs);
  }

  step(message: Message): void {
    this.node.step(message);
  }

  submit(proposal: Proposal): ProposeResult {
    return this.node.propose(proposal);
  }

  private proposeHousekeeping(nowMs: number): void {
    const due = this.host.dueTimers(nowMs);
    const live = new Set<string>();
    for (const t of due) {
      const key = `${t.serviceIndex}:${t.correlationId}`;
      live.add(key);
      if (this.proposedTimers.get(key) === t.deadlineMs) continue;
      const r = this.node.propose({
        type: 'timer',
        sessionId: 0,
        requestSeq: 0,
        correlationId: t.correlationId,
        serviceIndex: t.serviceIndex,
        payload: EMPTY,
      });
      if (r.ok) this.proposedTimers.set(key, t.deadlineMs);
    }
    for (const key of [...this.proposedTimers.keys()]) if (!live.has(key)) this.proposedTimers.delete(key);
    const expired = this.host.expiredSessions(nowMs);
    for (const id of expired) {
      if (this.proposedTimeouts.has(id)) continue;
      const r = this.node.propose({
        type: 'session-timeout',
        sessionId: id,
        requestSeq: 0,
        correlationId: 0,
        serviceIndex: 0,
        payload: EMPTY,
      });
      if (r.ok) this.proposedTimeouts.add(id);
    }
    const expiredSet = new Set(expired);
    for (const id of [...this.proposedTimeouts]) if (!expiredSet.has(id)) this.proposedTimeouts.delete(id);
  }

  /** Drains the core's output and applies committed entries. Undefined when there is nothing to do. */
  process(): ReplicaOutput | undefined {
    if (!this.node.hasReady()) return undefined;
    const ready = this.node.ready();
    if (ready.snapshot) {
      this.host.start(ready.snapshot.data);
      assert(this.host.appliedIndex === ready.snapshot.index, 'installed snapshot index mismatch');
    }
    const egress: Egress[] = [];
    for (const entry of ready.committedEntries) {
      for (const e of this.host.apply(entry)) egress.push(e);
    }
    const role: Role = ready.role === 'pre-candidate' ? 'follower' : ready.role;
    if (role !== this.lastRole) {
      this.lastRole = role;
      this.host.roleChange(role);
      this.proposedTimers.clear();
      this.proposedTimeouts.clear();
    }
    let snapshotTaken: Snapshot | undefined;
    const every = this.config.snapshotEveryEntries;
    const applied = this.host.appliedIndex;
    if (every > 0 && applied - this.node.snapshotIndex >= every) {
      const term = this.node.termAt(applied);
      assert(term !== undefined, 'applied entry missing from log');
      snapshotTaken = {
        index: applied,
        term,
        timestampMs: this.host.lastTimestampMs,
        data: this.host.takeSnapshot(),
      };
    }
    return { ready, egress, isLeader: ready.role === 'leader', snapshotTaken };
  }

  /** The driver made `snapshot` durable: compact the log behind it. */
  snapshotPersisted(snapshot: Snapshot): void {
    this.node.compact(snapshot);
  }
}
