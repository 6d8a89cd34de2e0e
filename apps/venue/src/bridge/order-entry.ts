import type {
  CancelRequest,
  CxlRejReason,
  DisconnectInfo,
  ExecutionReportEvent,
  ExecType as FixExecType,
  OrdStatus as FixOrdStatus,
  Side as FixSide,
  TimeInForce as FixTif,
  GatewayEvents,
  MarketDataRequest,
  MassCancelRequest,
  NewOrderRequest,
  OrderEntryHandler,
  OrderStatusRequest,
  ReplaceRequest,
  SecurityListRequest,
  SessionContext,
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
  OrdStatus,
  Reason,
  type ReplyMessage,
  Side,
  TimeInForce,
} from '@venue/matching';
import type { AccountConfig, InstrumentConfig } from '../config/config.js';
import { LatencyHistogram } from '../metrics/metrics.js';
import type { FixMarketData } from './fix-market-data.js';
import type { DirectReportFilter } from './own-reports.js';

/** Where the bridge sends SBE commands: the cluster client, or the in-process log in single mode. */
export interface CommandChannel {
  /** Offers one command; returns its request sequence number, or undefined under back-pressure. */
  offer(payload: Uint8Array): number | undefined;
  isBackedUp(): boolean;
  /** Why offers are refused now when it is not back-pressure (e.g. the cluster session is being reopened). */
  unavailableText?(): string | undefined;
}

/** What the bridge remembers about a request until its reply arrives (bounded). */
interface Pending {
  readonly username: string;
  readonly kind: 'new' | 'cancel' | 'replace' | 'status' | 'massCancel';
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly symbol: string;
  readonly side: FixSide;
  readonly scope?: 'symbol' | 'all';
  /** New orders, cancels, replaces: the account's login (whose reports tell whether a request of unknown fate was applied). */
  readonly account?: string;
  /** When the command was offered (wall clock, for the round-trip metric). */
  sentAtMs?: number;
  /** The own-report feed's position when the command was offered. */
  feedPosition?: number;
}

const PENDING_MAX = 100_000;

const EXEC_TYPES: Readonly<Record<number, FixExecType>> = {
  [ExecType.New]: 'new',
  [ExecType.Canceled]: 'canceled',
  [ExecType.Replaced]: 'replaced',
  [ExecType.Rejected]: 'rejected',
  [ExecType.Expired]: 'expired',
  // The gateway's ExecType has no Restated (D) or Triggered (L) yet: the nearest FIX meaning.
  [ExecType.Restated]: 'replaced',
  [ExecType.Trade]: 'trade',
  [ExecType.OrderStatus]: 'orderStatus',
  [ExecType.Triggered]: 'new',
};

const ORD_STATUSES: Readonly<Record<number, FixOrdStatus>> = {
  [OrdStatus.New]: 'new',
  [OrdStatus.PartiallyFilled]: 'partiallyFilled',
  [OrdStatus.Filled]: 'filled',
  [OrdStatus.Canceled]: 'canceled',
  [OrdStatus.Rejected]: 'rejected',
  [OrdStatus.Expired]: 'expired',
};

/** The FIX ExecType(150) the gateway reports for a matching ExecType. */
export function fixExecTypeOf(execType: number): FixExecType {
  return EXEC_TYPES[execType] ?? 'new';
}

/** The FIX OrdStatus(39) the gateway reports for a matching OrdStatus (`fallback` when unknown). */
export function fixOrdStatusOf(ordStatus: number, fallback: FixOrdStatus = 'new'): FixOrdStatus {
  return ORD_STATUSES[ordStatus] ?? fallback;
}

const TIFS: Readonly<Record<FixTif, TimeInForce>> = {
  day: TimeInForce.Day,
  gtc: TimeInForce.GTC,
  ioc: TimeInForce.IOC,
  fok: TimeInForce.FOK,
  gtd: TimeInForce.GTD,
};

