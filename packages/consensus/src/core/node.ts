import { assert } from './assert.js';
import { type RaftConfig, validateConfig } from './config.js';
import { RaftLog } from './log.js';
import type {
  Entry,
  EntryType,
  HardState,
  Message,
  NodeId,
  Proposal,
  ProposeResult,
  RaftRole,
  Ready,
  RestartState,
  Snapshot,
} from './types.js';

type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface NodeStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly leaderId: NodeId;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly stableIndex: number;
  readonly snapshotIndex: number;
  readonly lastLeaderChangeMs: number;
  /** Leader only: per-follower replication state. */
  readonly followers: readonly {
    id: NodeId;
    match: number;
    next: number;
    state: ProgressState;
    lagEntries: number;
  }[];
}

/** The leader's view of one follower (etcd's Progress). */
interface Progress {
  /** Highest index durable on the follower and matching our log (counted for commit). */
  match: number;
  /** Next index to send. */
  next: number;
  state: ProgressState;
  /** probe: when the outstanding probe was sent (one probe at a time). */
  probeSentMs: number;
  /** replicate: last index and send time of each outstanding append (bounded by inflightMessagesMax). */
  inflight: { lastIndex: number; sentMs: number }[];
  /** Heard from in the current check-quorum window. */
  recentActive: boolean;
  /** snapshot: the transfer being streamed and where the next chunk starts. */
  snapshotIndex: number;
  snapshotOffsetBytes: number;
  snapshotSentMs: number;
  /** Highest commit index told to this follower in a heartbeat (it learns commit from heartbeats). */
  commitSent: number;
}

interface IncomingSnapshot {
  index: number;
  term: number;
  timestampMs: number;
  totalBytes: number;
  receivedBytes: number;
  chunks: Uint8Array[];
}

const ENTRY_TYPES: ReadonlySet<EntryType> = new Set<EntryType>([
  'noop',
  'session-open',
  'session-message',
  'session-keepalive',
  'session-close',
  'session-timeout',
  'timer',
]);

const COMMITTED_PER_READY_MAX = 1024;
const GATED_MESSAGES_MAX = 1024;
const NEVER_MS = Number.NEGATIVE_INFINITY;

/**
 * A Raft replica as a deterministic state machine (etcd-io/raft style). Inputs: `step(message)`,
 * `tick(nowMs)`, `propose(...)`, storage completions (`appendPersisted`, `hardStatePersisted`) and
 * `compact(snapshot)`. Output: `ready()` (see {@link Ready} for the driver's obligations).
 */
export class RaftNode {
  readonly id: NodeId;
  private readonly config: RaftConfig;
  private readonly quorum: number;
  private readonly peers: readonly NodeId[];

  private currentTerm = 0;
  private votedFor: NodeId = 0;
  private leader: NodeId = 0;
  private currentRole: RaftRole = 'follower';
  private readonly log: RaftLog;

  /** Highest index durable in local storage (as acknowledged by the driver). */
  private stable: number;
  /** Lowest index that still has to be handed to storage. */
  private unstableFrom: number;
  private commit: number;
  /** Highest index handed out for applying. */
  private applied: number;
  /** Follower: highest index known to match the current term's leader log. */
  private verified: number;

  private persistedHardState: HardState;
  private hardStateDirty = false;
  /** See {@link HardState.recovering}: no vote (except at genesis) until caught up. */
  private recoveringState: boolean;
  private snapshot: Snapshot | undefined;
  private snapshotToPersist: Snapshot | undefined;
  private incoming: IncomingSnapshot | undefined;

  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private nowMs: number;
  private electionDeadlineMs = 0;
  private heartbeatDeadlineMs = 0;
  private checkQuorumDeadlineMs = 0;
  private lastLeaderContactMs = NEVER_MS;
  private transfer: { target: NodeId; deadlineMs: number } | undefined;
  private lastAck = { matchIndex: -1, lastIndex: -1, term: -1 };
  /** Local time at which this node last saw the leader change (election or step-down). */
  private lastLeaderChangeMs = 0;

  private outbox: Message[] = [];
  /** Messages that may leave only once term/vote are durable. */
  private gated: Message[] = [];

  constructor(config: RaftConfig, restart: RestartState | undefined, nowMs: number) {
    validateConfig(config);
    this.id = config.id;
    this.config = config;
    this.quorum = Math.floor(config.voters.length / 2) + 1;
    this.peers = [...config.voters].filter((id) => id !== config.id).sort((a, b) => a - b);
    this.nowMs = nowMs;
    this.log = new RaftLog(restart?.snapshot, restart?.entries ?? []);
    this.snapshot = restart?.snapshot;
    const hs = restart?.hardState ?? { term: 0, vote: 0 };
    this.currentTerm = hs.term;
    this.votedFor = hs.vote;
    this.persistedHardState = hs;
    // Blank storage cannot tell a first start from lost data: the operator says which (HardState.recovering).
    this.recoveringState = hs.recovering === true;
    if (hs.term < this.log.lastTerm()) {
      // A snapshot written ahead of the term's hard state: no vote of that term ever left this node
      // (vote responses wait for durability), so adopt the term with no vote.
      this.currentTerm = this.log.lastTerm();
      this.votedFor = 0;
      this.hardStateDirty = true;
    }
    this.stable = this.log.lastIndex();
    this.unstableFrom = this.log.lastIndex() + 1;
    this.commit = this.log.snapshotIndex;
    this.applied = this.log.snapshotIndex;
    this.verified = this.commit;
    this.resetElectionTimer();
  }

