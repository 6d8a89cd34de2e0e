import { Account, type AccountView } from '../accounts/account.js';
import { findUncross, type UncrossResult } from '../auction/uncross.js';
import { BookView, OrderBook } from '../book/book.js';
import type { Level } from '../book/level.js';
import { LevelPool } from '../book/level.js';
import { type Order, OrderPool, OrderState, type OrderView } from '../book/order.js';
import { OrderIndex } from '../book/order-index.js';
import type { BookSide } from '../book/side.js';
import { isPositiveDecimal } from '../decimal/decimal.js';
import {
  AdminEvent,
  AdminEventKind,
  type EventSink,
  ExecutionEvent,
  MassCancelEvent,
  TradeEvent,
} from '../events/events.js';
import { bandHigh, bandLow, Instrument, type InstrumentView } from '../instruments/instrument.js';
import { ExpiryQueue } from '../orders/expiry.js';
import { TradingController } from '../phases/controller.js';
import {
  NO_DEADLINE_MS,
  nextCloseAfter,
  TradingPhase,
  VOL_AUCTION_MS_MAX,
  validSchedule,
} from '../phases/phases.js';
import {
  type AddAccountCommand,
  type AddInstrumentCommand,
  type CancelCommand,
  CLORDID_LENGTH_MAX,
  type Command,
  CommandType,
  LOGIN_LENGTH_MAX,
  type MassCancelCommand,
  type NewOrderCommand,
  type OrderRef,
  type OrderStatusCommand,
  type ReplaceCommand,
  type RiskLimits,
  type SessionClosedCommand,
  type SetCancelOnDisconnectCommand,
  type SetInstrumentStatusCommand,
  type SetRiskLimitsCommand,
  type SetTradingScheduleCommand,
  SYMBOL_LENGTH_MAX,
} from '../types/commands.js';
import {
  CommandKind,
  ExecType,
  InstrumentStatus,
  OrderType,
  OrdStatus,
  Side,
  StpMode,
  TimeInForce,
} from '../types/enums.js';
import { Reason, reasonText } from '../types/reasons.js';

export interface EngineConfig {
  /** Session end as ms after 00:00 UTC; Day orders expire at the first session end after entry. */
  sessionEndMsOfDay: number;
  /** Bound on live orders (resting + pending stops) across the engine. */
  liveOrdersMax: number;
  instrumentsMax: number;
  accountsMax: number;
  /** Bound on pooled free objects kept for reuse. */
  poolFreeMax: number;
}

export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = {
  sessionEndMsOfDay: 21 * 3_600_000,
  liveOrdersMax: 8_000_000,
  instrumentsMax: 4096,
  accountsMax: 1_000_000,
  poolFreeMax: 1_000_000,
};

export const DAY_MS = 86_400_000;
const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

