import {
  type ClusteredService,
  type Egress,
  type Entry,
  type HardState,
  type Message,
  Prng,
  type Proposal,
  Replica,
  type Snapshot,
} from '@venue/consensus';

/** Replicas with instant, lossless delivery and storage; time advances only when asked. */
export class ReplicaCluster {
  readonly replicas = new Map<number, Replica>();
  readonly durable = new Map<
    number,
    { hardState: HardState; snapshot: Snapshot | undefined; entries: Entry[] }
  >();
  readonly egress = new Map<number, Egress[]>();
  readonly clocks = new Map<number, number>();
  readonly down = new Set<number>();
  private net: Message[] = [];
  private readonly prng = new Prng(11);

  constructor(
    readonly size: number,
    private readonly services: () => readonly ClusteredService[],
    private readonly snapshotEveryEntries = 0,
    private readonly sessionTimeoutMs = 10_000,
  ) {
    for (let id = 1; id <= size; id++) {
      this.durable.set(id, { hardState: { term: 0, vote: 0 }, snapshot: undefined, entries: [] });
      this.clocks.set(id, 0);
      this.start(id);
    }
  }

  start(id: number): void {
    const d = this.durable.get(id) as {
      hardState: HardState;
      snapshot: Snapshot | undefined;
      entries: Entry[];
    };
    this.replicas.set(
      id,
      new Replica(
        {
          raft: {
            id,
            voters: Array.from({ length: this.size }, (_, i) => i + 1),
            electionTimeoutMs: 100,
            heartbeatIntervalMs: 20,
            preVote: true,
            checkQuorum: true,
            inflightMessagesMax: 8,
            entriesPerAppendMax: 16,
            uncommittedEntriesMax: 1000,
            snapshotChunkBytes: 64,
            payloadBytesMax: 1024,
            prng: this.prng.fork(),
          },
          host: {
            sessionTimeoutMs: this.sessionTimeoutMs,
            sessionsMax: 16,
            repliesPerRequestMax: 4,
            responsesRetainedPerSession: 4,
            timersMax: 100,
          },
          services: this.services,
          snapshotEveryEntries: this.snapshotEveryEntries,
        },
        { hardState: d.hardState, snapshot: d.snapshot, entries: [...d.entries] },
        this.clocks.get(id) ?? 0,
      ),
    );
    this.egress.set(id, []);
    this.down.delete(id);
  }

  replica(id: number): Replica {
    return this.replicas.get(id) as Replica;
  }

  leader(): number {
    for (const [id, r] of this.replicas) if (!this.down.has(id) && r.node.role === 'leader') return id;
    return 0;
  }

  private processAll(): boolean {
    let moved = false;
    for (const [id, r] of this.replicas) {
      if (this.down.has(id)) continue;
      for (let out = r.process(); out; out = r.process()) {
        moved = true;
        const d = this.durable.get(id) as {
          hardState: HardState;
          snapshot: Snapshot | undefined;
          entries: Entry[];
        };
        const rd = out.ready;
        if (rd.hardState) {
          d.hardState = rd.hardState;
          r.node.hardStatePersisted(rd.hardState);
        }
        if (rd.snapshot) {
          d.snapshot = rd.snapshot;
          d.entries = [];
          r.node.appendPersisted(rd.snapshot.index, rd.snapshot.term);
        }
        if (rd.entries.length > 0) {
          const base = d.snapshot?.index ?? 0;
          d.entries.length = (rd.entries[0] as Entry).index - base - 1;
          d.entries.push(...rd.entries);
          const last = rd.entries[rd.entries.length - 1] as Entry;
          r.node.appendPersisted(last.index, last.term);
        }
        this.net.push(...rd.messages);
        if (out.isLeader) (this.egress.get(id) as Egress[]).push(...out.egress);
        if (out.snapshotTaken) {
          const base = d.snapshot?.index ?? 0;
          d.entries = d.entries.slice(out.snapshotTaken.index - base);
          d.snapshot = out.snapshotTaken;
          r.snapshotPersisted(out.snapshotTaken);
        }
      }
    }
    return moved;
  }

  stabilize(): void {
    for (let i = 0; i < 200; i++) {
      const moved = this.processAll();
      const batch = this.net;
      this.net = [];
      for (const m of batch) if (!this.down.has(m.to)) this.replica(m.to).step(m);
      if (!moved && batch.length === 0) return;
    }
    throw new Error('ReplicaCluster did not settle');
  }

  /** Advance every clock by `ms` in 10 ms ticks. */
  run(ms: number, skewMs: ReadonlyMap<number, number> = new Map()): void {
    for (let t = 0; t < ms; t += 10) {
      for (const [id, r] of this.replicas) {
        const now = (this.clocks.get(id) ?? 0) + 10;
        this.clocks.set(id, now);
        if (!this.down.has(id)) r.tick(now + (skewMs.get(id) ?? 0));
      }
      this.stabilize();
    }
  }

  submit(proposal: Proposal): number {
    const r = this.replica(this.leader()).submit(proposal);
    if (!r.ok) throw new Error(`submit refused: ${r.detail}`);
    this.stabilize();
    return r.index;
  }

  crash(id: number): void {
    this.down.add(id);
    this.net = this.net.filter((m) => m.to !== id);
  }
}

export function openSession(c: ReplicaCluster, principal: string, nonce: number): number {
  c.submit({
    type: 'session-open',
    sessionId: 0,
    requestSeq: 0,
    correlationId: nonce,
    serviceIndex: 0,
    payload: new TextEncoder().encode(principal),
  });
  const opened = (c.egress.get(c.leader()) ?? []).find(
    (e) => e.kind === 'session-opened' && e.correlationId === nonce,
  );
  if (!opened) throw new Error('session not opened');
  return opened.sessionId;
}
