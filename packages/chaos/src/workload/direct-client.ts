import { ClusterClient, type ClusterResponse } from '@venue/consensus/runtime';
import {
  EXEC_TYPE_VALUES,
  type OrdStatus as FixOrdStatus,
  InstrumentCatalog,
  ORD_STATUS_VALUES,
} from '@venue/gateway';
import {
  type Command,
  CommandKind,
  CommandType,
  decodeReply,
  ExecType,
  type ExecutionReportMessage,
  encodeCommand,
  OrderType,
  type ReplyMessage,
  Side,
  TimeInForce,
} from '@venue/matching';
import {
  type ExecutionSink,
  type FeedFollower,
  fixExecTypeOf,
  fixOrdStatusOf,
  followExecutionFeed,
  isOrderEvent,
} from '@venue/venue';
import WebSocket from 'ws';
import type { CompleteEvent, History, OpKind, ReportEvent } from '../history/history.js';
import type { Prng } from '../random/prng.js';
import { accountIdOf, CLIENTS_MAX, loginOf } from './accounts.js';
import { invokeEvent, type LiveOrder, priceText, randomOrder, randomReplacement } from './workload.js';

/** An instrument as the venue defines it (`/api/instruments`): ids and the units of its FIX text. */
export interface DirectInstrument {
  readonly instrumentId: number;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
}

/** A member's execution feed to follow. */
export interface FeedUrl {
  readonly id: number;
  /** `ws://host:mdPort/executions` */
  readonly url: string;
}

export interface DirectOptions {
  /** The members' cluster-client addresses (`host:clientPort`). */
  readonly members: readonly string[];
  /** The members' execution feeds (the token comes from VENUE_EXEC_FEED_TOKEN of this process). */
  readonly feeds: readonly FeedUrl[];
  readonly instruments: readonly DirectInstrument[];
  readonly opsPerClientMax: number;
  readonly opTimeoutMs: number;
  readonly thinkMs: number;
  readonly log?: (line: string) => void;
}

/** Where a report reached the direct client from (each ExecID is recorded from the first only). */
export type ReportSource = 'reply' | 'event' | 'feed';

/** FIX ExecType(150) / OrdStatus(39) chars exactly as the gateway renders them (its own mapping). */
const execTypeChar = (execType: number): string => EXEC_TYPE_VALUES[fixExecTypeOf(execType)][0];
const ordStatusChar = (ordStatus: number, fallback?: FixOrdStatus): string =>
  ORD_STATUS_VALUES[fixOrdStatusOf(ordStatus, fallback)][0];

/** What a report's text fields fall back to when matching leaves them empty (answers echo the request). */
export interface ReportFallback {
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
}

/**
 * Units of the workload's instruments: matching's integers (ticks, lots) to the FIX texts the
 * gateway would send (same `InstrumentCatalog`), so a direct client's fills compare with the FIX
 * clients' ones character for character (the checker sums fills per symbol and price text).
 */
export class DirectUnits {
  readonly catalog: InstrumentCatalog;
  private readonly byId = new Map<number, DirectInstrument>();
  private readonly bySymbol = new Map<string, DirectInstrument>();

  constructor(instruments: readonly DirectInstrument[]) {
    this.catalog = new InstrumentCatalog(
      instruments.map((i) => ({ symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize })),
    );
    for (const i of instruments) {
      this.byId.set(i.instrumentId, i);
      this.bySymbol.set(i.symbol, i);
    }
  }

  symbolOf(instrumentId: number): string | undefined {
    return this.byId.get(instrumentId)?.symbol;
  }

  instrument(symbol: string): DirectInstrument {
    const i = this.bySymbol.get(symbol);
    if (i === undefined) throw new Error(`the venue has no instrument ${symbol}`);
    return i;
  }

  /** Lots as the FIX quantity number (what the FIX client reads from 14/32/38/151). */
  qty(symbol: string, lots: number): number {
    return this.bySymbol.has(symbol) ? Number(this.catalog.lotsToQty(symbol, lots)) : lots;
  }

  price(symbol: string, ticks: number): string {
    return this.bySymbol.has(symbol) ? this.catalog.ticksToPrice(symbol, ticks) : String(ticks);
  }
}

