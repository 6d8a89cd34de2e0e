import type {
  CancelRequest,
  DisconnectInfo,
  ExecutionReportEvent,
  GatewayEvents,
  Instrument,
  MarketDataRequest,
  MassCancelRequest,
  MdEntry,
  MdIncrementalEntry,
  NewOrderRequest,
  OrderEntryHandler,
  OrderStatusRequest,
  OrdStatus,
  ReplaceRequest,
  SecurityListRequest,
  SessionContext,
  Side,
} from '../app/types.js';

interface Order {
  readonly orderId: string;
  clOrdId: string;
  readonly username: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
  priceTicks: number | undefined;
  qtyLots: number;
  cumQtyLots: number;
  cumNotional: number;
  status: OrdStatus;
  readonly arrival: number;
}

const ORDERS_MAX = 100_000;

/**
 * In-memory OrderEntryHandler for tests and the stand-alone demo (NOT the venue's matching engine):
 * acknowledges orders, crosses limit/market orders by price-time priority within this process,
 * cancels/replaces, answers status, mass cancel, security list and market data (L2 snapshot and
 * incremental refresh), and applies cancel-on-disconnect. Everything it receives is recorded.
 */
export class InMemoryOrderEntry implements OrderEntryHandler {
  readonly received: Array<{ kind: string; ctx: Omit<SessionContext, 'msgSeqNum'>; req?: unknown }> = [];
  readonly disconnects: Array<{ username: string; info: DisconnectInfo }> = [];
  backedUp = false;
  private readonly orders = new Map<string, Order>(); // orderId -> order
  private readonly live = new Map<string, Order>(); // `${account}\u0000${clOrdId}` -> live order
  private readonly subs = new Map<string, Map<string, string>>(); // symbol -> username -> mdReqId
  private seq = 0;
  private exec = 0;

  constructor(
    private readonly events: GatewayEvents,
    private readonly instruments: ReadonlyArray<Instrument>,
  ) {}

  isBackedUp(): boolean {
    return this.backedUp;
  }

  get orderCount(): number {
    return this.orders.size;
  }

  private key(account: string, clOrdId: string): string {
    return `${account}\u0000${clOrdId}`;
  }

  private report(
    o: Order,
    execType: ExecutionReportEvent['execType'],
    extra: Partial<ExecutionReportEvent> = {},
  ): void {
    this.events.emit(o.username, {
      kind: 'executionReport',
      orderId: o.orderId,
      execId: `X${++this.exec}`,
      clOrdId: o.clOrdId,
      execType,
      ordStatus: o.status,
      account: o.account,
      symbol: o.symbol,
      side: o.side,
      orderQtyLots: o.qtyLots,
      ordType: o.priceTicks === undefined ? 'market' : 'limit',
      ...(o.priceTicks === undefined ? {} : { priceTicks: o.priceTicks }),
      cumQtyLots: o.cumQtyLots,
      leavesQtyLots: isTerminal(o.status) ? 0 : o.qtyLots - o.cumQtyLots,
      cumNotionalTickLots: o.cumNotional,
      ...extra,
    });
  }

  private rejectNew(ctx: SessionContext, req: NewOrderRequest, text: string, code: number): void {
    this.events.emit(ctx.username, {
      kind: 'executionReport',
      orderId: 'NONE',
      execId: `X${++this.exec}`,
      clOrdId: req.clOrdId,
      execType: 'rejected',
      ordStatus: 'rejected',
      symbol: req.symbol,
      side: req.side,
      orderQtyLots: req.qtyLots,
      cumQtyLots: 0,
      leavesQtyLots: 0,
      cumNotionalTickLots: 0,
      ordRejReason: code,
      text,
    });
  }