function isPosInt(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}
function isNonNegInt(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * The deterministic matching engine: price-time priority books for many instruments, accounts with
 * pre-trade risk and post-trade positions, stops, expiries and self-trade prevention.
 *
 * Commands are applied one at a time by `apply`; events go synchronously to the sink, through
 * reused event objects. No clock, no randomness, no Map iteration in outputs: the same commands
 * give the same events and the same state hash on every replica.
 */
export class MatchingEngine {
  /** @internal Log time of the last applied command (monotonic). */
  nowMs = 0;
  /** @internal Counters (ids derive from them, never random). */
  orderSeq = 0;
  execSeq = 0;
  tradeSeq = 0;
  prioritySeq = 0;
  /** @internal */
  readonly instruments = new Map<number, Instrument>();
  /** @internal Instruments by dense index (= definition order). */
  readonly instrumentList: Instrument[] = [];
  /** @internal */
  readonly accounts = new Map<number, Account>();
  /** @internal Accounts sorted by id (deterministic iteration). */
  readonly accountList: Account[] = [];
  /** @internal */
  readonly accountsByLogin = new Map<string, Account>();
  /** @internal Live orders by id. */
  readonly orders = new OrderIndex();
  /** @internal Sessions that asked for cancel-on-disconnect. */
  readonly codSessions = new Set<number>();
  /** @internal */
  readonly expiry = new ExpiryQueue();
  /** @internal Trading phases, schedules and volatility auctions (src/phases/). */
  readonly trading: TradingController;
  readonly config: Readonly<EngineConfig>;
  /**
   * @internal An incremental snapshot in progress (copy-on-write): told before a resting order or a
   * level's FIFO changes, so it can first capture the level as it was at the snapshot position.
   * Every mutation of a resting order or of a level's order list must call `beforeLevelChange`.
   */
  snapshotGuard: { beforeLevelChange(level: Level): void } | null = null;
  /**
   * @internal Scratch buffers reused by incremental snapshots for the levels they capture early
   * (allocated once rather than per snapshot: no new external memory, so no GC, while one runs).
   * Never part of the state: contents are overwritten before they are read.
   */
  readonly snapshotArena: Uint8Array[] = [];

  private sink: EventSink;
  /** Scratch: account/instrument found by the last successful validateNew. */
  private validAccount: Account | null = null;
  private validInstrument: Instrument | null = null;
  private readonly orderPool: OrderPool;
  private readonly levelPool: LevelPool;
  private readonly views = new Map<number, BookView>();
  private readonly ev = new ExecutionEvent();
  private readonly tr = new TradeEvent();
  private readonly mc = new MassCancelEvent();
  private readonly ad = new AdminEvent();

  constructor(sink: EventSink, config: Partial<EngineConfig> = {}) {
    this.sink = sink;
    this.config = { ...DEFAULT_ENGINE_CONFIG, ...config };
    this.orderPool = new OrderPool(this.config.poolFreeMax);
    this.levelPool = new LevelPool(this.config.poolFreeMax);
    this.trading = new TradingController(this);
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  // ---------------------------------------------------------------- command dispatch

  apply(cmd: Command): void {
    const ts = cmd.timestampMs;
    if (Number.isSafeInteger(ts) && ts > this.nowMs) this.nowMs = ts;
    // Phase transitions first (an opening/closing uncross), then Day/GTD expiries.
    if (this.trading.deadlineMs <= this.nowMs) this.trading.advance();
    if (this.expiry.size > 0) this.expireDue();
    switch (cmd.type) {
      case CommandType.NewOrder:
        this.newOrder(cmd);
        return;
      case CommandType.Cancel:
        this.cancel(cmd);
        return;
      case CommandType.Replace:
        this.replace(cmd);
        return;
      case CommandType.MassCancel:
        this.massCancel(cmd);
        return;
      case CommandType.OrderStatus:
        this.orderStatus(cmd);
        return;
      case CommandType.AddInstrument:
        this.addInstrument(cmd);
        return;
      case CommandType.SetInstrumentStatus:
        this.setInstrumentStatus(cmd);
        return;
      case CommandType.AddAccount:
        this.addAccount(cmd);
        return;
      case CommandType.SetRiskLimits:
        this.setRiskLimits(cmd);
        return;
      case CommandType.SetCancelOnDisconnect:
        this.setCancelOnDisconnect(cmd);
        return;
      case CommandType.SessionClosed:
        this.sessionClosed(cmd);
        return;
      case CommandType.Tick:
        return;
      case CommandType.SetTradingSchedule:
        this.setTradingSchedule(cmd);
        return;
      default:
        this.rejectAdmin(Reason.InvalidCommand, 0);
    }
  }

  /**
   * Earliest pending deadline (log ms): Day/GTD expiry, phase boundary or end of a volatility
   * auction; 0 if none. The service schedules its log timer for it.
   */
  nextDeadlineMs(): number {
    const q = this.expiry;
    let d = 0;
    while (q.size > 0) {
      const o = this.orders.get(q.peekId());
      if (o !== undefined && o.expireAtMs === q.peekDeadline()) {
        d = q.peekDeadline();
        break;
      }
      q.pop();
    }
    const p = this.trading.deadlineMs;
    if (p !== NO_DEADLINE_MS && (d === 0 || p < d)) d = p;
    return d;
  }

  /** First session end strictly after `tsMs`. */
  sessionEndAfter(tsMs: number): number {
    const end = tsMs - (tsMs % DAY_MS) + this.config.sessionEndMsOfDay;
    return end > tsMs ? end : end + DAY_MS;
  }

  // ---------------------------------------------------------------- read-only views

  book(instrumentId: number): BookView | undefined {
    let v = this.views.get(instrumentId);
    if (v === undefined) {
      const inst = this.instruments.get(instrumentId);
      if (inst === undefined) return undefined;
      v = new BookView(inst.book);
      this.views.set(instrumentId, v);
    }
    return v;
  }

  instrument(instrumentId: number): InstrumentView | undefined {
    return this.instruments.get(instrumentId);
  }

  instrumentBySymbol(symbol: string): InstrumentView | undefined {
    for (const i of this.instrumentList) if (i.symbol === symbol) return i;
    return undefined;
  }

  /** Instrument ids ascending. */
  instrumentIds(): number[] {
    return this.instrumentList.map((i) => i.id).sort((a, b) => a - b);
  }

  account(accountId: number): AccountView | undefined {
    return this.accounts.get(accountId);
  }

  accountByLogin(login: string): AccountView | undefined {
    return this.accountsByLogin.get(login);
  }

  /** Account ids ascending. */
  accountIds(): number[] {
    return this.accountList.map((a) => a.id);
  }

  /** Position (lots) and cash (cash units: ticks x lots) of an account on an instrument. */
  position(accountId: number, instrumentId: number): { positionLots: number; cash: number } | undefined {
    const a = this.accounts.get(accountId);
    const i = this.instruments.get(instrumentId);
    if (a === undefined || i === undefined) return undefined;
    return { positionLots: a.positionLots[i.index] ?? 0, cash: a.cash[i.index] ?? 0 };
  }

  order(
    orderId: number,
  ): (OrderView & { readonly accountId: number; readonly instrumentId: number }) | undefined {
    const o = this.orders.get(orderId);
    if (o === undefined) return undefined;
    return {
      id: o.id,
      clOrdId: o.clOrdId,
      accountId: o.account!.id,
      instrumentId: o.instrument!.id,
      sessionId: o.sessionId,
      side: o.side,
      orderType: o.orderType,
      tif: o.tif,
      postOnly: o.postOnly,
      priceTicks: o.priceTicks,
      stopPriceTicks: o.stopPriceTicks,
      orderQtyLots: o.orderQtyLots,
      leavesLots: o.leavesLots,
      displayLots: o.displayLots,
      visibleLots: o.visibleLots,
      cumQtyLots: o.cumQtyLots,
      cumNotional: o.cumNotional,
      expireAtMs: o.expireAtMs,
      prioritySeq: o.prioritySeq,
    };
  }

  /**
   * Calls `fn` with the id of each live order of the account (pending stops included), ascending,
   * at most `max` of them; returns the account's live order count, or -1 for an unknown account.
   */
  forEachAccountOrder(accountId: number, max: number, fn: (orderId: number) => void): number {
    const a = this.accounts.get(accountId);
    if (a === undefined) return -1;
    let n = 0;
    for (let o = a.headOrder; o !== null && n < max; o = o.acctNext, n++) fn(o.id);
    return a.openOrders;
  }

  /**
   * The id of the live order a cancel / replace / status reference addresses, resolved exactly as
   * those commands resolve it (by order id, else by the account's ClOrdID; another account's order
   * reads as unknown), or 0 if none. Read-only: the service uses it to route replies.
   */
  resolveOrderRef(ref: OrderRef): number {
    return this.findOrder(ref)?.id ?? 0;
  }

  get liveOrderCount(): number {
    return this.orders.size;
  }

  // ---------------------------------------------------------------- events

  private fillEvent(o: Order, execType: ExecType, ordStatus: OrdStatus, reason: Reason): ExecutionEvent {
    const e = this.ev;
    e.execType = execType;
    e.ordStatus = ordStatus;
    e.execId = ++this.execSeq;
    e.orderId = o.id;
    e.clOrdId = o.clOrdId;
    e.origClOrdId = '';
    e.accountId = o.account!.id;
    e.sessionId = o.sessionId;
    e.instrumentId = o.instrument!.id;
    e.side = o.side as Side;
    e.orderType = o.orderType as OrderType;
    e.tif = o.tif as TimeInForce;
    e.priceTicks = o.priceTicks;
    e.stopPriceTicks = o.stopPriceTicks;
    e.orderQtyLots = o.orderQtyLots;
    e.displayQtyLots = o.displayLots;
    e.lastPxTicks = 0;
    e.lastQtyLots = 0;
    e.cumQtyLots = o.cumQtyLots;
    e.leavesQtyLots = o.leavesLots;
    e.cumNotional = o.cumNotional;
    e.tradeId = 0;
    e.aggressor = false;
    e.reason = reason;
    e.text = reason === Reason.None ? '' : reasonText(reason);
    e.rejectedCommand = 0;
    e.timestampMs = this.nowMs;
    return e;
  }

  private emitOrder(o: Order, execType: ExecType, ordStatus: OrdStatus, reason: Reason): void {
    this.sink.onExecution(this.fillEvent(o, execType, ordStatus, reason));
  }

  private liveStatus(o: Order): OrdStatus {
    return o.cumQtyLots > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New;
  }

  private rejectEvent(kind: CommandKind, reason: Reason): ExecutionEvent {
    const e = this.ev;
    e.execType = ExecType.Rejected;
    e.ordStatus = OrdStatus.Rejected;
    e.execId = ++this.execSeq;
    e.orderId = 0;
    e.clOrdId = '';
    e.origClOrdId = '';
    e.accountId = 0;
    e.sessionId = 0;
    e.instrumentId = 0;
    e.side = 0;
    e.orderType = 0;
    e.tif = 0;
    e.priceTicks = 0;
    e.stopPriceTicks = 0;
    e.orderQtyLots = 0;
    e.displayQtyLots = 0;
    e.lastPxTicks = 0;
    e.lastQtyLots = 0;
    e.cumQtyLots = 0;
    e.leavesQtyLots = 0;
    e.cumNotional = 0;
    e.tradeId = 0;
    e.aggressor = false;
    e.reason = reason;
    e.text = reasonText(reason);
    e.rejectedCommand = kind;
    e.timestampMs = this.nowMs;
    return e;
  }

  private rejectNew(cmd: NewOrderCommand, reason: Reason): void {
    const e = this.rejectEvent(CommandKind.NewOrder, reason);
    e.clOrdId = typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '';
    e.accountId = Number.isSafeInteger(cmd.accountId) ? cmd.accountId : 0;
    e.sessionId = Number.isSafeInteger(cmd.sessionId) ? cmd.sessionId : 0;
    e.instrumentId = Number.isSafeInteger(cmd.instrumentId) ? cmd.instrumentId : 0;
    e.side = cmd.side === Side.Buy || cmd.side === Side.Sell ? cmd.side : 0;
    e.orderType = Number.isSafeInteger(cmd.orderType) ? cmd.orderType : 0;
    e.tif = Number.isSafeInteger(cmd.tif) ? cmd.tif : 0;
    e.priceTicks = Number.isSafeInteger(cmd.priceTicks) ? cmd.priceTicks : 0;
    e.stopPriceTicks = Number.isSafeInteger(cmd.stopPriceTicks) ? cmd.stopPriceTicks : 0;
    e.orderQtyLots = Number.isSafeInteger(cmd.qtyLots) ? cmd.qtyLots : 0;
    this.sink.onExecution(e);
  }

  /** Rejects a cancel/replace/status; carries the order's identity if it was found. */
  private rejectRef(
    kind: CommandKind,
    cmd: OrderRef & { clOrdId?: string },
    reason: Reason,
    o?: Order,
  ): void {
    const e = this.rejectEvent(kind, reason);
    e.accountId = Number.isSafeInteger(cmd.accountId) ? cmd.accountId : 0;
    e.clOrdId = typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '';
    e.origClOrdId = typeof cmd.origClOrdId === 'string' ? cmd.origClOrdId : '';
    if (o !== undefined) {
      // The order itself is unchanged: report its live state (FIX OrderCancelReject carries OrdStatus).
      e.orderId = o.id;
      e.ordStatus = this.liveStatus(o);
      e.instrumentId = o.instrument!.id;
      e.side = o.side as Side;
      e.orderType = o.orderType as OrderType;
      e.tif = o.tif as TimeInForce;
      e.priceTicks = o.priceTicks;
      e.stopPriceTicks = o.stopPriceTicks;
      e.orderQtyLots = o.orderQtyLots;
      e.cumQtyLots = o.cumQtyLots;
      e.leavesQtyLots = o.leavesLots;
      e.cumNotional = o.cumNotional;
    } else {
      e.orderId = Number.isSafeInteger(cmd.orderId) ? cmd.orderId : 0;
    }
    this.sink.onExecution(e);
  }

  private rejectAdmin(reason: Reason, id: number): void {
    const e = this.rejectEvent(CommandKind.Admin, reason);
    e.orderId = 0;
    e.instrumentId = Number.isSafeInteger(id) ? id : 0;
    this.sink.onExecution(e);
  }

  private emitAdmin(kind: AdminEventKind, id: number): void {
    const a = this.ad;
    a.kind = kind;
    a.id = id;
    a.timestampMs = this.nowMs;
    this.sink.onAdmin(a);
  }

  // ---------------------------------------------------------------- new order

  private referencePx(inst: Instrument): number {
    const last = inst.book.lastTradePxTicks;
    return last > 0 ? last : inst.refPriceTicks;
  }

  private validateNew(cmd: NewOrderCommand): Reason {
    const acct = this.accounts.get(cmd.accountId);
    if (acct === undefined) return Reason.UnknownAccount;
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) return Reason.UnknownInstrument;
    this.validAccount = acct;
    this.validInstrument = inst;
    if (typeof cmd.clOrdId !== 'string' || cmd.clOrdId.length > CLORDID_LENGTH_MAX)
      return Reason.InvalidCommand;
    if (cmd.clOrdId !== '' && acct.byClOrdId.has(cmd.clOrdId)) return Reason.DuplicateClOrdId;
    if (!Number.isSafeInteger(cmd.sessionId) || cmd.sessionId < 0) return Reason.InvalidCommand;
    if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return Reason.InvalidSide;
    const t = cmd.orderType;
    if (
      t !== OrderType.Limit &&
      t !== OrderType.Market &&
      t !== OrderType.Stop &&
      t !== OrderType.StopLimit
    ) {
      return Reason.InvalidOrderType;
    }
    const tif = cmd.tif;
    if (
      tif !== TimeInForce.GTC &&
      tif !== TimeInForce.Day &&
      tif !== TimeInForce.IOC &&
      tif !== TimeInForce.FOK &&
      tif !== TimeInForce.GTD
    ) {
      return Reason.InvalidTimeInForce;
    }
    const isMarketLike = t === OrderType.Market || t === OrderType.Stop;
    if (isMarketLike && (tif === TimeInForce.GTC || tif === TimeInForce.GTD))
      return Reason.InvalidTimeInForce;
    const phase = inst.trading.phase;
    if (phase !== TradingPhase.Continuous) {
      if (phase === TradingPhase.Halted) return Reason.InstrumentHalted;
      if (phase === TradingPhase.Closed) return Reason.InstrumentClosed;
      // A call: only orders that can rest take part in the uncross.
      if (
        t === OrderType.Market ||
        tif === TimeInForce.IOC ||
        tif === TimeInForce.FOK ||
        cmd.postOnly === true
      ) {
        return Reason.NotAllowedInPhase;
      }
    }
    const qty = cmd.qtyLots;
    if (!isPosInt(qty)) return Reason.InvalidQuantity;
    if (qty < inst.minQtyLots) return Reason.QuantityBelowMin;
    if (qty > inst.maxQtyLots) return Reason.QuantityAboveMax;
    const hasLimit = t === OrderType.Limit || t === OrderType.StopLimit;
    if (hasLimit && !isPosInt(cmd.priceTicks)) return Reason.InvalidPrice;
    const isStop = t === OrderType.Stop || t === OrderType.StopLimit;
    if (isStop && !isPosInt(cmd.stopPriceTicks)) return Reason.InvalidStopPrice;
    if (typeof cmd.postOnly !== 'boolean') return Reason.InvalidCommand;
    if (cmd.postOnly && (t !== OrderType.Limit || tif === TimeInForce.IOC || tif === TimeInForce.FOK)) {
      return Reason.InvalidOrderType;
    }
    if (!isNonNegInt(cmd.displayQtyLots)) return Reason.InvalidDisplayQuantity;
    if (cmd.displayQtyLots > 0) {
      if (!hasLimit || tif === TimeInForce.IOC || tif === TimeInForce.FOK) return Reason.InvalidOrderType;
      if (cmd.displayQtyLots >= qty) return Reason.InvalidDisplayQuantity;
    }
    if (tif === TimeInForce.GTD) {
      if (!isPosInt(cmd.expireAtMs) || cmd.expireAtMs <= this.nowMs) return Reason.InvalidExpireTime;
    }
    const ref = this.referencePx(inst);
    if (
      hasLimit &&
      (cmd.priceTicks < bandLow(ref, inst.bandBps) || cmd.priceTicks > bandHigh(ref, inst.bandBps))
    ) {
      return Reason.PriceOutsideBand;
    }
    if (isStop) {
      // A stop must not be triggered already by the current last/reference price.
      if (cmd.side === Side.Buy ? cmd.stopPriceTicks <= ref : cmd.stopPriceTicks >= ref) {
        return Reason.InvalidStopPrice;
      }
    }
    const r = this.checkRisk(
      acct,
      inst,
      cmd.side,
      qty,
      this.notionalPx(t, cmd.priceTicks, cmd.stopPriceTicks, ref),
    );
    if (r !== Reason.None) return r;
    if (acct.maxOpenOrders > 0 && acct.openOrders >= acct.maxOpenOrders) return Reason.RiskMaxOpenOrders;
    if (this.orders.size >= this.config.liveOrdersMax) return Reason.CapacityExceeded;
    if (cmd.postOnly && this.wouldCross(inst.book, cmd.side, cmd.priceTicks)) return Reason.PostOnlyWouldTake;
    return Reason.None;
  }

  /** Price used for notional checks: limit price, else stop price, else the reference price. */
  private notionalPx(t: number, priceTicks: number, stopPriceTicks: number, ref: number): number {
    if (t === OrderType.Limit || t === OrderType.StopLimit) return priceTicks;
    if (t === OrderType.Stop) return stopPriceTicks;
    return ref;
  }

  /** Pre-trade risk for a quantity `qty` (or a quantity increase) at notional price `px`. */
  private checkRisk(acct: Account, inst: Instrument, side: number, qty: number, px: number): Reason {
    if (acct.maxOrderQtyLots > 0 && qty > acct.maxOrderQtyLots) return Reason.RiskMaxOrderQty;
    const notional = qty * px;
    if (acct.maxOrderNotional > 0 && notional > acct.maxOrderNotional) return Reason.RiskMaxNotional;
    const i = inst.index;
    if (Math.abs(acct.cash[i]!) + notional > Number.MAX_SAFE_INTEGER) return Reason.CashLimit;
    if (acct.maxPositionLots > 0) {
      const pos = acct.positionLots[i]!;
      if (side === Side.Buy) {
        if (pos + acct.openBuyLots[i]! + qty > acct.maxPositionLots) return Reason.RiskPositionLimit;
      } else if (acct.openSellLots[i]! + qty - pos > acct.maxPositionLots) {
        return Reason.RiskPositionLimit;
      }
    }
    return Reason.None;
  }

  private wouldCross(book: OrderBook, side: number, priceTicks: number): boolean {
    if (side === Side.Buy) {
      const a = book.asks.best();
      return a !== undefined && a.priceTicks <= priceTicks;
    }
    const b = book.bids.best();
    return b !== undefined && b.priceTicks >= priceTicks;
  }

  private newOrder(cmd: NewOrderCommand): void {
    const reason = this.validateNew(cmd);
    if (reason !== Reason.None) {
      this.rejectNew(cmd, reason);
      return;
    }
    // Found by validateNew (saves two lookups on the hot path).
    const acct = this.validAccount!;
    const inst = this.validInstrument!;
    const o = this.orderPool.acquire();
    o.id = ++this.orderSeq;
    o.clOrdId = cmd.clOrdId;
    o.account = acct;
    o.instrument = inst;
    o.sessionId = cmd.sessionId;
    o.side = cmd.side;
    o.orderType = cmd.orderType;
    o.tif = cmd.tif;
    o.postOnly = cmd.postOnly;
    o.state = OrderState.Working;
    o.triggered = false;
    const hasLimit = cmd.orderType === OrderType.Limit || cmd.orderType === OrderType.StopLimit;
    const isStop = cmd.orderType === OrderType.Stop || cmd.orderType === OrderType.StopLimit;
    o.priceTicks = hasLimit ? cmd.priceTicks : 0;
    o.stopPriceTicks = isStop ? cmd.stopPriceTicks : 0;
    o.orderQtyLots = cmd.qtyLots;
    o.leavesLots = cmd.qtyLots;
    o.displayLots = cmd.displayQtyLots;
    o.visibleLots = 0;
    o.cumQtyLots = 0;
    o.cumNotional = 0;
    o.expireAtMs =
      cmd.tif === TimeInForce.GTD
        ? cmd.expireAtMs
        : cmd.tif === TimeInForce.Day
          ? this.dayEndAfter(inst, this.nowMs)
          : 0;
    o.prioritySeq = ++this.prioritySeq;
    this.register(o);
    this.emitOrder(o, ExecType.New, OrdStatus.New, Reason.None);
    if (isStop) {
      o.state = OrderState.PendingStop;
      inst.book.stops.add(o, o.side === Side.Buy);
      return;
    }
    this.execute(o);
    this.runStops(inst);
  }

  /** Makes an accepted order live: id index, account list, ClOrdID index, open quantities, expiry. */
  private register(o: Order): void {
    const acct = o.account!;
    this.orders.set(o.id, o);
    acct.linkOrder(o);
    if (o.clOrdId !== '') acct.byClOrdId.set(o.clOrdId, o);
    acct.openOrders++;
    const i = o.instrument!.index;
    if (o.side === Side.Buy) acct.openBuyLots[i]! += o.leavesLots;
    else acct.openSellLots[i]! += o.leavesLots;
    if (o.expireAtMs > 0) this.expiry.push(o.expireAtMs, o.id);
  }

  /** Forgets a terminal order (leaves already 0 and open quantities already adjusted) and pools it. */
  private release(o: Order): void {
    const acct = o.account!;
    this.orders.delete(o.id);
    acct.unlinkOrder(o);
    if (o.clOrdId !== '' && acct.byClOrdId.get(o.clOrdId) === o) acct.byClOrdId.delete(o.clOrdId);
    acct.openOrders--;
    this.orderPool.release(o);
  }

  /** Ends a live order with a Canceled/Expired report. */
  private terminate(
    o: Order,
    execType: ExecType,
    ordStatus: OrdStatus,
    reason: Reason,
    requestClOrdId = '',
  ): void {
    if (o.state === OrderState.Resting) this.removeFromLevel(o);
    else if (o.state === OrderState.PendingStop) o.instrument!.book.stops.remove(o, o.side === Side.Buy);
    const acct = o.account!;
    const i = o.instrument!.index;
    if (o.side === Side.Buy) acct.openBuyLots[i]! -= o.leavesLots;
    else acct.openSellLots[i]! -= o.leavesLots;
    o.leavesLots = 0;
    o.visibleLots = 0;
    const e = this.fillEvent(o, execType, ordStatus, reason);
    if (requestClOrdId !== '') {
      e.origClOrdId = o.clOrdId;
      e.clOrdId = requestClOrdId;
    }
    this.sink.onExecution(e);
    this.release(o);
  }

  private beforeLevelChange(level: Level): void {
    if (this.snapshotGuard !== null) this.snapshotGuard.beforeLevelChange(level);
  }

  private removeFromLevel(o: Order): void {
    const level = o.level!;
    this.beforeLevelChange(level);
    const inst = o.instrument!;
    level.visibleLots -= o.visibleLots;
    level.totalLots -= o.leavesLots;
    level.unlink(o);
    inst.book.restingCount--;
    o.state = OrderState.Working;
    if (level.orderCount === 0) this.dropLevel(o.side === Side.Buy ? inst.book.bids : inst.book.asks, level);
  }

  private dropLevel(side: BookSide, level: Level): void {
    side.remove(level);
    this.levelPool.release(level);
  }

  private rest(o: Order): void {
    const book = o.instrument!.book;
    const side = o.side === Side.Buy ? book.bids : book.asks;
    const level = side.getOrCreate(o.priceTicks, this.levelPool);
    this.beforeLevelChange(level);
    o.visibleLots = o.displayLots > 0 && o.displayLots < o.leavesLots ? o.displayLots : o.leavesLots;
    o.state = OrderState.Resting;
    level.pushBack(o);
    book.restingCount++;
  }

  /** Runs an accepted (or triggered, or re-priced) order against the book, then rests or cancels the rest. */
  private execute(o: Order): void {
    const inst = o.instrument!;
    const isMarket = o.orderType === OrderType.Market || o.orderType === OrderType.Stop;
    let limitPx: number;
    if (isMarket) {
      const ref = this.referencePx(inst);
      limitPx = o.side === Side.Buy ? bandHigh(ref, inst.bandBps) : bandLow(ref, inst.bandBps);
    } else {
      limitPx = o.priceTicks;
    }
    o.state = OrderState.Working;
    const tr = inst.trading;
    if (tr.phase !== TradingPhase.Continuous) {
      // A call phase: no matching (validation let only restable orders in).
      if (isMarket || o.tif === TimeInForce.IOC || o.tif === TimeInForce.FOK) {
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.IocRemainder);
      } else this.rest(o);
      return;
    }
    // Volatility interruption: trades may print only within the band around the last price
    // (fixed for the whole order); beyond it the instrument goes into a volatility auction.
    let matchPx = limitPx;
    if (tr.volBandBps > 0) {
      const ref = this.referencePx(inst);
      matchPx =
        o.side === Side.Buy
          ? Math.min(limitPx, bandHigh(ref, tr.volBandBps))
          : Math.max(limitPx, bandLow(ref, tr.volBandBps));
    }
    if (o.tif === TimeInForce.FOK && !this.fokFillable(o, matchPx)) {
      const interrupt = matchPx !== limitPx && this.fokFillable(o, limitPx);
      this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.FokNotFillable);
      if (interrupt) this.trading.startVolatilityAuction(inst);
      return;
    }
    if (!this.match(o, matchPx)) return;
    const interrupt = matchPx !== limitPx && o.leavesLots > 0 && this.wouldCross(inst.book, o.side, limitPx);
    if (o.leavesLots === 0) {
      this.release(o);
    } else if (isMarket) this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.MarketRemainder);
    else if (o.tif === TimeInForce.IOC || o.tif === TimeInForce.FOK) {
      this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.IocRemainder);
    } else this.rest(o);
    if (interrupt) this.trading.startVolatilityAuction(inst);
  }

  /**
   * FOK pre-check: crossing liquidity (iceberg reserve included) in priority order must cover the
   * order before it would meet one of its own account's orders (when the account has an STP mode).
   */
  private fokFillable(o: Order, limitPx: number): boolean {
    const book = o.instrument!.book;
    const isBuy = o.side === Side.Buy;
    const opp = isBuy ? book.asks : book.bids;
    const stp = o.account!.stpMode !== StpMode.None;
    let avail = 0;
    for (let li = opp.levels.length - 1; li >= 0; li--) {
      const level = opp.levels[li]!;
      if (isBuy ? level.priceTicks > limitPx : level.priceTicks < limitPx) return false;
      for (let m = level.head; m !== null; m = m.next) {
        if (stp && m.account === o.account) return false;
        avail += m.leavesLots;
        if (avail >= o.leavesLots) return true;
      }
    }
    return false;
  }

  /** Matches `o` while it crosses. Returns false if `o` was terminated (STP). */
  private match(o: Order, limitPx: number): boolean {
    const inst = o.instrument!;
    const book = inst.book;
    const isBuy = o.side === Side.Buy;
    const opp = isBuy ? book.asks : book.bids;
    const acct = o.account!;
    while (o.leavesLots > 0) {
      const level = opp.best();
      if (level === undefined) break;
      const px = level.priceTicks;
      if (isBuy ? px > limitPx : px < limitPx) break;
      const maker = level.head!;
      if (maker.account === acct && acct.stpMode !== StpMode.None) {
        if (!this.selfTrade(o, maker, level)) return false;
        continue;
      }
      const qty = Math.min(o.leavesLots, maker.visibleLots);
      this.trade(inst, level, maker, o, qty);
    }
    return true;
  }

  /** Applies the account's STP mode. Returns false if the incoming order was terminated. */
  private selfTrade(o: Order, maker: Order, level: Level): boolean {
    this.beforeLevelChange(level);
    switch (o.account!.stpMode) {
      case StpMode.CancelResting:
        this.terminate(maker, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        return true;
      case StpMode.CancelIncoming:
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        return false;
      case StpMode.CancelBoth:
        this.terminate(maker, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        return false;
      default: {
        // Decrement: both orders lose the overlapping quantity without trading.
        const q = Math.min(o.leavesLots, maker.leavesLots);
        const acct = o.account!;
        const i = o.instrument!.index;
        maker.orderQtyLots -= q;
        maker.leavesLots -= q;
        level.totalLots -= q;
        if (maker.visibleLots > maker.leavesLots) {
          level.visibleLots -= maker.visibleLots - maker.leavesLots;
          maker.visibleLots = maker.leavesLots;
        }
        o.orderQtyLots -= q;
        o.leavesLots -= q;
        // Same account: one side's open quantity on each side.
        acct.openBuyLots[i]! -= q;
        acct.openSellLots[i]! -= q;
        if (maker.leavesLots === 0) {
          this.terminate(maker, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        } else {
          this.emitOrder(maker, ExecType.Restated, this.liveStatus(maker), Reason.StpDecrement);
        }
        if (o.leavesLots === 0) {
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          return false;
        }
        this.emitOrder(o, ExecType.Restated, this.liveStatus(o), Reason.StpDecrement);
        return true;
      }
    }
  }

  private trade(inst: Instrument, level: Level, maker: Order, taker: Order, qty: number): void {
    this.beforeLevelChange(level);
    const px = level.priceTicks;
    const notional = px * qty;
    maker.leavesLots -= qty;
    maker.visibleLots -= qty;
    maker.cumQtyLots += qty;
    maker.cumNotional += notional;
    level.visibleLots -= qty;
    level.totalLots -= qty;
    taker.leavesLots -= qty;
    taker.cumQtyLots += qty;
    taker.cumNotional += notional;
    const i = inst.index;
    const ma = maker.account!;
    const ta = taker.account!;
    const takerBuys = taker.side === Side.Buy;
    const buyer = takerBuys ? ta : ma;
    const seller = takerBuys ? ma : ta;
    buyer.positionLots[i]! += qty;
    buyer.cash[i]! -= notional;
    buyer.openBuyLots[i]! -= qty;
    seller.positionLots[i]! -= qty;
    seller.cash[i]! += notional;
    seller.openSellLots[i]! -= qty;
    if (!Number.isSafeInteger(buyer.cash[i]!) || !Number.isSafeInteger(seller.cash[i]!)) {
      throw new Error('invariant: cash outside the exact integer range');
    }
    const book = inst.book;
    const tradeId = ++this.tradeSeq;
    book.lastTradePxTicks = px;
    book.lastTradeQtyLots = qty;
    book.lastTradeId = tradeId;
    book.lastTradeAggressorSide = taker.side;
    book.lastTradeTimestampMs = this.nowMs;

    const t = this.tr;
    t.tradeId = tradeId;
    t.instrumentId = inst.id;
    t.priceTicks = px;
    t.qtyLots = qty;
    t.aggressorSide = taker.side as Side;
    t.makerOrderId = maker.id;
    t.takerOrderId = taker.id;
    t.makerAccountId = ma.id;
    t.takerAccountId = ta.id;
    t.makerSessionId = maker.sessionId;
    t.takerSessionId = taker.sessionId;
    t.timestampMs = this.nowMs;
    this.sink.onTrade(t);

    let e = this.fillEvent(
      maker,
      ExecType.Trade,
      maker.leavesLots === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled,
      Reason.None,
    );
    e.lastPxTicks = px;
    e.lastQtyLots = qty;
    e.tradeId = tradeId;
    this.sink.onExecution(e);
    e = this.fillEvent(
      taker,
      ExecType.Trade,
      taker.leavesLots === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled,
      Reason.None,
    );
    e.lastPxTicks = px;
    e.lastQtyLots = qty;
    e.tradeId = tradeId;
    e.aggressor = true;
    this.sink.onExecution(e);

    if (maker.leavesLots === 0) {
      level.unlink(maker);
      book.restingCount--;
      if (level.orderCount === 0) this.dropLevel(takerBuys ? book.asks : book.bids, level);
      this.release(maker);
    } else if (maker.visibleLots === 0) {
      // Iceberg: show the next slice at the back of the queue (time priority lost for the reserve).
      const show = Math.min(maker.displayLots, maker.leavesLots);
      maker.visibleLots = show;
      level.visibleLots += show;
      maker.prioritySeq = ++this.prioritySeq;
      if (level.tail !== maker) {
        const total = level.totalLots;
        const vis = level.visibleLots;
        level.unlink(maker);
        level.pushBack(maker);
        level.totalLots = total;
        level.visibleLots = vis;
      }
    }
  }

  /** Triggers stops whose condition holds after this command's trades, one at a time. */
  private runStops(inst: Instrument): void {
    const book = inst.book;
    const stops = book.stops;
    if (stops.size === 0) return;
    for (;;) {
      // Stops trigger only in continuous trading (a volatility auction may start on the way).
      if (inst.trading.phase !== TradingPhase.Continuous) return;
      const last = book.lastTradePxTicks;
      if (last === 0) return;
      const s = stops.nextTriggered(last);
      if (s === undefined) return;
      stops.remove(s, s.side === Side.Buy);
      s.triggered = true;
      s.state = OrderState.Working;
      s.prioritySeq = ++this.prioritySeq;
      this.emitOrder(s, ExecType.Triggered, this.liveStatus(s), Reason.None);
      this.execute(s);
    }
  }

  // ---------------------------------------------------------------- cancel / replace / status

  private findOrder(ref: OrderRef): Order | undefined {
    const acct = this.accounts.get(ref.accountId);
    if (acct === undefined) return undefined;
    let o: Order | undefined;
    if (Number.isSafeInteger(ref.orderId) && ref.orderId > 0) o = this.orders.get(ref.orderId);
    else if (typeof ref.origClOrdId === 'string' && ref.origClOrdId !== '')
      o = acct.byClOrdId.get(ref.origClOrdId);
    // An account may only see its own orders: another account's id reads as unknown.
    return o !== undefined && o.account === acct ? o : undefined;
  }

  private cancel(cmd: CancelCommand): void {
    const o = this.findOrder(cmd);
    if (o === undefined) {
      this.rejectRef(CommandKind.Cancel, cmd, Reason.UnknownOrder);
      return;
    }
    const clOrdId = typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '';
    this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.CanceledByUser, clOrdId);
  }

  private orderStatus(cmd: OrderStatusCommand): void {
    const o = this.findOrder(cmd);
    if (o === undefined) {
      this.rejectRef(CommandKind.OrderStatus, cmd, Reason.UnknownOrder);
      return;
    }
    this.emitOrder(o, ExecType.OrderStatus, this.liveStatus(o), Reason.None);
  }

  private validateReplace(cmd: ReplaceCommand, o: Order): Reason {
    const inst = o.instrument!;
    const acct = o.account!;
    const phase = inst.trading.phase;
    if (phase === TradingPhase.Halted) return Reason.InstrumentHalted;
    if (phase === TradingPhase.Closed) return Reason.InstrumentClosed;
    if (typeof cmd.clOrdId !== 'string' || cmd.clOrdId.length > CLORDID_LENGTH_MAX)
      return Reason.InvalidCommand;
    if (cmd.clOrdId !== '' && cmd.clOrdId !== o.clOrdId && acct.byClOrdId.has(cmd.clOrdId)) {
      return Reason.DuplicateClOrdId;
    }
    const qty = cmd.qtyLots;
    if (!isPosInt(qty)) return Reason.InvalidQuantity;
    if (qty <= o.cumQtyLots) return Reason.ReplaceQtyNotAboveCumQty;
    if (qty < inst.minQtyLots) return Reason.QuantityBelowMin;
    if (qty > inst.maxQtyLots) return Reason.QuantityAboveMax;
    const hasLimit = o.orderType === OrderType.Limit || o.orderType === OrderType.StopLimit;
    const price = hasLimit ? cmd.priceTicks : 0;
    const ref = this.referencePx(inst);
    if (hasLimit) {
      if (!isPosInt(price)) return Reason.InvalidPrice;
      if (price < bandLow(ref, inst.bandBps) || price > bandHigh(ref, inst.bandBps))
        return Reason.PriceOutsideBand;
    }
    let stopPx = o.stopPriceTicks;
    if (o.state === OrderState.PendingStop) {
      stopPx = cmd.stopPriceTicks;
      if (!isPosInt(stopPx)) return Reason.InvalidStopPrice;
      if (o.side === Side.Buy ? stopPx <= ref : stopPx >= ref) return Reason.InvalidStopPrice;
    }
    const delta = qty - o.orderQtyLots;
    if (acct.maxOrderQtyLots > 0 && qty > acct.maxOrderQtyLots) return Reason.RiskMaxOrderQty;
    const px = this.notionalPx(o.orderType, price, stopPx, ref);
    if (acct.maxOrderNotional > 0 && qty * px > acct.maxOrderNotional) return Reason.RiskMaxNotional;
    if (delta > 0) {
      const r = this.checkRisk(acct, inst, o.side, delta, px);
      if (r !== Reason.None && r !== Reason.RiskMaxOrderQty && r !== Reason.RiskMaxNotional) return r;
    }
    if (
      o.postOnly &&
      o.state === OrderState.Resting &&
      price !== o.priceTicks &&
      phase === TradingPhase.Continuous
    ) {
      if (this.wouldCross(inst.book, o.side, price)) return Reason.PostOnlyWouldTake;
    }
    return Reason.None;
  }

  private replace(cmd: ReplaceCommand): void {
    const o = this.findOrder(cmd);
    if (o === undefined) {
      this.rejectRef(CommandKind.Replace, cmd, Reason.UnknownOrder);
      return;
    }
    const reason = this.validateReplace(cmd, o);
    if (reason !== Reason.None) {
      this.rejectRef(CommandKind.Replace, cmd, reason, o);
      return;
    }
    if (o.state === OrderState.Resting) this.beforeLevelChange(o.level!);
    const acct = o.account!;
    const inst = o.instrument!;
    const i = inst.index;
    const oldClOrdId = o.clOrdId;
    if (cmd.clOrdId !== '' && cmd.clOrdId !== oldClOrdId) {
      if (oldClOrdId !== '') acct.byClOrdId.delete(oldClOrdId);
      acct.byClOrdId.set(cmd.clOrdId, o);
      o.clOrdId = cmd.clOrdId;
    }
    const hasLimit = o.orderType === OrderType.Limit || o.orderType === OrderType.StopLimit;
    const newPrice = hasLimit ? cmd.priceTicks : 0;
    const delta = cmd.qtyLots - o.orderQtyLots;
    if (o.side === Side.Buy) acct.openBuyLots[i]! += delta;
    else acct.openSellLots[i]! += delta;

    if (o.state === OrderState.PendingStop) {
      const isBuy = o.side === Side.Buy;
      inst.book.stops.remove(o, isBuy);
      o.stopPriceTicks = cmd.stopPriceTicks;
      o.priceTicks = newPrice;
      o.orderQtyLots = cmd.qtyLots;
      o.leavesLots += delta;
      o.prioritySeq = ++this.prioritySeq;
      inst.book.stops.add(o, isBuy);
      this.emitReplaced(o, oldClOrdId);
      return;
    }
    // Resting limit (only resting orders and pending stops are live between commands).
    if (newPrice === o.priceTicks && delta <= 0) {
      // Quantity down (or unchanged) at the same price keeps time priority.
      const level = o.level!;
      o.orderQtyLots = cmd.qtyLots;
      o.leavesLots += delta;
      level.totalLots += delta;
      if (o.visibleLots > o.leavesLots) {
        level.visibleLots -= o.visibleLots - o.leavesLots;
        o.visibleLots = o.leavesLots;
      }
      this.emitReplaced(o, oldClOrdId);
      return;
    }
    // Price change or quantity up: loses priority, and may trade at once if it now crosses.
    this.removeFromLevel(o);
    o.priceTicks = newPrice;
    o.orderQtyLots = cmd.qtyLots;
    o.leavesLots += delta;
    o.prioritySeq = ++this.prioritySeq;
    this.emitReplaced(o, oldClOrdId);
    this.execute(o);
    this.runStops(inst);
  }

  private emitReplaced(o: Order, oldClOrdId: string): void {
    const e = this.fillEvent(o, ExecType.Replaced, this.liveStatus(o), Reason.None);
    e.origClOrdId = oldClOrdId;
    this.sink.onExecution(e);
  }

  private massCancel(cmd: MassCancelCommand): void {
    const acct = this.accounts.get(cmd.accountId);
    const fake: OrderRef & { clOrdId: string } = {
      accountId: cmd.accountId,
      orderId: 0,
      origClOrdId: '',
      clOrdId: typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '',
    };
    if (acct === undefined) {
      this.rejectRef(CommandKind.MassCancel, fake, Reason.UnknownAccount);
      return;
    }
    if (cmd.instrumentId !== 0 && !this.instruments.has(cmd.instrumentId)) {
      this.rejectRef(CommandKind.MassCancel, fake, Reason.UnknownInstrument);
      return;
    }
    if (cmd.side !== 0 && cmd.side !== Side.Buy && cmd.side !== Side.Sell) {
      this.rejectRef(CommandKind.MassCancel, fake, Reason.InvalidSide);
      return;
    }
    let count = 0;
    let o = acct.headOrder;
    while (o !== null) {
      const next = o.acctNext;
      if (
        (cmd.instrumentId === 0 || o.instrument!.id === cmd.instrumentId) &&
        (cmd.side === 0 || o.side === cmd.side)
      ) {
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.MassCancel);
        count++;
      }
      o = next;
    }
    const m = this.mc;
    m.accountId = acct.id;
    m.instrumentId = cmd.instrumentId;
    m.side = cmd.side;
    m.clOrdId = fake.clOrdId;
    m.canceledCount = count;
    m.timestampMs = this.nowMs;
    this.sink.onMassCancel(m);
  }

  // ---------------------------------------------------------------- time

  private expireDue(): void {
    const q = this.expiry;
    while (q.size > 0 && q.peekDeadline() <= this.nowMs) {
      const id = q.peekId();
      const deadline = q.peekDeadline();
      q.pop();
      const o = this.orders.get(id);
      if (o === undefined || o.expireAtMs !== deadline) continue;
      const reason = o.tif === TimeInForce.Day ? Reason.DayExpired : Reason.GtdExpired;
      this.terminate(o, ExecType.Expired, OrdStatus.Expired, reason);
    }
  }

  // ---------------------------------------------------------------- sessions

  private setCancelOnDisconnect(cmd: SetCancelOnDisconnectCommand): void {
    if (!isNonNegInt(cmd.sessionId) || typeof cmd.enabled !== 'boolean') {
      this.rejectAdmin(Reason.InvalidCommand, 0);
      return;
    }
    if (cmd.enabled) this.codSessions.add(cmd.sessionId);
    else this.codSessions.delete(cmd.sessionId);
    this.emitAdmin(AdminEventKind.CancelOnDisconnectSet, cmd.sessionId);
  }

  private sessionClosed(cmd: SessionClosedCommand): void {
    if (!this.codSessions.delete(cmd.sessionId)) return;
    for (const acct of this.accountList) {
      let o = acct.headOrder;
      while (o !== null) {
        const next = o.acctNext;
        if (o.sessionId === cmd.sessionId) {
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.CancelOnDisconnect);
        }
        o = next;
      }
    }
  }

  // ---------------------------------------------------------------- admin

  private addInstrument(cmd: AddInstrumentCommand): void {
    const id = cmd.instrumentId;
    if (!isPosInt(id) || id > 0xffff_ffff) {
      this.rejectAdmin(Reason.InvalidInstrumentDefinition, id);
      return;
    }
    if (this.instrumentList.length >= this.config.instrumentsMax) {
      this.rejectAdmin(Reason.CapacityExceeded, id);
      return;
    }
    const ok =
      typeof cmd.symbol === 'string' &&
      cmd.symbol.length <= SYMBOL_LENGTH_MAX &&
      SYMBOL_RE.test(cmd.symbol) &&
      typeof cmd.tickSize === 'string' &&
      isPositiveDecimal(cmd.tickSize) &&
      typeof cmd.lotSize === 'string' &&
      isPositiveDecimal(cmd.lotSize) &&
      isPosInt(cmd.minQtyLots) &&
      isPosInt(cmd.maxQtyLots) &&
      cmd.maxQtyLots >= cmd.minQtyLots &&
      isPosInt(cmd.refPriceTicks) &&
      isNonNegInt(cmd.bandBps) &&
      cmd.bandBps <= 10_000 &&
      (cmd.status === InstrumentStatus.Open || cmd.status === InstrumentStatus.Halted);
    if (!ok) {
      this.rejectAdmin(Reason.InvalidInstrumentDefinition, id);
      return;
    }
    if (this.instruments.has(id) || this.instrumentBySymbol(cmd.symbol) !== undefined) {
      this.rejectAdmin(Reason.DuplicateInstrument, id);
      return;
    }
    const inst = new Instrument(
      id,
      this.instrumentList.length,
      cmd.symbol,
      cmd.tickSize,
      cmd.lotSize,
      cmd.minQtyLots,
      cmd.maxQtyLots,
      cmd.refPriceTicks,
      cmd.bandBps,
      cmd.status,
      new OrderBook(id),
    );
    if (cmd.status === InstrumentStatus.Halted) inst.trading.phase = TradingPhase.Halted;
    this.instruments.set(id, inst);
    this.instrumentList.push(inst);
    for (const a of this.accountList) a.ensureInstruments(this.instrumentList.length);
    this.emitAdmin(AdminEventKind.InstrumentAdded, id);
  }

  private setInstrumentStatus(cmd: SetInstrumentStatusCommand): void {
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) {
      this.rejectAdmin(Reason.UnknownInstrument, cmd.instrumentId);
      return;
    }
    if (cmd.status !== InstrumentStatus.Open && cmd.status !== InstrumentStatus.Halted) {
      this.rejectAdmin(Reason.InvalidInstrumentDefinition, cmd.instrumentId);
      return;
    }
    // Halt/resume are trading phase changes (the controller keeps `status` in step).
    this.emitAdmin(AdminEventKind.InstrumentStatusChanged, inst.id);
    if (cmd.status === InstrumentStatus.Halted) this.trading.halt(inst);
    else this.trading.resume(inst);
  }

  private validLimits(l: RiskLimits, stpMode: number): boolean {
    return (
      isNonNegInt(l.maxOrderQtyLots) &&
      isNonNegInt(l.maxOrderNotional) &&
      isNonNegInt(l.maxOpenOrders) &&
      isNonNegInt(l.maxPositionLots) &&
      Number.isInteger(stpMode) &&
      stpMode >= StpMode.None &&
      stpMode <= StpMode.Decrement
    );
  }

  private addAccount(cmd: AddAccountCommand): void {
    const id = cmd.accountId;
    if (!isPosInt(id) || id > 0xffff_ffff || typeof cmd.login !== 'string') {
      this.rejectAdmin(Reason.InvalidCommand, 0);
      return;
    }
    if (cmd.login.length === 0 || cmd.login.length > LOGIN_LENGTH_MAX) {
      this.rejectAdmin(Reason.InvalidCommand, 0);
      return;
    }
    if (!this.validLimits(cmd, cmd.stpMode)) {
      this.rejectAdmin(Reason.InvalidRiskLimits, 0);
      return;
    }
    if (this.accountList.length >= this.config.accountsMax) {
      this.rejectAdmin(Reason.CapacityExceeded, 0);
      return;
    }
    if (this.accounts.has(id) || this.accountsByLogin.has(cmd.login)) {
      this.rejectAdmin(Reason.DuplicateAccount, 0);
      return;
    }
    const a = new Account(id, cmd.login, cmd.stpMode);
    this.applyLimits(a, cmd);
    a.ensureInstruments(this.instrumentList.length);
    this.insertAccount(a);
    this.emitAdmin(AdminEventKind.AccountAdded, id);
  }

  /** @internal Inserts keeping accountList sorted by id. */
  insertAccount(a: Account): void {
    this.accounts.set(a.id, a);
    this.accountsByLogin.set(a.login, a);
    const list = this.accountList;
    let i = list.length;
    while (i > 0 && list[i - 1]!.id > a.id) i--;
    list.splice(i, 0, a);
  }

  private applyLimits(a: Account, l: RiskLimits): void {
    a.maxOrderQtyLots = l.maxOrderQtyLots;
    a.maxOrderNotional = l.maxOrderNotional;
    a.maxOpenOrders = l.maxOpenOrders;
    a.maxPositionLots = l.maxPositionLots;
  }

  private setRiskLimits(cmd: SetRiskLimitsCommand): void {
    const a = this.accounts.get(cmd.accountId);
    if (a === undefined) {
      this.rejectAdmin(Reason.UnknownAccount, 0);
      return;
    }
    if (!this.validLimits(cmd, cmd.stpMode)) {
      this.rejectAdmin(Reason.InvalidRiskLimits, 0);
      return;
    }
    this.applyLimits(a, cmd);
    a.stpMode = cmd.stpMode;
    this.emitAdmin(AdminEventKind.RiskLimitsChanged, a.id);
  }

  // ---------------------------------------------------------------- trading phases and auctions

  /** When a Day order entered at `tMs` expires: the instrument's close, else the session end. */
  private dayEndAfter(inst: Instrument, tMs: number): number {
    const s = inst.trading.schedule;
    return s === null ? this.sessionEndAfter(tMs) : nextCloseAfter(s, tMs);
  }

  private setTradingSchedule(cmd: SetTradingScheduleCommand): void {
    const inst = this.instruments.get(cmd.instrumentId);
    if (inst === undefined) {
      this.rejectAdmin(Reason.UnknownInstrument, cmd.instrumentId);
      return;
    }
    const volOk =
      isNonNegInt(cmd.volBandBps) &&
      cmd.volBandBps <= 10_000 &&
      isNonNegInt(cmd.volAuctionMs) &&
      cmd.volAuctionMs <= VOL_AUCTION_MS_MAX &&
      (cmd.volBandBps === 0 || cmd.volAuctionMs > 0);
    if (!volOk || (cmd.schedule !== null && !validSchedule(cmd.schedule))) {
      this.rejectAdmin(Reason.InvalidTradingSchedule, cmd.instrumentId);
      return;
    }
    this.trading.setSchedule(inst, cmd.schedule, cmd.volBandBps, cmd.volAuctionMs);
    this.emitAdmin(AdminEventKind.TradingScheduleSet, inst.id);
  }

  /** @internal The controller reports a phase change (consumers read `instrument(id).phase`). */
  emitPhaseChanged(inst: Instrument): void {
    this.emitAdmin(AdminEventKind.TradingPhaseChanged, inst.id);
  }

  /** @internal After an uncross into continuous trading: stops triggered by the auction price run. */
  runStopsAfterPhase(inst: Instrument): void {
    this.runStops(inst);
  }

  /**
   * @internal Expires the instrument's orders whose deadline is <= `atMs` (Day orders at the
   * close), in (deadline, order id) order like the expiry heap; their heap entries are then stale.
   */
  expireOrdersDue(inst: Instrument, atMs: number): void {
    const due: Order[] = [];
    const b = inst.book;
    for (const side of [b.bids, b.asks]) {
      for (const level of side.levels) {
        for (let o = level.head; o !== null; o = o.next) {
          if (o.expireAtMs > 0 && o.expireAtMs <= atMs) due.push(o);
        }
      }
    }
    for (const arr of [b.stops.buys, b.stops.sells]) {
      for (const o of arr) if (o.expireAtMs > 0 && o.expireAtMs <= atMs) due.push(o);
    }
    due.sort((x, y) => x.expireAtMs - y.expireAtMs || x.id - y.id);
    for (const o of due) {
      const reason = o.tif === TimeInForce.Day ? Reason.DayExpired : Reason.GtdExpired;
      this.terminate(o, ExecType.Expired, OrdStatus.Expired, reason);
    }
  }

  // Scratch arrays for the uncross (grown on demand, never part of the state).
  private auctionBidPx: number[] = [];
  private auctionBidQty: number[] = [];
  private auctionAskPx: number[] = [];
  private auctionAskQty: number[] = [];

  /** The uncross of the current book (iceberg reserve included; pending stops excluded), or null. */
  private uncrossOf(inst: Instrument): UncrossResult | null {
    const b = inst.book;
    const bid = b.bids.best();
    const ask = b.asks.best();
    if (bid === undefined || ask === undefined || bid.priceTicks < ask.priceTicks) return null;
    let nb = 0;
    for (let i = b.bids.levels.length - 1; i >= 0; i--) {
      const l = b.bids.levels[i]!;
      if (l.priceTicks < ask.priceTicks) break;
      this.auctionBidPx[nb] = l.priceTicks;
      this.auctionBidQty[nb++] = l.totalLots;
    }
    let na = 0;
    for (let i = b.asks.levels.length - 1; i >= 0; i--) {
      const l = b.asks.levels[i]!;
      if (l.priceTicks > bid.priceTicks) break;
      this.auctionAskPx[na] = l.priceTicks;
      this.auctionAskQty[na++] = l.totalLots;
    }
    return findUncross(
      this.auctionBidPx,
      this.auctionBidQty,
      nb,
      this.auctionAskPx,
      this.auctionAskQty,
      na,
      this.referencePx(inst),
    );
  }

  /**
   * Indicative uncross of an instrument: its phase and, when the book crosses, the price, the
   * executable volume and the surplus (D - S: > 0 buy surplus) an uncross would give right now.
   * Market data publishes it during call phases. O(crossed levels).
   */
  auctionInfo(
    instrumentId: number,
  ): { phase: TradingPhase; priceTicks: number; volumeLots: number; surplusLots: number } | undefined {
    const inst = this.instruments.get(instrumentId);
    if (inst === undefined) return undefined;
    const r = this.uncrossOf(inst);
    return {
      phase: inst.trading.phase,
      priceTicks: r === null ? 0 : r.priceTicks,
      volumeLots: r === null ? 0 : r.volumeLots,
      surplusLots: r === null ? 0 : r.surplusLots,
    };
  }

  /**
   * @internal Uncrosses a crossed book at the single auction price (src/auction/uncross.ts):
   * buys priced >= P and sells priced <= P execute in price-time priority until the executable
   * volume is done; every trade prints at P. An iceberg takes part with its whole quantity at its
   * queue position. Of each pair the earlier order (time priority) is reported as the maker.
   * Self-trade prevention does not apply in the uncross.
   */
  uncross(inst: Instrument): void {
    const r = this.uncrossOf(inst);
    if (r === null) return;
    const px = r.priceTicks;
    const buys: Order[] = [];
    const sells: Order[] = [];
    const b = inst.book;
    let need = r.volumeLots;
    for (let i = b.bids.levels.length - 1; i >= 0 && need > 0; i--) {
      const l = b.bids.levels[i]!;
      for (let o = l.head; o !== null && need > 0; o = o.next) {
        buys.push(o);
        need -= o.leavesLots;
      }
    }
    need = r.volumeLots;
    for (let i = b.asks.levels.length - 1; i >= 0 && need > 0; i--) {
      const l = b.asks.levels[i]!;
      for (let o = l.head; o !== null && need > 0; o = o.next) {
        sells.push(o);
        need -= o.leavesLots;
      }
    }
    let left = r.volumeLots;
    let bi = 0;
    let si = 0;
    while (left > 0) {
      const buy = buys[bi];
      const sell = sells[si];
      if (buy === undefined || sell === undefined) throw new Error('invariant: uncross ran out of orders');
      // At most the displayed slices: an iceberg fills slice by slice (each refresh is shown),
      // as in continuous trading, so an execution never exceeds what market data displayed.
      const q = Math.min(buy.visibleLots, sell.visibleLots, left);
      const buyDone = q === buy.leavesLots;
      const sellDone = q === sell.leavesLots;
      this.auctionTrade(inst, buy, sell, q, px);
      left -= q;
      if (buyDone) bi++;
      if (sellDone) si++;
    }
  }

  /** Takes `qty` off a resting order in an uncross (displayed slice first, then the reserve). */
  private fillResting(o: Order, qty: number, notional: number): void {
    const level = o.level!;
    this.beforeLevelChange(level);
    o.leavesLots -= qty;
    o.cumQtyLots += qty;
    o.cumNotional += notional;
    level.totalLots -= qty;
    const vis = Math.max(0, Math.min(o.visibleLots - qty, o.leavesLots));
    level.visibleLots += vis - o.visibleLots;
    o.visibleLots = vis;
  }

  /** After the reports: drop a filled order, or show an iceberg's next slice at the back. */
  private settleResting(o: Order, side: BookSide): void {
    const level = o.level!;
    this.beforeLevelChange(level); // already captured by fillResting; kept so this stays safe alone
    const book = o.instrument!.book;
    if (o.leavesLots === 0) {
      level.unlink(o);
      book.restingCount--;
      if (level.orderCount === 0) this.dropLevel(side, level);
      this.release(o);
    } else if (o.visibleLots === 0) {
      const show = Math.min(o.displayLots > 0 ? o.displayLots : o.leavesLots, o.leavesLots);
      const total = level.totalLots;
      const vis = level.visibleLots + show;
      o.visibleLots = show;
      o.prioritySeq = ++this.prioritySeq;
      level.unlink(o);
      level.pushBack(o);
      level.totalLots = total;
      level.visibleLots = vis;
    }
  }

  private auctionTrade(inst: Instrument, buy: Order, sell: Order, qty: number, px: number): void {
    const notional = px * qty;
    this.fillResting(buy, qty, notional);
    this.fillResting(sell, qty, notional);
    const i = inst.index;
    const buyer = buy.account!;
    const seller = sell.account!;
    buyer.positionLots[i]! += qty;
    buyer.cash[i]! -= notional;
    buyer.openBuyLots[i]! -= qty;
    seller.positionLots[i]! -= qty;
    seller.cash[i]! += notional;
    seller.openSellLots[i]! -= qty;
    if (!Number.isSafeInteger(buyer.cash[i]!) || !Number.isSafeInteger(seller.cash[i]!)) {
      throw new Error('invariant: cash outside the exact integer range');
    }
    const makerIsBuy = buy.prioritySeq < sell.prioritySeq;
    const maker = makerIsBuy ? buy : sell;
    const taker = makerIsBuy ? sell : buy;
    const book = inst.book;
    const tradeId = ++this.tradeSeq;
    book.lastTradePxTicks = px;
    book.lastTradeQtyLots = qty;
    book.lastTradeId = tradeId;
    book.lastTradeAggressorSide = taker.side;
    book.lastTradeTimestampMs = this.nowMs;
    const t = this.tr;
    t.tradeId = tradeId;
    t.instrumentId = inst.id;
    t.priceTicks = px;
    t.qtyLots = qty;
    t.aggressorSide = taker.side as Side;
    t.makerOrderId = maker.id;
    t.takerOrderId = taker.id;
    t.makerAccountId = maker.account!.id;
    t.takerAccountId = taker.account!.id;
    t.makerSessionId = maker.sessionId;
    t.takerSessionId = taker.sessionId;
    t.timestampMs = this.nowMs;
    this.sink.onTrade(t);
    for (const o of [maker, taker]) {
      const e = this.fillEvent(
        o,
        ExecType.Trade,
        o.leavesLots === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled,
        Reason.None,
      );
      e.lastPxTicks = px;
      e.lastQtyLots = qty;
      e.tradeId = tradeId;
      e.aggressor = o === taker;
      this.sink.onExecution(e);
    }
    this.settleResting(buy, book.bids);
    this.settleResting(sell, book.asks);
  }

  // ---------------------------------------------------------------- snapshot support (@internal)

  /** @internal Used by restore: allocates an order from the pool. */
  acquireOrder(): Order {
    return this.orderPool.acquire();
  }

  /** @internal Used by restore: registers a live order exactly like an accepted one. */
  restoreOrder(o: Order): void {
    this.register(o);
  }

  /** @internal Used by restore: the level pool. */
  levelPoolForRestore(): LevelPool {
    return this.levelPool;
  }

  /** @internal Used by restore: re-creates an instrument. */
  restoreInstrument(cmd: AddInstrumentCommand): Instrument {
    this.addInstrumentSilently(cmd);
    return this.instruments.get(cmd.instrumentId)!;
  }

  private addInstrumentSilently(cmd: AddInstrumentCommand): void {
    const inst = new Instrument(
      cmd.instrumentId,
      this.instrumentList.length,
      cmd.symbol,
      cmd.tickSize,
      cmd.lotSize,
      cmd.minQtyLots,
      cmd.maxQtyLots,
      cmd.refPriceTicks,
      cmd.bandBps,
      cmd.status,
      new OrderBook(cmd.instrumentId),
    );
    if (cmd.status === InstrumentStatus.Halted) inst.trading.phase = TradingPhase.Halted;
    this.instruments.set(inst.id, inst);
    this.instrumentList.push(inst);
  }
}
