import type {
  ClientSession,
  ClusteredService,
  LogPosition,
  Role,
  ServiceContext,
  SessionCloseReason,
  SnapshotCursor,
  SnapshotWriter,
} from '@venue/consensus';
import { type EngineConfig, MatchingEngine } from '../engine/engine.js';
import type { AdminEvent, EventSink, ExecutionEvent, MassCancelEvent, TradeEvent } from '../events/events.js';
import { genesisCommands } from '../genesis/genesis.js';
import { stateHash } from '../hash/hash.js';
import { IncrementalSnapshot } from '../snapshot/incremental.js';
import { readSnapshot, writeSnapshot } from '../snapshot/snapshot.js';
import { type Command, CommandType } from '../types/commands.js';
import { CommandKind, ExecType } from '../types/enums.js';
import { Reason } from '../types/reasons.js';
import {
  ACCOUNT_ORDERS_TEMPLATE_ID,
  appendAccountOrders,
  decodeAccountOrdersQuery,
} from './account-orders.js';
import {
  appendAdmin,
  appendExecution,
  appendMassCancel,
  appendReject,
  appendTrade,
  type CommandDecodeError,
  decodeCommand,
  ReplyBuffer,
} from './codec.js';

export interface MatchingServiceOptions {
  /** Apply the genesis instruments/accounts on a fresh start (no snapshot). Default true. */
  genesis?: boolean;
  /** Principals allowed to send admin commands; undefined = any principal (demo). */
  adminPrincipals?: readonly string[];
  engine?: Partial<EngineConfig>;
  /**
   * Service version (decided through the log, `ServiceContext.serviceVersion`) from which the
   * commands this build added are known: SetTradingSchedule (trading phases) and AccountOrdersQuery.
   * Below it they are answered exactly as a build without them answers them (an unknown template),
   * so a cluster in the middle of a rolling upgrade stays in agreement. Default 1: always known.
   */
  newCommandsFromVersion?: number;
}

const EXPIRY_TIMER_ID = 1;
/** Templates of the commands service version 2 introduced: AccountOrdersQuery (7), SetTradingSchedule (14). */
const VERSION_2_TEMPLATES: ReadonlySet<number> = new Set([7, 14]);

/**
 * The matching engine as a clustered service. Each log entry carries one SBE command (schema 2);
 * events are encoded as SBE and sent as one reply per affected session (the requester's first).
 *
 * Reply routing (which session gets an event; not replicated state: only the leader sends replies,
 * and the engine, its snapshot and its state hash are the same whatever the routing):
 * - rejects, mass cancel reports and admin acks go to the requesting session;
 * - while a Cancel, Replace or OrderStatus of session S is applied, every execution report and
 *   trade print about its subject order (the live order the command addresses, resolved before the
 *   command exactly as the engine resolves it: `engine.resolveOrderRef`) goes to S, the requester:
 *   the Canceled / Replaced / OrderStatus report and, for a replace that crosses, the replaced
 *   order's own fills (also the subject's own expiry or uncross fill at the start of the entry). The
 *   order's original session may be dead (a gateway restarted, or its cluster session was
 *   replaced) and the requester must get the answer with its request;
 * - while a MassCancel of S is applied, its Canceled reports (reason MassCancel) go to S;
 * - every other report goes to the session that entered the order (fills of resting orders hit by
 *   an incoming or replaced order, stops, expiries of other orders, cancel-on-disconnect), a trade print to the
 *   sessions of both sides.
 * Day/GTD expiry runs on one log timer set to the engine's next deadline.
 */
export class MatchingService implements ClusteredService, EventSink {
  readonly name = 'matching';
  private eng: MatchingEngine;
  private ctx: ServiceContext | null = null;
  private readonly options: MatchingServiceOptions;
  /** Session of the entry being applied (0 for timers and session events). */
  private current = 0;
  /** Subject order of the Cancel / Replace / OrderStatus being applied (0: none): its events go to `current`. */
  private subjectOrderId = 0;
  /** A MassCancel is being applied: its cancels go to `current`. */
  private massCanceling = false;
  /** Pending output per session for the entry being applied. */
  private readonly outbox = new Map<number, ReplyBuffer>();
  private readonly spare: ReplyBuffer[] = [];
  private scheduledDeadlineMs = 0;
  /** Same-process observers of every engine event (e.g. market data for L3 and trades). */
  private readonly listeners: EventSink[] = [];

