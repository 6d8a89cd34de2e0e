/** Neutral request and event types between the FIX gateway and whatever executes orders. */

export type Side = 'buy' | 'sell';
export type OrdType = 'market' | 'limit' | 'stop' | 'stopLimit';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok' | 'gtd';

/** Who sent a request: the logged-on FIX session. */
export interface SessionContext {
  /** `VENUE-<username>`: stable across reconnects; the key for dedup (session, ClOrdID). */
  readonly sessionKey: string;
  readonly username: string;
  /** The venue account this session trades for; a session acts only on its own account's orders. */
  readonly account: string;
  readonly admin: boolean;
  /** MsgSeqNum of the inbound message (for BusinessMessageReject RefSeqNum). */
  readonly msgSeqNum: number;
}

export interface NewOrderRequest {
  readonly clOrdId: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
  readonly ordType: OrdType;
  readonly timeInForce: TimeInForce;
  readonly qtyLots: number;
  /** Limit price in ticks (limit and stop-limit). */
  readonly priceTicks: number | undefined;
  /** Trigger price in ticks (stop and stop-limit). */
  readonly stopPriceTicks: number | undefined;
  /** GTD expiry from ExpireTime(126), epoch ms (the engine compares it with log time). */
  readonly expireAtMs: number | undefined;
  /** Iceberg display quantity from MaxFloor(111), in lots; undefined = fully displayed. */
  readonly displayQtyLots: number | undefined;
  /** ExecInst(18) contains 6 (participate, don't initiate). */
  readonly postOnly: boolean;
  readonly transactTimeMs: number | undefined;
}

export interface CancelRequest {
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly orderId: string | undefined;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
}

export interface ReplaceRequest {
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly orderId: string | undefined;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
  readonly ordType: OrdType;
  readonly timeInForce: TimeInForce;
  readonly qtyLots: number;
  readonly priceTicks: number | undefined;
  readonly stopPriceTicks: number | undefined;
  /** GTD expiry from ExpireTime(126), epoch ms (the engine compares it with log time). */
  readonly expireAtMs: number | undefined;
  /** Iceberg display quantity from MaxFloor(111), in lots; undefined = fully displayed. */
  readonly displayQtyLots: number | undefined;
}

export interface OrderStatusRequest {
  readonly clOrdId: string;
  readonly orderId: string | undefined;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
}

export interface MassCancelRequest {
  readonly clOrdId: string;
  readonly account: string;
  /** 'symbol' = MassCancelRequestType 1 (by security), 'all' = 7 (all orders). */
  readonly scope: 'symbol' | 'all';
  readonly symbol: string | undefined;
  readonly side: Side | undefined;
}

export interface SecurityListRequest {
  readonly securityReqId: string;
  /** 'symbol' = SecurityListRequestType 0, 'all' = 4. */
  readonly scope: 'symbol' | 'all';
  readonly symbol: string | undefined;
}

export type MdEntryType = 'bid' | 'offer' | 'trade';

export interface MarketDataRequest {
  readonly mdReqId: string;
  readonly subscription: 'snapshot' | 'subscribe' | 'unsubscribe';
  /** MarketDepth(264): 0 = full book, 1 = top of book, N = N levels. */
  readonly depth: number;
  readonly entryTypes: ReadonlyArray<MdEntryType>;
  readonly symbols: ReadonlyArray<string>;
}

export interface DisconnectInfo {
  readonly reason: string;
  /** The session is configured for cancel-on-disconnect: cancel its account's resting orders. */
  readonly cancelOnDisconnect: boolean;
}

/**
 * Implemented by the order-execution side (the cluster client in production, a fake in tests).
 * Calls return nothing: results flow back later as events through `GatewayEvents.emit`.
 */
export interface OrderEntryHandler {
  onNewOrder(ctx: SessionContext, req: NewOrderRequest): void;
  onCancel(ctx: SessionContext, req: CancelRequest): void;
  onReplace(ctx: SessionContext, req: ReplaceRequest): void;
  onOrderStatus(ctx: SessionContext, req: OrderStatusRequest): void;
  onMassCancel(ctx: SessionContext, req: MassCancelRequest): void;
  onSecurityListRequest(ctx: SessionContext, req: SecurityListRequest): void;
  onMarketDataRequest(ctx: SessionContext, req: MarketDataRequest): void;
  onLogon?(ctx: Omit<SessionContext, 'msgSeqNum'>): void;
  onDisconnect(ctx: Omit<SessionContext, 'msgSeqNum'>, info: DisconnectInfo): void;
  /** True while the handler's queue is full: transports stop reading sockets until it clears. */
  isBackedUp?(): boolean;
}