/**
 * The history's `report` event for one matching ExecutionReport, field for field what a FIX client
 * records for the message the gateway would render from it: an OrderCancelReject (35=9: no ExecID,
 * ExecType, symbol or quantities) for a rejected cancel/replace, else an ExecutionReport (35=8) with
 * ExecType/OrdStatus as FIX chars, quantities as FIX numbers and LastPx as the decimal text.
 */
export function reportEventOf(
  m: ExecutionReportMessage,
  ctx: {
    readonly process: number;
    readonly timeMs: number;
    readonly units: DirectUnits;
    readonly fallback?: ReportFallback;
  },
): ReportEvent {
  const fb = ctx.fallback;
  const symbol = ctx.units.symbolOf(m.instrumentId) ?? fb?.symbol ?? '';
  const orderId = m.orderId === 0 ? 'NONE' : String(m.orderId);
  const clOrdId = m.clOrdId || fb?.clOrdId || 'NONE';
  const origClOrdId = m.origClOrdId || fb?.origClOrdId || '';
  const rejectOfCancel =
    m.execType === ExecType.Rejected &&
    (m.rejectedCommand === CommandKind.Cancel || m.rejectedCommand === CommandKind.Replace);
  const ordStatus = rejectOfCancel ? ordStatusChar(m.ordStatus, 'rejected') : ordStatusChar(m.ordStatus);
  const base = { type: 'report', process: ctx.process, timeMs: ctx.timeMs } as const;
  if (rejectOfCancel) {
    return {
      ...base,
      msgType: '9',
      execType: '',
      ordStatus,
      clOrdId,
      origClOrdId,
      orderId,
      execId: '',
      symbol: '',
      side: '',
      orderQty: 0,
      lastQty: 0,
      lastPx: '',
      cumQty: 0,
      leavesQty: 0,
    };
  }
  const side = m.side === Side.Sell ? '2' : m.side === Side.Buy ? '1' : fb?.side === 'sell' ? '2' : '1';
  const trade = m.execType === ExecType.Trade;
  return {
    ...base,
    msgType: '8',
    execType: execTypeChar(m.execType),
    ordStatus,
    clOrdId,
    origClOrdId,
    orderId,
    execId: String(m.execId),
    symbol,
    side,
    orderQty: ctx.units.qty(symbol, m.orderQtyLots),
    lastQty: trade ? ctx.units.qty(symbol, m.lastQtyLots) : 0,
    lastPx: trade ? ctx.units.price(symbol, m.lastPxTicks) : '',
    cumQty: ctx.units.qty(symbol, m.cumQtyLots),
    leavesQty: ctx.units.qty(symbol, m.leavesQtyLots),
  };
}

/** ExecIDs remembered for deduplication (a run's account sees far fewer reports). */
const SEEN_MAX = 1_000_000;

/**
 * Every report one direct process learns of, recorded in the history exactly once. Three paths bring
 * them: replies to its own requests (the ClusterClient resends unanswered requests after a failover;
 * the session's dedup answers a resend with the recorded replies), unsolicited session events (fills
 * of resting orders caused by others' orders: best effort, lost while the client is between leaders
 * or when its session is replaced) and the members' log-ordered execution feed (every order event of
 * the account, none missing: what the gateway's own reports follow). A report is recorded from
 * whichever path brings it first; its ExecID makes the others duplicates. Rejects of cancel/replace
 * and status answers are not order events: only replies carry them.
 *
 * It is the feed's sink (`followExecutionFeed`): position = the last ExecID the feed handled.
 */
export class DirectReports implements ExecutionSink {
  position = 0;
  private readonly seen = new Set<number>();
  readonly stats = { reply: 0, event: 0, feed: 0, duplicates: 0 };

  constructor(
    private readonly process: number,
    private readonly accountId: number,
    private readonly units: DirectUnits,
    private readonly history: History,
    /** Called with every report recorded (the client's live-order bookkeeping). */
    private readonly onReport: (e: ReportEvent) => void = () => {},
  ) {}

