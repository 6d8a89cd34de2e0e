import { checkLinearizable, type Operation } from '../check/linearizability.js';
import type { RaftConfig } from '../core/config.js';
import { Prng } from '../core/prng.js';
import type { Entry, HardState, Message, Mutations, NodeId, Proposal, Snapshot } from '../core/types.js';
import type { Egress } from '../service-host/host.js';
import { Replica } from '../service-host/replica.js';
import {
  decodeRegisterOutput,
  encodeRegisterInput,
  type RegisterInput,
  type RegisterOp,
  RegisterService,
  registerModel,
} from './register-service.js';
import { SafetyChecker } from './safety.js';

export interface SimMutations extends Mutations {
  /** Service host applies retried requests again. */
  readonly skipSessionDedup?: boolean;
}

export interface SimOptions {
  readonly seed: number;
  /** Default: drawn from the seed (3 or 5). */
  readonly nodeCount?: 3 | 5;
  readonly clientCount?: number;
  readonly faultPhaseMs?: number;
  /** After healing, every client must complete a request and all replicas converge within this. */
  readonly livenessBudgetMs?: number;
  readonly mutations?: SimMutations;
  /** Trace lines kept for a failure report. */
  readonly traceLinesMax?: number;
  /** Record every message in the trace (slow; for replaying one seed). */
  readonly traceMessages?: boolean;
  /**
   * Simulator feature level (default: the latest, {@link SIM_VERSION}). A regression seed pins the
   * version it was found with, so it replays the same history after the simulator grows.
   * 1: the first release. 2: clients close sessions; a crash may keep some unacknowledged writes.
   */
  readonly simVersion?: number;
  /** Overrides of the fault intensities otherwise drawn from the seed (a focused swarm profile). */
  readonly faults?: Partial<Faults>;
}

export interface SimStats {
  steps: number;
  faultSteps: number;
  messagesSent: number;
  messagesDelivered: number;
  elections: number;
  crashes: number;
  partitions: number;
  pauses: number;
  clockJumps: number;
  transfers: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  opsCompleted: number;
  opsAmbiguous: number;
  timerFires: number;
  sessionTimeouts: number;
  maxCommitIndex: number;
  /** Times a leader's commit index landed on an entry of an older term (only the broken rule does). */
  oldTermCommits: number;
  /** Appends delivered that carry entries of an older term (a new leader repairing logs). */
  oldTermAppends: number;
  /** Restarts whose stored log has a newer term than the stored hard state (snapshot written first). */
  restartsAheadOfHardState: number;
  linearizability: 'ok' | 'illegal' | 'unknown' | 'skipped';
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure: string | undefined;
  readonly trace: readonly string[];
  readonly stats: SimStats;
}

/**
 * Named fault profiles. `swarm` draws everything from the seed; `figure8` is crash-heavy (leaders die
 * right after winning or committing, one entry per append) and reaches Raft Figure-8 histories.
 */
export const SIM_PROFILES: Readonly<Record<'swarm' | 'figure8', Partial<Faults>>> = {
  swarm: {},
  figure8: {
    entriesPerAppendMax: 1,
    inflightMessagesMax: 1,
    crashProbability: 0,
    crashOnElectionProbability: 0.5,
    crashAfterCommitProbability: 0.5,
    partitionProbability: 0,
    pauseProbability: 0,
  },
};

/** Current simulator feature level (see SimOptions.simVersion). */
export const SIM_VERSION = 2;

const STEP_MS = 5;
const ELECTION_TIMEOUT_MS = 150;
const HEARTBEAT_MS = 30;
const CLIENT_RETRY_MS = 400;
const CLIENT_BASE = 1000;

class SimFailure extends Error {}

type Packet =
  | { kind: 'raft'; to: NodeId; message: Message }
  | { kind: 'request'; to: NodeId; client: number; proposal: Proposal }
  | { kind: 'egress'; to: number; egress: Egress }
  | { kind: 'redirect'; to: number; leaderId: NodeId };

type StorageOp =
  | { kind: 'hard'; hardState: HardState; doneStep: number }
  | { kind: 'entries'; entries: readonly Entry[]; doneStep: number }
  | { kind: 'snapshot'; snapshot: Snapshot; doneStep: number };

