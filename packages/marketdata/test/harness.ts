import { Prng } from '@venue/consensus';
import {
  type BookSource,
  type FeedMessage,
  MarketDataFeed,
  MarketDataService,
  readFeedSnapshot,
  writeFeedSnapshot,
} from '@venue/marketdata';
import {
  type Command,
  CommandType,
  genesisCommands,
  InstrumentStatus,
  MatchingEngine,
  NullSink,
  OrderType,
  readSnapshot,
  Side,
  TimeInForce,
  writeSnapshot,
} from '@venue/matching';

/** Instruments the random streams trade: id -> reference price (ticks); band is +-10%. */
export const TRADED: ReadonlyArray<readonly [number, number]> = [
  [3, 5_000],
  [4, 10_000],
];

/** Matching engine + market-data feed, wired as the venue wires them (feed reads the engine's books). */
export class FeedReplica {
  engine: MatchingEngine;
  feed: MarketDataFeed;
  /** Messages of the entry being applied. */
  entry: FeedMessage[] = [];
  position = 0;
  private readonly orderLookup: boolean;

  /** The engine as the feed's BookSource: with matching's order lookup, or books only (level scans). */
  private source(orderLookup: boolean): BookSource {
    return orderLookup
      ? { book: (id) => this.engine.book(id), order: (id) => this.engine.order(id) }
      : { book: (id) => this.engine.book(id) };
  }

  constructor(depthTop = 10, l3 = true, orderLookup = true) {
    this.feed = new MarketDataFeed(this.source(orderLookup), { depthTop, l3 });
    this.orderLookup = orderLookup;
    this.engine = new MatchingEngine(this.feed);
    this.feed.onMessage = (m) => this.entry.push(m);
  }

  /** Applies one log entry; returns the feed messages it produced. */
  apply(cmd: Command): FeedMessage[] {
    this.entry = [];
    this.position++;
    this.engine.apply(cmd);
    this.feed.endEntry(this.position, cmd.timestampMs);
    return this.entry;
  }

  /** Restart from snapshots of both state machines (a replica recovering). */
  restart(): void {
    const engineBytes = writeSnapshot(this.engine);
    const feedBytes = writeFeedSnapshot(this.feed);
    this.feed = readFeedSnapshot(feedBytes, this.source(this.orderLookup));
    this.engine = readSnapshot(engineBytes, this.feed);
    this.feed.onMessage = (m) => this.entry.push(m);
  }
}

/**
 * A seeded random command stream: genesis, then limit (all TIFs, post-only, iceberg), market, stop
 * and stop-limit orders, cancels and replaces of live orders, mass cancels, halts, cancel-on-
 * disconnect, ticks; log time mostly creeps, sometimes jumps hours (bars, Day expiry, 24 h stats).
 */