  // ---- Read-only state (for the driver, the simulator's checks and status pages) ----

  get role(): RaftRole {
    return this.currentRole;
  }
  get term(): number {
    return this.currentTerm;
  }
  get vote(): NodeId {
    return this.votedFor;
  }
  /** True until this member may vote again after starting without its data (see HardState.recovering). */
  get recovering(): boolean {
    return this.recoveringState;
  }
  get leaderId(): NodeId {
    return this.leader;
  }
  get commitIndex(): number {
    return this.commit;
  }
  get appliedIndex(): number {
    return this.applied;
  }
  get stableIndex(): number {
    return this.stable;
  }
  get snapshotIndex(): number {
    return this.log.snapshotIndex;
  }
  get transferTarget(): NodeId {
    return this.transfer?.target ?? 0;
  }
  lastIndex(): number {
    return this.log.lastIndex();
  }
  lastTerm(): number {
    return this.log.lastTerm();
  }
  termAt(index: number): number | undefined {
    return this.log.termAt(index);
  }
  entryAt(index: number): Entry | undefined {
    return this.log.entryAt(index);
  }
  currentSnapshot(): Snapshot | undefined {
    return this.snapshot;
  }
  /** Leader only: a follower's progress (undefined otherwise). */
  followerProgress(id: NodeId): { match: number; next: number; state: string; inflight: number } | undefined {
    if (this.currentRole !== 'leader') return undefined;
    const pr = this.progress.get(id);
    return pr && { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflight.length };
  }

  /** A plain snapshot of the node's state for status pages and the cluster tool. */
  status(): NodeStatus {
    const followers: NodeStatus['followers'][number][] = [];
    if (this.currentRole === 'leader') {
      for (const [id, pr] of this.progress) {
        followers.push({
          id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          lagEntries: this.log.lastIndex() - pr.match,
        });
      }
    }
    return {
      id: this.id,
      role: this.currentRole,
      term: this.currentTerm,
      leaderId: this.leader,
      lastIndex: this.log.lastIndex(),
      commitIndex: this.commit,
      appliedIndex: this.applied,
      stableIndex: this.stable,
      snapshotIndex: this.log.snapshotIndex,
      lastLeaderChangeMs: this.lastLeaderChangeMs,
      followers,
    };
  }

  // ---- Inputs ----

  tick(nowMs: number): void {
    if (!(nowMs >= this.nowMs)) throw new Error(`tick: time went backwards (${nowMs} < ${this.nowMs})`);
    this.nowMs = nowMs;
    if (this.currentRole === 'leader') {
      this.lastLeaderContactMs = nowMs;
      this.tickLeader();
    } else if (nowMs >= this.electionDeadlineMs) {
      this.campaign(this.config.preVote ? 'pre-vote' : 'election');
    }
  }

