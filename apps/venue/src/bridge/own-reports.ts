/**
 * Own reports: a trading session's asynchronous ExecutionReports from the log-ordered execution
 * feed, so that none is lost when the gateway restarts or its cluster session changes.
 *
 * The matching service sends an order's unsolicited reports (fills of a resting order, cancels by
 * expiry ...) to the cluster session that placed it (answers to a cancel, replace or status go to
 * the session that asked: matching's reply routing). A gateway that restarts opens a new cluster
 * session, so unsolicited reports about orders placed before the restart never reach it that way,
 * nor do reports sent while the cluster client was between leaders. The execution feed (cluster/execution-feed.ts) has
 * every report in log order by position = ExecID (matching's report counter, equal on every
 * replica). This gateway follows it and delivers each order event of an account whose login is
 * "owned" here (it has logged on to this gateway at least once) to that login's FIX session,
 * exactly once:
 *
 * - Direct replies stay (lowest latency, and they carry what the feed does not: OrderStatus
 *   answers, cancel/replace rejects, mass-cancel reports). A report is delivered by whichever path
 *   brings it first; the other path skips it (`delivered` holds the ExecIDs above the feed position
 *   already sent directly).
 * - Delivery goes through `GatewayEvents.emit`: sent when the session is logged on, else journaled
 *   with the next MsgSeqNum (the client sees the gap on its next Logon and gets it by ResendRequest,
 *   as for any message it missed: the standard FIX recovery, and what an engine with a persistent
 *   store expects). A Logon with ResetSeqNumFlag=Y empties the journal: reports journaled while the
 *   login was away (never sent) are then sent again as new messages, same ExecID.
 * - The position is kept in `<dir>/position` (written after the session journals are synced, so it
 *   never runs ahead of a delivery); logins in `<dir>/logins`. After a crash the journals are the
 *   truth: every ExecutionReport journaled for an owned login with an ExecID above the stored
 *   position counts as delivered, so a restart neither repeats nor loses a report.
 * - While the feed catches up after a start (up to the member's head at the first connection, at
 *   most `catchUpMsMax`), direct replies of feed events are held back: the feed delivers them in log
 *   order, so a client never sees a later report of an order before an earlier one.
 *
 * With several gateways, a login is owned by each gateway it has logged on to; each keeps that
 * session's reports complete in its own FIX store.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  write,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  decodeFix,
  type GatewayEvents,
  MsgType,
  type SessionAcceptor,
  type SessionContext,
  Tag,
} from '@venue/gateway';
import type { ExecutionReportMessage } from '@venue/matching';
import type { AccountConfig, InstrumentConfig } from '../config/config.js';
import { dropCopyEventOf, type ExecutionSink, isOrderEvent } from './drop-copy.js';

/** Direct-path filter used by the bridge (MatchingOrderEntry). */
export interface DirectReportFilter {
  /**
   * A direct reply for `username`: `emit` is called now, later (held while the feed catches up,
   * then emitted unless the feed brought it), or never (the feed delivered it already).
   */
  deliverDirect(username: string, m: ExecutionReportMessage, emit: () => void): void;
  onLogon(ctx: Omit<SessionContext, 'msgSeqNum'>): void;
  /**
   * A new order, cancel or replace of `login` (by its ClOrdID) whose fate is unknown (its cluster
   * session ended with it in flight):
   * `settle` is called once: 'applied' (the feed carried a report of it: those reach the session),
   * 'notApplied' (the feed passed a report produced after the session ended without one), or
   * 'unknown' (undecided within `outcomeWaitMs`).
   */
  awaitOutcome(
    login: string,
    clOrdId: string,
    sinceExecId: number,
    settle: (outcome: OrderOutcome) => void,
  ): void;
  /** ExecID of the last report the feed handled (the order's reports, if any, come after it). */
  readonly position: number;
  /** ExecID of a report in a reply on the (current) cluster session: a marker after every earlier session. */
  noteReply(execId: number): void;
}

export type OrderOutcome = 'applied' | 'notApplied' | 'unknown';

/** Longest wait for the fate of an order whose session ended with it in flight. */
const OUTCOME_WAIT_MS = 10_000;
const OUTCOMES_MAX = 10_000;
const RECENT_MAX = 100_000;