interface Durable {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

interface SimNode {
  readonly id: NodeId;
  replica: Replica | undefined;
  readonly durable: Durable;
  pending: StorageOp[];
  clockOffsetMs: number;
  pausedUntilStep: number;
  incarnation: number;
  /** Scheduled crash (a leader that dies right after winning; it sends nothing until then). */
  crashAtStep: number;
  lastRole: string;
  lastTerm: number;
  checkedCommit: number;
}

export interface Faults {
  lossProbability: number;
  duplicateProbability: number;
  delayStepsMax: number;
  storageStepsMax: number;
  partitionProbability: number;
  crashProbability: number;
  /** Crash a node in the step it granted a vote (stresses vote durability). */
  crashAfterVoteProbability: number;
  /** Crash a node in the step it acknowledged appends (stresses append durability). */
  crashAfterAckProbability: number;
  /** Crash the leader in the step its commit index advanced. */
  crashAfterCommitProbability: number;
  /** Crash a node in the step it won an election, before its first messages leave. */
  crashOnElectionProbability: number;
  entriesPerAppendMax: number;
  inflightMessagesMax: number;
  tornWriteProbability: number;
  pauseProbability: number;
  clockJumpProbability: number;
  transferProbability: number;
}

interface SimClient {
  readonly index: number;
  readonly endpoint: number;
  sessionId: number;
  openNonce: number;
  openSentStep: number;
  nextSeq: number;
  guess: NodeId;
  pending:
    | { seq: number; input: RegisterInput; op: number; sentStep: number; proposal: Proposal }
    | undefined;
  completedAfterHeal: boolean;
}

interface HistoryOp {
  clientId: number;
  input: RegisterInput;
  output: number | undefined;
  callMs: number;
  returnMs: number;
}

/** Runs one seeded cluster; every random choice comes from the seed, so a seed replays exactly. */
export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly prng: Prng;
  /** Separate stream for features added later, so older seeds keep replaying the same history. */
  private readonly closePrng: Prng;
  private readonly version: number;
  private readonly faults: Faults;
  private readonly nodes: SimNode[] = [];
  private readonly clients: SimClient[] = [];
  private readonly buckets: Packet[][];
  private step = 0;
  private nowMs = 0;
  private readonly cut = new Set<string>();
  private partitionHealStep = -1;
  private readonly trace: string[] = [];
  private readonly traceMax: number;
  private readonly history: HistoryOp[] = [];
  private readonly stats: SimStats;
  private healed = false;
  private readonly snapshotEvery: number;
  private readonly nodeCount: number;
  private readonly safety: SafetyChecker;
  private readonly sessionOwner = new Map<number, number>();

  constructor(private readonly options: SimOptions) {
    this.prng = new Prng(options.seed);
    this.closePrng = new Prng(options.seed + 0x1_0000_0000);
    this.version = options.simVersion ?? SIM_VERSION;
    if (!Number.isInteger(this.version) || this.version < 1 || this.version > SIM_VERSION) {
      throw new Error(`simVersion must be 1..${SIM_VERSION}`);
    }
    const p = this.prng;
    this.nodeCount = options.nodeCount ?? (p.chance(0.5) ? 3 : 5);
    this.traceMax = options.traceLinesMax ?? 80;
    // Swarm testing: every fault's intensity is drawn from the seed.
    this.faults = {
      lossProbability: p.pick([0, 0.01, 0.05, 0.15]),
      duplicateProbability: p.pick([0, 0.02, 0.1]),
      delayStepsMax: p.pick([1, 3, 6, 12]),
      storageStepsMax: p.pick([1, 2, 4, 8]),
      partitionProbability: p.pick([0, 0.004, 0.01]),
      crashProbability: p.pick([0, 0.002, 0.006]),
      tornWriteProbability: p.pick([0, 0.5]),
      pauseProbability: p.pick([0, 0.002, 0.005]),
      clockJumpProbability: p.pick([0, 0.002]),
      transferProbability: p.pick([0, 0.002]),
      crashAfterVoteProbability: p.pick([0, 0.2]),
      crashAfterAckProbability: p.pick([0, 0, 0.01]),
      crashAfterCommitProbability: p.pick([0, 0, 0.05]),
      crashOnElectionProbability: p.pick([0, 0, 0.1]),
      entriesPerAppendMax: p.pick([1, 2, 8]),
      inflightMessagesMax: p.pick([1, 4, 16]),
    };
    Object.assign(this.faults, options.faults ?? {});
    this.snapshotEvery = p.pick([0, 6, 20]);
    this.buckets = Array.from({ length: this.faults.delayStepsMax + 2 }, () => []);
    this.stats = {
      steps: 0,
      faultSteps: 0,
      messagesSent: 0,
      messagesDelivered: 0,
      elections: 0,
      crashes: 0,
      partitions: 0,
      pauses: 0,
      clockJumps: 0,
      transfers: 0,
      snapshotsTaken: 0,
      snapshotsInstalled: 0,
      opsCompleted: 0,
      opsAmbiguous: 0,
      timerFires: 0,
      sessionTimeouts: 0,
      maxCommitIndex: 0,
      oldTermCommits: 0,
      oldTermAppends: 0,
      restartsAheadOfHardState: 0,
      linearizability: 'skipped',
    };
    // The checker updates its counters in the stats in place.
    this.safety = new SafetyChecker(
      (message) => this.fail(message),
      (line) => this.log(line),
      this.stats,
    );
    for (let id = 1; id <= this.nodeCount; id++) {
      const node: SimNode = {
        id,
        replica: undefined,
        durable: { hardState: { term: 0, vote: 0 }, snapshot: undefined, entries: [] },
        pending: [],
        clockOffsetMs: 0,
        pausedUntilStep: 0,
        incarnation: 0,
        crashAtStep: -1,
        lastRole: 'follower',
        lastTerm: 0,
        checkedCommit: 0,
      };
      this.nodes.push(node);
      this.startNode(node);
    }
    const clientCount = options.clientCount ?? 3;
    for (let i = 0; i < clientCount; i++) {
      this.clients.push({
        index: i,
        endpoint: CLIENT_BASE + i,
        sessionId: 0,
        openNonce: 0,
        openSentStep: -1_000_000,
        nextSeq: 1,
        guess: 1 + (i % this.nodeCount),
        pending: undefined,
        completedAfterHeal: false,
      });
    }
    this.log(
      `seed ${options.seed}: ${this.nodeCount} nodes, ${clientCount} clients, snapshotEvery ${this.snapshotEvery}, ` +
        `faults ${JSON.stringify(this.faults)}`,
    );
  }

