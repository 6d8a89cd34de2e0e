import type { Entry } from '@venue/consensus';
import { ServiceHost } from '@venue/consensus';
import { type FeedMessage, FOLLOW_TIMER_ID, MarketDataService } from '@venue/marketdata';
import {
  type AdminEvent,
  type Command,
  CommandType,
  type EventSink,
  type ExecutionEvent,
  encodeCommand,
  type MassCancelEvent,
  MatchingService,
  OrderType,
  Side,
  TimeInForce,
  type TradeEvent,
  TradingPhase,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';

/** Matching with market data teed into its sink, as the venue wires it (apps/venue services.ts). */
class TeedMatching extends MatchingService {
  constructor(private readonly tee: EventSink) {
    super();
  }
  override onExecution(e: ExecutionEvent): void {
    super.onExecution(e);
    this.tee.onExecution(e);
  }
  override onTrade(t: TradeEvent): void {
    super.onTrade(t);
    this.tee.onTrade(t);
  }
  override onMassCancel(m: MassCancelEvent): void {
    super.onMassCancel(m);
    this.tee.onMassCancel(m);
  }
  override onAdmin(a: AdminEvent): void {
    super.onAdmin(a);
    this.tee.onAdmin(a);
  }
}

const H = 3_600_000;
const ZVZZT = 4;

function node() {
  const out: FeedMessage[] = [];
  const ref: { matching?: TeedMatching } = {};
  const host = new ServiceHost(() => {
    const md = new MarketDataService({
      books: {
        book: (id) => ref.matching?.engine.book(id),
        order: (id) => ref.matching?.engine.order(id),
        auction: (id) => ref.matching?.engine.auctionInfo(id),
        nextDeadlineMs: () => ref.matching?.engine.nextDeadlineMs() ?? 0,
      },
    });
    ref.matching = new TeedMatching(md.sink);
    md.subscribe({ message: (m) => out.push(m) });
    return [ref.matching, md];
  });
  return { host, out, ref };
}

function base(index: number, timestampMs: number, e: Partial<Entry>): Entry {
  return {
    term: 1,
    index,
    timestampMs,
    type: 'session-message',
    sessionId: 1,
    requestSeq: index,
    correlationId: 0,
    serviceIndex: 0,
    payload: new Uint8Array(0),
    ...e,
  };
}

function limit(ts: number, accountId: number, side: Side, priceTicks: number, qtyLots: number): Command {
  return {
    type: CommandType.NewOrder,
    timestampMs: ts,
    accountId,
    sessionId: 1,
    instrumentId: ZVZZT,
    clOrdId: '',
    side,
    orderType: OrderType.Limit,
    tif: TimeInForce.GTC,
    priceTicks,
    stopPriceTicks: 0,
    qtyLots,
    displayQtyLots: 0,
    postOnly: false,
    expireAtMs: 0,
  };
}

describe('market data follows matching timers (phase changes and auctions published at once)', () => {
  it('the opening is published by the follow timer right after matching’s timer entry', () => {
    const n = node();
    n.host.start(undefined);
    let index = 0;
    const apply = (ts: number, e: Partial<Entry>) => n.host.apply(base(++index, ts, e));
    const send = (c: Command) => apply(c.timestampMs, { payload: encodeCommand(c) });
    apply(7 * H, { type: 'session-open', correlationId: 7, payload: new TextEncoder().encode('gw') });
    send({
      type: CommandType.SetTradingSchedule,
      timestampMs: 7 * H,
      instrumentId: ZVZZT,
      schedule: {
        preOpenMs: 8 * H,
        openingAuctionMs: 8 * H,
        continuousMs: 9 * H,
        closingAuctionMs: 17 * H,
        closeMs: 17 * H,
      },
      volBandBps: 0,
      volAuctionMs: 0,
    });
    expect(n.out.filter((m) => m.type === 'status').map((m) => m.type === 'status' && m.phase)).toEqual([
      TradingPhase.Closed,
    ]);
    // Both timers are due at 08:00, matching's first (service 0), then market data's follow timer.
    expect(n.host.dueTimers(8 * H)).toEqual([
      { serviceIndex: 0, correlationId: 1, deadlineMs: 8 * H },
      { serviceIndex: 1, correlationId: FOLLOW_TIMER_ID, deadlineMs: 8 * H },
    ]);
    apply(8 * H, { type: 'timer', serviceIndex: 0, correlationId: 1 });
    expect(n.ref.matching!.engine.instrument(ZVZZT)!.phase).toBe(TradingPhase.OpeningAuction);
    const before = n.out.length;
    apply(8 * H, { type: 'timer', serviceIndex: 1, correlationId: FOLLOW_TIMER_ID });
    expect(n.out.slice(before)).toMatchObject([
      { type: 'status', phase: TradingPhase.OpeningAuction, timestampMs: 8 * H },
    ]);
    send(limit(8 * H + 1, 1, Side.Buy, 10_100, 5));
    send(limit(8 * H + 2, 2, Side.Sell, 9_900, 3));
    expect(n.out.at(-1)).toMatchObject({
      type: 'status',
      indicativePriceTicks: 10_000,
      indicativeVolumeLots: 3,
      imbalanceLots: 2,
    });
    // The open at 09:00.
    expect(n.host.dueTimers(9 * H).map((t) => t.serviceIndex)).toEqual([0, 1]);
    apply(9 * H, { type: 'timer', serviceIndex: 0, correlationId: 1 });
    const mark = n.out.length;
    apply(9 * H, { type: 'timer', serviceIndex: 1, correlationId: FOLLOW_TIMER_ID });
    const published = n.out.slice(mark);
    expect(published.filter((m) => m.type === 'trade')).toMatchObject([{ priceTicks: 10_000, qtyLots: 3 }]);
    expect(published.at(-1)).toMatchObject({
      type: 'status',
      phase: TradingPhase.Continuous,
      indicativePriceTicks: null,
    });
  });
});
