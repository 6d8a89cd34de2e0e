/**
 * The clustered-service interface (Aeron's ClusteredService in TypeScript terms).
 *
 * Every replica calls these methods in the same order with the same arguments for each committed
 * log entry, so a deterministic service reaches the same state on every replica. Several services
 * run on one log in a fixed order per entry (the venue: matching first, then market data).
 *
 * Rules for implementers: no wall clock, no randomness, no I/O, no timers of your own; time is the
 * `timestampMs` handed in (the leader's clock, monotonic across leaders); ids derive from
 * `logPosition` and the service's own counters.
 */

/** Position of an entry in the replicated log: its 1-based index. */
export type LogPosition = number;

export type Role = 'follower' | 'candidate' | 'leader';

export type SessionCloseReason = 'client-close' | 'timeout' | 'service-action';

/** A client session as every replica knows it (opened through the log). */
export interface ClientSession {
  /** Deterministic id assigned from the log (never random). */
  readonly id: number;
  /** Who opened it, as authenticated by the client connection (e.g. a gateway name). */
  readonly principal: string;
}

/** What the cluster gives a service; calls are recorded deterministically on every replica. */
export interface ServiceContext {
  /**
   * Responds to the session whose message is being applied. Only the leader actually sends it, but
   * every replica records it as the session's last response (exactly-once answers on retry).
   */
  reply(sessionId: number, payload: Uint8Array): void;
  /** Schedules (or reschedules) a timer; it fires through the log once the leader's clock passes the deadline. */
  scheduleTimer(correlationId: number, deadlineMs: number): void;
  /** Cancels a timer; returns whether one was pending. */
  cancelTimer(correlationId: number): boolean;
  /**
   * The service version in force for the entry being applied, decided through the log (a control
   * entry activates a new version at its position on every replica): gate behaviour changes on it,
   * never on the build that happens to run. Always provided by the service host.
   */
  serviceVersion?(): number;
}

export interface SnapshotWriter {
  write(bytes: Uint8Array): void;
}

/**
 * An incremental snapshot in progress (optional `ClusteredService.beginSnapshot`): the service state
 * at the position where it began, written in steps between entries while the service keeps applying
 * entries. Its bytes must equal what `onTakeSnapshot` writes (in one `write`) at that position.
 */
export interface SnapshotCursor {
  /** Does about `budget` units of work (a unit is about one small record); true when complete. */
  step(budget: number): boolean;
  /**
   * The image, in order, less the pieces already handed out by `takeChunks`; only after `step`
   * returned true. Handed over: the runtime moves these buffers to another thread, so they must
   * not be kept, reused or shared with live state (nor share a buffer with a piece kept back).
   */
  chunks(): readonly Uint8Array[];
  /**
   * Optional: the pieces completed so far, in order, handed over now (same rules as `chunks`).
   * Lets the runtime move the image out while it is written, so the service thread never holds
   * it all (a large image held there costs long GC pauses in that thread).
   */
  takeChunks?(): Uint8Array[];
  /** Drops the snapshot (the host restarts or no longer wants it). */
  abort(): void;
}

export interface ClusteredService {
  /** Stable name; snapshots and hashes are keyed by it. */
  readonly name: string;
  /** Called once before any entry is applied; `snapshot` holds what `onTakeSnapshot` wrote, if recovering. */
  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void;
  onSessionOpen(session: ClientSession, timestampMs: number): void;
  onSessionMessage(
    session: ClientSession,
    timestampMs: number,
    logPosition: LogPosition,
    payload: Uint8Array,
  ): void;
  onTimerEvent(correlationId: number, timestampMs: number): void;
  onSessionClose(session: ClientSession, timestampMs: number, reason: SessionCloseReason): void;
  onTakeSnapshot(writer: SnapshotWriter): void;
  /** Optional: an incremental snapshot at this position (see SnapshotCursor); else `onTakeSnapshot`. */
  beginSnapshot?(): SnapshotCursor;
  onRoleChange(role: Role): void;
  /** A hash of the whole service state; equal on every replica at the same log position. */
  stateHash(): string;
  /** A control entry activated `version` at this position (every replica, same entry). */
  onServiceVersion?(version: number, timestampMs: number): void;
}