  private log(line: string): void {
    this.trace.push(`[${String(this.nowMs).padStart(6)}ms] ${line}`);
    if (this.trace.length > this.traceMax * 2) this.trace.splice(0, this.trace.length - this.traceMax);
  }

  private fail(message: string): never {
    throw new SimFailure(message);
  }

  run(): SimResult {
    const faultSteps = Math.ceil((this.options.faultPhaseMs ?? 3000) / STEP_MS);
    const livenessSteps = Math.ceil((this.options.livenessBudgetMs ?? 4000) / STEP_MS);
    let failure: string | undefined;
    try {
      for (let i = 0; i < faultSteps; i++) {
        this.injectFaults();
        this.runStep();
        this.stats.faultSteps++;
      }
      this.heal();
      let converged = false;
      for (let i = 0; i < livenessSteps && !converged; i++) {
        this.runStep();
        converged = this.clients.every((c) => c.completedAfterHeal) && this.replicasConverged();
      }
      if (!converged) {
        const waiting = this.clients
          .filter((c) => !c.completedAfterHeal)
          .map(
            (c) =>
              `${c.index}(session ${c.sessionId}, pending seq ${c.pending?.seq ?? '-'}, guess n${c.guess})`,
          );
        this.fail(
          `liveness: not converged ${this.options.livenessBudgetMs ?? 4000}ms after healing ` +
            `(clients without a completed request: [${waiting}]; ${this.describeNodes()})`,
        );
      }
      this.checkHistory();
    } catch (e) {
      if (!(e instanceof SimFailure) && !(e instanceof Error)) throw e;
      failure = e instanceof SimFailure ? e.message : `exception: ${(e as Error).stack ?? e}`;
      this.log(`FAILURE: ${failure}`);
    }
    return {
      seed: this.options.seed,
      ok: failure === undefined,
      failure,
      trace: failure === undefined && !this.options.traceMessages ? [] : this.trace.slice(-this.traceMax),
      stats: this.stats,
    };
  }

  private describeNodes(): string {
    return this.nodes
      .map((n) => {
        const r = n.replica;
        if (!r) return `n${n.id}:down`;
        const x = r.node;
        return `n${n.id}:${x.role}/t${x.term}/last${x.lastIndex()}/commit${x.commitIndex}/applied${r.host.appliedIndex}`;
      })
      .join(' ');
  }

  // ---- Node lifecycle ----

  private raftConfig(id: NodeId): RaftConfig {
    return {
      id,
      voters: Array.from({ length: this.nodeCount }, (_, i) => i + 1),
      electionTimeoutMs: ELECTION_TIMEOUT_MS,
      heartbeatIntervalMs: HEARTBEAT_MS,
      preVote: true,
      checkQuorum: true,
      inflightMessagesMax: this.faults.inflightMessagesMax,
      entriesPerAppendMax: this.faults.entriesPerAppendMax,
      uncommittedEntriesMax: 256,
      snapshotChunkBytes: 48,
      payloadBytesMax: 1024,
      prng: this.prng.fork(),
      ...(this.options.mutations ? { mutations: this.options.mutations } : {}),
    };
  }

