/** One stored outbound message: its MsgSeqNum and canonical (SOH) wire text. */
export interface OutboundRecord {
  readonly seq: number;
  readonly wire: string;
}

/**
 * Per-session FIX state that must survive a gateway restart: the next sequence numbers in both
 * directions and a bounded journal of sent messages (for ResendRequest). A message is appended
 * (and, by fsync policy, made durable) before it is written to the wire.
 */
export interface SessionStore {
  /** MsgSeqNum of the next message we send. */
  readonly nextSenderSeq: number;
  /** MsgSeqNum we expect next from the counterparty. */
  readonly nextTargetSeq: number;
  /** Oldest seq still in the journal (messages below it are gap-filled on a resend). */
  readonly oldestRetainedSeq: number;
  setNextTargetSeq(seq: number): void;
  /** Journals a sent message; `seq` must equal `nextSenderSeq`, which then advances. */
  append(seq: number, wire: string): void;
  /** Retained records with begin <= seq <= end, ascending. */
  range(begin: number, end: number): OutboundRecord[];
  /** ResetSeqNumFlag: both sequence numbers back to 1, journal emptied. */
  reset(): void;
  /** Makes everything written so far durable (no-op unless the fsync policy is 'batch'). */
  sync(): void;
  close(): void;
}

export interface SessionStoreFactory {
  /** Opens (or returns the already open) store for a session key such as `VENUE-CLIENT1`. */
  open(sessionKey: string): SessionStore;
  /** Makes every store durable (used with the 'batch' fsync policy before writing to sockets). */
  syncAll(): void;
  /**
   * Group commit: calls `done` once everything written before this call is durable, without
   * blocking the event loop (the fsyncs run off the main thread; calls made while one round is in
   * flight share the next round). `done` gets an error when a sync failed. Optional: a factory
   * without it is synced with `syncAll()`.
   */
  syncAllAsync?(done: (err?: Error) => void): void;
  closeAll(): void;
}

/** Default bound on journaled outbound messages per session. */
export const JOURNAL_MESSAGES_MAX_DEFAULT = 10_000;

export class MemorySessionStore implements SessionStore {
  nextSenderSeq = 1;
  nextTargetSeq = 1;
  private journal: OutboundRecord[] = [];

  constructor(private readonly journalMessagesMax = JOURNAL_MESSAGES_MAX_DEFAULT) {
    if (!(journalMessagesMax >= 1)) throw new Error('journalMessagesMax must be >= 1');
  }

  get oldestRetainedSeq(): number {
    return this.journal[0]?.seq ?? this.nextSenderSeq;
  }

  setNextTargetSeq(seq: number): void {
    if (!(Number.isSafeInteger(seq) && seq >= 1)) throw new Error(`bad target seq ${seq}`);
    this.nextTargetSeq = seq;
  }

  append(seq: number, wire: string): void {
    if (seq !== this.nextSenderSeq) throw new Error(`append seq ${seq} != next ${this.nextSenderSeq}`);
    this.journal.push({ seq, wire });
    if (this.journal.length > this.journalMessagesMax * 2) {
      this.journal = this.journal.slice(this.journal.length - this.journalMessagesMax);
    }
    this.nextSenderSeq = seq + 1;
  }

  range(begin: number, end: number): OutboundRecord[] {
    return rangeOf(this.journal, begin, end, this.journalMessagesMax);
  }

  reset(): void {
    this.nextSenderSeq = 1;
    this.nextTargetSeq = 1;
    this.journal = [];
  }

  sync(): void {}
  close(): void {}
}

/** Records within [begin, end] among the newest `max` (journal is ascending and contiguous). */
export function rangeOf(
  journal: ReadonlyArray<OutboundRecord>,
  begin: number,
  end: number,
  max: number,
): OutboundRecord[] {
  const first = journal[0];
  if (first === undefined || end < begin) return [];
  const retainedFrom = Math.max(0, journal.length - max);
  const lo = Math.max(retainedFrom, begin - first.seq);
  const hi = Math.min(journal.length - 1, end - first.seq);
  const out: OutboundRecord[] = [];
  for (let i = lo; i <= hi; i++) out.push(journal[i]!);
  return out;
}

/** In-memory stores keyed by session; survives a "restart" of sessions sharing the factory (tests). */
export class MemorySessionStoreFactory implements SessionStoreFactory {
  private readonly stores = new Map<string, MemorySessionStore>();
  constructor(private readonly journalMessagesMax = JOURNAL_MESSAGES_MAX_DEFAULT) {}
  open(sessionKey: string): SessionStore {
    let s = this.stores.get(sessionKey);
    if (s === undefined) {
      s = new MemorySessionStore(this.journalMessagesMax);
      this.stores.set(sessionKey, s);
    }
    return s;
  }
  syncAll(): void {}
  syncAllAsync(done: (err?: Error) => void): void {
    queueMicrotask(() => done());
  }
  closeAll(): void {}
}