  /**
   * A report from a reply or an event; recorded unless its ExecID was recorded already or it is
   * another account's. Returns the recorded event.
   */
  offer(m: ExecutionReportMessage, source: ReportSource, fallback?: ReportFallback): ReportEvent | undefined {
    // An answer to its own request with no account (none known to matching) is still addressed to it.
    const ours = m.accountId === this.accountId || (source === 'reply' && m.accountId === 0);
    if (!ours) return undefined;
    if (m.execId > 0) {
      if (this.seen.has(m.execId)) {
        this.stats.duplicates++;
        return undefined;
      }
      if (this.seen.size >= SEEN_MAX) {
        const oldest = this.seen.values().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
      this.seen.add(m.execId);
    }
    this.stats[source]++;
    const e = reportEventOf(m, {
      process: this.process,
      timeMs: this.history.nowMs(),
      units: this.units,
      ...(fallback === undefined ? {} : { fallback }),
    });
    this.history.add(e);
    this.onReport(e);
    return e;
  }

  /** The feed's records in ExecID order from position + 1; false at a jump (the follower resynchronises). */
  deliver(records: readonly ExecutionReportMessage[]): boolean {
    for (const r of records) {
      if (r.execId <= this.position) continue;
      if (r.execId !== this.position + 1) return false;
      if (r.accountId === this.accountId && isOrderEvent(r)) this.offer(r, 'feed');
      this.position = r.execId;
    }
    return true;
  }
}

interface Outcome {
  readonly type: 'ok' | 'fail' | 'info';
  readonly msg?: ExecutionReportMessage;
  readonly text: string;
}

const price = priceText;
const FEED_RETRY_MS = 300;
/** Pause between attempts to open a new session after the old one was closed. */
const SESSION_RETRY_MS = 200;

/**
 * One direct workload process: trades through its own cluster session (`ClusterClient`, matching's
 * SBE commands, no gateway) for its own account, one operation at a time like `WorkloadClient` (the
 * same instruments, price ranges and mix of new / cancel / replace / status), and records each
 * invocation, completion and report (see `DirectReports` for the exactly-once rule) in the same
 * format as the FIX clients, so the checker judges both alike.
 *
 * Failover (finding the new leader, re-attaching the session, resending unanswered requests) is the
 * ClusterClient's job; when it gives up (the session closed: expired, or no leader within its
 * failover time-out) this opens a new session (a new nonce) and continues: the old session's orders
 * are still the account's, and the feed still carries their reports.
 */
export class DirectClient {
  readonly transport = 'direct' as const;
  private readonly live = new Map<string, LiveOrder>();
  private readonly done = new Set<string>();
  private readonly chains: LiveOrder[] = [];
  private readonly replacedIds: LiveOrder[] = [];
  private opSeq = 0;
  private seq = 0;
  private lastFailText = '';
  /** Sessions opened after the previous one closed. */
  reconnects = 0;
  private client: ClusterClient | undefined;
  private closed = false;
  private readonly units: DirectUnits;
  readonly reports: DirectReports;
  private follower: FeedFollower | undefined;
  private readonly login: string;
  private readonly accountId: number;

  private constructor(
    readonly process: number,
    private readonly options: DirectOptions,
    private readonly history: History,
    private readonly rng: Prng,
  ) {
    if (process < CLIENTS_MAX) throw new Error(`process ${process} is a FIX client, not a direct one`);
    this.login = loginOf(process);
    this.accountId = accountIdOf(process);
    this.units = new DirectUnits(options.instruments);
    this.reports = new DirectReports(process, this.accountId, this.units, history, (e) => this.onReport(e));
  }

  /** Starts following the execution feed and opens the first session. */
  static async connect(
    process: number,
    options: DirectOptions,
    history: History,
    rng: Prng,
  ): Promise<DirectClient> {
    const c = new DirectClient(process, options, history, rng);
    let cursor = 0;
    const feeds = options.feeds;
    c.follower = followExecutionFeed(c.reports, {
      member: (exclude) => {
        for (let k = 0; k < feeds.length; k++) {
          const f = feeds[(cursor + k) % feeds.length];
          if (f !== undefined && !exclude.has(f.id)) {
            cursor = (cursor + k + 1) % feeds.length;
            return f;
          }
        }
        return undefined;
      },
      retryMs: FEED_RETRY_MS,
      log: options.log ?? (() => {}),
      name: `direct ${c.login} feed`,
    });
    try {
      c.client = await c.openSession();
    } catch (e) {
      c.follower.stop();
      throw e;
    }
    return c;
  }

  /** The feed follower's counters (reports, reconnects, reports no member held any more). */
  feedStats(): { position: number; reconnects: number; gapReports: number } {
    const s = this.follower?.stats();
    return {
      position: this.reports.position,
      reconnects: s?.reconnects ?? 0,
      gapReports: s?.gapReports ?? 0,
    };
  }