  onNewOrder(ctx: SessionContext, req: NewOrderRequest): void {
    this.received.push({ kind: 'new', ctx, req });
    if (this.live.has(this.key(req.account, req.clOrdId))) {
      this.rejectNew(ctx, req, `Duplicate ClOrdID ${req.clOrdId} on a live order`, 6);
      return;
    }
    if (req.ordType === 'stop' || req.ordType === 'stopLimit') {
      this.rejectNew(ctx, req, 'Stop orders are not supported by the in-memory handler', 11);
      return;
    }
    if (this.orders.size >= ORDERS_MAX) {
      this.rejectNew(ctx, req, 'Order store full', 3);
      return;
    }
    const o: Order = {
      orderId: `O${this.orders.size + 1}`,
      clOrdId: req.clOrdId,
      username: ctx.username,
      account: req.account,
      symbol: req.symbol,
      side: req.side,
      priceTicks: req.priceTicks,
      qtyLots: req.qtyLots,
      cumQtyLots: 0,
      cumNotional: 0,
      status: 'new',
      arrival: ++this.seq,
    };
    if (req.postOnly && this.crossable(o).length > 0) {
      this.rejectNew(ctx, req, 'Post-only order would take liquidity', 99);
      return;
    }
    if (req.timeInForce === 'fok' && this.fillableLots(o) < o.qtyLots) {
      this.orders.set(o.orderId, o);
      this.report(o, 'new');
      o.status = 'canceled';
      this.report(o, 'canceled', { text: 'FOK order could not be filled completely' });
      return;
    }
    const before = this.levels(o.symbol);
    this.orders.set(o.orderId, o);
    this.live.set(this.key(o.account, o.clOrdId), o);
    this.report(o, 'new');
    this.match(o);
    if (o.status === 'new' || o.status === 'partiallyFilled') {
      if (o.priceTicks === undefined || req.timeInForce === 'ioc') {
        o.status = 'canceled';
        this.live.delete(this.key(o.account, o.clOrdId));
        this.report(o, 'canceled', { text: 'Unfilled remainder of IOC/market order canceled' });
      }
    }
    this.publish(o.symbol, before);
  }

  private crossable(o: Order): Order[] {
    const out: Order[] = [];
    for (const r of this.live.values()) {
      if (r === o || r.symbol !== o.symbol || r.side === o.side || r.priceTicks === undefined) continue;
      const crosses =
        o.priceTicks === undefined ||
        (o.side === 'buy' ? r.priceTicks <= o.priceTicks : r.priceTicks >= o.priceTicks);
      if (crosses) out.push(r);
    }
    out.sort((a, b) =>
      a.priceTicks === b.priceTicks
        ? a.arrival - b.arrival
        : o.side === 'buy'
          ? a.priceTicks! - b.priceTicks!
          : b.priceTicks! - a.priceTicks!,
    );
    return out;
  }

  private fillableLots(o: Order): number {
    return this.crossable(o).reduce((s, r) => s + r.qtyLots - r.cumQtyLots, 0);
  }

  private match(o: Order): void {
    for (const r of this.crossable(o)) {
      const qty = Math.min(o.qtyLots - o.cumQtyLots, r.qtyLots - r.cumQtyLots);
      if (qty <= 0) break;
      const px = r.priceTicks!;
      for (const side of [r, o]) {
        side.cumQtyLots += qty;
        side.cumNotional += qty * px;
        side.status = side.cumQtyLots === side.qtyLots ? 'filled' : 'partiallyFilled';
        if (side.status === 'filled') this.live.delete(this.key(side.account, side.clOrdId));
        this.report(side, 'trade', { lastPxTicks: px, lastQtyLots: qty });
      }
      if (o.cumQtyLots === o.qtyLots) break;
    }
  }

  private find(account: string, clOrdId: string, orderId: string | undefined): Order | undefined {
    const o = this.live.get(this.key(account, clOrdId));
    if (o !== undefined) return o;
    if (orderId !== undefined) {
      const byId = this.orders.get(orderId);
      if (byId !== undefined && byId.account === account) return byId;
    }
    return undefined;
  }

