// Market-data feed messages (packages/marketdata README, JSON form) and the client rules:
// in-band snapshot first, apply seq = last + 1, ignore seq <= last, gap -> replay / snapshot.

export type Channel = 'l1' | 'l2' | 'trades' | 'bars' | 'stats';
export type MdSide = 'buy' | 'sell';

interface Base {
  readonly channel: string;
  readonly instrumentId: number;
  readonly seq: number;
  readonly logPosition: number;
  readonly timestampMs: number;
}

export interface LevelMsg extends Base {
  readonly type: 'level';
  readonly side: MdSide;
  readonly action: 'new' | 'change' | 'delete';
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}
export interface SnapshotLevel {
  readonly side: MdSide;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}
export interface SnapshotMsg extends Base {
  readonly type: 'snapshot';
  readonly levels?: ReadonlyArray<SnapshotLevel>;
}
export interface TradeMsg extends Base {
  readonly type: 'trade';
  readonly tradeId: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressorSide: MdSide;
}
export interface BarMsg extends Base {
  readonly type: 'bar';
  readonly intervalMs: number;
  readonly startMs: number;
  readonly openTicks: number;
  readonly highTicks: number;
  readonly lowTicks: number;
  readonly closeTicks: number;
  readonly volumeLots: number;
  readonly tradeCount: number;
}
export interface BboMsg extends Base {
  readonly type: 'bbo';
  readonly bidPriceTicks: number | null;
  readonly bidQtyLots: number;
  readonly askPriceTicks: number | null;
  readonly askQtyLots: number;
}
export interface StatsMsg extends Base {
  readonly type: 'stats';
  readonly openTicks: number | null;
  readonly highTicks: number | null;
  readonly lowTicks: number | null;
  readonly lastTicks: number | null;
  readonly volumeLots: number;
  readonly tradeCount: number;
}
export type FeedMsg = LevelMsg | SnapshotMsg | TradeMsg | BarMsg | BboMsg | StatsMsg;

export interface ControlMsg {
  /** `member`: which cluster member serves this connection (sent by the venue's relay, if at all). */
  readonly type: 'subscribed' | 'unsubscribed' | 'error' | 'member';
  readonly nodeId?: number;
  readonly instrumentId?: number;
  readonly channel?: string;
  readonly mode?: 'snapshot' | 'replay';
  readonly code?: string;
  readonly message?: string;
  readonly request?: { readonly op?: string; readonly instrumentId?: number; readonly channel?: string };
}

const FEED_TYPES = new Set(['level', 'snapshot', 'trade', 'bar', 'bbo', 'stats']);
const CONTROL_TYPES = new Set(['subscribed', 'unsubscribed', 'error', 'member']);

/** Parses one JSON text frame; undefined for anything malformed. */
export function parseMdFrame(
  text: string,
): { kind: 'feed'; msg: FeedMsg } | { kind: 'control'; msg: ControlMsg } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string') return undefined;
  if (CONTROL_TYPES.has(type)) return { kind: 'control', msg: v as ControlMsg };
  if (!FEED_TYPES.has(type)) return undefined;
  const m = v as Partial<Base>;
  if (
    !Number.isSafeInteger(m.seq) ||
    !Number.isSafeInteger(m.instrumentId) ||
    typeof m.channel !== 'string'
  ) {
    return undefined;
  }
  return { kind: 'feed', msg: v as FeedMsg };
}

const FULL_STATE = new Set<string>(['l1', 'stats']);

export type StreamVerdict = 'apply' | 'snapshot' | 'duplicate' | 'gap' | 'waiting';

/**
 * Sequence state of one (instrument, channel) stream. `last` is the seq of the last applied message
 * (0 = nothing yet). After a gap the stream is stale until a replay fills it or a snapshot resets it.
 */
export class StreamState {
  last = 0;
  stale = false;
  /** Set while waiting for the in-band snapshot of a fresh subscription. */
  awaitingSnapshot = true;

  constructor(readonly channel: string) {}

  get fullState(): boolean {
    return FULL_STATE.has(this.channel);
  }

  /** Decides what to do with a feed message of this stream. */
  accept(msg: FeedMsg): StreamVerdict {
    if (msg.type === 'snapshot' || (this.fullState && (this.awaitingSnapshot || this.stale))) {
      this.last = msg.seq;
      this.awaitingSnapshot = false;
      this.stale = false;
      return 'snapshot';
    }
    if (this.awaitingSnapshot) {
      // A resumed subscription (fromSeq) replays increments: accept them from last + 1.
      if (this.last === 0) return 'waiting';
    }
    if (msg.seq <= this.last) return 'duplicate';
    if (msg.seq === this.last + 1) {
      this.last = msg.seq;
      this.awaitingSnapshot = false;
      this.stale = false;
      return 'apply';
    }
    if (this.fullState) {
      // The newest message is the state: take it and move on.
      this.last = msg.seq;
      return 'snapshot';
    }
    this.stale = true;
    return 'gap';
  }

  /** Subscription request for this stream: resumes with fromSeq when something was applied. */
  subscribeRequest(instrumentId: number): Record<string, unknown> {
    const req: Record<string, unknown> = {
      op: 'subscribe',
      instrumentId,
      channel: this.channel,
      format: 'json',
    };
    if (this.last > 0) req.fromSeq = this.last + 1;
    this.awaitingSnapshot = this.last === 0;
    return req;
  }

  /** Called on `replay-unavailable`: start again from a snapshot. */
  resetForSnapshot(): void {
    this.last = 0;
    this.awaitingSnapshot = true;
    this.stale = true;
  }
}