  constructor(options: MatchingServiceOptions = {}) {
    this.options = options;
    this.eng = new MatchingEngine(this, options.engine);
  }

  /** The engine, for read-only views (market data reads the book at each log position). */
  get engine(): MatchingEngine {
    return this.eng;
  }

  /**
   * Adds an observer that sees every engine event synchronously, in order, while an entry is
   * applied (deterministic on every replica). Events are reused objects: copy what you keep; a
   * listener must not throw and must not call back into the engine.
   */
  addListener(sink: EventSink): void {
    this.listeners.push(sink);
  }

  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    this.ctx = ctx;
    if (snapshot !== undefined) {
      this.eng = readSnapshot(snapshot, this, this.options.engine);
    } else {
      this.eng = new MatchingEngine(this, this.options.engine);
      if (this.options.genesis !== false) {
        for (const c of genesisCommands(0)) this.eng.apply(c);
      }
    }
    this.outbox.clear(); // genesis acks have no session to go to
    this.scheduledDeadlineMs = 0;
    this.syncTimer();
  }

  onSessionOpen(_session: ClientSession, _timestampMs: number): void {}

  onSessionMessage(
    session: ClientSession,
    timestampMs: number,
    _logPosition: LogPosition,
    payload: Uint8Array,
  ): void {
    this.current = session.id;
    const template = payload.length >= 8 ? payload[2]! | (payload[3]! << 8) : 0;
    const version = this.ctx?.serviceVersion?.() ?? 1;
    if (VERSION_2_TEMPLATES.has(template) && version < (this.options.newCommandsFromVersion ?? 1)) {
      // Byte for byte what a build without these commands replies (matching's decode of an unknown template).
      appendReject(
        this.out(session.id),
        timestampMs,
        Reason.InvalidCommand,
        template,
        0,
        `not a matching command (schema ${payload[4]! | (payload[5]! << 8)}, template ${template})`,
      );
      this.finish();
      return;
    }
    const queried = decodeAccountOrdersQuery(payload);
    if (queried !== undefined) {
      // Read-only: it may show any account's orders, so it needs an admin principal.
      if (this.adminAllowed(session.principal))
        appendAccountOrders(this.out(session.id), this.eng, queried, timestampMs);
      else
        appendReject(
          this.out(session.id),
          timestampMs,
          Reason.NotAuthorized,
          ACCOUNT_ORDERS_TEMPLATE_ID,
          CommandKind.OrderStatus,
          `principal ${session.principal} may not query accounts`,
        );
      this.finish();
      return;
    }
    let cmd: Command | undefined;
    try {
      cmd = decodeCommand(payload, timestampMs, session.id);
    } catch (err) {
      const e = err as CommandDecodeError;
      appendReject(this.out(session.id), timestampMs, Reason.InvalidCommand, e.templateId ?? 0, 0, e.message);
    }
    if (cmd !== undefined) {
      if (this.isAdmin(cmd) && !this.adminAllowed(session.principal)) {
        appendReject(
          this.out(session.id),
          timestampMs,
          Reason.NotAuthorized,
          0,
          CommandKind.Admin,
          `principal ${session.principal} may not send admin commands`,
        );
      } else {
        this.routeToRequester(cmd);
        this.eng.apply(cmd);
      }
    }
    this.finish();
  }

  onTimerEvent(correlationId: number, timestampMs: number): void {
    if (correlationId !== EXPIRY_TIMER_ID) return;
    this.current = 0;
    this.scheduledDeadlineMs = 0; // fired
    this.eng.apply({ type: CommandType.Tick, timestampMs });
    this.finish();
  }

  onSessionClose(session: ClientSession, timestampMs: number, _reason: SessionCloseReason): void {
    this.current = 0;
    this.eng.apply({ type: CommandType.SessionClosed, timestampMs, sessionId: session.id });
    this.finish();
  }

  onTakeSnapshot(writer: SnapshotWriter): void {
    writer.write(writeSnapshot(this.eng));
  }

  /** Copy-on-write snapshot written in steps (same bytes as `onTakeSnapshot` at this position). */
  beginSnapshot(): SnapshotCursor {
    return new IncrementalSnapshot(this.eng);
  }

  onRoleChange(_role: Role): void {}

  stateHash(): string {
    return stateHash(this.eng);
  }

  // ------------------------------------------------------------------ EventSink

  onExecution(e: ExecutionEvent): void {
    for (const l of this.listeners) l.onExecution(e);
    if (e.execType === ExecType.Rejected && e.rejectedCommand === CommandKind.Admin) {
      appendReject(this.out(this.current), e.timestampMs, e.reason, 0, CommandKind.Admin, e.text);
      return;
    }
    // Rejects and reports about the request's subject answer the requester; the rest goes to the order's session.
    const toRequester =
      e.execType === ExecType.Rejected ||
      e.sessionId === 0 ||
      (this.subjectOrderId !== 0 && e.orderId === this.subjectOrderId) ||
      (this.massCanceling && e.execType === ExecType.Canceled && e.reason === Reason.MassCancel);
    appendExecution(this.out(toRequester ? this.current : e.sessionId), e);
  }

  onTrade(t: TradeEvent): void {
    for (const l of this.listeners) l.onTrade(t);
    const taker = this.orderTarget(t.takerOrderId, t.takerSessionId);
    const maker = this.orderTarget(t.makerOrderId, t.makerSessionId);
    appendTrade(this.out(taker), t);
    if (maker !== taker) appendTrade(this.out(maker), t);
  }

  onMassCancel(m: MassCancelEvent): void {
    for (const l of this.listeners) l.onMassCancel(m);
    appendMassCancel(this.out(this.current), m);
  }

  onAdmin(a: AdminEvent): void {
    for (const l of this.listeners) l.onAdmin(a);
    appendAdmin(this.out(this.current), a);
  }

  // ------------------------------------------------------------------ internals

  /** Notes what the command's replies are about before it is applied (see the class comment). */
  private routeToRequester(cmd: Command): void {
    if (
      cmd.type === CommandType.Cancel ||
      cmd.type === CommandType.Replace ||
      cmd.type === CommandType.OrderStatus
    ) {
      this.subjectOrderId = this.eng.resolveOrderRef(cmd);
    } else if (cmd.type === CommandType.MassCancel) {
      this.massCanceling = true;
    }
  }

  /** The session an event about order `orderId` of session `sessionId` goes to. */
  private orderTarget(orderId: number, sessionId: number): number {
    return this.subjectOrderId !== 0 && orderId === this.subjectOrderId ? this.current : sessionId;
  }

  private isAdmin(cmd: Command): boolean {
    return (
      cmd.type === CommandType.AddInstrument ||
      cmd.type === CommandType.SetInstrumentStatus ||
      cmd.type === CommandType.AddAccount ||
      cmd.type === CommandType.SetRiskLimits ||
      cmd.type === CommandType.SetTradingSchedule
    );
  }

  private adminAllowed(principal: string): boolean {
    const allowed = this.options.adminPrincipals;
    return allowed === undefined || allowed.includes(principal);
  }

  private out(sessionId: number): ReplyBuffer {
    let b = this.outbox.get(sessionId);
    if (b === undefined) {
      b = this.spare.pop() ?? new ReplyBuffer();
      this.outbox.set(sessionId, b);
    }
    return b;
  }

  /** Sends one reply per session (requester first, then ascending ids: deterministic), then re-arms the timer. */
  private finish(): void {
    const ctx = this.ctx;
    if (this.outbox.size > 0) {
      const ids = [...this.outbox.keys()].sort((a, b) => a - b);
      const cur = this.outbox.get(this.current);
      if (cur !== undefined && this.current !== 0 && cur.length > 0) ctx?.reply(this.current, cur.take());
      for (const id of ids) {
        const b = this.outbox.get(id)!;
        if (id !== 0 && b.length > 0) ctx?.reply(id, b.take());
        b.length = 0;
        this.spare.push(b);
      }
      this.outbox.clear();
    }
    this.current = 0;
    this.subjectOrderId = 0;
    this.massCanceling = false;
    this.syncTimer();
  }

  private syncTimer(): void {
    const ctx = this.ctx;
    if (ctx === null) return;
    const deadline = this.eng.nextDeadlineMs();
    if (deadline === this.scheduledDeadlineMs) return;
    if (deadline === 0) ctx.cancelTimer(EXPIRY_TIMER_ID);
    else ctx.scheduleTimer(EXPIRY_TIMER_ID, deadline);
    this.scheduledDeadlineMs = deadline;
  }
}