const TIF_NAMES: Readonly<Record<number, FixTif>> = {
  [TimeInForce.Day]: 'day',
  [TimeInForce.GTC]: 'gtc',
  [TimeInForce.IOC]: 'ioc',
  [TimeInForce.FOK]: 'fok',
  [TimeInForce.GTD]: 'gtd',
};

const ORD_TYPES = {
  market: OrderType.Market,
  limit: OrderType.Limit,
  stop: OrderType.Stop,
  stopLimit: OrderType.StopLimit,
} as const;

const ORD_TYPE_NAMES: Readonly<Record<number, 'market' | 'limit' | 'stop' | 'stopLimit'>> = {
  [OrderType.Market]: 'market',
  [OrderType.Limit]: 'limit',
  [OrderType.Stop]: 'stop',
  [OrderType.StopLimit]: 'stopLimit',
};

/**
 * The gateway's order-entry handler on top of the matching service: FIX-neutral requests become
 * matching's SBE commands on a command channel; the service's SBE replies become FIX events for
 * the session of the account they concern. Knows nothing of transports.
 */
export class MatchingOrderEntry implements OrderEntryHandler {
  private readonly pending = new Map<number, Pending>();
  private readonly instrumentsBySymbol = new Map<string, InstrumentConfig>();
  private readonly instrumentsById = new Map<number, InstrumentConfig>();
  private readonly accountsByLogin = new Map<string, AccountConfig>();
  private readonly loginsByAccountId = new Map<number, string>();
  /** Offer to first reply: gateway -> leader -> log commit -> services -> reply. */
  readonly roundTrip = new LatencyHistogram();
  /**
   * The own-report feed (cluster gateway): order events also arrive from the log-ordered execution
   * feed; a direct reply it has delivered already (or will, while catching up) is not emitted twice.
   * Undefined: direct replies only (single process).
   */
  reports: DirectReportFilter | undefined;

  constructor(
    private readonly events: GatewayEvents,
    private readonly channel: CommandChannel,
    instruments: readonly InstrumentConfig[],
    accounts: readonly AccountConfig[],
    /** Serves MarketDataRequest from the feed; without it every V gets a reject. */
    private readonly marketData?: FixMarketData,
  ) {
    marketData?.attach(events);
    for (const i of instruments) {
      this.instrumentsBySymbol.set(i.symbol, i);
      this.instrumentsById.set(i.instrumentId, i);
    }
    for (const a of accounts) {
      this.accountsByLogin.set(a.login, a);
      this.loginsByAccountId.set(a.accountId, a.login);
    }
  }

  isBackedUp(): boolean {
    return this.channel.isBackedUp() || this.pending.size >= PENDING_MAX;
  }

  onNewOrder(ctx: SessionContext, req: NewOrderRequest): void {
    const inst = this.instrumentsBySymbol.get(req.symbol);
    const account = this.accountsByLogin.get(req.account);
    const pend: Pending = {
      username: ctx.username,
      kind: 'new',
      clOrdId: req.clOrdId,
      origClOrdId: '',
      symbol: req.symbol,
      side: req.side,
      account: req.account,
    };
    if (inst === undefined || account === undefined) {
      this.rejectNew(
        pend,
        inst === undefined ? `unknown symbol ${req.symbol}` : `unknown account ${req.account}`,
      );
      return;
    }
    this.send(pend, {
      type: CommandType.NewOrder,
      timestampMs: 0,
      sessionId: 0,
      accountId: account.accountId,
      instrumentId: inst.instrumentId,
      clOrdId: req.clOrdId,
      side: req.side === 'buy' ? Side.Buy : Side.Sell,
      orderType: ORD_TYPES[req.ordType],
      tif: TIFS[req.timeInForce],
      priceTicks: req.priceTicks ?? 0,
      stopPriceTicks: req.stopPriceTicks ?? 0,
      qtyLots: req.qtyLots,
      displayQtyLots: req.displayQtyLots ?? 0,
      postOnly: req.postOnly,
      expireAtMs: req.expireAtMs ?? 0,
    });
  }