  private openSession(): Promise<ClusterClient> {
    let client: ClusterClient | undefined;
    const opening = ClusterClient.connect({
      members: this.options.members,
      principal: `chaos-${this.login.toLowerCase()}`,
      // One microtask hop, as the gateway's channel does: a response reaches its caller through a
      // promise, and an event behind it in the same read must not overtake it.
      onEvent: (payload) => queueMicrotask(() => this.onPayload(payload, 'event')),
      onClosed: (reason) => {
        if (client !== undefined && this.client === client) {
          this.options.log?.(`direct ${this.login}: session ${client.sessionId} ended (${reason})`);
          this.client = undefined;
        }
      },
      ...(this.options.log === undefined ? {} : { log: this.options.log }),
    });
    return opening.then((c) => {
      client = c;
      return c;
    });
  }

  /** A new session once the old one closed, retrying until it opens or the deadline passes. */
  private async ensureSession(deadlineMs: number): Promise<boolean> {
    while (this.client === undefined && !this.closed) {
      if (Date.now() >= deadlineMs) return false;
      try {
        this.client = await this.openSession();
        this.reconnects += 1;
        this.options.log?.(`direct ${this.login}: new session ${this.client.sessionId}`);
      } catch {
        await new Promise((r) => setTimeout(r, SESSION_RETRY_MS));
      }
    }
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.follower?.stop();
    const c = this.client;
    this.client = undefined;
    await c?.close();
  }

  /** Runs operations until the deadline or the op budget, one at a time. */
  async run(deadlineMs: number): Promise<void> {
    for (let i = 0; i < this.options.opsPerClientMax; i++) {
      if (Date.now() >= deadlineMs || this.history.isFull || this.closed) return;
      if (!(await this.ensureSession(deadlineMs))) return;
      await this.step();
      await new Promise((r) => setTimeout(r, this.rng.int(0, this.options.thinkMs)));
    }
  }

  /** Every ClOrdID this client used for orders (new and replace). */
  orderClOrdIds(): LiveOrder[] {
    return this.replacedIds.concat(this.chains);
  }

  private async step(): Promise<void> {
    const r = this.rng.next();
    const orders = [...this.live.values()];
    if (orders.length === 0 || r < 0.5) return this.newOrder();
    const target = this.rng.pick(orders);
    if (r < 0.7) return this.cancel(target);
    if (r < 0.9) return this.replace(target);
    return this.status(target);
  }

  private nextClOrdId(): string {
    this.seq += 1;
    return `P${this.process}-${this.seq}`;
  }

  private setLive(order: LiveOrder): void {
    if (!this.done.has(order.clOrdId)) this.live.set(order.clOrdId, order);
  }

  private lots(order: LiveOrder): number {
    const r = this.units.catalog.qtyToLots(order.symbol, String(order.qty));
    if (!r.ok) throw new Error(r.text);
    return r.value;
  }

  private ticks(order: LiveOrder): number {
    const r = this.units.catalog.priceToTicks(order.symbol, price(order.priceTicks));
    if (!r.ok) throw new Error(r.text);
    return r.value;
  }

  private async newOrder(): Promise<void> {
    const order = randomOrder(this.rng, this.nextClOrdId());
    this.chains.push(order);
    const outcome = await this.invoke(
      'new',
      order,
      '',
      {
        type: CommandType.NewOrder,
        timestampMs: 0,
        sessionId: 0,
        accountId: this.accountId,
        instrumentId: this.units.instrument(order.symbol).instrumentId,
        clOrdId: order.clOrdId,
        side: order.side === 'buy' ? Side.Buy : Side.Sell,
        orderType: OrderType.Limit,
        tif: TimeInForce.GTC,
        priceTicks: this.ticks(order),
        stopPriceTicks: 0,
        qtyLots: this.lots(order),
        displayQtyLots: 0,
        postOnly: false,
        expireAtMs: 0,
      },
      (m) =>
        m.clOrdId !== order.clOrdId
          ? undefined
          : m.execType === ExecType.Rejected
            ? 'fail'
            : m.execType === ExecType.New || m.execType === ExecType.Trade
              ? 'ok'
              : undefined,
    );
    if (outcome !== 'fail') this.setLive(order);
  }

