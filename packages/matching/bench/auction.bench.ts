/**
 * Auction costs: the indicative uncross (`auctionInfo`, what market data computes after each entry
 * that changes a call book) and the uncross itself, for call books of growing size.
 *
 *   node --import tsx bench/auction.bench.ts [--orders N]   (default 100000)
 *
 * Random limit orders (both sides, prices 9,500..10,500 ticks, 1..100 lots) rest during an opening
 * call; then the opening boundary uncrosses them. Times are wall clock (process.hrtime), one run.
 */
import {
  CommandType,
  genesisCommands,
  MatchingEngine,
  NullSink,
  OrderType,
  Side,
  TimeInForce,
} from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const H = 3_600_000;
const ZVZZT = 4;
let seed = 42;
const rnd = (n: number): number => {
  // xorshift32: deterministic workload
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

function run(orders: number): void {
  const eng = new MatchingEngine(new NullSink());
  for (const c of genesisCommands(0)) eng.apply(c);
  eng.apply({
    type: CommandType.AddAccount,
    timestampMs: 0,
    accountId: 99,
    login: 'bench',
    stpMode: 0,
    maxOrderQtyLots: 0,
    maxOrderNotional: 0,
    maxOpenOrders: 0,
    maxPositionLots: 0,
  });
  eng.apply({
    type: CommandType.SetTradingSchedule,
    timestampMs: 8 * H,
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
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < orders; i++) {
    eng.apply({
      type: CommandType.NewOrder,
      timestampMs: 8 * H + 1,
      accountId: 1 + (i % 4),
      sessionId: 0,
      instrumentId: ZVZZT,
      clOrdId: '',
      side: rnd(2) === 0 ? Side.Buy : Side.Sell,
      orderType: OrderType.Limit,
      tif: TimeInForce.GTC,
      priceTicks: 9_500 + rnd(1_001),
      stopPriceTicks: 0,
      qtyLots: 1 + rnd(100),
      displayQtyLots: 0,
      postOnly: false,
      expireAtMs: 0,
    });
  }
  const t1 = process.hrtime.bigint();
  const reps = 200;
  let vol = 0;
  for (let i = 0; i < reps; i++) vol = eng.auctionInfo(ZVZZT)!.volumeLots;
  const t2 = process.hrtime.bigint();
  eng.apply({ type: CommandType.Tick, timestampMs: 9 * H });
  const t3 = process.hrtime.bigint();
  const ns = (a: bigint, b: bigint) => Number(b - a);
  const b = eng.book(ZVZZT)!;
  console.log(
    `${orders} orders (${b.depth(1)} bid / ${b.depth(2)} ask levels after): enter ${(ns(t0, t1) / orders).toFixed(0)} ns/order, ` +
      `indicative ${(ns(t1, t2) / reps / 1000).toFixed(1)} us, uncross of ${vol} lots ${(ns(t2, t3) / 1e6).toFixed(1)} ms, ` +
      `${eng.instrument(ZVZZT)!.phase === 3 ? 'continuous' : 'not continuous'} after`,
  );
}

const max = arg('orders', 100_000);
for (let n = 1_000; n <= max; n *= 10) run(n);