  onCancel(ctx: SessionContext, req: CancelRequest): void {
    this.received.push({ kind: 'cancel', ctx, req });
    const o = this.find(req.account, req.origClOrdId, req.orderId);
    if (o === undefined || isTerminal(o.status)) {
      this.events.emit(ctx.username, {
        kind: 'cancelReject',
        orderId: o?.orderId ?? 'NONE',
        clOrdId: req.clOrdId,
        origClOrdId: req.origClOrdId,
        ordStatus: o?.status ?? 'rejected',
        responseTo: 'cancel',
        reason: o === undefined ? 'unknownOrder' : 'tooLate',
        text: o === undefined ? 'Unknown order' : `Order is already ${o.status}`,
      });
      return;
    }
    const before = this.levels(o.symbol);
    this.live.delete(this.key(o.account, o.clOrdId));
    o.clOrdId = req.clOrdId;
    o.status = 'canceled';
    this.report(o, 'canceled', { origClOrdId: req.origClOrdId });
    this.publish(o.symbol, before);
  }

  onReplace(ctx: SessionContext, req: ReplaceRequest): void {
    this.received.push({ kind: 'replace', ctx, req });
    const o = this.find(req.account, req.origClOrdId, req.orderId);
    const reject = (text: string, reason: 'unknownOrder' | 'tooLate' | 'duplicateClOrdId' | 'other') =>
      this.events.emit(ctx.username, {
        kind: 'cancelReject',
        orderId: o?.orderId ?? 'NONE',
        clOrdId: req.clOrdId,
        origClOrdId: req.origClOrdId,
        ordStatus: o?.status ?? 'rejected',
        responseTo: 'replace',
        reason,
        text,
      });
    if (o === undefined) {
      reject('Unknown order', 'unknownOrder');
      return;
    }
    if (isTerminal(o.status)) {
      reject(`Order is already ${o.status}`, 'tooLate');
      return;
    }
    if (req.ordType !== 'limit' || req.priceTicks === undefined) {
      reject('Only limit orders can be replaced', 'other');
      return;
    }
    if (req.clOrdId !== req.origClOrdId && this.live.has(this.key(o.account, req.clOrdId))) {
      reject(`Duplicate ClOrdID ${req.clOrdId}`, 'duplicateClOrdId');
      return;
    }
    if (req.qtyLots <= o.cumQtyLots) {
      reject('New quantity is not above the filled quantity', 'other');
      return;
    }
    const before = this.levels(o.symbol);
    this.live.delete(this.key(o.account, o.clOrdId));
    o.clOrdId = req.clOrdId;
    this.live.set(this.key(o.account, o.clOrdId), o);
    const priceChanged = o.priceTicks !== req.priceTicks;
    const sizeUp = req.qtyLots > o.qtyLots;
    o.priceTicks = req.priceTicks;
    o.qtyLots = req.qtyLots;
    if (priceChanged || sizeUp) (o as { arrival: number }).arrival = ++this.seq; // loses priority
    this.report(o, 'replaced', { origClOrdId: req.origClOrdId });
    this.match(o);
    this.publish(o.symbol, before);
  }

  onOrderStatus(ctx: SessionContext, req: OrderStatusRequest): void {
    this.received.push({ kind: 'status', ctx, req });
    const o = this.find(req.account, req.clOrdId, req.orderId);
    if (o === undefined) {
      this.events.emit(ctx.username, {
        kind: 'executionReport',
        orderId: req.orderId ?? 'NONE',
        execId: `X${++this.exec}`,
        clOrdId: req.clOrdId,
        execType: 'orderStatus',
        ordStatus: 'rejected',
        symbol: req.symbol,
        side: req.side,
        cumQtyLots: 0,
        leavesQtyLots: 0,
        cumNotionalTickLots: 0,
        text: 'Unknown order',
      });
      return;
    }
    this.report(o, 'orderStatus');
  }

  onMassCancel(ctx: SessionContext, req: MassCancelRequest): void {
    this.received.push({ kind: 'massCancel', ctx, req });
    const affected = this.cancelAll(
      req.account,
      (o) =>
        (req.scope === 'all' || o.symbol === req.symbol) && (req.side === undefined || o.side === req.side),
    );
    this.events.emit(ctx.username, {
      kind: 'massCancelReport',
      clOrdId: req.clOrdId,
      reportId: `MC${++this.exec}`,
      scope: req.scope,
      ...(req.symbol === undefined ? {} : { symbol: req.symbol }),
      accepted: true,
      affectedOrders: affected,
    });
  }

