import {
  type Entry,
  type HardState,
  type Message,
  type Mutations,
  type NodeId,
  Prng,
  type Proposal,
  RaftNode,
  type Snapshot,
} from '@venue/consensus';

/** Hand-driven cluster for protocol unit tests: the test decides what is delivered and persisted. */
export interface TestNode {
  raft: RaftNode;
  durable: { hardState: HardState; snapshot: Snapshot | undefined; entries: Entry[] };
  /** Storage writes not yet acknowledged (persisted with `sync`). */
  unsynced: { hardState?: HardState; entries?: readonly Entry[]; snapshot?: Snapshot }[];
  applied: Entry[];
  up: boolean;
}

export interface HarnessOptions {
  readonly size?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly mutations?: Mutations;
  readonly autoSync?: boolean;
  readonly entriesPerAppendMax?: number;
  readonly inflightMessagesMax?: number;
  readonly snapshotChunkBytes?: number;
}

export const ELECTION_MS = 100;
export const HEARTBEAT_MS = 20;

export class Harness {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered. */
  net: Message[] = [];
  nowMs = 0;
  autoSync: boolean;
  private readonly prng = new Prng(7);

  constructor(private readonly options: HarnessOptions = {}) {
    this.autoSync = options.autoSync ?? true;
    const size = options.size ?? 3;
    for (let id = 1; id <= size; id++) {
      const n: TestNode = {
        raft: this.makeRaft(id, undefined),
        durable: { hardState: { term: 0, vote: 0 }, snapshot: undefined, entries: [] },
        unsynced: [],
        applied: [],
        up: true,
      };
      this.nodes.set(id, n);
    }
  }

  private makeRaft(id: NodeId, node: TestNode | undefined): RaftNode {
    const size = this.options.size ?? 3;
    return new RaftNode(
      {
        id,
        voters: Array.from({ length: size }, (_, i) => i + 1),
        electionTimeoutMs: ELECTION_MS,
        heartbeatIntervalMs: HEARTBEAT_MS,
        preVote: this.options.preVote ?? true,
        checkQuorum: this.options.checkQuorum ?? true,
        inflightMessagesMax: this.options.inflightMessagesMax ?? 8,
        entriesPerAppendMax: this.options.entriesPerAppendMax ?? 16,
        uncommittedEntriesMax: 1000,
        snapshotChunkBytes: this.options.snapshotChunkBytes ?? 1024,
        payloadBytesMax: 1024,
        prng: this.prng.fork(),
        ...(this.options.mutations ? { mutations: this.options.mutations } : {}),
      },
      node && {
        hardState: node.durable.hardState,
        snapshot: node.durable.snapshot,
        entries: [...node.durable.entries],
      },
      this.nowMs,
    );
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: NodeId): RaftNode {
    return this.node(id).raft;
  }

  /** Drains a node's Ready: queue storage writes (synced at once if autoSync), send messages, apply. */
  process(id: NodeId): void {
    const n = this.node(id);
    if (!n.up) return;
    while (n.raft.hasReady()) {
      const rd = n.raft.ready();
      const write: TestNode['unsynced'][number] = {};
      if (rd.hardState) write.hardState = rd.hardState;
      if (rd.snapshot) write.snapshot = rd.snapshot;
      if (rd.entries.length > 0) write.entries = rd.entries;
      if (write.hardState || write.snapshot || write.entries) n.unsynced.push(write);
      this.net.push(...rd.messages);
      if (rd.snapshot) n.applied = [];
      n.applied.push(...rd.committedEntries);
      if (this.autoSync) this.sync(id);
    }
  }

  /** Storage completes every queued write of `id` and acknowledges it. */
  sync(id: NodeId): void {
    const n = this.node(id);
    const writes = n.unsynced;
    n.unsynced = [];
    for (const w of writes) {
      if (w.hardState) {
        n.durable.hardState = w.hardState;
        n.raft.hardStatePersisted(w.hardState);
      }
      if (w.snapshot) {
        n.durable.snapshot = w.snapshot;
        n.durable.entries = [];
        n.raft.appendPersisted(w.snapshot.index, w.snapshot.term);
      }
      if (w.entries && w.entries.length > 0) {
        const base = n.durable.snapshot?.index ?? 0;
        const first = (w.entries[0] as Entry).index;
        n.durable.entries.length = first - base - 1;
        n.durable.entries.push(...w.entries);
        const last = w.entries[w.entries.length - 1] as Entry;
        n.raft.appendPersisted(last.index, last.term);
      }
    }
  }

  processAll(): void {
    for (const id of this.nodes.keys()) this.process(id);
  }

  /** Delivers queued messages matching `filter` (others stay queued unless `dropOthers`). */
  deliver(filter: (m: Message) => boolean = () => true, dropOthers = false): number {
    const batch = this.net;
    this.net = [];
    let delivered = 0;
    for (const m of batch) {
      const to = this.node(m.to);
      if (filter(m) && to.up) {
        to.raft.step(m);
        delivered++;
      } else if (!dropOthers && to.up) this.net.push(m);
    }
    return delivered;
  }

  /** Process and deliver until no message moves (bounded). */
  stabilize(filter: (m: Message) => boolean = () => true, roundsMax = 100): void {
    for (let i = 0; i < roundsMax; i++) {
      this.processAll();
      if (this.deliver(filter, true) === 0) {
        this.processAll();
        return;
      }
    }
    throw new Error('stabilize: did not settle');
  }

  advance(ms: number, ids: readonly NodeId[] = [...this.nodes.keys()]): void {
    this.nowMs += ms;
    for (const id of ids) if (this.node(id).up) this.raft(id).tick(this.nowMs);
  }

  /** Advance time in heartbeat-sized steps, stabilizing after each step. */
  run(ms: number, filter: (m: Message) => boolean = () => true): void {
    for (let t = 0; t < ms; t += HEARTBEAT_MS / 2) {
      this.advance(HEARTBEAT_MS / 2);
      this.stabilize(filter);
    }
  }

  elect(id: NodeId): void {
    this.raft(id).campaign('election');
    this.stabilize();
    if (this.raft(id).role !== 'leader') throw new Error(`node ${id} did not win (${this.raft(id).role})`);
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    n.up = false;
    n.unsynced = [];
    this.net = this.net.filter((m) => m.to !== id);
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    n.raft = this.makeRaft(id, n);
    n.up = true;
    n.applied = [];
  }

  leaders(): NodeId[] {
    return [...this.nodes.entries()].filter(([, n]) => n.up && n.raft.role === 'leader').map(([id]) => id);
  }
}

export function msg(payload: number): Proposal {
  return {
    type: 'session-message',
    sessionId: 1,
    requestSeq: payload,
    correlationId: 0,
    serviceIndex: 0,
    payload: new Uint8Array([payload & 0xff]),
  };
}

export const between =
  (...pairs: [NodeId, NodeId][]) =>
  (m: Message): boolean =>
    pairs.some(([a, b]) => (m.from === a && m.to === b) || (m.from === b && m.to === a));
