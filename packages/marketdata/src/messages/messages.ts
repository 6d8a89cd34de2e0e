/**
 * The market-data messages, in memory. One stream per (instrument, channel), each with its own
 * gap-free sequence number from 1. Prices are integer ticks, quantities integer lots; sides
 * 1 = buy (bid), 2 = sell (ask); level actions 0 = new, 1 = change, 2 = delete (as the SBE schema).
 */

export type ChannelName = 'l1' | 'l2' | 'l2full' | 'trades' | 'bars' | 'stats' | 'l3' | 'status';

/** Every channel, in the fixed order used for hashing and snapshots. */
export const CHANNELS: readonly ChannelName[] = [
  'l1',
  'l2',
  'l2full',
  'trades',
  'bars',
  'stats',
  'l3',
  'status',
];

export function isChannelName(v: unknown): v is ChannelName {
  return typeof v === 'string' && (CHANNELS as readonly string[]).includes(v);
}

/** Channels whose every message is the full state (their snapshot is the latest message). */
export function isFullStateChannel(c: ChannelName): boolean {
  return c === 'l1' || c === 'stats' || c === 'status';
}

export type SideCode = 1 | 2;
export type LevelAction = 0 | 1 | 2;
export const LevelAction = { New: 0, Change: 1, Delete: 2 } as const;

/** Fields every message carries. */
export interface Stamp {
  readonly instrumentId: number;
  /** Sequence number within the (instrument, channel) stream. */
  readonly seq: number;
  /** Position of the log entry this was derived from (for snapshots: the feed's position). */
  readonly logPosition: number;
  /** That entry's log timestamp (ms). */
  readonly timestampMs: number;
}

export interface LevelMessage extends Stamp {
  readonly type: 'level';
  readonly channel: 'l2' | 'l2full';
  readonly side: SideCode;
  readonly action: LevelAction;
  readonly priceTicks: number;
  /** Displayed quantity after the change (0 on delete). */
  readonly qtyLots: number;
  readonly orderCount: number;
}

export interface BboMessage extends Stamp {
  readonly type: 'bbo';
  readonly channel: 'l1';
  readonly bidPriceTicks: number | null;
  readonly bidQtyLots: number;
  readonly bidOrderCount: number;
  readonly askPriceTicks: number | null;
  readonly askQtyLots: number;
  readonly askOrderCount: number;
}

export interface TradeMessage extends Stamp {
  readonly type: 'trade';
  readonly channel: 'trades';
  readonly tradeId: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressorSide: SideCode;
  readonly makerOrderId: number;
  readonly takerOrderId: number;
}

export interface BarMessage extends Stamp {
  readonly type: 'bar';
  readonly channel: 'bars';
  readonly intervalMs: number;
  readonly startMs: number;
  readonly openTicks: number;
  readonly highTicks: number;
  readonly lowTicks: number;
  readonly closeTicks: number;
  readonly volumeLots: number;
  /** Sum of price x lots: VWAP = notional / volumeLots. */
  readonly notional: number;
  readonly tradeCount: number;
}

export interface StatsMessage extends Stamp {
  readonly type: 'stats';
  readonly channel: 'stats';
  /** Start of the oldest 1-minute bucket in the 24 h window (0 when the window is empty). */
  readonly windowStartMs: number;
  readonly openTicks: number | null;
  readonly highTicks: number | null;
  readonly lowTicks: number | null;
  /** Last trade price ever (kept when the window empties); null before the first trade. */
  readonly lastTicks: number | null;
  readonly volumeLots: number;
  readonly notional: number;
  readonly tradeCount: number;
}

/** Trading phase codes (matching's `TradingPhase`) and their JSON names. */
export type PhaseCode = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const PHASE_NAMES = [
  '',
  'pre-open',
  'opening-auction',
  'continuous',
  'closing-auction',
  'closed',
  'volatility-auction',
  'halted',
] as const;

/**
 * Trading status (full state): the phase and, during an auction call (opening, closing,
 * volatility), the indicative uncross: the price an uncross would trade at now, its quantity and
 * the surplus left at that price. Published on every phase change and, during a call, whenever
 * an entry changed the book and with it the indicative values.
 */
export interface StatusMessage extends Stamp {
  readonly type: 'status';
  readonly channel: 'status';
  readonly phase: PhaseCode;
  /** null outside a call, or when the book does not cross. */
  readonly indicativePriceTicks: number | null;
  readonly indicativeVolumeLots: number;
  /** Surplus at the indicative price: > 0 buy surplus, < 0 sell surplus, 0 balanced or none. */
  readonly imbalanceLots: number;
}

export interface SnapshotLevel {
  readonly side: SideCode;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

/** State of a delta stream (l2, l2full, trades, bars) as of `seq`, the last seq it includes. */
export interface SnapshotMessage extends Stamp {
  readonly type: 'snapshot';
  readonly channel: ChannelName;
  /** Bids best first, then asks best first (empty for trades and bars). */
  readonly levels: readonly SnapshotLevel[];
}

/** L3 order actions: add/replace go to the back of the level's queue, modify keeps priority. */
export type OrderActionCode = 0 | 1 | 2 | 3 | 4;
export const OrderAction = { Add: 0, Execute: 1, Modify: 2, Replace: 3, Delete: 4 } as const;

/** L3: one displayed order changed. */
export interface OrderMessage extends Stamp {
  readonly type: 'order';
  readonly channel: 'l3';
  readonly action: OrderActionCode;
  readonly orderId: number;
  readonly side: SideCode;
  readonly priceTicks: number;
  /** Displayed quantity after the change (0 on delete; an execute down to 0 removes the order). */
  readonly qtyLots: number;
  /** Execute only: quantity traded and the trade id (0 otherwise). */
  readonly executedLots: number;
  readonly tradeId: number;
}

export interface SnapshotOrder {
  readonly orderId: number;
  readonly side: SideCode;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** L3 state as of `seq`: bids then asks, best price first, then time priority. */
export interface OrderSnapshotMessage extends Stamp {
  readonly type: 'orders';
  readonly channel: 'l3';
  readonly orders: readonly SnapshotOrder[];
}

export type FeedMessage =
  | OrderMessage
  | OrderSnapshotMessage
  | LevelMessage
  | BboMessage
  | TradeMessage
  | BarMessage
  | StatsMessage
  | SnapshotMessage
  | StatusMessage;

/** Bars the feed publishes: 1 s and 1 min. */
export const BAR_INTERVALS_MS: readonly number[] = [1_000, 60_000];