  private async cancel(target: LiveOrder): Promise<void> {
    const clOrdId = this.nextClOrdId();
    const outcome = await this.invoke(
      'cancel',
      { ...target, clOrdId },
      target.clOrdId,
      {
        type: CommandType.Cancel,
        timestampMs: 0,
        clOrdId,
        accountId: this.accountId,
        orderId: 0,
        origClOrdId: target.clOrdId,
      },
      (m) =>
        m.clOrdId !== clOrdId
          ? undefined
          : m.execType === ExecType.Rejected
            ? 'fail'
            : m.execType === ExecType.Canceled
              ? 'ok'
              : undefined,
    );
    if (outcome === 'ok') this.live.delete(target.clOrdId);
    else if (outcome === 'fail') this.forgetIfUnknown(target.clOrdId);
  }

  private async replace(target: LiveOrder): Promise<void> {
    const next = randomReplacement(this.rng, target, this.nextClOrdId());
    const outcome = await this.invoke(
      'replace',
      next,
      target.clOrdId,
      {
        type: CommandType.Replace,
        timestampMs: 0,
        clOrdId: next.clOrdId,
        qtyLots: this.lots(next),
        priceTicks: this.ticks(next),
        stopPriceTicks: 0,
        accountId: this.accountId,
        orderId: 0,
        origClOrdId: target.clOrdId,
      },
      (m) =>
        m.clOrdId !== next.clOrdId
          ? undefined
          : m.execType === ExecType.Rejected
            ? 'fail'
            : m.execType === ExecType.Replaced
              ? 'ok'
              : undefined,
    );
    if (outcome === 'ok') {
      this.live.delete(target.clOrdId);
      this.setLive(next);
    } else if (outcome === 'fail') this.forgetIfUnknown(target.clOrdId);
  }

  private async status(target: LiveOrder): Promise<void> {
    const clOrdId = target.clOrdId;
    const order: LiveOrder = { clOrdId, symbol: target.symbol, side: target.side, qty: 0, priceTicks: 0 };
    await this.invoke(
      'status',
      order,
      clOrdId,
      {
        type: CommandType.OrderStatus,
        timestampMs: 0,
        accountId: this.accountId,
        orderId: 0,
        origClOrdId: clOrdId,
      },
      (m) => {
        if (m.clOrdId !== clOrdId && m.origClOrdId !== clOrdId) return undefined;
        if (m.execType === ExecType.OrderStatus) return 'ok';
        return m.execType === ExecType.Rejected ? 'fail' : undefined;
      },
    );
  }

  /** See WorkloadClient.forgetIfUnknown: an order the venue does not know by that ClOrdID is not picked again. */
  private forgetIfUnknown(clOrdId: string): void {
    if (this.lastFailText === 'unknown order') this.live.delete(clOrdId);
  }

  private async invoke(
    kind: OpKind,
    order: LiveOrder,
    origClOrdId: string,
    command: Command,
    classify: (m: ExecutionReportMessage) => 'ok' | 'fail' | undefined,
  ): Promise<'ok' | 'fail' | 'info'> {
    const opId = ++this.opSeq;
    if (kind === 'replace') this.replacedIds.push(order);
    this.history.add(invokeEvent(this.process, opId, this.history.nowMs(), kind, order, origClOrdId));
    const fallback: ReportFallback = {
      clOrdId: order.clOrdId,
      origClOrdId,
      symbol: order.symbol,
      side: order.side,
    };
    const outcome = await this.send(command, classify, fallback);
    if (outcome.type === 'fail') this.lastFailText = outcome.text;
    const m = outcome.msg;
    const complete: CompleteEvent = {
      type: outcome.type,
      process: this.process,
      opId,
      timeMs: this.history.nowMs(),
      orderId: m === undefined ? '' : m.orderId === 0 ? 'NONE' : String(m.orderId),
      ordStatus:
        kind === 'status' && outcome.type === 'ok' && m !== undefined ? ordStatusChar(m.ordStatus) : '',
      cumQty: m === undefined ? 0 : this.units.qty(order.symbol, m.cumQtyLots),
      text: outcome.text,
    };
    this.history.add(complete);
    return outcome.type;
  }