  /** Starts an election now (tests, operators). */
  campaign(kind: 'pre-vote' | 'election' | 'transfer'): void {
    if (this.currentRole === 'leader') return;
    // A recovering member may lack acknowledged entries: it must not lead.
    if (this.recoveringState) {
      this.resetElectionTimer();
      return;
    }
    if (kind === 'pre-vote') {
      this.currentRole = 'pre-candidate';
      this.leader = 0;
      this.votes.clear();
      this.votes.set(this.id, true);
      this.resetElectionTimer();
      for (const peer of this.peers) {
        this.send({
          type: 'pre-vote',
          from: this.id,
          to: peer,
          term: this.currentTerm + 1,
          lastIndex: this.log.lastIndex(),
          lastTerm: this.log.lastTerm(),
        });
      }
      this.pollVotes();
      return;
    }
    this.becomeCandidate(kind === 'transfer');
  }

  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id || !this.config.voters.includes(m.from)) return;
    if (m.term > this.currentTerm) {
      const isVote = m.type === 'vote' || m.type === 'pre-vote';
      const forced = m.type === 'vote' && m.transfer;
      if (isVote && !forced && this.inLease()) return;
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-response' && m.granted)) {
        // Pre-vote traffic carries a future term that nobody adopts.
      } else {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot-chunk';
        this.becomeFollower(m.term, fromLeader ? m.from : 0);
      }
    } else if (m.term < this.currentTerm) {
      this.stepStale(m);
      return;
    }
    switch (m.type) {
      case 'pre-vote':
        this.handlePreVote(m);
        break;
      case 'vote':
        this.handleVote(m);
        break;
      case 'pre-vote-response':
      case 'vote-response':
        this.handleVoteResponse(m);
        break;
      case 'append':
      case 'heartbeat':
      case 'snapshot-chunk':
        this.handleFromLeader(m);
        break;
      case 'append-response':
        this.handleAppendResponse(m);
        break;
      case 'snapshot-response':
        this.handleSnapshotResponse(m);
        break;
      case 'timeout-now':
        if (this.currentRole === 'follower' && m.from === this.leader) this.campaign('transfer');
        break;
    }
  }

  propose(proposal: Proposal): ProposeResult {
    const refuse = (reason: 'not-leader' | 'transferring' | 'backpressure' | 'invalid', detail: string) =>
      ({ ok: false, reason, leaderId: this.leader, detail }) as const;
    if (this.currentRole !== 'leader') return refuse('not-leader', 'this node is not the leader');
    if (this.transfer) return refuse('transferring', `leadership moving to ${this.transfer.target}`);
    const problem = proposalProblem(proposal, this.config.payloadBytesMax);
    if (problem) return refuse('invalid', problem);
    if (this.log.lastIndex() - this.commit >= this.config.uncommittedEntriesMax) {
      return refuse('backpressure', `${this.config.uncommittedEntriesMax} entries await commit`);
    }
    const entry = this.appendLocal(proposal);
    this.broadcastAppend();
    return { ok: true, index: entry.index, term: entry.term };
  }

  transferLeadership(target: NodeId): { ok: boolean; detail: string } {
    if (this.currentRole !== 'leader') return { ok: false, detail: 'not the leader' };
    if (target === this.id) return { ok: true, detail: 'already leader' };
    const pr = this.progress.get(target);
    if (!pr) return { ok: false, detail: `${target} is not a voter` };
    this.transfer = { target, deadlineMs: this.nowMs + this.config.electionTimeoutMs };
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else {
      if (pr.state !== 'snapshot') this.becomeProbe(pr, pr.match + 1); // catch the target up now
      this.sendAppend(target, true);
    }
    return { ok: true, detail: 'transfer started' };
  }

  /** Storage made entries up to (index, term) durable. Stale acknowledgements are ignored. */
  appendPersisted(index: number, term: number): void {
    if (index <= this.stable) return;
    if (index > this.log.lastIndex() || this.log.termAt(index) !== term) return;
    this.stable = index;
    this.afterStableAdvance();
  }

  hardStatePersisted(hardState: HardState): void {
    const prev = this.persistedHardState;
    if (hardState.term < prev.term) return;
    if (hardState.term === prev.term && prev.vote !== 0 && hardState.vote !== prev.vote) return;
    this.persistedHardState = hardState;
    this.releaseGated();
    if (
      this.currentRole === 'candidate' &&
      hardState.term === this.currentTerm &&
      hardState.vote === this.id &&
      !this.config.mutations?.voteBeforePersist
    ) {
      this.votes.set(this.id, true);
      this.pollVotes();
    }
  }

  /**
   * The driver took a durable snapshot of the applied state at `snapshot.index`: drop the log before
   * it and serve it to followers that fall behind.
   */
  compact(snapshot: Snapshot): void {
    if (snapshot.index <= this.log.snapshotIndex) return;
    if (snapshot.index > this.applied) throw new Error(`compact: index ${snapshot.index} not applied yet`);
    if (this.log.termAt(snapshot.index) !== snapshot.term) throw new Error('compact: snapshot term mismatch');
    assert(this.unstableFrom > snapshot.index, 'compact: entries not yet handed to storage');
    this.log.compact(snapshot.index, snapshot.term, snapshot.timestampMs);
    this.snapshot = snapshot;
    if (snapshot.index > this.stable) {
      this.stable = snapshot.index;
      this.afterStableAdvance();
    }
  }

  hasReady(): boolean {
    return (
      this.hardStateDirty ||
      this.snapshotToPersist !== undefined ||
      this.unstableFrom <= this.log.lastIndex() ||
      this.applied < this.commit ||
      this.outbox.length > 0
    );
  }

  /** Drains the pending output (see {@link Ready}); calling it again returns only what is new. */
  ready(): Ready {
    const hardState = this.hardStateDirty
      ? this.recoveringState
        ? { term: this.currentTerm, vote: this.votedFor, recovering: true }
        : { term: this.currentTerm, vote: this.votedFor }
      : undefined;
    this.hardStateDirty = false;
    const snapshot = this.snapshotToPersist;
    this.snapshotToPersist = undefined;
    const last = this.log.lastIndex();
    const entries = this.unstableFrom <= last ? this.log.slice(this.unstableFrom, last, last) : [];
    this.unstableFrom = last + 1;
    const applyTo = Math.min(this.commit, this.applied + COMMITTED_PER_READY_MAX);
    const committedEntries = this.applied < applyTo ? this.log.slice(this.applied + 1, applyTo, applyTo) : [];
    assert(committedEntries.length === applyTo - this.applied, 'committed entries missing from the log');
    this.applied = applyTo;
    const messages = this.outbox;
    this.outbox = [];
    return {
      hardState,
      snapshot,
      entries,
      messages,
      committedEntries,
      commitIndex: this.commit,
      role: this.currentRole,
      term: this.currentTerm,
      leaderId: this.leader,
    };
  }

  // ---- Roles ----

  private becomeFollower(term: number, leader: NodeId): void {
    if (term > this.currentTerm) {
      this.currentTerm = term;
      this.votedFor = 0;
      this.hardStateDirty = true;
      this.verified = this.commit;
    }
    this.currentRole = 'follower';
    if (leader !== this.leader) this.lastLeaderChangeMs = this.nowMs;
    this.leader = leader;
    this.votes.clear();
    this.progress.clear();
    this.transfer = undefined;
    this.resetElectionTimer();
  }

  private becomeCandidate(transfer: boolean): void {
    this.currentRole = 'candidate';
    this.currentTerm += 1;
    this.votedFor = this.id;
    this.hardStateDirty = true;
    this.leader = 0;
    this.verified = this.commit;
    this.votes.clear();
    this.progress.clear();
    this.resetElectionTimer();
    // Our own vote counts only once it is durable (else a crash could let us vote twice in this term).
    if (this.config.mutations?.voteBeforePersist) this.votes.set(this.id, true);
    for (const peer of this.peers) {
      this.send({
        type: 'vote',
        from: this.id,
        to: peer,
        term: this.currentTerm,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        transfer,
      });
    }
    this.pollVotes();
  }

  private becomeLeader(): void {
    assert(this.currentRole === 'candidate', 'only a candidate becomes leader');
    this.currentRole = 'leader';
    this.leader = this.id;
    this.lastLeaderChangeMs = this.nowMs;
    this.votes.clear();
    this.progress.clear();
    const last = this.log.lastIndex();
    for (const peer of this.peers) {
      this.progress.set(peer, {
        match: 0,
        next: last + 1,
        state: 'probe',
        probeSentMs: NEVER_MS,
        inflight: [],
        recentActive: false,
        snapshotIndex: 0,
        snapshotOffsetBytes: 0,
        snapshotSentMs: NEVER_MS,
        commitSent: 0,
      });
    }
    this.lastLeaderContactMs = this.nowMs;
    this.checkQuorumDeadlineMs = this.nowMs + this.config.electionTimeoutMs;
    this.heartbeatDeadlineMs = this.nowMs + this.config.heartbeatIntervalMs;
    // An entry of our own term lets earlier-term entries commit (Raft section 5.4.2).
    this.appendLocal({
      type: 'noop',
      sessionId: 0,
      requestSeq: 0,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array(0),
    });
    this.broadcastAppend();
  }

  private pollVotes(): void {
    let granted = 0;
    let rejected = 0;
    for (const v of this.votes.values()) {
      if (v) granted++;
      else rejected++;
    }
    if (granted >= this.quorum) {
      if (this.currentRole === 'pre-candidate') this.becomeCandidate(false);
      else if (this.currentRole === 'candidate') this.becomeLeader();
    } else if (rejected >= this.quorum) {
      this.becomeFollower(this.currentTerm, 0);
    }
  }

  private inLease(): boolean {
    return (
      this.config.checkQuorum &&
      this.leader !== 0 &&
      this.nowMs - this.lastLeaderContactMs < this.config.electionTimeoutMs
    );
  }

  private resetElectionTimer(): void {
    const t = this.config.electionTimeoutMs;
    this.electionDeadlineMs = this.nowMs + t + this.config.prng.int(0, t - 1);
  }

  // ---- Message handlers ----

  private stepStale(m: Message): void {
    // A leader from an old term (e.g. back from a partition) learns our term and steps down.
    if ((m.type === 'append' || m.type === 'heartbeat') && (this.config.checkQuorum || this.config.preVote)) {
      this.send(this.ackMessage(m.from, false, 0, 0, 0));
    } else if (m.type === 'pre-vote') {
      this.send({
        type: 'pre-vote-response',
        from: this.id,
        to: m.from,
        term: this.currentTerm,
        granted: false,
      });
    }
  }

  private handlePreVote(m: Extract<Message, { type: 'pre-vote' }>): void {
    const upToDate =
      this.config.mutations?.skipLogUpToDateCheck || this.log.isUpToDate(m.lastIndex, m.lastTerm);
    const granted = m.term > this.currentTerm && upToDate && this.mayGrant();
    this.send({
      type: 'pre-vote-response',
      from: this.id,
      to: m.from,
      term: granted ? m.term : this.currentTerm,
      granted,
    });
  }

  private handleVote(m: Extract<Message, { type: 'vote' }>): void {
    assert(m.term === this.currentTerm, 'vote handled in its own term');
    const canVote = this.votedFor === m.from || (this.votedFor === 0 && this.leader === 0);
    const upToDate =
      this.config.mutations?.skipLogUpToDateCheck || this.log.isUpToDate(m.lastIndex, m.lastTerm);
    const granted = canVote && upToDate && this.mayGrant();
    if (granted) {
      if (this.votedFor !== m.from) this.hardStateDirty = true;
      this.votedFor = m.from;
      this.resetElectionTimer();
    }
    this.send({ type: 'vote-response', from: this.id, to: m.from, term: this.currentTerm, granted });
  }

  /** A recovering member may have acknowledged entries it lost: its vote could elect a leader without them. */
  private mayGrant(): boolean {
    return !this.recoveringState;
  }

  /**
   * Recovery ends once this member durably holds a committed entry of the current term: by Raft's
   * leader completeness every entry committed before is then in its log, so its vote is safe again.
   */
  private maybeEndRecovery(): void {
    if (!this.recoveringState) return;
    const index = Math.min(this.commit, this.stable);
    if (index <= 0 || index < this.log.snapshotIndex) return;
    if (this.log.termAt(index) !== this.currentTerm) return;
    this.recoveringState = false;
    this.hardStateDirty = true;
  }

  private handleVoteResponse(m: Extract<Message, { type: 'pre-vote-response' | 'vote-response' }>): void {
    const expected = m.type === 'pre-vote-response' ? 'pre-candidate' : 'candidate';
    if (this.currentRole !== expected) return;
    if (m.type === 'pre-vote-response' && m.granted && m.term !== this.currentTerm + 1) return;
    this.votes.set(m.from, m.granted);
    this.pollVotes();
  }

  private handleFromLeader(m: Extract<Message, { type: 'append' | 'heartbeat' | 'snapshot-chunk' }>): void {
    assert(m.term === this.currentTerm, 'leader message handled in its own term');
    assert(this.currentRole !== 'leader', `two leaders in term ${m.term}: ${this.id} and ${m.from}`);
    if (this.currentRole !== 'follower' || this.leader !== m.from) this.becomeFollower(m.term, m.from);
    this.lastLeaderContactMs = this.nowMs;
    this.resetElectionTimer();
    if (m.type === 'append') this.handleAppend(m);
    else if (m.type === 'heartbeat') {
      // The leader sends min(commit, our acknowledged match): that prefix of our log is its log.
      const known = Math.min(m.commitIndex, this.log.lastIndex());
      this.verified = Math.max(this.verified, known);
      this.advanceFollowerCommit(known);
      this.send(this.ackMessage(m.from, true, 0, 0, 0));
    } else this.handleSnapshotChunk(m);
  }

  private handleAppend(m: Extract<Message, { type: 'append' }>): void {
    let prevIndex = m.prevIndex;
    let prevTerm = m.prevTerm;
    let entries = m.entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k] as Entry;
      if (e.index !== m.prevIndex + k + 1 || e.term > m.term || (k === 0 ? e.term < m.prevTerm : false))
        return;
    }
    if (prevIndex < this.commit) {
      // Entries up to our commit index are committed, hence equal to the leader's: skip them.
      const skip = this.commit - prevIndex;
      if (skip >= entries.length) {
        this.verified = Math.max(this.verified, this.commit);
        this.send(this.ackMessage(m.from, true, 0, 0, 0));
        return;
      }
      prevTerm = (entries[skip - 1] as Entry).term;
      prevIndex = this.commit;
      entries = entries.slice(skip);
      assert(this.log.termAt(prevIndex) === prevTerm, `committed entry ${prevIndex} differs from leader's`);
    }
    const localTerm = this.log.termAt(prevIndex);
    if (localTerm !== prevTerm) {
      const last = this.log.lastIndex();
      const hintIndex = prevIndex > last ? last : this.log.findConflictByTerm(prevIndex, prevTerm);
      this.send(this.ackMessage(m.from, false, m.prevIndex, hintIndex, this.log.termAt(hintIndex) ?? 0));
      return;
    }
    for (const e of entries) {
      if (e.index <= this.log.lastIndex()) {
        if (this.log.termAt(e.index) === e.term) continue;
        assert(e.index > this.commit, `truncating committed entry ${e.index}`);
        this.log.truncateFrom(e.index);
        this.stable = Math.min(this.stable, e.index - 1);
        this.unstableFrom = Math.min(this.unstableFrom, e.index);
      }
      this.log.append(e);
    }
    const lastNew = prevIndex + entries.length;
    this.verified = Math.max(this.verified, lastNew);
    this.advanceFollowerCommit(Math.min(m.commitIndex, lastNew));
    this.send(this.ackMessage(m.from, true, 0, 0, 0));
  }

  private advanceFollowerCommit(index: number): void {
    if (index <= this.commit) return;
    assert(index <= this.log.lastIndex(), 'commit beyond the log');
    this.commit = index;
    this.maybeEndRecovery();
  }

  private ackMessage(
    to: NodeId,
    success: boolean,
    rejected: number,
    hintIndex: number,
    hintTerm: number,
  ): Message {
    const durable = this.config.mutations?.ackBeforeDurable ? this.verified : this.stable;
    const matchIndex = success ? Math.min(durable, this.verified) : 0;
    if (success) this.lastAck = { matchIndex, lastIndex: this.verified, term: this.currentTerm };
    return {
      type: 'append-response',
      from: this.id,
      to,
      term: this.currentTerm,
      success,
      matchIndex,
      lastIndex: success ? this.verified : 0,
      rejectedIndex: rejected,
      hintIndex,
      hintTerm,
    };
  }

  private afterStableAdvance(): void {
    this.maybeEndRecovery();
    if (this.currentRole === 'leader') {
      this.maybeCommit();
      return;
    }
    if (this.currentRole !== 'follower' || this.leader === 0) return;
    const matchIndex = Math.min(this.stable, this.verified);
    const a = this.lastAck;
    if (a.term === this.currentTerm && a.matchIndex >= matchIndex && a.lastIndex >= this.verified) return;
    this.send(this.ackMessage(this.leader, true, 0, 0, 0));
  }

  private handleSnapshotChunk(m: Extract<Message, { type: 'snapshot-chunk' }>): void {
    const respond = (nextOffsetBytes: number, done: boolean) =>
      this.send({
        type: 'snapshot-response',
        from: this.id,
        to: m.from,
        term: this.currentTerm,
        snapshotIndex: m.snapshotIndex,
        nextOffsetBytes,
        done,
      });
    if (m.snapshotIndex <= this.commit) {
      respond(m.totalBytes, true);
      return;
    }
    let inc = this.incoming;
    if (m.offsetBytes === 0) {
      inc = {
        index: m.snapshotIndex,
        term: m.snapshotTerm,
        timestampMs: m.snapshotTimestampMs,
        totalBytes: m.totalBytes,
        receivedBytes: 0,
        chunks: [],
      };
      this.incoming = inc;
    }
    if (
      !inc ||
      inc.index !== m.snapshotIndex ||
      inc.term !== m.snapshotTerm ||
      inc.receivedBytes !== m.offsetBytes
    ) {
      // Resume from what we hold (0 if it is another snapshot or we lost it in a crash).
      respond(inc && inc.index === m.snapshotIndex ? inc.receivedBytes : 0, false);
      return;
    }
    if (m.offsetBytes + m.data.length > inc.totalBytes) return;
    inc.chunks.push(m.data);
    inc.receivedBytes += m.data.length;
    if (inc.receivedBytes < inc.totalBytes) {
      respond(inc.receivedBytes, false);
      return;
    }
    const data = new Uint8Array(inc.totalBytes);
    let offset = 0;
    for (const c of inc.chunks) {
      data.set(c, offset);
      offset += c.length;
    }
    this.incoming = undefined;
    this.installSnapshot({ index: inc.index, term: inc.term, timestampMs: inc.timestampMs, data });
    respond(inc.totalBytes, true);
  }

  private installSnapshot(snapshot: Snapshot): void {
    assert(snapshot.index > this.commit, 'install of a snapshot we already cover');
    // The old log is discarded: of what is on disk, only the committed prefix matches the leader's log
    // (bug found by the simulator, seed 110622: keeping stale entries as "durable" acked them).
    const committedBefore = this.commit;
    this.log.resetTo(snapshot);
    this.snapshot = snapshot;
    this.snapshotToPersist = snapshot;
    this.commit = snapshot.index;
    this.applied = snapshot.index;
    this.verified = snapshot.index;
    this.unstableFrom = snapshot.index + 1;
    // Durable once storage acknowledges (snapshot.index, snapshot.term).
    this.stable = Math.min(this.stable, committedBefore);
  }

  // ---- Leader ----

  private appendLocal(proposal: Proposal): Entry {
    const entry: Entry = {
      term: this.currentTerm,
      index: this.log.lastIndex() + 1,
      // Never below the previous entry's time, so service time is monotonic across leaders.
      timestampMs: Math.max(this.nowMs, this.log.lastTimestampMs()),
      type: proposal.type,
      sessionId: proposal.sessionId,
      requestSeq: proposal.requestSeq,
      correlationId: proposal.correlationId,
      serviceIndex: proposal.serviceIndex,
      payload: proposal.payload,
    };
    this.log.append(entry);
    if (this.peers.length === 0) this.maybeCommit();
    return entry;
  }

  private tickLeader(): void {
    if (this.transfer && this.nowMs >= this.transfer.deadlineMs) this.transfer = undefined;
    if (this.config.checkQuorum && this.nowMs >= this.checkQuorumDeadlineMs) {
      this.checkQuorumDeadlineMs = this.nowMs + this.config.electionTimeoutMs;
      let active = 1;
      for (const pr of this.progress.values()) {
        if (pr.recentActive) active++;
        pr.recentActive = false;
      }
      if (active < this.quorum) {
        this.becomeFollower(this.currentTerm, 0);
        return;
      }
    }
    if (this.nowMs < this.heartbeatDeadlineMs) return;
    this.heartbeatDeadlineMs = this.nowMs + this.config.heartbeatIntervalMs;
    for (const peer of this.peers) {
      const pr = this.progress.get(peer) as Progress;
      const oldest = pr.inflight[0];
      if (pr.state === 'replicate' && oldest && this.nowMs - oldest.sentMs >= this.config.electionTimeoutMs) {
        this.becomeProbe(pr, pr.match + 1); // appends were lost: find the follower again
      }
      this.sendHeartbeat(peer, pr);
      this.sendAppend(peer, pr.state === 'probe');
    }
  }

  private becomeProbe(pr: Progress, next: number): void {
    pr.state = 'probe';
    pr.next = Math.max(pr.match + 1, next);
    pr.inflight = [];
    pr.probeSentMs = NEVER_MS;
  }

  private broadcastAppend(): void {
    for (const peer of this.peers) this.sendAppend(peer, false);
  }

  /** Sends what the pipeline window allows; returns whether anything was sent. */
  private sendAppend(peer: NodeId, allowEmpty: boolean): boolean {
    const pr = this.progress.get(peer) as Progress;
    if (pr.state === 'snapshot') {
      if (this.nowMs - pr.snapshotSentMs >= this.config.heartbeatIntervalMs) this.sendSnapshotChunk(peer, pr);
      return false;
    }
    let sent = false;
    for (;;) {
      if (pr.state === 'probe' && this.nowMs - pr.probeSentMs < this.config.heartbeatIntervalMs) return sent;
      if (pr.state === 'replicate' && pr.inflight.length >= this.config.inflightMessagesMax) return sent;
      if (pr.next <= this.log.snapshotIndex) {
        pr.state = 'snapshot';
        pr.inflight = [];
        pr.snapshotIndex = 0;
        pr.snapshotSentMs = NEVER_MS;
        this.sendSnapshotChunk(peer, pr);
        return true;
      }
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.termAt(prevIndex);
      assert(prevTerm !== undefined, `no term for prevIndex ${prevIndex}`);
      const entries = this.log.slice(pr.next, this.log.lastIndex(), this.config.entriesPerAppendMax);
      if (entries.length === 0 && !(allowEmpty && pr.state === 'probe')) return sent;
      this.send({
        type: 'append',
        from: this.id,
        to: peer,
        term: this.currentTerm,
        prevIndex,
        prevTerm,
        entries,
        commitIndex: this.commit,
      });
      sent = true;
      if (pr.state === 'probe') {
        pr.probeSentMs = this.nowMs;
        return sent;
      }
      const lastSent = (entries[entries.length - 1] as Entry).index;
      pr.next = lastSent + 1;
      pr.inflight.push({ lastIndex: lastSent, sentMs: this.nowMs });
    }
  }

  private sendSnapshotChunk(peer: NodeId, pr: Progress): void {
    const snap = this.snapshot;
    assert(snap !== undefined && snap.index === this.log.snapshotIndex, 'leader has no snapshot to send');
    if (pr.snapshotIndex !== snap.index) {
      pr.snapshotIndex = snap.index;
      pr.snapshotOffsetBytes = 0;
    }
    const offset = pr.snapshotOffsetBytes;
    const end = Math.min(snap.data.length, offset + this.config.snapshotChunkBytes);
    pr.snapshotSentMs = this.nowMs;
    this.send({
      type: 'snapshot-chunk',
      from: this.id,
      to: peer,
      term: this.currentTerm,
      snapshotIndex: snap.index,
      snapshotTerm: snap.term,
      snapshotTimestampMs: snap.timestampMs,
      offsetBytes: offset,
      totalBytes: snap.data.length,
      data: snap.data.subarray(offset, end),
    });
  }

  private handleSnapshotResponse(m: Extract<Message, { type: 'snapshot-response' }>): void {
    if (this.currentRole !== 'leader') return;
    const pr = this.progress.get(m.from) as Progress;
    pr.recentActive = true;
    if (pr.state !== 'snapshot') return;
    if (m.done) {
      if (m.snapshotIndex < pr.snapshotIndex) return;
      this.becomeProbe(pr, m.snapshotIndex + 1);
      this.sendAppend(m.from, true);
      return;
    }
    if (m.snapshotIndex !== pr.snapshotIndex) return;
    pr.snapshotOffsetBytes = m.nextOffsetBytes;
    pr.snapshotSentMs = NEVER_MS;
    this.sendAppend(m.from, false);
  }

  private handleAppendResponse(m: Extract<Message, { type: 'append-response' }>): void {
    if (this.currentRole !== 'leader') return;
    const pr = this.progress.get(m.from) as Progress;
    pr.recentActive = true;
    if (!m.success) {
      if (m.rejectedIndex === 0) return; // a bare heartbeat refusal carries no position
      if (pr.state !== 'snapshot' && m.rejectedIndex <= pr.match && m.hintIndex < pr.match) {
        // The follower lacks an entry it acknowledged: its disk lost it (a torn tail cut, its data
        // directory deleted for a rebuild). With the old match every probe would stay above its log
        // end forever. Lowering match only delays commits (never moves commit back; what was
        // committed is on a quorum without it); a stale reordered refusal costs one more probe.
        pr.match = m.hintIndex;
        this.becomeProbe(pr, m.hintIndex + 1);
        this.sendAppend(m.from, true);
        return;
      }
      const stale = pr.state === 'replicate' ? m.rejectedIndex <= pr.match : m.rejectedIndex !== pr.next - 1;
      if (pr.state === 'snapshot' || stale) return;
      const j = m.hintTerm > 0 ? this.log.findConflictByTerm(m.hintIndex, m.hintTerm) : m.hintIndex;
      this.becomeProbe(pr, Math.min(m.rejectedIndex, j + 1));
      this.sendAppend(m.from, true);
      return;
    }
    assert(m.matchIndex <= this.log.lastIndex(), `follower ${m.from} acked beyond our log`);
    pr.match = Math.max(pr.match, m.matchIndex);
    if (pr.state === 'probe') {
      pr.state = 'replicate';
      pr.inflight = [];
      pr.next = Math.max(pr.next, m.lastIndex + 1, pr.match + 1);
    } else if (pr.state === 'replicate') {
      pr.next = Math.max(pr.next, m.lastIndex + 1);
      while (pr.inflight.length > 0 && (pr.inflight[0] as { lastIndex: number }).lastIndex <= m.lastIndex) {
        pr.inflight.shift();
      }
    } else if (m.lastIndex >= pr.snapshotIndex && pr.snapshotIndex > 0) {
      this.becomeProbe(pr, m.lastIndex + 1);
    }
    this.maybeCommit();
    if (this.currentRole !== 'leader') return;
    if (Math.min(this.commit, pr.match) > pr.commitSent) this.sendHeartbeat(m.from, pr);
    if (this.transfer?.target === m.from && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
    this.sendAppend(m.from, false);
  }

  private sendTimeoutNow(target: NodeId): void {
    this.send({ type: 'timeout-now', from: this.id, to: target, term: this.currentTerm });
  }

  private maybeCommit(): void {
    const ownMatch = this.config.mutations?.ackBeforeDurable ? this.log.lastIndex() : this.stable;
    const matches = [ownMatch];
    for (const pr of this.progress.values()) matches.push(pr.match);
    matches.sort((a, b) => b - a);
    const candidate = matches[this.quorum - 1] as number;
    if (candidate <= this.commit) return;
    // Raft 5.4.2: count replicas only for entries of the current term.
    if (this.log.termAt(candidate) !== this.currentTerm && !this.config.mutations?.commitOldTermByCounting)
      return;
    this.commit = candidate;
    this.maybeEndRecovery();
    for (const peer of this.peers) this.sendHeartbeat(peer, this.progress.get(peer) as Progress);
  }

  /** Carries min(commit, match): entries up to there are known to be on the follower as in our log. */
  private sendHeartbeat(peer: NodeId, pr: Progress): void {
    const commitIndex = Math.min(this.commit, pr.match);
    pr.commitSent = Math.max(pr.commitSent, commitIndex);
    this.send({ type: 'heartbeat', from: this.id, to: peer, term: this.currentTerm, commitIndex });
  }

  // ---- Output ----

  private send(m: Message): void {
    const gated =
      m.type === 'append-response' ||
      m.type === 'snapshot-response' ||
      (m.type === 'vote-response' && !this.config.mutations?.voteBeforePersist);
    if (gated) {
      // Bounded: while storage is slow, newer acknowledgements supersede older ones.
      if (this.gated.length >= GATED_MESSAGES_MAX) this.gated.shift();
      this.gated.push(m);
      this.releaseGated();
    } else this.outbox.push(m);
  }

  /** Releases held responses whose term (and vote) storage has confirmed; drops those of older terms. */
  private releaseGated(): void {
    if (this.gated.length === 0) return;
    const hs = this.persistedHardState;
    const keep: Message[] = [];
    for (const m of this.gated) {
      if (m.term < hs.term) continue;
      if (m.term > hs.term) keep.push(m);
      else if (m.type === 'vote-response' && m.granted && hs.vote !== m.to) {
        if (hs.vote === 0) keep.push(m);
      } else this.outbox.push(m);
    }
    this.gated = keep;
  }
}

function proposalProblem(p: Proposal, payloadBytesMax: number): string | undefined {
  if (!ENTRY_TYPES.has(p.type)) return `unknown entry type ${String(p.type)}`;
  for (const [name, v] of [
    ['sessionId', p.sessionId],
    ['requestSeq', p.requestSeq],
    ['correlationId', p.correlationId],
    ['serviceIndex', p.serviceIndex],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) return `${name} must be a non-negative safe integer`;
  }
  if (!(p.payload instanceof Uint8Array)) return 'payload must be a Uint8Array';
  if (p.payload.length > payloadBytesMax)
    return `payload ${p.payload.length} bytes exceeds ${payloadBytesMax}`;
  return undefined;
}