  onCancel(ctx: SessionContext, req: CancelRequest): void {
    const pend = this.refPending(ctx, 'cancel', req);
    const ref = this.orderRef(pend, req.account, req.orderId, req.origClOrdId);
    if (ref === undefined) return;
    this.send(pend, { type: CommandType.Cancel, timestampMs: 0, clOrdId: req.clOrdId, ...ref });
  }

  onReplace(ctx: SessionContext, req: ReplaceRequest): void {
    const pend = this.refPending(ctx, 'replace', req);
    const ref = this.orderRef(pend, req.account, req.orderId, req.origClOrdId);
    if (ref === undefined) return;
    this.send(pend, {
      type: CommandType.Replace,
      timestampMs: 0,
      clOrdId: req.clOrdId,
      qtyLots: req.qtyLots,
      priceTicks: req.priceTicks ?? 0,
      stopPriceTicks: req.stopPriceTicks ?? 0,
      ...ref,
    });
  }

  onOrderStatus(ctx: SessionContext, req: OrderStatusRequest): void {
    const pend: Pending = {
      username: ctx.username,
      kind: 'status',
      clOrdId: req.clOrdId,
      origClOrdId: req.clOrdId,
      symbol: req.symbol,
      side: req.side,
    };
    const ref = this.orderRef(pend, req.account, req.orderId, req.clOrdId);
    if (ref === undefined) return;
    this.send(pend, { type: CommandType.OrderStatus, timestampMs: 0, ...ref });
  }

  onMassCancel(ctx: SessionContext, req: MassCancelRequest): void {
    const account = this.accountsByLogin.get(req.account);
    const inst = req.symbol === undefined ? undefined : this.instrumentsBySymbol.get(req.symbol);
    const pend: Pending = {
      username: ctx.username,
      kind: 'massCancel',
      clOrdId: req.clOrdId,
      origClOrdId: '',
      symbol: req.symbol ?? '',
      side: req.side ?? 'buy',
      scope: req.scope,
    };
    if (account === undefined || (req.scope === 'symbol' && inst === undefined)) {
      this.events.emit(ctx.username, {
        kind: 'massCancelReport',
        clOrdId: req.clOrdId,
        reportId: `MC-${req.clOrdId}`,
        scope: req.scope,
        ...(req.symbol === undefined ? {} : { symbol: req.symbol }),
        accepted: false,
        affectedOrders: 0,
        rejectReason: account === undefined ? 99 : 2,
        text: account === undefined ? `unknown account ${req.account}` : `unknown symbol ${req.symbol}`,
      });
      return;
    }
    this.send(pend, {
      type: CommandType.MassCancel,
      timestampMs: 0,
      accountId: account.accountId,
      instrumentId: req.scope === 'symbol' && inst !== undefined ? inst.instrumentId : 0,
      side: req.side === undefined ? 0 : req.side === 'buy' ? Side.Buy : Side.Sell,
      clOrdId: req.clOrdId,
    });
  }

  onSecurityListRequest(ctx: SessionContext, req: SecurityListRequest): void {
    const all = [...this.instrumentsById.values()].sort((a, b) => a.instrumentId - b.instrumentId);
    const list = req.scope === 'symbol' ? all.filter((i) => i.symbol === req.symbol) : all;
    this.events.emit(ctx.username, {
      kind: 'securityList',
      securityReqId: req.securityReqId,
      responseId: `SL-${req.securityReqId}`,
      result: list.length === 0 ? 2 : 0,
      instruments: list.map((i) => ({
        symbol: i.symbol,
        tickSize: i.tickSize,
        lotSize: i.lotSize,
        currency: i.currency,
        description: i.description,
      })),
    });
  }

  onMarketDataRequest(ctx: SessionContext, req: MarketDataRequest): void {
    if (this.marketData !== undefined) {
      this.marketData.onMarketDataRequest(ctx, req);
      return;
    }
    this.events.emit(ctx.username, {
      kind: 'marketDataReject',
      mdReqId: req.mdReqId,
      reason: 4,
      text: 'market data over FIX is not offered by this gateway; subscribe on the /md WebSocket feed',
    });
  }