const POSITION_FILE_BYTES = 24;
/** Bound on reports remembered per login as journaled while it was away (see resendUnsentAfterReset). */
const UNSENT_MAX = 10_000;
/** Bound on direct replies held back while the feed catches up after a start. */
const HELD_MAX = 100_000;
/** Bound on ExecIDs remembered as sent directly ahead of the feed, per login. */
const DELIVERED_MAX = 1_000_000;
const COPY_MSG_INDICATOR = 797;

export interface OwnReportsOptions {
  readonly acceptor: SessionAcceptor;
  readonly events: GatewayEvents;
  /** Where the position and the owned logins are kept (next to the FIX session store). */
  readonly dir: string;
  readonly instruments: readonly InstrumentConfig[];
  readonly accounts: readonly AccountConfig[];
  readonly log: (line: string) => void;
  /** Longest time direct replies are held back while the feed catches up after a start (default 5 s). */
  readonly catchUpMsMax?: number;
  /** How often the position is made durable (default 200 ms). */
  readonly syncIntervalMs?: number;
  /** Longest wait for the fate of an order whose session ended with it in flight (default 10 s). */
  readonly outcomeWaitMs?: number;
}

export class OwnReports implements ExecutionSink, DirectReportFilter {
  /** ExecID of the last report handled by the feed (-1: first start, the feed's head is taken). */
  position: number;
  readonly stats = {
    /** Reports delivered by the feed (the direct path had not brought them). */
    feedDelivered: 0,
    /** Feed reports skipped because the direct path had delivered them. */
    feedSkipped: 0,
    /** Direct replies skipped because the feed had delivered them (or will: catching up). */
    directSkipped: 0,
    /** Reports found in a journal at start above the stored position (delivered before a crash). */
    repaired: 0,
    /** Reports journaled while a login was away, sent again after its Logon reset the sequence numbers. */
    resentAfterReset: 0,
  };
  private readonly owned = new Map<string, { readonly from: number; readonly delivered: Set<number> }>();
  private readonly instrumentsById = new Map<number, InstrumentConfig>();
  private readonly loginsByAccountId = new Map<number, string>();
  private readonly positionFd: number;
  private readonly loginsPath: string;
  private persisted: number;
  private catchUpTarget: number | undefined;
  private live = false;
  private readonly startedMs = Date.now();
  private readonly catchUpMsMax: number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** An asynchronous position sync is running (its fd must stay open: see close). */
  private syncing = false;
  /** Bumped by each blocking sync: an asynchronous one that overlapped it may have written an older position. */
  private blockingSyncs = 0;
  private warnedDelivered = false;
  /** Newest ExecID per (owned login, ClOrdID) the feed carried (bounded): see awaitOutcome. */
  private readonly recent = new Map<string, number>();
  /** New orders of unknown fate (see awaitOutcome), oldest first. */
  private outcomes: Array<{
    readonly login: string;
    readonly clOrdId: string;
    marker: number | undefined;
    readonly deadlineMs: number;
    readonly settle: (outcome: OrderOutcome) => void;
  }> = [];
  /** Reports journaled (not sent) for a login that was not logged on, with their MsgSeqNum. */
  private readonly unsent = new Map<string, Array<{ seq: number; execId: number; emit: () => void }>>();
  /** Direct replies held while catching up, by ExecID (emitted on going live unless the feed had them). */
  private readonly held = new Map<number, { readonly login: string; readonly emit: () => void }>();