  /**
   * Offers one command and waits (bounded) for its answer. The replies are recorded whenever they
   * come, also after the operation timed out (it stays in the client's window and may be applied).
   */
  private async send(
    command: Command,
    classify: (m: ExecutionReportMessage) => 'ok' | 'fail' | undefined,
    fallback: ReportFallback,
  ): Promise<Outcome> {
    const client = this.client;
    if (client === undefined) return { type: 'fail', text: 'no cluster session' };
    const offered = client.offer(encodeCommand(command));
    if (offered === false) return { type: 'fail', text: 'cluster client window full' };
    const answered = offered.then(
      (r) => this.onResponse(r, classify, fallback),
      (e: unknown): Outcome => {
        const text = (e as Error).message;
        // Refused before the log ('request N refused: ...'): certainly not applied.
        return { type: /^request \d+ refused/.test(text) ? 'fail' : 'info', text };
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ type: 'info', text: `no answer within ${this.options.opTimeoutMs} ms` }),
        this.options.opTimeoutMs,
      );
    });
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onResponse(
    r: ClusterResponse,
    classify: (m: ExecutionReportMessage) => 'ok' | 'fail' | undefined,
    fallback: ReportFallback,
  ): Outcome {
    let outcome: Outcome | undefined;
    for (const payload of r.replies) {
      for (const m of this.decode(payload)) {
        if (m.type === 'reject') {
          outcome ??= { type: 'fail', text: m.text || `rejected (reason ${m.reason})` };
          continue;
        }
        if (m.type !== 'execution') continue;
        this.reports.offer(m, 'reply', fallback);
        if (outcome !== undefined) continue;
        const c = classify(m);
        if (c !== undefined) outcome = { type: c, msg: m, text: m.text };
      }
    }
    // Applied, but no answer held (a resend's `stale` outcome): its effect is unknown here.
    return outcome ?? { type: 'info', text: `no answer recorded (${r.status})` };
  }

  private onPayload(payload: Uint8Array, source: ReportSource): void {
    for (const m of this.decode(payload)) if (m.type === 'execution') this.reports.offer(m, source);
  }

  private decode(payload: Uint8Array): ReplyMessage[] {
    try {
      return decodeReply(payload);
    } catch (e) {
      this.options.log?.(`direct ${this.login}: unreadable reply: ${(e as Error).message}`);
      return [];
    }
  }

  /** Live-order bookkeeping from every recorded report (as WorkloadClient.onMessage does). */
  private onReport(e: ReportEvent): void {
    if (
      e.msgType === '8' &&
      e.execType !== '8' &&
      (e.ordStatus === '2' || e.ordStatus === '4' || e.ordStatus === 'C')
    ) {
      for (const id of [e.clOrdId, e.origClOrdId]) {
        this.live.delete(id);
        this.done.add(id);
      }
    } else if (e.msgType === '8' && e.execType === '5') {
      const old = this.live.get(e.origClOrdId);
      if (old !== undefined && e.clOrdId !== '' && !this.live.has(e.clOrdId)) {
        this.live.delete(old.clOrdId);
        this.setLive({ ...old, clOrdId: e.clOrdId, qty: e.orderQty });
      }
    }
  }
}

/** An `after=` beyond any ExecID (the feed takes at most 15 digits): only the hello comes back. */
const AFTER_EVERYTHING = '999999999999999';

/**
 * The newest ExecID the members' execution feeds hold (the highest `hello.last` among those that
 * answer within `timeoutMs`; 0 when none does): after quiescing, a direct client's feed position
 * must reach it before the history is judged.
 */
export async function feedHead(
  feeds: readonly FeedUrl[],
  token: string | undefined,
  timeoutMs = 2_000,
): Promise<number> {
  const auth = token === undefined || token === '' ? '' : `&token=${encodeURIComponent(token)}`;
  const heads = await Promise.all(
    feeds.map(
      (f) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`${f.url}?after=${AFTER_EVERYTHING}${auth}`);
          const done = (n: number) => {
            clearTimeout(timer);
            ws.terminate();
            resolve(n);
          };
          const timer = setTimeout(() => done(0), timeoutMs);
          ws.on('message', (data) => {
            try {
              const frame = JSON.parse(String(data)) as { t?: string; last?: number };
              if (frame.t === 'hello' && typeof frame.last === 'number') done(frame.last);
            } catch {
              done(0);
            }
          });
          ws.on('error', () => done(0));
          ws.on('close', () => done(0));
        }),
    ),
  );
  return Math.max(0, ...heads);
}
