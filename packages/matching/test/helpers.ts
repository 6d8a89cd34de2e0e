import type { ServiceContext } from '@venue/consensus';
import {
  type CancelCommand,
  CommandType,
  decodeReply,
  type EngineConfig,
  type EventRecord,
  type ExecutionRecord,
  genesisCommands,
  MatchingEngine,
  type NewOrderCommand,
  OrderType,
  RecordingSink,
  type ReplaceCommand,
  type ReplyMessage,
  Side,
  TimeInForce,
  type TradeRecord,
} from '@venue/matching';

/** A ServiceContext that records every reply (decoded, by session) and the timers set. */
export class FakeContext implements ServiceContext {
  readonly replies: Array<{ sessionId: number; messages: ReplyMessage[] }> = [];
  readonly timers = new Map<number, number>();
  reply(sessionId: number, payload: Uint8Array): void {
    this.replies.push({ sessionId, messages: decodeReply(payload) });
  }
  scheduleTimer(correlationId: number, deadlineMs: number): void {
    this.timers.set(correlationId, deadlineMs);
  }
  cancelTimer(correlationId: number): boolean {
    return this.timers.delete(correlationId);
  }
}

/** ZVZZT: tick 0.01, lot 1, reference 100.00 (10000 ticks), band 10% => [9000, 11000]. */
export const ZVZZT = 4;
export const ACME = 3;
export const ALICE = 1; // STP cancel incoming
export const BOB = 2; // STP cancel incoming
export const CAROL = 3; // STP cancel resting
export const MM = 4; // STP cancel both

export function setup(config: Partial<EngineConfig> = {}): { eng: MatchingEngine; sink: RecordingSink } {
  const sink = new RecordingSink();
  const eng = new MatchingEngine(sink, config);
  for (const c of genesisCommands(0)) eng.apply(c);
  sink.clear();
  return { eng, sink };
}

export function order(p: Partial<NewOrderCommand> = {}): NewOrderCommand {
  return {
    type: CommandType.NewOrder,
    timestampMs: 1_000,
    accountId: ALICE,
    sessionId: 0,
    instrumentId: ZVZZT,
    clOrdId: '',
    side: Side.Buy,
    orderType: OrderType.Limit,
    tif: TimeInForce.GTC,
    priceTicks: 10_000,
    stopPriceTicks: 0,
    qtyLots: 10,
    displayQtyLots: 0,
    postOnly: false,
    expireAtMs: 0,
    ...p,
  };
}

export function cancel(accountId: number, orderId: number, p: Partial<CancelCommand> = {}): CancelCommand {
  return {
    type: CommandType.Cancel,
    timestampMs: 1_000,
    accountId,
    orderId,
    origClOrdId: '',
    clOrdId: '',
    ...p,
  };
}

export function replace(
  accountId: number,
  orderId: number,
  qtyLots: number,
  priceTicks: number,
  p: Partial<ReplaceCommand> = {},
): ReplaceCommand {
  return {
    type: CommandType.Replace,
    timestampMs: 1_000,
    accountId,
    orderId,
    origClOrdId: '',
    clOrdId: '',
    qtyLots,
    priceTicks,
    stopPriceTicks: 0,
    ...p,
  };
}

export function execs(events: readonly EventRecord[]): ExecutionRecord[] {
  return events.filter((e): e is ExecutionRecord => e.type === 'execution');
}

export function trades(events: readonly EventRecord[]): TradeRecord[] {
  return events.filter((e): e is TradeRecord => e.type === 'trade');
}

/** Orders of one side as [id, leaves] in priority order. */
export function sideOrders(eng: MatchingEngine, instrumentId: number, side: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  eng.book(instrumentId)!.forEachOrder(side, (o) => {
    out.push([o.id, o.leavesLots]);
    return true;
  });
  return out;
}
