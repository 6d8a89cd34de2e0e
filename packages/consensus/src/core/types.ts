/**
 * Plain, flat data types of the replication core. The runtime encodes them with SBE (one message
 * template per `type`, entries as a repeated group); the core never sees bytes on the wire.
 */

export type NodeId = number;

/** What a log entry means to the service host. Session lifecycle and timers travel through the log. */
export type EntryType =
  | 'noop'
  | 'session-open'
  | 'session-message'
  | 'session-keepalive'
  | 'session-close'
  | 'session-timeout'
  | 'timer';

/**
 * One replicated log entry. Fields not used by an entry type are 0 / empty, so the layout is flat:
 * - session-open: correlationId = client's connect nonce, payload = principal (UTF-8).
 * - session-message: sessionId, requestSeq, payload.
 * - session-keepalive / session-close / session-timeout: sessionId.
 * - timer: serviceIndex, correlationId.
 */
export interface Entry {
  readonly term: number;
  readonly index: number;
  /** The leader's clock when it appended the entry; never below the previous entry's timestamp. */
  readonly timestampMs: number;
  readonly type: EntryType;
  readonly sessionId: number;
  readonly requestSeq: number;
  readonly correlationId: number;
  readonly serviceIndex: number;
  readonly payload: Uint8Array;
}

/** What a client (or the replica itself, for timers and timeouts) asks the leader to append. */
export type Proposal = Omit<Entry, 'term' | 'index' | 'timestampMs'>;

/** Term and vote: must be durable before any vote response or append acknowledgement leaves the node. */
export interface HardState {
  readonly term: number;
  /** 0 = voted for nobody in `term`. */
  readonly vote: NodeId;
  /**
   * True while this member is recovering: its data was lost (the operator restarted it on blank storage
   * marked so, e.g. `venue node --rejoin`) and it does not yet durably hold a committed entry of the
   * current leader's term. It may have acknowledged entries it no longer has, so it neither votes nor
   * campaigns meanwhile: a lost disk cannot help elect a leader that lacks acknowledged entries.
   * (Blank storage without the mark is a first start: it votes, as a new cluster must.)
   */
  readonly recovering?: boolean;
}

/** A snapshot of the applied state at `index` (service host bytes are opaque to the core). */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  /** Timestamp of the entry at `index`, so leader time stays monotonic after compaction. */
  readonly timestampMs: number;
  readonly data: Uint8Array;
}

export type Message =
  | {
      readonly type: 'pre-vote';
      readonly from: NodeId;
      readonly to: NodeId;
      /** The term the sender would campaign in (its term + 1); nobody adopts it. */
      readonly term: number;
      readonly lastIndex: number;
      readonly lastTerm: number;
    }
  | {
      readonly type: 'pre-vote-response';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly granted: boolean;
    }
  | {
      readonly type: 'vote';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly lastIndex: number;
      readonly lastTerm: number;
      /** Set by a leadership transfer: voters ignore their leader lease. */
      readonly transfer: boolean;
    }
  | {
      readonly type: 'vote-response';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly granted: boolean;
    }
  | {
      readonly type: 'append';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly prevIndex: number;
      readonly prevTerm: number;
      readonly entries: readonly Entry[];
      readonly commitIndex: number;
    }
  | {
      readonly type: 'append-response';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly success: boolean;
      /** Highest index durable on the sender AND known to match the leader's log. */
      readonly matchIndex: number;
      /** Highest index known to match the leader's log (maybe not durable yet). */
      readonly lastIndex: number;
      /** On rejection: the prevIndex that did not match, and a hint (index, term) to skip a whole term. */
      readonly rejectedIndex: number;
      readonly hintIndex: number;
      readonly hintTerm: number;
    }
  | {
      readonly type: 'heartbeat';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly commitIndex: number;
    }
  | {
      readonly type: 'snapshot-chunk';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly snapshotIndex: number;
      readonly snapshotTerm: number;
      readonly snapshotTimestampMs: number;
      readonly offsetBytes: number;
      readonly totalBytes: number;
      readonly data: Uint8Array;
    }
  | {
      readonly type: 'snapshot-response';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly snapshotIndex: number;
      /** Where the next chunk should start (resumable transfer); equals totalBytes once installed. */
      readonly nextOffsetBytes: number;
      readonly done: boolean;
    }
  | {
      readonly type: 'timeout-now';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
    };

export type MessageType = Message['type'];

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * Output batch of the core (etcd-io/raft's Ready). The driver must:
 * 1. persist `hardState` (any time), and `snapshot` (if any) before `entries` (truncating the stored
 *    log from `entries[0].index`); report completion with `hardStatePersisted` / `appendPersisted`
 *    (an installed snapshot is acknowledged as `appendPersisted(snapshot.index, snapshot.term)`);
 * 2. send `messages` (they are safe to send before step 1 completes: anything that needs durability,
 *    such as vote responses and append acknowledgements, is held inside the core until acknowledged);
 * 3. restore the service host from `snapshot` (if any) and apply `committedEntries` in order.
 */
export interface Ready {
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly commitIndex: number;
  readonly role: RaftRole;
  readonly term: number;
  readonly leaderId: NodeId;
}

/** Durable state a node restarts from (what storage recovered). */
export interface RestartState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | undefined;
  /** Entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | {
      readonly ok: false;
      readonly reason: 'not-leader' | 'transferring' | 'backpressure' | 'invalid';
      readonly leaderId: NodeId;
      readonly detail: string;
    };

/** Deliberately broken variants, for tests that prove the simulator catches them. Never set in production. */
export interface Mutations {
  /** Commit an old-term entry once a majority stores it (the Figure-8 bug). */
  readonly commitOldTermByCounting?: boolean;
  /** Send a vote response before term/vote are durable. */
  readonly voteBeforePersist?: boolean;
  /** Acknowledge appended entries before they are durable. */
  readonly ackBeforeDurable?: boolean;
  /** Grant votes without the log up-to-date check. */
  readonly skipLogUpToDateCheck?: boolean;
}