  private cancelAll(account: string, pred: (o: Order) => boolean): number {
    const victims = [...this.live.values()].filter((o) => o.account === account && pred(o));
    victims.sort((a, b) => a.arrival - b.arrival);
    for (const o of victims) {
      const before = this.levels(o.symbol);
      this.live.delete(this.key(o.account, o.clOrdId));
      o.status = 'canceled';
      this.report(o, 'canceled');
      this.publish(o.symbol, before);
    }
    return victims.length;
  }

  onSecurityListRequest(ctx: SessionContext, req: SecurityListRequest): void {
    this.received.push({ kind: 'securityList', ctx, req });
    const list = this.instruments.filter((i) => req.scope === 'all' || i.symbol === req.symbol);
    this.events.emit(ctx.username, {
      kind: 'securityList',
      securityReqId: req.securityReqId,
      responseId: `SL${++this.exec}`,
      result: list.length === 0 ? 2 : 0,
      instruments: list,
    });
  }

  onMarketDataRequest(ctx: SessionContext, req: MarketDataRequest): void {
    this.received.push({ kind: 'marketData', ctx, req });
    for (const symbol of req.symbols) {
      let m = this.subs.get(symbol);
      if (req.subscription === 'unsubscribe') {
        m?.delete(ctx.username);
        continue;
      }
      if (req.subscription === 'subscribe') {
        if (m === undefined) {
          m = new Map();
          this.subs.set(symbol, m);
        }
        m.set(ctx.username, req.mdReqId);
      }
      const levels = this.levels(symbol);
      const entries: MdEntry[] = [];
      for (const [key, sizeLots] of [...levels].sort()) {
        const [type, px] = key.split(':') as ['bid' | 'offer', string];
        if (req.entryTypes.includes(type)) entries.push({ type, priceTicks: Number(px), sizeLots });
      }
      this.events.emit(ctx.username, { kind: 'marketDataSnapshot', mdReqId: req.mdReqId, symbol, entries });
    }
  }

  onDisconnect(ctx: Omit<SessionContext, 'msgSeqNum'>, info: DisconnectInfo): void {
    this.disconnects.push({ username: ctx.username, info });
    for (const m of this.subs.values()) m.delete(ctx.username);
    if (info.cancelOnDisconnect) this.cancelAll(ctx.account, () => true);
  }

  /** Aggregated L2 levels `bid:<ticks>` / `offer:<ticks>` -> lots. */
  private levels(symbol: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const o of this.live.values()) {
      if (o.symbol !== symbol || o.priceTicks === undefined || isTerminal(o.status)) continue;
      const k = `${o.side === 'buy' ? 'bid' : 'offer'}:${o.priceTicks}`;
      out.set(k, (out.get(k) ?? 0) + o.qtyLots - o.cumQtyLots);
    }
    return out;
  }

  private publish(symbol: string, before: Map<string, number>): void {
    const subs = this.subs.get(symbol);
    if (subs === undefined || subs.size === 0) return;
    const after = this.levels(symbol);
    const entries: MdIncrementalEntry[] = [];
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const k of keys) {
      const [type, px] = k.split(':') as ['bid' | 'offer', string];
      const a = after.get(k);
      const b = before.get(k);
      if (a === b) continue;
      const action = b === undefined ? 'new' : a === undefined ? 'delete' : 'change';
      entries.push({ action, type, symbol, priceTicks: Number(px), sizeLots: a ?? b ?? 0 });
    }
    if (entries.length === 0) return;
    for (const [username, mdReqId] of [...subs].sort()) {
      this.events.emit(username, { kind: 'marketDataIncremental', mdReqId, entries });
    }
  }
}

function isTerminal(s: OrdStatus): boolean {
  return s === 'filled' || s === 'canceled' || s === 'rejected' || s === 'expired';
}
