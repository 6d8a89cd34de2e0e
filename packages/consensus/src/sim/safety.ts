import type { RaftNode } from '../core/node.js';
import type { Entry, NodeId } from '../core/types.js';
import type { ServiceHost } from '../service-host/host.js';

/** Counters the checker keeps (the simulator reports them). */
export interface SafetyCounters {
  elections: number;
  timerFires: number;
  sessionTimeouts: number;
  oldTermCommits: number;
  maxCommitIndex: number;
}

/**
 * Raft's safety properties, checked incrementally as nodes produce output. In one process entries
 * are shared objects, so identity means "the same entry". A violation calls `fail` (which throws).
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> the one entry with that name and the term of its predecessor. */
  private readonly created = new Map<number, Map<number, { entry: Entry; prevTerm: number | undefined }>>();
  private readonly committed = new Map<number, Entry>();
  private readonly hashAt = new Map<number, string>();
  private maxCommitted = 0;

  constructor(
    private readonly fail: (message: string) => never,
    private readonly log: (line: string) => void,
    private readonly counters: SafetyCounters,
  ) {}

  /** After a node's Ready: the entries it appended and its commit index (previously `checkedCommit`). */
  onReady(
    id: NodeId,
    x: RaftNode,
    entries: readonly Entry[],
    commitIndex: number,
    checkedCommit: number,
  ): void {
    this.checkLogMatching(id, x, entries);
    // Committed entries never change, and commit indexes never go back.
    for (let i = checkedCommit + 1; i <= commitIndex; i++) {
      const e = x.entryAt(i);
      if (!e) continue;
      const c = this.committed.get(i);
      if (c === undefined) {
        this.committed.set(i, e);
        if (e.type === 'timer') this.counters.timerFires++;
        if (e.type === 'session-timeout') this.counters.sessionTimeouts++;
      } else if (c !== e) {
        this.fail(`committed entry ${i} differs on n${id} (t${e.term} vs t${c.term})`);
      }
    }
    if (x.role === 'leader' && commitIndex > checkedCommit && x.termAt(commitIndex) !== x.term) {
      this.counters.oldTermCommits++;
      this.log(`n${id} commit ${commitIndex} lands on an entry of an older term`);
    }
    if (commitIndex < checkedCommit)
      this.fail(`n${id} commit index went back ${checkedCommit} -> ${commitIndex}`);
    this.maxCommitted = Math.max(this.maxCommitted, commitIndex);
    this.counters.maxCommitIndex = this.maxCommitted;
  }

  /** Log matching: each (index, term) names one entry, created once with one predecessor term. */
  private checkLogMatching(id: NodeId, x: RaftNode, entries: readonly Entry[]): void {
    for (const e of entries) {
      const prevTerm = x.termAt(e.index - 1);
      let byTerm = this.created.get(e.index);
      if (!byTerm) {
        byTerm = new Map();
        this.created.set(e.index, byTerm);
      }
      const known = byTerm.get(e.term);
      if (!known) {
        byTerm.set(e.term, { entry: e, prevTerm });
        continue;
      }
      if (known.entry !== e)
        this.fail(`log matching: two different entries at index ${e.index} term ${e.term}`);
      if (prevTerm !== undefined && known.prevTerm !== undefined && prevTerm !== known.prevTerm) {
        this.fail(
          `log matching: n${id} has entry ${e.index}/t${e.term} after term ${prevTerm}, created after ${known.prevTerm}`,
        );
      }
    }
  }

  /** At most one leader per term; leader completeness (it holds every entry committed so far). */
  onNewLeader(id: NodeId, x: RaftNode): void {
    this.counters.elections++;
    const other = this.leaderOfTerm.get(x.term);
    if (other !== undefined && other !== id) this.fail(`two leaders in term ${x.term}: n${other} and n${id}`);
    this.leaderOfTerm.set(x.term, id);
    for (let i = x.snapshotIndex + 1; i <= this.maxCommitted; i++) {
      const c = this.committed.get(i);
      if (c && x.entryAt(i) !== c) {
        this.fail(`leader completeness: n${id} leads term ${x.term} without committed entry ${i}`);
      }
    }
  }

  /** State machine safety, and equal state hashes at equal positions (at the end of each batch). */
  onApplied(id: NodeId, host: ServiceHost, entries: readonly Entry[]): void {
    for (const e of entries) {
      const c = this.committed.get(e.index);
      if (c !== undefined && c !== e)
        this.fail(`state machine safety: n${id} applied a different entry at ${e.index}`);
      if (c === undefined) this.committed.set(e.index, e);
    }
    if (entries.length === 0) return;
    const at = host.appliedIndex;
    const hash = host.stateHash();
    const seen = this.hashAt.get(at);
    if (seen === undefined) this.hashAt.set(at, hash);
    else if (seen !== hash) this.fail(`state hash differs at ${at} on n${id}: ${hash} vs ${seen}`);
  }
}