  private startNode(node: SimNode): void {
    const d = node.durable;
    node.incarnation++;
    const storedTerm = d.entries[d.entries.length - 1]?.term ?? d.snapshot?.term ?? 0;
    if (storedTerm > d.hardState.term) this.stats.restartsAheadOfHardState++;
    node.replica = new Replica(
      {
        raft: this.raftConfig(node.id),
        host: {
          sessionTimeoutMs: 1200,
          sessionsMax: 64,
          repliesPerRequestMax: 4,
          responsesRetainedPerSession: 4,
          timersMax: 1000,
          ...(this.options.mutations?.skipSessionDedup ? { mutations: { skipSessionDedup: true } } : {}),
        },
        services: () => [new RegisterService()],
        snapshotEveryEntries: this.snapshotEvery,
      },
      { hardState: d.hardState, snapshot: d.snapshot, entries: [...d.entries] },
      this.nowMs + node.clockOffsetMs,
    );
    node.lastRole = 'follower';
    node.lastTerm = d.hardState.term;
    node.checkedCommit = node.replica.node.commitIndex;
  }

  private crash(node: SimNode): void {
    if (!node.replica) return;
    this.stats.crashes++;
    // Writes not yet acknowledged may or may not have reached the disk, in order: some complete,
    // the next may be torn (a prefix of its entries survives), the rest are lost.
    let survived = 0;
    if (this.version >= 2 && node.pending.length > 0 && this.closePrng.chance(0.3)) {
      survived = this.closePrng.int(1, node.pending.length);
      for (const op of node.pending.slice(0, survived)) this.writeDurably(node, op);
      node.pending = node.pending.slice(survived);
    }
    const first = node.pending[0];
    let torn = survived > 0 ? `, ${survived} unacknowledged writes reached the disk` : '';
    if (
      first?.kind === 'entries' &&
      first.entries.length > 1 &&
      this.prng.chance(this.faults.tornWriteProbability)
    ) {
      const keep = this.prng.int(1, first.entries.length - 1);
      this.writeEntries(node, first.entries.slice(0, keep));
      torn = `, torn write kept ${keep}/${first.entries.length} entries`;
    }
    node.crashAtStep = -1;
    this.log(`n${node.id} CRASH (lost ${node.pending.length} unsynced writes${torn})`);
    node.pending = [];
    node.replica = undefined;
  }

  private writeDurably(node: SimNode, op: StorageOp): void {
    if (op.kind === 'hard') node.durable.hardState = op.hardState;
    else if (op.kind === 'entries') this.writeEntries(node, op.entries);
    else this.persistSnapshot(node, op.snapshot);
  }

  private writeEntries(node: SimNode, entries: readonly Entry[]): void {
    const d = node.durable;
    const base = d.snapshot?.index ?? 0;
    for (const e of entries) {
      if (e.index <= base) continue;
      const pos = e.index - base - 1;
      if (pos > d.entries.length) this.fail(`sim storage: gap writing ${e.index} on n${node.id}`);
      d.entries.length = pos;
      d.entries.push(e);
    }
  }

  private persistSnapshot(node: SimNode, snap: Snapshot): boolean {
    const d = node.durable;
    if (d.snapshot && d.snapshot.index >= snap.index) return false;
    const base = d.snapshot?.index ?? 0;
    const at = d.entries[snap.index - base - 1];
    // Keep the stored suffix only if it continues this snapshot's history.
    d.entries = at && at.term === snap.term ? d.entries.slice(snap.index - base) : [];
    d.snapshot = snap;
    return true;
  }

  // ---- Faults ----

  private injectFaults(): void {
    const p = this.prng;
    const f = this.faults;
    if (this.partitionHealStep >= 0 && this.step >= this.partitionHealStep) {
      this.cut.clear();
      this.partitionHealStep = -1;
      this.log('partition healed');
    }
    if (this.partitionHealStep < 0 && p.chance(f.partitionProbability)) this.partition();
    for (const node of this.nodes) {
      if (!node.replica) {
        if (p.chance(0.02)) {
          this.startNode(node);
          this.log(
            `n${node.id} RESTART (term ${node.durable.hardState.term}, ${node.durable.entries.length} entries)`,
          );
        }
        continue;
      }
      if (node.crashAtStep >= 0 && node.crashAtStep <= this.step) this.crash(node);
      else if (p.chance(f.crashProbability)) this.crash(node);
      else if (node.pausedUntilStep <= this.step && p.chance(f.pauseProbability)) {
        node.pausedUntilStep = this.step + p.int(10, 80);
        this.stats.pauses++;
        this.log(`n${node.id} PAUSE until ${node.pausedUntilStep * STEP_MS}ms`);
      } else if (p.chance(f.clockJumpProbability)) {
        const jump = p.int(100, 2000);
        node.clockOffsetMs += jump;
        this.stats.clockJumps++;
        this.log(`n${node.id} CLOCK JUMP +${jump}ms`);
      }
    }
    if (p.chance(f.transferProbability)) {
      const leader = this.nodes.find((n) => n.replica?.node.role === 'leader');
      if (leader?.replica) {
        const target = p.pick(this.nodes.filter((n) => n !== leader)).id;
        const r = leader.replica.node.transferLeadership(target);
        this.stats.transfers++;
        this.log(`n${leader.id} TRANSFER leadership to n${target}: ${r.detail}`);
      }
    }
  }