  onLogon(ctx: Omit<SessionContext, 'msgSeqNum'>): void {
    this.reports?.onLogon(ctx);
  }

  onDisconnect(ctx: Omit<SessionContext, 'msgSeqNum'>, info: DisconnectInfo): void {
    this.marketData?.onDisconnect(ctx);
    if (!info.cancelOnDisconnect) return;
    const account = this.accountsByLogin.get(ctx.account);
    if (account === undefined) return;
    // Cancel-on-disconnect is decided here and applied through the log like any other command.
    this.channel.offer(
      encodeCommand({
        type: CommandType.MassCancel,
        timestampMs: 0,
        accountId: account.accountId,
        instrumentId: 0,
        side: 0,
        clOrdId: 'COD',
      }),
    );
  }

  /**
   * A request that will get no reply (the channel gave up on it): its sender gets a reject. A new
   * order, cancel or replace whose fate is unknown (its cluster session ended with it in flight) is
   * rejected only once the own-report feed shows it was not applied (no report with its ClOrdID:
   * New / Rejected of an order, Canceled of a cancel, Replaced of a replace); if the feed shows it
   * was, its reports come from there and there is no reject; undecided after a while: a reject
   * saying the outcome is unknown. (A cancel or replace the engine rejected, e.g. too late, has no
   * report in the feed: it is answered as not applied, which it was not.) Status and mass-cancel
   * requests have no report in the feed: rejected at once as unknown.
   */
  onRequestFailed(requestSeq: number, text: string, outcomeUnknown = false): void {
    const pend = this.pending.get(requestSeq);
    if (pend === undefined) return;
    this.pending.delete(requestSeq);
    if (!outcomeUnknown) {
      this.rejectPending(pend, text);
      return;
    }
    const unknownText = `${text}; outcome unknown: if the venue applied the request, its ExecutionReports follow (OrderStatusRequest tells)`;
    const decidable = pend.kind === 'new' || pend.kind === 'cancel' || pend.kind === 'replace';
    if (!decidable || pend.account === undefined || this.reports === undefined) {
      this.rejectPending(pend, unknownText);
      return;
    }
    const what = pend.kind === 'new' ? 'the order' : `the ${pend.kind}`;
    this.reports.awaitOutcome(pend.account, pend.clOrdId, pend.feedPosition ?? 0, (outcome) => {
      if (outcome === 'notApplied') this.rejectPending(pend, `${text}; ${what} was not applied`);
      else if (outcome === 'unknown') this.rejectPending(pend, unknownText);
    });
  }

  /** Routes one reply payload (concatenated SBE messages) from the matching service. */
  onReply(requestSeq: number, payload: Uint8Array): void {
    const pend = requestSeq === 0 ? undefined : this.pending.get(requestSeq);
    if (pend !== undefined) {
      this.pending.delete(requestSeq);
      // nondeterminism-ok: the gateway measures its own round trips
      if (pend.sentAtMs !== undefined) this.roundTrip.record(performance.now() - pend.sentAtMs);
    }
    let messages: ReplyMessage[];
    try {
      messages = decodeReply(payload);
    } catch {
      return; // not ours to render; the gateway never crashes on a reply it cannot read
    }
    for (const m of messages) {
      switch (m.type) {
        case 'execution':
          this.reports?.noteReply(m.execId);
          this.onExecution(m, pend);
          break;
        case 'massCancel': {
          const login = this.loginsByAccountId.get(m.accountId);
          const inst = this.instrumentsById.get(m.instrumentId);
          if (login !== undefined && m.clOrdId !== 'COD') {
            this.events.emit(pend?.username ?? login, {
              kind: 'massCancelReport',
              clOrdId: m.clOrdId,
              reportId: `MC-${m.clOrdId}`,
              scope: m.instrumentId === 0 ? 'all' : 'symbol',
              ...(inst === undefined ? {} : { symbol: inst.symbol }),
              accepted: true,
              affectedOrders: m.canceledCount,
            });
          }
          break;
        }
        case 'reject':
          if (pend !== undefined) this.rejectPending(pend, m.text || `rejected (reason ${m.reason})`);
          break;
        case 'trade':
        case 'admin':
          break; // fills reach FIX sessions as ExecutionReports; trades feed market data
      }
    }
  }

