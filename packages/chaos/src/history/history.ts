import type { MarketDataInput } from '../checker/md-replay.js';
import type { PositionsInput } from '../checker/trades.js';

/** What a workload client asks of the venue. */
export type OpKind = 'new' | 'cancel' | 'replace' | 'status';

/** An operation's invocation, stamped by the client before it sends (client clock, ms since run start). */
export interface InvokeEvent {
  readonly type: 'invoke';
  readonly process: number;
  readonly opId: number;
  readonly timeMs: number;
  readonly kind: OpKind;
  readonly clOrdId: string;
  /** The order a cancel, replace or status refers to (its current ClOrdID). Empty for `new`. */
  readonly origClOrdId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: string;
}

/**
 * An operation's completion: `ok` (the venue acknowledged it), `fail` (definitely not applied: a
 * reject), `info` (indeterminate: no answer before the client's timeout; it may or may not apply).
 */
export interface CompleteEvent {
  readonly type: 'ok' | 'fail' | 'info';
  readonly process: number;
  readonly opId: number;
  readonly timeMs: number;
  readonly orderId: string;
  /** For status reads: the order's state as read (empty when the order is unknown or terminal). */
  readonly ordStatus: string;
  readonly cumQty: number;
  readonly text: string;
}

/** One ExecutionReport (35=8) or OrderCancelReject (35=9) as a client received it. */
export interface ReportEvent {
  readonly type: 'report';
  readonly process: number;
  readonly timeMs: number;
  readonly msgType: string;
  readonly execType: string;
  readonly ordStatus: string;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly orderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly side: string;
  readonly orderQty: number;
  readonly lastQty: number;
  readonly lastPx: string;
  readonly cumQty: number;
  readonly leavesQty: number;
}

/** A fault the nemesis injected or healed. */
export interface FaultEvent {
  readonly type: 'fault';
  readonly timeMs: number;
  readonly fault: string;
  readonly nodes: readonly number[];
  readonly phase: 'start' | 'stop';
  /** What happened, in words (e.g. which file was damaged and how the member reacted). */
  readonly detail?: string;
  /** Disk corruption the member started on without refusing (it must detect it). */
  readonly undetected?: boolean;
}

export type HistoryEvent = InvokeEvent | CompleteEvent | ReportEvent | FaultEvent;

/** The final read of one order, after the cluster quiesced (OrderStatusRequest through the gateway). */
export interface FinalOrderRead {
  readonly process: number;
  readonly clOrdId: string;
  /** False when the venue answered "unknown order" (terminal orders leave the book). */
  readonly found: boolean;
  readonly orderId: string;
  readonly ordStatus: string;
  readonly cumQty: number;
  readonly leavesQty: number;
}

/** A replica's admin /status after quiescing. */
export interface ReplicaState {
  readonly id: number;
  readonly stateHash: string | null;
  readonly hashIndex: number;
  readonly commitIndex: number;
}

/** A member's data rebuilt offline after the run (where the final reads come from). */
export interface OfflineRebuild {
  readonly member: number;
  readonly appliedIndex: number;
  readonly stateHash: string;
  /** Rebuilt hash equals the replicas' agreed hash at the same position (null: not comparable). */
  readonly hashMatches: boolean | null;
  /** Log entries timestamped below their predecessor (must be 0: log time is monotonic). */
  readonly timestampRegressions: number;
}

export interface FinalState {
  readonly reads: readonly FinalOrderRead[];
  readonly replicas: readonly ReplicaState[];
  readonly offline?: OfflineRebuild;
  /** Accounts' final positions and cash (per-trade pairing and positions = sum of fills). */
  readonly positions?: PositionsInput;
  /** The recorded market-data feed and the final books it must rebuild. */
  readonly marketData?: MarketDataInput;
}

/**
 * Events kept per run: the workload stops invoking once this many are recorded. A 10-minute run
 * with four FIX clients and one direct client records about 550 000 (the former bound, 500 000,
 * stopped one such run 23 s early); about 200 bytes each in memory.
 */
export const HISTORY_EVENTS_MAX = 1_500_000;
/** Room kept past the workload's limit: completions and reports of operations still in flight. */
const HISTORY_EVENTS_RESERVE = 1_000;

/** An append-only, bounded history with one clock (ms since the recorder was created). */
export class History {
  readonly events: HistoryEvent[] = [];
  private readonly startMs = Date.now();

  nowMs(): number {
    return Date.now() - this.startMs;
  }

  get isFull(): boolean {
    return this.events.length >= HISTORY_EVENTS_MAX;
  }

  add(event: HistoryEvent): void {
    // Reports and completions are always kept (they close what was invoked); only invocations are refused.
    if (event.type === 'invoke' && this.events.length >= HISTORY_EVENTS_MAX + HISTORY_EVENTS_RESERVE) {
      throw new Error('history is full');
    }
    this.events.push(event);
  }
}