  private partition(): void {
    const p = this.prng;
    const ids = this.nodes.map((n) => n.id);
    const kind = p.pick(['symmetric', 'asymmetric', 'isolate-leader', 'bridge'] as const);
    const cutBoth = (a: number, b: number) => {
      this.cut.add(`${a}>${b}`);
      this.cut.add(`${b}>${a}`);
    };
    if (kind === 'symmetric') {
      const side = new Set(ids.filter(() => p.chance(0.5)));
      for (const a of ids) for (const b of ids) if (side.has(a) && !side.has(b)) cutBoth(a, b);
    } else if (kind === 'asymmetric') {
      const links = p.int(1, ids.length);
      for (let i = 0; i < links; i++) {
        const a = p.pick(ids);
        const b = p.pick(ids);
        if (a !== b) this.cut.add(`${a}>${b}`);
      }
    } else if (kind === 'isolate-leader') {
      const leader = this.nodes.find((n) => n.replica?.node.role === 'leader')?.id ?? p.pick(ids);
      for (const b of ids) if (b !== leader) cutBoth(leader, b);
    } else {
      // Bridge: two halves that only one node can talk to.
      const shuffled = [...ids].sort(() => p.next() - 0.5);
      const bridge = shuffled[0] as number;
      const half = Math.floor((ids.length - 1) / 2);
      const left = new Set(shuffled.slice(1, 1 + half));
      for (const a of ids) {
        for (const b of ids) {
          if (a !== bridge && b !== bridge && left.has(a) && !left.has(b)) cutBoth(a, b);
        }
      }
    }
    this.partitionHealStep = this.step + p.int(40, 400);
    this.stats.partitions++;
    this.log(
      `PARTITION ${kind}: cut [${[...this.cut].sort().join(' ')}] until ${this.partitionHealStep * STEP_MS}ms`,
    );
  }

  private heal(): void {
    this.healed = true;
    this.cut.clear();
    this.partitionHealStep = -1;
    this.faults.lossProbability = 0;
    this.faults.duplicateProbability = 0;
    for (const node of this.nodes) {
      node.pausedUntilStep = 0;
      if (node.crashAtStep >= 0) this.crash(node);
      if (!node.replica) this.startNode(node);
    }
    for (const c of this.clients) c.completedAfterHeal = false;
    this.log(`HEAL all faults (${this.describeNodes()})`);
  }

  // ---- Network ----

  private send(packet: Packet): void {
    this.stats.messagesSent++;
    const p = this.prng;
    const f = this.faults;
    if (p.chance(f.lossProbability)) return;
    const copies = p.chance(f.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = 1 + Math.floor(p.next() * p.next() * f.delayStepsMax);
      (this.buckets[(this.step + delay) % this.buckets.length] as Packet[]).push(packet);
    }
    if (this.options.traceMessages && packet.kind === 'raft')
      this.log(`send ${describeMessage(packet.message)}`);
  }

  private linkUp(from: number, to: number): boolean {
    return !this.cut.has(`${from}>${to}`);
  }

  // ---- Main loop ----