  private onExecution(m: ExecutionReportMessage, pend: Pending | undefined): void {
    const inst = this.instrumentsById.get(m.instrumentId);
    const owner = this.loginsByAccountId.get(m.accountId);
    const username = m.execType === ExecType.Rejected && pend !== undefined ? pend.username : owner;
    if (username === undefined) return;
    const symbol = inst?.symbol ?? pend?.symbol ?? '';
    const side: FixSide = m.side === Side.Sell ? 'sell' : m.side === Side.Buy ? 'buy' : (pend?.side ?? 'buy');
    if (
      m.execType === ExecType.Rejected &&
      (m.rejectedCommand === CommandKind.Cancel || m.rejectedCommand === CommandKind.Replace)
    ) {
      this.events.emit(username, {
        kind: 'cancelReject',
        orderId: m.orderId === 0 ? 'NONE' : String(m.orderId),
        clOrdId: m.clOrdId || pend?.clOrdId || 'NONE',
        origClOrdId: m.origClOrdId || pend?.origClOrdId || '',
        ordStatus: fixOrdStatusOf(m.ordStatus, 'rejected'),
        responseTo: m.rejectedCommand === CommandKind.Cancel ? 'cancel' : 'replace',
        reason: cxlRejReason(m.reason),
        text: m.text,
      });
      return;
    }
    const event = toExecutionReportEvent(m, {
      owner,
      symbol,
      side,
      // ClOrdID(11) must not be empty: answers to requests that carry none echo the request's.
      clOrdId: m.clOrdId || pend?.clOrdId || 'NONE',
    });
    if (this.reports === undefined) this.events.emit(username, event);
    else this.reports.deliverDirect(username, m, () => this.events.emit(username, event));
  }

  private refPending(
    ctx: SessionContext,
    kind: 'cancel' | 'replace',
    req: CancelRequest | ReplaceRequest,
  ): Pending {
    return {
      username: ctx.username,
      kind,
      clOrdId: req.clOrdId,
      origClOrdId: req.origClOrdId,
      symbol: req.symbol,
      side: req.side,
      account: req.account,
    };
  }

  private orderRef(
    pend: Pending,
    accountLogin: string,
    orderId: string | undefined,
    origClOrdId: string,
  ): { accountId: number; orderId: number; origClOrdId: string } | undefined {
    const account = this.accountsByLogin.get(accountLogin);
    if (account === undefined) {
      this.rejectPending(pend, `unknown account ${accountLogin}`);
      return undefined;
    }
    const id = orderId === undefined || orderId === 'NONE' ? 0 : Number(orderId);
    if (!Number.isSafeInteger(id) || id < 0) {
      this.rejectPending(pend, `OrderID(37) ${orderId} is not an order id of this venue`);
      return undefined;
    }
    return { accountId: account.accountId, orderId: id, origClOrdId };
  }

  private send(pend: Pending, cmd: Command): void {
    let payload: Uint8Array;
    try {
      payload = encodeCommand(cmd);
    } catch (e) {
      this.rejectPending(pend, (e as Error).message);
      return;
    }
    const seq = this.channel.offer(payload);
    if (seq === undefined) {
      this.rejectPending(pend, this.channel.unavailableText?.() ?? 'venue busy (back-pressure): retry later');
      return;
    }
    // nondeterminism-ok: the gateway measures its own round trips
    pend.sentAtMs = performance.now();
    if (this.reports !== undefined) pend.feedPosition = this.reports.position;
    if (this.pending.size < PENDING_MAX) this.pending.set(seq, pend);
  }