export type ExecType =
  | 'new'
  | 'trade'
  | 'canceled'
  | 'replaced'
  | 'rejected'
  | 'expired'
  | 'orderStatus'
  | 'pendingNew'
  | 'pendingCancel'
  | 'pendingReplace';

export type OrdStatus =
  | 'new'
  | 'partiallyFilled'
  | 'filled'
  | 'canceled'
  | 'rejected'
  | 'expired'
  | 'pendingNew'
  | 'pendingCancel'
  | 'pendingReplace';

export interface ExecutionReportEvent {
  readonly kind: 'executionReport';
  readonly orderId: string;
  readonly execId: string;
  readonly clOrdId: string;
  readonly origClOrdId?: string;
  readonly execType: ExecType;
  readonly ordStatus: OrdStatus;
  readonly account?: string;
  readonly symbol: string;
  readonly side: Side;
  readonly ordType?: OrdType;
  readonly timeInForce?: TimeInForce;
  readonly orderQtyLots?: number;
  readonly priceTicks?: number;
  readonly lastPxTicks?: number;
  readonly lastQtyLots?: number;
  readonly cumQtyLots: number;
  readonly leavesQtyLots: number;
  /** Sum over fills of priceTicks x qtyLots; AvgPx(6) = this / cumQtyLots, in price units. */
  readonly cumNotionalTickLots: number;
  /** OrdRejReason(103) for rejects. */
  readonly ordRejReason?: number;
  readonly text?: string;
  readonly transactTimeMs?: number;
}

export type CxlRejReason = 'tooLate' | 'unknownOrder' | 'alreadyPending' | 'duplicateClOrdId' | 'other';

export interface CancelRejectEvent {
  readonly kind: 'cancelReject';
  /** 'NONE' when unknown. */
  readonly orderId: string;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly ordStatus: OrdStatus;
  readonly responseTo: 'cancel' | 'replace';
  readonly reason: CxlRejReason;
  readonly text?: string;
}

export interface MassCancelReportEvent {
  readonly kind: 'massCancelReport';
  readonly clOrdId: string;
  readonly reportId: string;
  readonly scope: 'symbol' | 'all';
  readonly symbol?: string;
  /** false = MassCancelResponse 0 (rejected). */
  readonly accepted: boolean;
  readonly affectedOrders: number;
  readonly rejectReason?: number;
  readonly text?: string;
}

export interface Instrument {
  readonly symbol: string;
  /** Price increment as decimal text, e.g. "0.01". */
  readonly tickSize: string;
  /** Quantity increment as decimal text, e.g. "0.001". */
  readonly lotSize: string;
  readonly currency?: string;
  readonly description?: string;
}

export interface SecurityListEvent {
  readonly kind: 'securityList';
  readonly securityReqId: string;
  readonly responseId: string;
  /** SecurityRequestResult(560): 0 valid, 1 invalid request, 2 no instruments found. */
  readonly result: 0 | 1 | 2;
  readonly instruments: ReadonlyArray<Instrument>;
}

export interface MdEntry {
  readonly type: MdEntryType;
  readonly priceTicks: number;
  readonly sizeLots: number;
  readonly numberOfOrders?: number;
}

export interface MarketDataSnapshotEvent {
  readonly kind: 'marketDataSnapshot';
  readonly mdReqId: string;
  readonly symbol: string;
  readonly entries: ReadonlyArray<MdEntry>;
  /** Log position / feed seq the snapshot reflects (LastMsgSeqNumProcessed 369). */
  readonly lastSeqProcessed?: number;
}

export interface MdIncrementalEntry extends MdEntry {
  readonly action: 'new' | 'change' | 'delete';
  readonly symbol: string;
}

export interface MarketDataIncrementalEvent {
  readonly kind: 'marketDataIncremental';
  readonly mdReqId: string;
  readonly entries: ReadonlyArray<MdIncrementalEntry>;
}

export interface MarketDataRejectEvent {
  readonly kind: 'marketDataReject';
  readonly mdReqId: string;
  /** MDReqRejReason(281): 0 unknown symbol, 4 unsupported SubscriptionRequestType, 5 unsupported MarketDepth, 8 unsupported MDEntryType. */
  readonly reason: number;
  readonly text: string;
}

export type OutboundEvent =
  | ExecutionReportEvent
  | CancelRejectEvent
  | MassCancelReportEvent
  | SecurityListEvent
  | MarketDataSnapshotEvent
  | MarketDataIncrementalEvent
  | MarketDataRejectEvent;

/** Given to the handler: how results reach a session (by username). */
export interface GatewayEvents {
  /** Renders and sends (or journals, if the session is offline) one event. */
  emit(username: string, event: OutboundEvent): void;
}