export function randomCommands(seed: number, count: number): Command[] {
  const rng = new Prng(seed);
  const driver = new MatchingEngine(new NullSink());
  const out: Command[] = [];
  let ts = 1_000;
  const push = (c: Command): void => {
    driver.apply(c);
    out.push(c);
  };
  for (const c of genesisCommands(ts)) push(c);
  while (out.length < count) {
    ts += rng.chance(0.02) ? rng.int(1, 7_200) * 1_000 : rng.int(0, 400);
    const [inst, ref] = TRADED[rng.int(0, TRADED.length - 1)]!;
    const accountId = rng.int(1, 4);
    const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
    const px = ref + rng.int(-25, 25);
    const roll = rng.int(0, 99);
    const live = pickLive(driver, rng);
    if (roll < 42) {
      const tifRoll = rng.int(0, 19);
      const tif =
        tifRoll < 12
          ? TimeInForce.GTC
          : tifRoll < 15
            ? TimeInForce.Day
            : tifRoll < 17
              ? TimeInForce.IOC
              : tifRoll < 18
                ? TimeInForce.FOK
                : TimeInForce.GTD;
      const qty = rng.int(1, 40);
      push({
        type: CommandType.NewOrder,
        timestampMs: ts,
        accountId,
        sessionId: rng.int(0, 2),
        instrumentId: inst,
        clOrdId: '',
        side,
        orderType: OrderType.Limit,
        tif,
        priceTicks: px,
        stopPriceTicks: 0,
        qtyLots: qty,
        displayQtyLots: rng.chance(0.1) ? rng.int(1, qty) : 0,
        postOnly: rng.chance(0.1),
        expireAtMs: tif === TimeInForce.GTD ? ts + rng.int(1, 20_000) : 0,
      });
    } else if (roll < 50 || roll < 55) {
      const stop = roll >= 50;
      const orderType = stop ? (rng.chance(0.5) ? OrderType.Stop : OrderType.StopLimit) : OrderType.Market;
      push({
        type: CommandType.NewOrder,
        timestampMs: ts,
        accountId,
        sessionId: 0,
        instrumentId: inst,
        clOrdId: '',
        side,
        orderType,
        tif: orderType === OrderType.Market ? TimeInForce.IOC : TimeInForce.GTC,
        priceTicks: orderType === OrderType.StopLimit ? px : 0,
        stopPriceTicks: side === Side.Buy ? ref + rng.int(1, 30) : ref - rng.int(1, 30),
        qtyLots: rng.int(1, 30),
        displayQtyLots: 0,
        postOnly: false,
        expireAtMs: 0,
      });
    } else if (roll < 75) {
      push({
        type: CommandType.Cancel,
        timestampMs: ts,
        accountId: live?.accountId ?? accountId,
        orderId: live?.id ?? rng.int(1, 50),
        origClOrdId: '',
        clOrdId: '',
      });
    } else if (roll < 92) {
      const kind = rng.int(0, 2);
      push({
        type: CommandType.Replace,
        timestampMs: ts,
        accountId: live?.accountId ?? accountId,
        orderId: live?.id ?? rng.int(1, 50),
        origClOrdId: '',
        clOrdId: '',
        qtyLots: kind === 0 ? Math.max(1, (live?.qty ?? 5) - rng.int(0, 4)) : rng.int(1, 60),
        priceTicks: kind === 0 ? (live?.price ?? px) : px,
        stopPriceTicks: side === Side.Buy ? ref + rng.int(1, 30) : ref - rng.int(1, 30),
      });
    } else if (roll < 94) {
      push({
        type: CommandType.MassCancel,
        timestampMs: ts,
        accountId,
        instrumentId: rng.chance(0.5) ? inst : 0,
        side: rng.chance(0.5) ? side : 0,
        clOrdId: '',
      });
    } else if (roll < 95) {
      push({
        type: CommandType.SetInstrumentStatus,
        timestampMs: ts,
        instrumentId: inst,
        status: rng.chance(0.5) ? InstrumentStatus.Halted : InstrumentStatus.Open,
      });
    } else if (roll < 97) {
      push(
        rng.chance(0.5)
          ? {
              type: CommandType.SetCancelOnDisconnect,
              timestampMs: ts,
              sessionId: rng.int(1, 2),
              enabled: true,
            }
          : { type: CommandType.SessionClosed, timestampMs: ts, sessionId: rng.int(1, 2) },
      );
    } else {
      push({ type: CommandType.Tick, timestampMs: ts });
    }
  }
  return out;
}

function pickLive(
  engine: MatchingEngine,
  rng: Prng,
): { id: number; accountId: number; price: number; qty: number } | undefined {
  const top = engine.orderSeq;
  for (let tries = 0; tries < 6 && top > 0; tries++) {
    const id = rng.int(Math.max(1, top - 80), top);
    const o = engine.order(id);
    if (o !== undefined) return { id, accountId: o.accountId, price: o.priceTicks, qty: o.orderQtyLots };
  }
  return undefined;
}

/** Matching engine + MarketDataService (the FeedSource the WebSocket hub serves), applied like the host does. */
export class ServiceReplica {
  readonly engine: MatchingEngine;
  readonly md: MarketDataService;
  position = 0;

  constructor(ringCapacityPerStream = 1024) {
    this.md = new MarketDataService({
      books: { book: (id) => this.engine.book(id), order: (id) => this.engine.order(id) },
      ringCapacityPerStream,
    });
    this.engine = new MatchingEngine(this.md.sink);
    this.md.onStart({ reply: () => {}, scheduleTimer: () => {}, cancelTimer: () => false }, undefined);
  }

  apply(cmd: Command): void {
    this.position++;
    this.engine.apply(cmd);
    this.md.onSessionMessage({ id: 1, principal: 'test' }, cmd.timestampMs, this.position, new Uint8Array(0));
  }
}

export function limitOrder(
  accountId: number,
  side: Side,
  priceTicks: number,
  qtyLots: number,
  timestampMs: number,
  instrumentId = 3,
): Command {
  return {
    type: CommandType.NewOrder,
    timestampMs,
    accountId,
    sessionId: 0,
    instrumentId,
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