  private rejectPending(pend: Pending, text: string): void {
    if (pend.kind === 'cancel' || pend.kind === 'replace') {
      this.events.emit(pend.username, {
        kind: 'cancelReject',
        orderId: 'NONE',
        clOrdId: pend.clOrdId,
        origClOrdId: pend.origClOrdId,
        ordStatus: 'rejected',
        responseTo: pend.kind,
        reason: 'other',
        text,
      });
    } else if (pend.kind === 'massCancel') {
      this.events.emit(pend.username, {
        kind: 'massCancelReport',
        clOrdId: pend.clOrdId,
        reportId: `MC-${pend.clOrdId}`,
        scope: pend.scope ?? 'all',
        accepted: false,
        affectedOrders: 0,
        rejectReason: 99,
        text,
      });
    } else {
      this.rejectNew(pend, text);
    }
  }

  private rejectNew(pend: Pending, text: string): void {
    this.events.emit(pend.username, {
      kind: 'executionReport',
      orderId: 'NONE',
      execId: `REJ-${pend.clOrdId}`,
      clOrdId: pend.clOrdId,
      execType: 'rejected',
      ordStatus: 'rejected',
      symbol: pend.symbol,
      side: pend.side,
      cumQtyLots: 0,
      leavesQtyLots: 0,
      cumNotionalTickLots: 0,
      ordRejReason: 99,
      text,
    });
  }
}

/**
 * The FIX-neutral ExecutionReport for one matching report: what the account's own session gets,
 * and (the same function) what a drop-copy session gets a copy of.
 */
export function toExecutionReportEvent(
  m: ExecutionReportMessage,
  ctx: {
    readonly owner: string | undefined;
    readonly symbol: string;
    readonly side: FixSide;
    readonly clOrdId: string;
  },
): ExecutionReportEvent {
  return {
    kind: 'executionReport',
    orderId: m.orderId === 0 ? 'NONE' : String(m.orderId),
    execId: String(m.execId),
    clOrdId: ctx.clOrdId,
    ...(m.origClOrdId ? { origClOrdId: m.origClOrdId } : {}),
    execType: fixExecTypeOf(m.execType),
    ordStatus: fixOrdStatusOf(m.ordStatus),
    ...(ctx.owner === undefined ? {} : { account: ctx.owner }),
    symbol: ctx.symbol,
    side: ctx.side,
    ...(ORD_TYPE_NAMES[m.orderType] === undefined ? {} : { ordType: ORD_TYPE_NAMES[m.orderType] }),
    ...(TIF_NAMES[m.tif] === undefined ? {} : { timeInForce: TIF_NAMES[m.tif] }),
    orderQtyLots: m.orderQtyLots,
    ...(m.priceTicks !== 0 ? { priceTicks: m.priceTicks } : {}),
    ...(m.execType === ExecType.Trade ? { lastPxTicks: m.lastPxTicks, lastQtyLots: m.lastQtyLots } : {}),
    cumQtyLots: m.cumQtyLots,
    leavesQtyLots: m.leavesQtyLots,
    cumNotionalTickLots: m.cumNotional,
    ...(m.execType === ExecType.Rejected ? { ordRejReason: ordRejReason(m.reason) } : {}),
    ...(m.text ? { text: m.text } : {}),
    transactTimeMs: m.timestampMs,
  };
}

function cxlRejReason(reason: number): CxlRejReason {
  if (reason === Reason.UnknownOrder) return 'unknownOrder';
  if (reason === Reason.DuplicateClOrdId) return 'duplicateClOrdId';
  return 'other';
}

/** OrdRejReason(103) for a matching reject reason. */
function ordRejReason(reason: number): number {
  switch (reason) {
    case Reason.UnknownInstrument:
      return 1;
    case Reason.DuplicateClOrdId:
      return 6;
    case Reason.InvalidQuantity:
    case Reason.QuantityBelowMin:
    case Reason.QuantityAboveMax:
      return 13;
    case Reason.RiskMaxOrderQty:
    case Reason.RiskMaxNotional:
    case Reason.RiskMaxOpenOrders:
    case Reason.RiskPositionLimit:
    case Reason.CashLimit:
      return 3;
    case Reason.InstrumentHalted:
      return 2;
    default:
      return 99;
  }
}