  private runStep(): void {
    this.step++;
    this.nowMs = this.step * STEP_MS;
    this.stats.steps++;
    const bucketIndex = this.step % this.buckets.length;
    const due = this.buckets[bucketIndex] as Packet[];
    this.buckets[bucketIndex] = [];
    // Reordering within a step (on top of random delays).
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.prng.int(0, i);
      const t = due[i] as Packet;
      due[i] = due[j] as Packet;
      due[j] = t;
    }
    for (const packet of due) this.deliver(packet);
    for (const node of this.nodes) {
      if (!node.replica || node.pausedUntilStep > this.step) continue;
      this.completeStorage(node);
      node.replica?.tick(this.nowMs + node.clockOffsetMs);
    }
    for (const client of this.clients) this.clientStep(client);
    for (const node of this.nodes) {
      if (!node.replica || node.pausedUntilStep > this.step) continue;
      this.processReady(node);
    }
  }

  private deliver(packet: Packet): void {
    if (packet.kind === 'egress' || packet.kind === 'redirect') {
      this.stats.messagesDelivered++;
      this.clientReceive(packet);
      return;
    }
    const node = this.nodes[packet.to - 1] as SimNode;
    if (!node.replica) return;
    if (node.pausedUntilStep > this.step) {
      // A paused process reads its socket later.
      (this.buckets[(this.step + 1) % this.buckets.length] as Packet[]).push(packet);
      return;
    }
    if (packet.kind === 'raft') {
      if (!this.linkUp(packet.message.from, packet.to)) return;
      this.stats.messagesDelivered++;
      if (this.options.traceMessages) this.log(`recv ${describeMessage(packet.message)}`);
      const m = packet.message;
      if (m.type === 'append' && m.entries.some((e) => e.term < m.term)) this.stats.oldTermAppends++;
      node.replica.step(m);
      return;
    }
    this.stats.messagesDelivered++;
    const r = node.replica.submit(packet.proposal);
    if (!r.ok) this.send({ kind: 'redirect', to: packet.client, leaderId: r.leaderId });
  }

  private completeStorage(node: SimNode): void {
    while (node.pending.length > 0 && (node.pending[0] as StorageOp).doneStep <= this.step) {
      const op = node.pending.shift() as StorageOp;
      const replica = node.replica;
      if (!replica) return;
      if (op.kind === 'hard') {
        node.durable.hardState = op.hardState;
        replica.node.hardStatePersisted(op.hardState);
      } else if (op.kind === 'entries') {
        this.writeEntries(node, op.entries);
        const last = op.entries[op.entries.length - 1] as Entry;
        replica.node.appendPersisted(last.index, last.term);
      } else {
        this.persistSnapshot(node, op.snapshot);
        replica.node.appendPersisted(op.snapshot.index, op.snapshot.term);
      }
    }
  }

  private processReady(node: SimNode): void {
    const replica = node.replica as Replica;
    for (let round = 0; round < 4; round++) {
      const out = replica.process();
      if (!out) return;
      const rd = out.ready;
      const storageSteps = this.prng.int(0, this.faults.storageStepsMax);
      const lastDone = node.pending[node.pending.length - 1]?.doneStep ?? 0;
      const doneStep = Math.max(this.step + storageSteps, lastDone);
      // Term/vote first: a stored entry never has a term above the stored hard state.
      if (rd.hardState) node.pending.push({ kind: 'hard', hardState: rd.hardState, doneStep });
      if (rd.snapshot) {
        node.pending.push({ kind: 'snapshot', snapshot: rd.snapshot, doneStep });
        this.stats.snapshotsInstalled++;
        this.log(`n${node.id} installs snapshot @${rd.snapshot.index} (term ${rd.snapshot.term})`);
      }
      if (rd.entries.length > 0) node.pending.push({ kind: 'entries', entries: rd.entries, doneStep });
      const commitBefore = node.checkedCommit;
      const elected = rd.role === 'leader' && node.lastRole !== 'leader';
      this.checkReady(node, out.ready.entries, rd.commitIndex);
      if (!this.healed && elected && this.prng.chance(this.faults.crashOnElectionProbability)) {
        // Dies soon (its own writes may reach the disk first); nothing it sends gets out.
        node.crashAtStep = this.step + this.prng.int(0, this.faults.storageStepsMax + 2);
        this.log(`n${node.id} will crash at ${node.crashAtStep * STEP_MS}ms, muted`);
      }
      if (node.crashAtStep >= 0) continue;
      let crashAfter =
        !this.healed &&
        rd.role === 'leader' &&
        rd.commitIndex > commitBefore &&
        this.prng.chance(this.faults.crashAfterCommitProbability);
      for (const m of rd.messages) {
        this.send({ kind: 'raft', to: m.to, message: m });
        if (!this.healed && m.type === 'vote-response' && m.granted) {
          crashAfter ||= this.prng.chance(this.faults.crashAfterVoteProbability);
        }
        if (!this.healed && m.type === 'append-response' && m.success) {
          crashAfter ||= this.prng.chance(this.faults.crashAfterAckProbability);
        }
      }
      this.checkApplied(node, rd.committedEntries);
      for (const e of out.egress) {
        if (e.kind === 'session-opened')
          this.sessionOwner.set(e.sessionId, Math.floor(e.correlationId / 1_000_000));
      }
      if (out.isLeader) {
        for (const e of out.egress) {
          const owner =
            e.kind === 'session-opened'
              ? Math.floor(e.correlationId / 1_000_000)
              : this.sessionOwner.get(e.sessionId);
          if (owner !== undefined) this.send({ kind: 'egress', to: CLIENT_BASE + owner, egress: e });
        }
      }
      if (out.snapshotTaken) {
        // Written atomically and durably (temporary file + rename in the runtime), then compacted.
        this.persistSnapshot(node, out.snapshotTaken);
        replica.snapshotPersisted(out.snapshotTaken);
        this.stats.snapshotsTaken++;
      }
      if (crashAfter) {
        this.crash(node);
        return;
      }
    }
  }

  // ---- Safety checks (after every step) ----

  private checkReady(node: SimNode, entries: readonly Entry[], commitIndex: number): void {
    const x = (node.replica as Replica).node;
    if (x.role !== node.lastRole || x.term !== node.lastTerm) {
      this.log(
        `n${node.id} ${x.role} term ${x.term} (last ${x.lastIndex()}/${x.lastTerm()}, commit ${x.commitIndex})`,
      );
      node.lastRole = x.role;
      node.lastTerm = x.term;
      if (x.role === 'leader') this.safety.onNewLeader(node.id, x);
    }
    this.safety.onReady(node.id, x, entries, commitIndex, node.checkedCommit);
    node.checkedCommit = commitIndex;
  }

  private checkApplied(node: SimNode, entries: readonly Entry[]): void {
    this.safety.onApplied(node.id, (node.replica as Replica).host, entries);
  }

  private replicasConverged(): boolean {
    let commit = -1;
    let hash = '';
    for (const node of this.nodes) {
      const r = node.replica;
      if (!r) return false;
      if (r.node.role === 'leader' && r.node.commitIndex !== r.node.lastIndex()) return false;
      if (r.node.lastIndex() !== r.node.commitIndex) return false;
      if (r.host.appliedIndex !== r.node.commitIndex) return false;
      const h = r.host.stateHash();
      if (commit === -1) {
        commit = r.node.commitIndex;
        hash = h;
      } else if (commit !== r.node.commitIndex || hash !== h) return false;
    }
    return true;
  }

  // ---- Clients ----

  private clientStep(c: SimClient): void {
    const p = this.prng;
    if (c.sessionId === 0) {
      if (this.step - c.openSentStep < CLIENT_RETRY_MS / STEP_MS) return;
      if (c.openNonce !== 0 && this.step - c.openSentStep < (2 * CLIENT_RETRY_MS) / STEP_MS) {
        c.guess = p.int(1, this.nodeCount);
      }
      if (c.openNonce === 0) c.openNonce = c.index * 1_000_000 + c.nextSeq++;
      c.openSentStep = this.step;
      const proposal: Proposal = {
        type: 'session-open',
        sessionId: 0,
        requestSeq: 0,
        correlationId: c.openNonce,
        serviceIndex: 0,
        payload: new TextEncoder().encode(`client-${c.index}`),
      };
      this.send({ kind: 'request', to: c.guess, client: c.index + CLIENT_BASE, proposal });
      return;
    }
    if (!c.pending) {
      // Once every client completed a request after healing, stop new requests so replicas settle.
      if (this.healed && this.clients.every((x) => x.completedAfterHeal)) return;
      if (!p.chance(0.3)) return;
      if (this.version >= 2 && this.closePrng.chance(0.01)) {
        // Close the session through the log (fire and forget) and open a new one later.
        const close: Proposal = {
          type: 'session-close',
          sessionId: c.sessionId,
          requestSeq: 0,
          correlationId: 0,
          serviceIndex: 0,
          payload: new Uint8Array(0),
        };
        this.send({ kind: 'request', to: c.guess, client: c.endpoint, proposal: close });
        this.log(`client ${c.index} closes session ${c.sessionId}`);
        c.sessionId = 0;
        c.openSentStep = this.step;
        return;
      }
      const op = p.pick<RegisterOp>(['read', 'read', 'write', 'incr', 'incr', 'schedule']);
      const input: RegisterInput = {
        op,
        value: op === 'write' ? p.int(1, 1000) : op === 'schedule' ? p.int(0, 300) : 0,
      };
      const seq = c.nextSeq++;
      const proposal: Proposal = {
        type: 'session-message',
        sessionId: c.sessionId,
        requestSeq: seq,
        correlationId: 0,
        serviceIndex: 0,
        payload: encodeRegisterInput(input),
      };
      this.history.push({
        clientId: c.index,
        input,
        output: undefined,
        callMs: this.nowMs,
        returnMs: Number.POSITIVE_INFINITY,
      });
      c.pending = { seq, input, op: this.history.length - 1, sentStep: this.step, proposal };
      this.send({ kind: 'request', to: c.guess, client: c.endpoint, proposal });
      return;
    }
    if (this.step - c.pending.sentStep >= CLIENT_RETRY_MS / STEP_MS) {
      // Retry the same (sessionId, requestSeq), maybe elsewhere: the session makes it exactly-once.
      c.guess = p.int(1, this.nodeCount);
      c.pending.sentStep = this.step;
      this.log(`client ${c.index} retries seq ${c.pending.seq} to n${c.guess}`);
      this.send({
        kind: 'request',
        to: c.guess,
        client: c.endpoint,
        proposal: c.pending.proposal,
      });
    }
  }

  private clientReceive(packet: Extract<Packet, { kind: 'egress' | 'redirect' }>): void {
    const c = this.clients[packet.to - CLIENT_BASE] as SimClient;
    if (packet.kind === 'redirect') {
      if (packet.leaderId !== 0 && packet.leaderId !== c.guess) {
        // Follow the redirect at once.
        c.guess = packet.leaderId;
        if (c.pending)
          this.send({
            kind: 'request',
            to: c.guess,
            client: c.endpoint,
            proposal: c.pending.proposal,
          });
        else c.openSentStep = -1_000_000;
      }
      return;
    }
    const e = packet.egress;
    this.log(
      `client ${c.index} got ${e.kind} session ${e.sessionId} seq ${e.requestSeq}${e.duplicate ? ' (dup)' : ''}`,
    );
    if (e.kind === 'session-opened') {
      if (c.sessionId === 0 && e.correlationId === c.openNonce) {
        c.sessionId = e.sessionId;
        c.openNonce = 0;
        this.log(`client ${c.index} session ${e.sessionId} open`);
      }
      return;
    }
    if (e.sessionId !== c.sessionId || c.sessionId === 0) return;
    const pending = c.pending;
    if (e.kind === 'session-unknown' || e.kind === 'session-closed') {
      // The session is gone: the outcome of the pending request is unknown; open a new session.
      if (pending && (e.kind === 'session-closed' || e.requestSeq === pending.seq)) {
        this.abandon(c);
        this.log(`client ${c.index} session ${c.sessionId} ${e.kind}`);
        c.sessionId = 0;
        c.openSentStep = -1_000_000;
      } else if (e.kind === 'session-closed') {
        c.sessionId = 0;
        c.openSentStep = -1_000_000;
      }
      return;
    }
    if (e.kind === 'request-expired' && pending && e.requestSeq === pending.seq) {
      this.abandon(c); // applied, but its answer is no longer kept
      return;
    }
    if (e.kind !== 'response' || !pending || e.requestSeq !== pending.seq) return;
    const op = this.history[pending.op] as HistoryOp;
    op.output = decodeRegisterOutput(e.payload);
    op.returnMs = this.nowMs;
    c.pending = undefined;
    this.stats.opsCompleted++;
    if (this.healed) c.completedAfterHeal = true;
  }

  private abandon(c: SimClient): void {
    if (!c.pending) return;
    this.stats.opsAmbiguous++;
    c.pending = undefined;
  }

  private checkHistory(): void {
    const ops: Operation<RegisterInput, number>[] = [];
    for (const h of this.history) {
      // A read whose answer never arrived says nothing; writes may or may not have happened.
      if (h.output === undefined && (h.input.op === 'read' || h.input.op === 'schedule')) continue;
      ops.push(h);
    }
    const r = checkLinearizable(registerModel, ops);
    this.stats.linearizability = r.result;
    if (r.result === 'illegal')
      this.fail(`linearizability: client history of ${ops.length} operations is not linearizable`);
  }
}

export function describeMessage(m: Message): string {
  const head = `${m.type} n${m.from}->n${m.to} t${m.term}`;
  switch (m.type) {
    case 'append':
      return `${head} prev ${m.prevIndex}/t${m.prevTerm} entries ${m.entries.length ? `${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}` : '-'} commit ${m.commitIndex}`;
    case 'append-response':
      return `${head} ${m.success ? `ok match ${m.matchIndex} last ${m.lastIndex}` : `reject ${m.rejectedIndex} hint ${m.hintIndex}/t${m.hintTerm}`}`;
    case 'vote':
    case 'pre-vote':
      return `${head} last ${m.lastIndex}/t${m.lastTerm}`;
    case 'vote-response':
    case 'pre-vote-response':
      return `${head} ${m.granted ? 'granted' : 'rejected'}`;
    case 'heartbeat':
      return `${head} commit ${m.commitIndex}`;
    case 'snapshot-chunk':
      return `${head} snap ${m.snapshotIndex} @${m.offsetBytes}/${m.totalBytes}`;
    case 'snapshot-response':
      return `${head} snap ${m.snapshotIndex} next ${m.nextOffsetBytes}${m.done ? ' done' : ''}`;
    case 'timeout-now':
      return head;
  }
}
