import type { InstrumentCatalog } from '../app/instruments.js';
import { renderExecutionReport } from '../app/render.js';
import type { ExecutionReportEvent } from '../app/types.js';
import { decodeFix } from '../fix/codec.js';
import { COPY_MSG_INDICATOR } from '../fix/definitions.js';
import type { FixField } from '../fix/message.js';
import { MsgType, Tag } from '../fix/tags.js';
import type { SessionAcceptor } from '../session/acceptor.js';
import type { DropCopyCursorStore } from './cursors.js';
import { type DropCopyUser, isEntitled } from './entitlements.js';

/** CopyMsgIndicator(797): set to Y on every drop-copy ExecutionReport (from the FIX definitions). */
export const COPY_MSG_INDICATOR_TAG = COPY_MSG_INDICATOR;

export interface DropCopyPublisherOptions {
  readonly acceptor: SessionAcceptor;
  readonly catalog: InstrumentCatalog;
  readonly users: ReadonlyArray<DropCopyUser>;
  readonly cursors: DropCopyCursorStore;
  /**
   * Feed position of a copy's ExecID(17), used to repair a cursor from the session journal after a
   * crash between journaling a copy and moving its cursor. Default: the ExecID read as an integer
   * (the venue's ExecIDs are the matching engine's report counter, which is the feed position).
   */
  readonly positionOfExecId?: (execId: string) => number | undefined;
  readonly log?: (text: string) => void;
}

const defaultPositionOf = (execId: string): number | undefined => {
  if (!/^\d{1,15}$/.test(execId)) return undefined;
  return Number(execId);
};

/**
 * Fans a log-ordered stream of ExecutionReports out to the drop-copy logins entitled to each
 * report's account. Each copy is a normal application message of the login's FIX session: it gets
 * the next MsgSeqNum and is journaled (online or not), so a drop-copy client recovers everything by
 * sequence number (Logon shows the gap, ResendRequest replays it with PossDupFlag=Y and
 * OrigSendingTime). Copies carry CopyMsgIndicator(797)=Y. A position at or below a login's cursor is
 * ignored, so a feed that restarts from an older position (gateway restart, member change) never
 * duplicates a copy.
 */
export class DropCopyPublisher {
  readonly stats = { published: 0, copies: 0, duplicatesSkipped: 0, renderErrors: 0, repaired: 0 };
  private readonly acceptor: SessionAcceptor;
  private readonly catalog: InstrumentCatalog;
  private readonly users: ReadonlyArray<DropCopyUser>;
  private readonly cursors: DropCopyCursorStore;
  private readonly log: (text: string) => void;

  constructor(options: DropCopyPublisherOptions) {
    this.acceptor = options.acceptor;
    this.catalog = options.catalog;
    this.cursors = options.cursors;
    this.log = options.log ?? (() => {});
    const names = new Set<string>();
    for (const u of options.users) {
      if (names.has(u.username)) throw new Error(`drop copy: duplicate login ${u.username}`);
      names.add(u.username);
    }
    this.users = [...options.users];
    const positionOf = options.positionOfExecId ?? defaultPositionOf;
    for (const u of this.users) {
      const fromJournal = this.lastJournaledPosition(u.username, positionOf);
      if (fromJournal !== undefined && fromJournal > this.cursors.get(u.username)) {
        // The copy reached the journal but its cursor did not (crash between the two writes).
        this.log(`drop copy ${u.username}: cursor repaired from the journal to ${fromJournal}`);
        this.stats.repaired++;
        this.cursors.set(u.username, fromJournal);
      }
    }
  }

  /** The feed position after which the source must resume: the lowest cursor of all logins. */
  resumeAfter(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const u of this.users) min = Math.min(min, this.cursors.get(u.username));
    return this.users.length === 0 ? 0 : min;
  }

  cursorOf(username: string): number {
    return this.cursors.get(username);
  }

  /**
   * One report at feed `position` (log order: positions increase). Copies go to every entitled
   * login whose cursor is below `position`; every login's cursor then moves to `position`.
   */
  publish(position: number, event: ExecutionReportEvent): void {
    if (!(Number.isSafeInteger(position) && position >= 1))
      throw new Error(`bad drop-copy position ${position}`);
    this.stats.published++;
    let body: FixField[] | undefined;
    for (const u of this.users) {
      if (position <= this.cursors.get(u.username)) {
        this.stats.duplicatesSkipped++;
        continue;
      }
      if (isEntitled(u, event.account)) {
        if (body === undefined) {
          try {
            body = [
              ...renderExecutionReport(event, this.catalog, this.acceptor.clock.nowMs()),
              { tag: COPY_MSG_INDICATOR_TAG, value: 'Y' },
            ];
          } catch (e) {
            // The trading session could not get this report either (same renderer): skip it.
            this.stats.renderErrors++;
            this.log(`drop copy: cannot render ${event.execId}: ${(e as Error).message}`);
            body = [];
          }
        }
        if (body.length > 0) {
          this.acceptor.sendToSession(u.username, MsgType.ExecutionReport, body);
          this.stats.copies++;
        }
      }
      this.cursors.set(u.username, position);
    }
  }

  /** Durability point: the journals first, then the cursors (a cursor never runs ahead of its copy). */
  flush(): void {
    this.acceptor.stores.syncAll();
    this.cursors.sync();
  }

  private flushing = false;
  private flushAgain = false;

  /**
   * The same durability point without blocking the event loop (group commit): the cursors as of
   * this call are written once the journal round that covers their copies is durable (copies
   * published later are covered by a later round). One flush at a time; calls meanwhile are merged
   * into one more. Falls back to `flush()` when the stores or cursors have no asynchronous sync.
   */
  flushAsync(): void {
    const stores = this.acceptor.stores;
    const cursors = this.cursors;
    if (stores.syncAllAsync === undefined || cursors.syncPositionsAsync === undefined) {
      this.flush();
      return;
    }
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    // Every copy these positions cover is in a journal already (publish appends before it moves them).
    const positions = new Map(this.users.map((u) => [u.username, cursors.get(u.username)] as const));
    const next = () => {
      this.flushing = false;
      if (this.flushAgain) {
        this.flushAgain = false;
        this.flushAsync();
      }
    };
    stores.syncAllAsync((err) => {
      if (err !== undefined) {
        this.log(`drop copy: journal sync failed, cursors not moved: ${err.message}`);
        next();
        return;
      }
      cursors.syncPositionsAsync?.(positions, (e) => {
        if (e !== undefined) this.log(`drop copy: cursor sync failed: ${e.message}`);
        next();
      });
    });
  }

  close(): void {
    this.flush();
    this.cursors.close();
  }

  /** Feed position of the newest copy in a login's journal (undefined if none is retained). */
  private lastJournaledPosition(
    username: string,
    positionOf: (execId: string) => number | undefined,
  ): number | undefined {
    const store = this.acceptor.stores.open(this.acceptor.sessionKeyOf(username));
    const records = store.range(store.oldestRetainedSeq, store.nextSenderSeq - 1);
    for (let i = records.length - 1; i >= 0; i--) {
      const decoded = decodeFix(records[i]!.wire);
      if (decoded.kind !== 'ok') continue;
      const m = decoded.msg;
      if (m.msgType !== MsgType.ExecutionReport || m.get(COPY_MSG_INDICATOR_TAG) !== 'Y') continue;
      return positionOf(m.get(Tag.ExecID) ?? '');
    }
    return undefined;
  }
}