  constructor(private readonly opts: OwnReportsOptions) {
    for (const i of opts.instruments) this.instrumentsById.set(i.instrumentId, i);
    for (const a of opts.accounts)
      if (a.role !== 'dropcopy') this.loginsByAccountId.set(a.accountId, a.login);
    this.catchUpMsMax = opts.catchUpMsMax ?? 5_000;
    mkdirSync(opts.dir, { recursive: true });
    const positionPath = join(opts.dir, 'position');
    const exists = existsSync(positionPath);
    this.positionFd = openSync(positionPath, exists ? 'r+' : 'w+');
    const m = exists ? /^(\d+)\n/.exec(readFileSync(positionPath, 'latin1')) : null;
    this.position = m === null ? -1 : Number(m[1]);
    this.persisted = this.position;
    this.loginsPath = join(opts.dir, 'logins');
    const logins = existsSync(this.loginsPath)
      ? readFileSync(this.loginsPath, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
    for (const login of logins) {
      if (this.owned.has(login)) continue;
      // Owned before this start: the feed has handled every report up to the position for it.
      this.owned.set(login, { from: 0, delivered: new Set() });
      this.repairFromJournal(login);
    }
    // Sessions that logged on before this object existed (the listener opens first).
    for (const a of opts.accounts) {
      if (opts.acceptor.session(opts.acceptor.sessionKeyOf(a.login)) !== undefined) this.own(a.login);
    }
    const interval = opts.syncIntervalMs ?? 200;
    this.timer = setInterval(() => {
      try {
        this.isLive(); // the catch-up time may have run out
        this.settleOutcomes();
        this.syncAsync();
      } catch (e) {
        opts.log(`own reports: cannot store the position: ${(e as Error).message}`);
      }
    }, interval);
    this.timer.unref();
  }

  /** Logins whose reports this gateway delivers. */
  ownedLogins(): string[] {
    return [...this.owned.keys()];
  }

  /** True once the feed has caught up after the start (or the catch-up time ran out). */
  isLive(): boolean {
    if (!this.live && Date.now() - this.startedMs >= this.catchUpMsMax) {
      this.opts.log(
        `own reports: not caught up with the feed within ${this.catchUpMsMax} ms (at ${this.position}); direct replies resume`,
      );
      this.goLive();
    }
    return this.live;
  }

  onHello(last: number): 'reconnect' | undefined {
    if (this.position < 0) {
      // First start: reports before now were delivered by whatever ran before (or nobody owned them).
      this.position = last;
      this.catchUpTarget = last;
      for (const [login, o] of this.owned) this.owned.set(login, { from: last, delivered: o.delivered });
      this.opts.log(`own reports: first start, following the feed from ExecID ${last}`);
      this.goLive();
      return 'reconnect';
    }
    if (this.catchUpTarget === undefined) {
      this.catchUpTarget = last;
      if (this.position >= last) this.goLive();
    }
    return undefined;
  }

  deliver(records: readonly ExecutionReportMessage[]): boolean {
    let ok = true;
    for (const r of records) {
      if (r.execId <= this.position) continue;
      if (r.execId !== this.position + 1) {
        ok = false;
        break;
      }
      const login = this.loginsByAccountId.get(r.accountId);
      const own = login === undefined ? undefined : this.owned.get(login);
      if (login !== undefined && own !== undefined) {
        if (own.delivered.delete(r.execId)) this.stats.feedSkipped++;
        else {
          const ev = dropCopyEventOf(r, this.instrumentsById, this.loginsByAccountId);
          if (ev !== undefined) {
            // A throw (a store that cannot be written) leaves the position before this report.
            this.emitTracked(login, r.execId, () => this.opts.events.emit(login, ev));
            this.stats.feedDelivered++;
          }
        }
        this.held.delete(r.execId); // held back while catching up: the feed delivered it in order
        if (isOrderEvent(r)) {
          const key = `${login}\u0000${r.clOrdId}`;
          this.recent.delete(key); // re-inserted last: the oldest entry is the first
          this.recent.set(key, r.execId);
          if (this.recent.size > RECENT_MAX) {
            const oldest = this.recent.keys().next().value;
            if (oldest !== undefined) this.recent.delete(oldest);
          }
          if (this.outcomes.length > 0) this.settleApplied(login, r.clOrdId);
        }
      }
      this.position = r.execId;
    }
    if (this.outcomes.length > 0) this.settleOutcomes();
    if (!this.live && this.catchUpTarget !== undefined && this.position >= this.catchUpTarget) this.goLive();
    return ok;
  }

  deliverDirect(username: string, m: ExecutionReportMessage, emit: () => void): void {
    if (this.admitDirect(username, m, emit)) this.emitTracked(username, m.execId, emit);
  }

  private admitDirect(username: string, m: ExecutionReportMessage, emit: () => void): boolean {
    if (!isOrderEvent(m)) return true; // the feed does not carry it
    if (this.loginsByAccountId.get(m.accountId) !== username) return true; // not the owner: feed never sends it there
    const own = this.owned.get(username);
    if (own === undefined) {
      // Not owned yet (no logon here; e.g. an order an admin entered for it): deliver and own from now.
      this.own(username);
      const o = this.owned.get(username);
      if (o !== undefined && m.execId > this.position) this.remember(o.delivered, m.execId);
      return true;
    }
    if (m.execId <= own.from) return true; // before ownership: the feed never delivered it here
    if (m.execId <= this.position || own.delivered.has(m.execId)) {
      this.stats.directSkipped++;
      return false;
    }
    if (!this.isLive()) {
      // Catching up: the feed brings it in log order; held in case the feed does not come in time.
      if (this.held.size < HELD_MAX) this.held.set(m.execId, { login: username, emit });
      else
        this.opts.log(
          `own reports: more than ${HELD_MAX} replies held while catching up; ExecID ${m.execId} left to the feed`,
        );
      return false;
    }
    this.remember(own.delivered, m.execId);
    return true;
  }

  awaitOutcome(
    login: string,
    clOrdId: string,
    sinceExecId: number,
    settle: (outcome: OrderOutcome) => void,
  ): void {
    if (!this.owned.has(login)) {
      settle('unknown'); // the feed does not follow this login here
      return;
    }
    // The feed may have carried its report before the channel reported the failure.
    if ((this.recent.get(`${login}\u0000${clOrdId}`) ?? 0) > sinceExecId) {
      settle('applied');
      return;
    }
    if (this.outcomes.length >= OUTCOMES_MAX) this.outcomes.shift()?.settle('unknown');
    this.outcomes.push({
      login,
      clOrdId,
      marker: undefined,
      deadlineMs: Date.now() + (this.opts.outcomeWaitMs ?? OUTCOME_WAIT_MS),
      settle,
    });
  }

  noteReply(execId: number): void {
    for (const o of this.outcomes) if (o.marker === undefined) o.marker = execId;
  }

  private settleApplied(login: string, clOrdId: string): void {
    const i = this.outcomes.findIndex((o) => o.login === login && o.clOrdId === clOrdId);
    if (i < 0) return;
    const [o] = this.outcomes.splice(i, 1);
    o?.settle('applied');
  }

  /** Decides the orders whose marker the feed has passed, and those waiting too long. */
  private settleOutcomes(): void {
    const now = Date.now();
    const done = this.outcomes.filter(
      (o) => (o.marker !== undefined && this.position >= o.marker) || now >= o.deadlineMs,
    );
    if (done.length === 0) return;
    this.outcomes = this.outcomes.filter((o) => !done.includes(o));
    for (const o of done) {
      const decided = o.marker !== undefined && this.position >= o.marker;
      try {
        o.settle(decided ? 'notApplied' : 'unknown');
      } catch (e) {
        this.opts.log(`own reports: settling ${o.clOrdId}: ${(e as Error).message}`);
      }
    }
  }

  onLogon(ctx: Omit<SessionContext, 'msgSeqNum'>): void {
    this.own(ctx.username);
    this.resendUnsentAfterReset(ctx.username);
    // A Logon with ResetSeqNumFlag=Y empties the journal: what it held must be covered by the position.
    try {
      this.sync();
    } catch (e) {
      this.opts.log(`own reports: cannot store the position: ${(e as Error).message}`);
    }
  }

  /**
   * Makes the position durable, after the session journals (never ahead of a delivery). Blocking:
   * used on Logon (a reset empties the journal that covers the position) and on close; the
   * periodic sync is `syncAsync`.
   */
  sync(): void {
    if (this.closed || this.position === this.persisted || this.position < 0) return;
    const p = this.position;
    this.opts.acceptor.stores.syncAll();
    writeSync(this.positionFd, `${p}\n`.padEnd(POSITION_FILE_BYTES, ' '), 0, 'latin1');
    fsyncSync(this.positionFd);
    this.blockingSyncs++;
    this.markPersisted(p);
  }

  /**
   * The periodic sync, off the event loop: the session journals' group commit first, then the
   * position written and fdatasync'ed on libuv's thread pool. One at a time. An older position on
   * disk is always safe (a restart repairs from the journals above it); a newer one never is, which
   * is why the journals go first.
   */
  private syncAsync(): void {
    if (this.closed || this.syncing || this.position === this.persisted || this.position < 0) return;
    const p = this.position;
    const blockingBefore = this.blockingSyncs;
    this.syncing = true;
    const fd = this.positionFd;
    const end = (err: Error | null | undefined, written: boolean): void => {
      this.syncing = false;
      if (this.closed) {
        closeSync(fd); // close() left it open for this sync
        return;
      }
      if (err) {
        this.opts.log(`own reports: cannot store the position: ${err.message}`);
        return;
      }
      if (!written) return;
      // A blocking sync meanwhile may have been overtaken by this older write: write again next time.
      if (this.blockingSyncs !== blockingBefore) this.persisted = -1;
      else this.markPersisted(p);
    };
    const afterJournals = (err?: Error): void => {
      if (err !== undefined || this.closed || p <= this.persisted) {
        end(err, false);
        return;
      }
      const text = Buffer.from(`${p}\n`.padEnd(POSITION_FILE_BYTES, ' '), 'latin1');
      write(fd, text, 0, text.length, 0, (werr) => {
        if (werr) {
          end(werr, false);
          return;
        }
        fdatasync(fd, (serr) => end(serr, serr === null));
      });
    };
    const stores = this.opts.acceptor.stores;
    if (stores.syncAllAsync !== undefined) stores.syncAllAsync(afterJournals);
    else {
      let err: Error | undefined;
      try {
        stores.syncAll();
      } catch (e) {
        err = e as Error;
      }
      afterJournals(err);
    }
  }

  private markPersisted(p: number): void {
    if (p > this.persisted) this.persisted = p;
    for (const o of this.owned.values()) for (const id of o.delivered) if (id <= p) o.delivered.delete(id);
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    try {
      this.sync();
    } finally {
      this.closed = true;
      // An asynchronous sync in flight still uses the descriptor: it closes it when it ends (a
      // descriptor closed under it could be reused by another file and written to).
      if (!this.syncing) closeSync(this.positionFd);
    }
  }

  /** Prometheus text (no trailing newline). */
  metrics(): string {
    const series: Array<[string, 'gauge' | 'counter', string, number]> = [
      [
        'venue_own_reports_position',
        'gauge',
        'ExecID of the last report handled by the own-report feed',
        this.position,
      ],
      [
        'venue_own_reports_owned_logins',
        'gauge',
        'Logins whose reports this gateway delivers',
        this.owned.size,
      ],
      [
        'venue_own_reports_feed_delivered_total',
        'counter',
        'ExecutionReports delivered from the execution feed (the direct reply had not brought them)',
        this.stats.feedDelivered,
      ],
      [
        'venue_own_reports_feed_skipped_total',
        'counter',
        'Feed reports already delivered as direct replies',
        this.stats.feedSkipped,
      ],
      [
        'venue_own_reports_direct_skipped_total',
        'counter',
        'Direct replies left to the feed (already delivered by it, or catching up)',
        this.stats.directSkipped,
      ],
      [
        'venue_own_reports_resent_after_reset_total',
        'counter',
        'Reports journaled while a login was away, sent again after its Logon reset the sequence numbers',
        this.stats.resentAfterReset,
      ],
    ];
    return series.map(([n, t, h, v]) => `# HELP ${n} ${h}\n# TYPE ${n} ${t}\n${n} ${v}`).join('\n');
  }

  /**
   * Emits a report; when the login is not logged on (the report is journaled, not sent) it is
   * remembered with its MsgSeqNum, see resendUnsentAfterReset.
   */
  private emitTracked(login: string, execId: number, emit: () => void): void {
    const acceptor = this.opts.acceptor;
    const key = acceptor.sessionKeyOf(login);
    if (acceptor.session(key) !== undefined) {
      emit();
      return;
    }
    const seq = acceptor.stores.open(key).nextSenderSeq;
    emit();
    let list = this.unsent.get(login);
    if (list === undefined) {
      list = [];
      this.unsent.set(login, list);
    }
    if (list.length >= UNSENT_MAX) list.shift();
    list.push({ seq, execId, emit });
  }

  /**
   * After a Logon: reports journaled while the login was away are normally recovered by the client
   * through ResendRequest. Those no longer in the journal with their MsgSeqNum (the Logon carried
   * ResetSeqNumFlag=Y, or the journal bound dropped them) were never sent and can no longer be
   * resent: they are sent again now as new messages (same ExecID), so a client that resets its
   * sequence numbers still gets the fills made while it was away.
   */
  private resendUnsentAfterReset(login: string): void {
    const list = this.unsent.get(login);
    this.unsent.delete(login);
    if (list === undefined) return;
    const store = this.opts.acceptor.stores.open(this.opts.acceptor.sessionKeyOf(login));
    let again = 0;
    for (const u of list) {
      const rec = u.seq >= store.oldestRetainedSeq ? store.range(u.seq, u.seq)[0] : undefined;
      const d = rec === undefined ? undefined : decodeFix(rec.wire);
      if (d?.kind === 'ok' && d.msg.get(Tag.ExecID) === String(u.execId)) continue; // still resendable
      u.emit();
      again++;
    }
    this.stats.resentAfterReset += again;
    if (again > 0)
      this.opts.log(
        `own reports: ${login}: ${again} reports journaled while away sent again after a sequence reset`,
      );
  }

  private goLive(): void {
    if (this.live) return;
    this.live = true;
    this.opts.log(`own reports: live at ExecID ${this.position}`);
    // Held direct replies the feed has not brought: emitted now (in ExecID order), then remembered.
    const held = [...this.held.entries()].sort((a, b) => a[0] - b[0]);
    this.held.clear();
    for (const [execId, h] of held) {
      const own = this.owned.get(h.login);
      if (own === undefined || execId <= this.position || own.delivered.has(execId)) continue;
      this.remember(own.delivered, execId);
      try {
        this.emitTracked(h.login, execId, h.emit);
      } catch (e) {
        this.opts.log(`own reports: held reply ${execId} not delivered: ${(e as Error).message}`);
      }
    }
  }

  private remember(set: Set<number>, execId: number): void {
    if (set.size >= DELIVERED_MAX) {
      if (!this.warnedDelivered)
        this.opts.log(
          `own reports: more than ${DELIVERED_MAX} direct replies ahead of the feed; forgetting the oldest`,
        );
      this.warnedDelivered = true;
      // Insertion order is ExecID order (direct replies arrive in log order): the first is the oldest.
      const oldest = set.values().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
    set.add(execId);
  }

  private own(login: string): void {
    if (this.owned.has(login) || !/^[A-Za-z0-9_.-]{1,64}$/.test(login)) return;
    if (![...this.loginsByAccountId.values()].includes(login)) return; // ADMIN, drop copy, ...
    this.owned.set(login, { from: Math.max(0, this.position), delivered: new Set() });
    const fd = openSync(this.loginsPath, 'a');
    try {
      appendFileSync(fd, `${login}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.opts.log(`own reports: ${login} delivered from ExecID ${Math.max(0, this.position) + 1} on`);
  }

  /** ExecutionReports journaled above the stored position were delivered before a crash. */
  private repairFromJournal(login: string): void {
    const own = this.owned.get(login);
    if (own === undefined || this.position < 0) return;
    const store = this.opts.acceptor.stores.open(this.opts.acceptor.sessionKeyOf(login));
    for (const rec of store.range(store.oldestRetainedSeq, store.nextSenderSeq - 1)) {
      const d = decodeFix(rec.wire);
      if (d.kind !== 'ok' || d.msg.msgType !== MsgType.ExecutionReport) continue;
      if (d.msg.get(COPY_MSG_INDICATOR) === 'Y') continue;
      const id = d.msg.get(Tag.ExecID) ?? '';
      if (!/^\d{1,15}$/.test(id)) continue;
      const execId = Number(id);
      if (execId > this.position && !own.delivered.has(execId)) {
        own.delivered.add(execId);
        this.stats.repaired++;
      }
    }
    if (own.delivered.size > 0)
      this.opts.log(
        `own reports: ${login}: ${own.delivered.size} reports above ${this.position} already journaled`,
      );
  }
}
