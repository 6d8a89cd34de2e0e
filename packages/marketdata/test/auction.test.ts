import {
  type BookSource,
  decodeJson,
  decodeSbe,
  encodeJson,
  encodeSbe,
  type FeedMessage,
  feedStateHash,
  L2Book,
  L3Book,
  MarketDataFeed,
  readFeedSnapshot,
  type SideCode,
  type StatusMessage,
  writeFeedSnapshot,
} from '@venue/marketdata';
import {
  type Command,
  CommandType,
  genesisCommands,
  isCallPhase,
  MatchingEngine,
  OrderType,
  publishesIndicative,
  readSnapshot,
  Side,
  TimeInForce,
  TradingPhase,
  writeSnapshot,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { randomCommands, TRADED } from './harness.js';

/** Matching + feed with the auction view wired (as the venue wires it). */
class AuctionReplica {
  engine: MatchingEngine;
  feed: MarketDataFeed;
  entry: FeedMessage[] = [];
  position = 0;
  private source(): BookSource {
    return {
      book: (id) => this.engine.book(id),
      order: (id) => this.engine.order(id),
      auction: (id) => this.engine.auctionInfo(id),
    };
  }
  constructor() {
    this.feed = new MarketDataFeed(this.source());
    this.engine = new MatchingEngine(this.feed);
    this.feed.onMessage = (m) => this.entry.push(m);
  }
  apply(cmd: Command): FeedMessage[] {
    this.entry = [];
    this.position++;
    this.engine.apply(cmd);
    this.feed.endEntry(this.position, cmd.timestampMs);
    return this.entry;
  }
  restart(): void {
    const e = writeSnapshot(this.engine);
    const f = writeFeedSnapshot(this.feed);
    this.feed = readFeedSnapshot(f, this.source());
    this.engine = readSnapshot(e, this.feed);
    this.feed.onMessage = (m) => this.entry.push(m);
  }
}

const S = 1_000;
const H = 3_600_000;
const ZVZZT = 4;

function order(ts: number, accountId: number, side: Side, priceTicks: number, qtyLots: number): Command {
  return {
    type: CommandType.NewOrder,
    timestampMs: ts,
    accountId,
    sessionId: 0,
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

const statusOf = (msgs: FeedMessage[]) => msgs.filter((m): m is StatusMessage => m.type === 'status');

describe('status channel: phases and the indicative uncross', () => {
  it('publishes phase changes and, during the call, the indicative price, volume and imbalance as orders arrive', () => {
    const r = new AuctionReplica();
    for (const c of genesisCommands(0)) r.apply(c);
    expect(r.feed.snapshot(ZVZZT, 'status')).toMatchObject({ seq: 0, phase: TradingPhase.Continuous });
    const sched: Command = {
      type: CommandType.SetTradingSchedule,
      timestampMs: 7 * H,
      instrumentId: ZVZZT,
      schedule: {
        preOpenMs: 8 * H,
        openingAuctionMs: 8 * H + 1_800 * S,
        continuousMs: 9 * H,
        closingAuctionMs: 17 * H,
        closeMs: 18 * H,
      },
      volBandBps: 0,
      volAuctionMs: 0,
    };
    expect(statusOf(r.apply(sched))).toMatchObject([
      { seq: 1, phase: TradingPhase.Closed, indicativePriceTicks: null },
    ]);
    expect(statusOf(r.apply({ type: CommandType.Tick, timestampMs: 8 * H }))).toMatchObject([
      { seq: 2, phase: TradingPhase.PreOpen, indicativePriceTicks: null },
    ]);
    // Pre-open: a crossed book, but no indicative is published (the book is closed).
    r.apply(order(8 * H + 1, 1, Side.Buy, 10_100, 10));
    expect(statusOf(r.apply(order(8 * H + 2, 2, Side.Sell, 9_900, 4)))).toEqual([]);
    // The call opens: the indicative comes with the phase.
    expect(statusOf(r.apply({ type: CommandType.Tick, timestampMs: 8 * H + 1_800 * S }))).toMatchObject([
      {
        seq: 3,
        phase: TradingPhase.OpeningAuction,
        indicativePriceTicks: 10_000,
        indicativeVolumeLots: 4,
        imbalanceLots: 6,
      },
    ]);
    // More supply: price and imbalance move.
    expect(statusOf(r.apply(order(8 * H + 1_900 * S, 3, Side.Sell, 10_050, 6)))).toMatchObject([
      { seq: 4, indicativePriceTicks: 10_050, indicativeVolumeLots: 10, imbalanceLots: 0 },
    ]);
    // An order that does not change the indicative publishes nothing.
    expect(statusOf(r.apply(order(8 * H + 1_901 * S, 3, Side.Sell, 10_200, 6)))).toEqual([]);
    // The open: trades at one price, then continuous with no indicative.
    const open = r.apply({ type: CommandType.Tick, timestampMs: 9 * H });
    expect(open.filter((m) => m.type === 'trade').map((m) => m.type === 'trade' && m.priceTicks)).toEqual([
      10_050, 10_050,
    ]);
    expect(statusOf(open)).toMatchObject([
      {
        seq: 5,
        phase: TradingPhase.Continuous,
        indicativePriceTicks: null,
        indicativeVolumeLots: 0,
        imbalanceLots: 0,
      },
    ]);
    // The status message is last of the entry, and survives SBE and JSON.
    expect(open.at(-1)!.type).toBe('status');
    const st = statusOf(open)[0]!;
    expect(decodeSbe(encodeSbe(st))).toEqual(st);
    expect(JSON.parse(encodeJson(st)).phase).toBe('continuous');
    expect(decodeJson(encodeJson(st))).toEqual(st);
    expect(r.feed.snapshot(ZVZZT, 'status')).toEqual(st);
  });

  it('random streams through phases and volatility auctions: books rebuilt from the feed equal matching, status equals the engine, replicas agree', () => {
    let statusMessages = 0;
    let uncrossEntries = 0;
    const phasesSeen = new Set<number>();
    for (const seed of [1, 2]) {
      const raw = randomCommands(seed, 1_000);
      const g = genesisCommands(0).length;
      const sched = TRADED.map(
        ([id]): Command => ({
          type: CommandType.SetTradingSchedule,
          timestampMs: 1_000,
          instrumentId: id,
          // A short day: pre-open at once, call 5 s, continuous until 03:00, closing call to 05:00.
          schedule: {
            preOpenMs: 0,
            openingAuctionMs: 5 * S,
            continuousMs: 30 * S,
            closingAuctionMs: 3 * H,
            closeMs: 5 * H,
          },
          volBandBps: 30,
          volAuctionMs: 3 * S,
        }),
      );
      const cmds = [...raw.slice(0, g), ...sched, ...raw.slice(g)];
      const a = new AuctionReplica();
      const c = new AuctionReplica();
      const full = new Map<number, L2Book>();
      const l3 = new Map<number, L3Book>();
      const status = new Map<number, FeedMessage>();
      const lastSeq = new Map<string, number>();
      cmds.forEach((cmd, i) => {
        if (i === g) {
          for (const [id] of TRADED) {
            const f = new L2Book(id, 'l2full');
            expect(f.apply(a.feed.snapshot(id, 'l2full')!)).toBe('applied');
            full.set(id, f);
            const o = new L3Book(id);
            expect(o.apply(a.feed.snapshot(id, 'l3')!)).toBe('applied');
            l3.set(id, o);
            status.set(id, a.feed.snapshot(id, 'status')!);
          }
        }
        if (i % 97 === 50) c.restart();
        const msgs = a.apply(cmd);
        expect(c.apply(cmd).map(encodeSbe), `position ${i + 1}`).toEqual(msgs.map(encodeSbe));
        for (const m of msgs) {
          // An uncross: the status leaves a call phase in an entry that printed trades.
          const prev = status.get(m.instrumentId);
          if (
            m.type === 'status' &&
            prev?.type === 'status' &&
            isCallPhase(prev.phase) &&
            !isCallPhase(m.phase)
          ) {
            if (msgs.some((t) => t.type === 'trade' && t.instrumentId === m.instrumentId)) uncrossEntries++;
          }
        }
        for (const m of msgs) {
          const key = `${m.instrumentId}/${m.channel}`;
          expect(m.seq, key).toBe((lastSeq.get(key) ?? 0) + 1);
          lastSeq.set(key, m.seq);
          expect(decodeSbe(encodeSbe(m))).toEqual(m);
          expect(decodeJson(encodeJson(m))).toEqual(m);
          if (i < g) continue;
          if (m.channel === 'l2full') expect(full.get(m.instrumentId)!.apply(m)).toBe('applied');
          if (m.channel === 'l3') expect(l3.get(m.instrumentId)!.apply(m)).toBe('applied');
          if (m.type === 'status') {
            status.set(m.instrumentId, m);
            statusMessages++;
            phasesSeen.add(m.phase);
          }
        }
        if (i < g) return;
        for (const [id] of TRADED) {
          const view = a.engine.book(id)!;
          for (const side of [1, 2] as const) {
            const lv: { priceTicks: number; qtyLots: number; orderCount: number }[] = [];
            view.forEachLevel(side, (l) => {
              lv.push({ priceTicks: l.priceTicks, qtyLots: l.visibleLots, orderCount: l.orderCount });
              return true;
            });
            expect(full.get(id)!.levels(side), `pos ${a.position} side ${side}`).toEqual(lv);
            const os: { orderId: number; side: SideCode; priceTicks: number; qtyLots: number }[] = [];
            view.forEachOrder(side, (o) => {
              os.push({ orderId: o.id, side, priceTicks: o.priceTicks, qtyLots: o.visibleLots });
              return true;
            });
            expect(l3.get(id)!.side(side), `pos ${a.position} l3 side ${side}`).toEqual(os);
          }
          const info = a.engine.auctionInfo(id)!;
          const show = publishesIndicative(info.phase) && info.volumeLots > 0;
          expect(status.get(id), `pos ${a.position} status ${id}`).toMatchObject({
            phase: info.phase,
            indicativePriceTicks: show ? info.priceTicks : null,
            indicativeVolumeLots: show ? info.volumeLots : 0,
            imbalanceLots: show ? info.surplusLots : 0,
          });
        }
        expect(feedStateHash(c.feed)).toBe(feedStateHash(a.feed));
      });
    }
    // The streams went through calls, indicative updates and uncrosses (not vacuous).
    expect(statusMessages).toBeGreaterThan(30);
    expect(uncrossEntries).toBeGreaterThan(0);
    for (const p of [
      TradingPhase.PreOpen,
      TradingPhase.OpeningAuction,
      TradingPhase.Continuous,
      TradingPhase.ClosingAuction,
      TradingPhase.Closed,
      TradingPhase.VolatilityAuction,
    ]) {
      expect(phasesSeen.has(p), `phase ${p} seen`).toBe(true);
    }
  });
});
