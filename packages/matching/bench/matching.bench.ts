/**
 * Matching engine benchmark (issue 5).
 *
 *   node --expose-gc --import tsx bench/matching.bench.ts [--commands N] [--compare-commands N] [--resting N]
 *        [--repeat N] [--seed S]
 *
 * 1. Throughput: a realistic mix on 10 instruments (adds near the touch, cancels, marketable limits,
 *    market orders, replaces), pre-generated into typed arrays so generation is not measured.
 * 2. Latency per command (HdrHistogram, ns) on the same workload, separate pass (timing perturbs throughput).
 * 3. The same workload through npm `nodejs-order-book` (one OrderBook per instrument), ratio printed.
 * 4. Memory: N resting orders, heap after forced GC, bytes per resting order.
 */
import { cpus, loadavg } from 'node:os';
import { build } from 'hdr-histogram-js';
import { OrderBook as NobBook, Side as NobSide } from 'nodejs-order-book';
import {
  type CancelCommand,
  type Command,
  CommandType,
  type EventSink,
  ExecType,
  type ExecutionEvent,
  InstrumentStatus,
  MatchingEngine,
  type NewOrderCommand,
  NullSink,
  OrderType,
  type ReplaceCommand,
  Side,
  StpMode,
  TimeInForce,
  type TradeEvent,
} from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const COMMANDS = arg('commands', 10_000_000);
const COMPARE = Math.min(arg('compare-commands', COMMANDS), COMMANDS);
const RESTING = arg('resting', 1_000_000);
const SEED = arg('seed', 42);
/** Measured throughput runs of our engine (best and median reported: the machine may be shared). */
const REPEAT = arg('repeat', 3);
const INSTRUMENTS = 10;
const ACCOUNTS = 100;
const MID = 100_000; // ticks
/** Resting orders per instrument the workload hovers around (a deep, realistic book). */
const DEPTH_TARGET = 5_000;
const gc = (globalThis as { gc?: () => void }).gc;

// ------------------------------------------------------------------ workload

/** xorshift32: deterministic, fast. */
let rng = SEED >>> 0 || 1;
function rand(): number {
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng / 4_294_967_296;
}
function randInt(n: number): number {
  return Math.floor(rand() * n);
}

const K_ADD = 1;
const K_CANCEL = 2;
const K_REPLACE_DOWN = 3;
const K_REPLACE_PRICE = 4;
const K_TAKE = 5;
const K_MARKET = 6;

interface Workload {
  kind: Uint8Array;
  inst: Uint8Array;
  side: Uint8Array;
  acct: Uint8Array;
  price: Int32Array;
  qty: Int32Array;
  /** Target order id (cancel/replace): 1-based id in submission order of new orders. */
  target: Int32Array;
  newOrders: number;
}

/** Tracks which orders are live from the engine's reports (used only while generating). */
class LiveTracker extends NullSink {
  /** Live order ids per instrument (swap-remove), and each id's slot. */
  readonly live: number[][] = Array.from({ length: INSTRUMENTS }, () => []);
  slot = new Int32Array(1 << 20).fill(-1);
  instOf = new Uint8Array(1 << 20);

  private grow(id: number): void {
    while (id >= this.slot.length) {
      const s = new Int32Array(this.slot.length * 2).fill(-1);
      s.set(this.slot);
      this.slot = s;
      const t = new Uint8Array(this.instOf.length * 2);
      t.set(this.instOf);
      this.instOf = t;
    }
  }

  add(id: number, inst: number): void {
    this.grow(id);
    const arr = this.live[inst]!;
    this.slot[id] = arr.length;
    this.instOf[id] = inst;
    arr.push(id);
  }

  remove(id: number): void {
    const j = this.slot[id]!;
    if (j < 0) return;
    const arr = this.live[this.instOf[id]!]!;
    const last = arr.pop()!;
    if (last !== id) {
      arr[j] = last;
      this.slot[last] = j;
    }
    this.slot[id] = -1;
  }

  override onExecution(e: ExecutionEvent): void {
    if (e.orderId !== 0 && e.leavesQtyLots === 0 && e.execType !== ExecType.Rejected) this.remove(e.orderId);
  }
}

/**
 * Mix: ~40% passive adds 1..30 ticks from mid (steered to keep ~5,000 resting orders per instrument), 33% cancels, 8% replace qty down (keeps priority),
 * 7% replace price, 9% marketable limit IOC, 3% market. Cancels/replaces come from the owner and
 * target a live order of the same instrument (half among the newest 64, half any), so the book
 * stays at a steady size. The workload is generated once, feeding our engine to learn which orders
 * are live (not measured), then replayed identically to each measured run and to nodejs-order-book.
 */
function generate(n: number): Workload {
  const w: Workload = {
    kind: new Uint8Array(n),
    inst: new Uint8Array(n),
    side: new Uint8Array(n),
    acct: new Uint8Array(n),
    price: new Int32Array(n),
    qty: new Int32Array(n),
    target: new Int32Array(n),
    newOrders: 0,
  };
  const tracker = new LiveTracker();
  const eng = setupEngine(tracker);
  const own = new Uint8Array(n + 1);
  // Current limit price per order id (replace-down keeps it; the command must carry it).
  const priceOf = new Int32Array(n + 1);
  let ids = 0;
  for (let i = 0; i < n; i++) {
    const inst = randInt(INSTRUMENTS);
    const side = rand() < 0.5 ? Side.Buy : Side.Sell;
    w.inst[i] = inst;
    w.side[i] = side;
    w.acct[i] = 1 + randInt(ACCOUNTS);
    const r = rand();
    const rec = tracker.live[inst]!;
    let kind: number;
    // Adds run slightly ahead of removals below the target depth and behind above it.
    if (rec.length === 0 || r < (rec.length < DEPTH_TARGET ? 0.45 : 0.35)) kind = K_ADD;
    else if (r < 0.73) kind = K_CANCEL;
    else if (r < 0.81) kind = K_REPLACE_DOWN;
    else if (r < 0.88) kind = K_REPLACE_PRICE;
    else if (r < 0.97) kind = K_TAKE;
    else kind = K_MARKET;
    w.kind[i] = kind;
    const off = 1 + randInt(30);
    w.price[i] = side === Side.Buy ? MID - off : MID + off;
    w.qty[i] = 1 + randInt(20);
    if (kind === K_ADD || kind === K_TAKE || kind === K_MARKET) {
      ids++;
      own[ids] = w.acct[i]!;
      if (kind !== K_ADD) {
        w.price[i] = side === Side.Buy ? MID + randInt(10) : MID - randInt(10);
        w.qty[i] = 1 + randInt(10);
      } else {
        priceOf[ids] = w.price[i]!;
        tracker.add(ids, inst);
      }
    } else {
      const j = rand() < 0.5 ? rec.length - 1 - randInt(Math.min(64, rec.length)) : randInt(rec.length);
      const t = rec[j]!;
      w.target[i] = t;
      w.side[i] = 0; // unused
      if (kind === K_REPLACE_DOWN) w.price[i] = priceOf[t]!;
      else if (kind === K_REPLACE_PRICE) priceOf[t] = w.price[i]!;
    }
    eng.apply(command(w, own, i, 1));
  }
  w.newOrders = ids;
  return w;
}

// ------------------------------------------------------------------ our engine

/** Counts what a real consumer would see (cheap: no copies). */
class CountingSink extends NullSink {
  executions = 0;
  trades = 0;
  rejects = 0;
  override onExecution(e: ExecutionEvent): void {
    this.executions++;
    if (e.execType === ExecType.Rejected) this.rejects++;
  }
  override onTrade(_t: TradeEvent): void {
    this.trades++;
  }
}

function setupEngine(sink: EventSink = new CountingSink()): MatchingEngine {
  const eng = new MatchingEngine(sink, { liveOrdersMax: 50_000_000, poolFreeMax: 2_000_000 });
  for (let i = 1; i <= INSTRUMENTS; i++) {
    eng.apply({
      type: CommandType.AddInstrument,
      timestampMs: 0,
      instrumentId: i,
      symbol: `SYM${i}`,
      tickSize: '0.01',
      lotSize: '1',
      minQtyLots: 1,
      maxQtyLots: 1_000_000,
      refPriceTicks: MID,
      bandBps: 1000,
      status: InstrumentStatus.Open,
    });
  }
  for (let a = 1; a <= ACCOUNTS; a++) {
    eng.apply({
      type: CommandType.AddAccount,
      timestampMs: 0,
      accountId: a,
      login: `acct${a}`,
      stpMode: StpMode.None, // nodejs-order-book has no STP by default: same semantics
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 0,
      maxPositionLots: 0,
    });
  }
  return eng;
}

/** Reusable command objects: the driver allocates nothing per command. */
const nos: NewOrderCommand = {
  type: CommandType.NewOrder,
  timestampMs: 1,
  accountId: 1,
  sessionId: 0,
  instrumentId: 1,
  clOrdId: '',
  side: Side.Buy,
  orderType: OrderType.Limit,
  tif: TimeInForce.GTC,
  priceTicks: 0,
  stopPriceTicks: 0,
  qtyLots: 1,
  displayQtyLots: 0,
  postOnly: false,
  expireAtMs: 0,
};
const cxl: CancelCommand = {
  type: CommandType.Cancel,
  timestampMs: 1,
  accountId: 1,
  orderId: 0,
  origClOrdId: '',
  clOrdId: '',
};
const rpl: ReplaceCommand = {
  type: CommandType.Replace,
  timestampMs: 1,
  accountId: 1,
  orderId: 0,
  origClOrdId: '',
  clOrdId: '',
  qtyLots: 1,
  priceTicks: 0,
  stopPriceTicks: 0,
};

/** Order id -> account, so cancels/replaces come from the owner (engine ids = submission order). */
function owners(w: Workload, n: number): Uint8Array {
  const o = new Uint8Array(w.newOrders + 1);
  let id = 0;
  for (let i = 0; i < n; i++) {
    const k = w.kind[i]!;
    if (k === K_ADD || k === K_TAKE || k === K_MARKET) o[++id] = w.acct[i]!;
  }
  return o;
}

function command(w: Workload, own: Uint8Array, i: number, ts: number): Command {
  const k = w.kind[i]!;
  if (k === K_ADD || k === K_TAKE || k === K_MARKET) {
    nos.timestampMs = ts;
    nos.accountId = w.acct[i]!;
    nos.instrumentId = w.inst[i]! + 1;
    nos.side = w.side[i] as Side;
    nos.orderType = k === K_MARKET ? OrderType.Market : OrderType.Limit;
    nos.tif = k === K_ADD ? TimeInForce.GTC : TimeInForce.IOC;
    nos.priceTicks = w.price[i]!;
    nos.qtyLots = w.qty[i]!;
    return nos;
  }
  const target = w.target[i]!;
  if (k === K_CANCEL) {
    cxl.timestampMs = ts;
    cxl.accountId = own[target]!;
    cxl.orderId = target;
    return cxl;
  }
  rpl.timestampMs = ts;
  rpl.accountId = own[target]!;
  rpl.orderId = target;
  // Qty down: 1 lot at the same price (keeps priority). Price: a new passive price (loses it).
  rpl.qtyLots = k === K_REPLACE_DOWN ? 1 : w.qty[i]!;
  rpl.priceTicks = w.price[i]!;
  return rpl;
}

function runThroughput(w: Workload, own: Uint8Array, n: number) {
  const sink = new CountingSink();
  const eng = setupEngine(sink);
  gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const c = command(w, own, i, 1 + (i >>> 10));
    eng.apply(c);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, eng, sink };
}

function runLatency(w: Workload, own: Uint8Array, n: number) {
  const eng = setupEngine();
  const h = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
  gc?.();
  for (let i = 0; i < n; i++) {
    const c = command(w, own, i, 1 + (i >>> 10));
    const t0 = performance.now();
    eng.apply(c);
    const ns = Math.round((performance.now() - t0) * 1e6);
    h.recordValue(Math.max(ns, 1));
  }
  return h;
}

// ------------------------------------------------------------------ nodejs-order-book

function runNob(w: Workload, n: number): { seconds: number; cpuSeconds: number } {
  const books = Array.from({ length: INSTRUMENTS }, () => new NobBook());
  // nodejs-order-book keys orders by string id; ids follow submission order as ours do.
  gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let id = 0;
  for (let i = 0; i < n; i++) {
    const k = w.kind[i]!;
    const ob = books[w.inst[i]!]!;
    const side = w.side[i] === Side.Buy ? NobSide.BUY : NobSide.SELL;
    if (k === K_ADD) {
      ob.limit({ side, id: String(++id), size: w.qty[i]!, price: w.price[i]! });
    } else if (k === K_TAKE) {
      ob.limit({ side, id: String(++id), size: w.qty[i]!, price: w.price[i]!, timeInForce: 'IOC' as never });
    } else if (k === K_MARKET) {
      ++id;
      ob.market({ side, size: w.qty[i]! });
    } else if (k === K_CANCEL) {
      ob.cancel(String(w.target[i]!));
    } else if (k === K_REPLACE_DOWN) {
      ob.modify(String(w.target[i]!), { size: 1 });
    } else {
      ob.modify(String(w.target[i]!), { price: w.price[i]! });
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

// ------------------------------------------------------------------ memory

function runMemory(n: number) {
  gc?.();
  const base = process.memoryUsage().heapUsed;
  const eng = setupEngine();
  const c: NewOrderCommand = { ...nos, orderType: OrderType.Limit, tif: TimeInForce.GTC, timestampMs: 1 };
  for (let i = 0; i < n; i++) {
    const inst = (i % INSTRUMENTS) + 1;
    const buy = (i & 1) === 0;
    // Non-crossing: bids below MID, asks above, spread over 2000 levels per side.
    const off = 1 + ((i >>> 1) % 2000);
    c.accountId = 1 + (i % ACCOUNTS);
    c.instrumentId = inst;
    c.side = buy ? Side.Buy : Side.Sell;
    c.priceTicks = buy ? MID - off : MID + off;
    c.qtyLots = 1 + (i % 50);
    eng.apply(c);
  }
  if (eng.liveOrderCount !== n) throw new Error(`expected ${n} resting orders, got ${eng.liveOrderCount}`);
  gc?.();
  const used = process.memoryUsage().heapUsed - base;
  return { used, perOrder: used / n, live: eng.liveOrderCount };
}

// ------------------------------------------------------------------ main

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  if (gc === undefined) console.warn('warning: run with --expose-gc for memory figures');
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`workload: ${fmt(COMMANDS)} commands, ${INSTRUMENTS} instruments, seed ${SEED}`);
  const w = generate(COMMANDS);
  const own = owners(w, COMMANDS);
  const mix = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < COMMANDS; i++) mix[w.kind[i]!]!++;
  console.log(
    `mix: add ${fmt(mix[K_ADD]!)}, cancel ${fmt(mix[K_CANCEL]!)}, replace-qty-down ${fmt(mix[K_REPLACE_DOWN]!)}, ` +
      `replace-price ${fmt(mix[K_REPLACE_PRICE]!)}, marketable-IOC ${fmt(mix[K_TAKE]!)}, market ${fmt(mix[K_MARKET]!)}`,
  );

  // Warm-up (JIT) on a prefix, then the measured runs (each on a fresh engine, same workload).
  runThroughput(w, own, Math.min(COMMANDS, 500_000));
  const runs = Array.from({ length: REPEAT }, () => runThroughput(w, own, COMMANDS));
  const byWall = [...runs].sort((a, b) => a.seconds - b.seconds);
  const tp = byWall[0]!;
  const median = byWall[Math.floor((byWall.length - 1) / 2)]!;
  const ours = COMMANDS / tp.seconds;
  const oursCpu = COMMANDS / Math.min(...runs.map((r) => r.cpuSeconds));
  console.log(
    `\n@venue/matching throughput (best of ${REPEAT}): ${fmt(ours)} commands/s wall (${fmt(COMMANDS)} in ` +
      `${tp.seconds.toFixed(2)} s), median ${fmt(COMMANDS / median.seconds)}; ${fmt(oursCpu)} commands/s per ` +
      `process CPU second (best; includes GC threads)`,
  );
  console.log(
    `events: ${fmt(tp.sink.executions)} execution reports (${fmt(tp.sink.rejects)} rejects), ` +
      `${fmt(tp.sink.trades)} trades; ${fmt(tp.eng.liveOrderCount)} resting at end`,
  );

  const h = runLatency(w, own, COMMANDS);
  console.log(
    `@venue/matching latency per command (ns): p50 ${fmt(h.getValueAtPercentile(50))}, p99 ${fmt(
      h.getValueAtPercentile(99),
    )}, p99.9 ${fmt(h.getValueAtPercentile(99.9))}, max ${fmt(h.maxValue)} (timer: performance.now)`,
  );

  runNob(w, Math.min(COMPARE, 200_000)); // warm-up
  const nobRun = runNob(w, COMPARE);
  const nob = COMPARE / nobRun.seconds;
  const nobCpu = COMPARE / nobRun.cpuSeconds;
  console.log(
    `\nnodejs-order-book throughput: ${fmt(nob)} commands/s wall (${fmt(COMPARE)} in ${nobRun.seconds.toFixed(2)} s), ` +
      `${fmt(nobCpu)} commands/s per CPU second` +
      `\nratio @venue/matching / nodejs-order-book: ${(ours / nob).toFixed(1)}x wall (our best run), ` +
      `${(COMMANDS / median.seconds / nob).toFixed(1)}x wall (our median run), ${(oursCpu / nobCpu).toFixed(1)}x per CPU second`,
  );

  const mem = runMemory(RESTING);
  console.log(
    `\nmemory: ${fmt(mem.live)} resting orders, heap ${(mem.used / 1_048_576).toFixed(1)} MiB after GC, ` +
      `${fmt(mem.perOrder)} bytes per resting order`,
  );
  console.log(
    `targets (wall clock): >= 2,000,000 commands/s: ${ours >= 2e6 ? 'met' : 'MISSED'}; >= 10x nodejs-order-book: ${
      ours / nob >= 10 ? 'met' : 'MISSED'
    }; 1M resting < 300 MB: ${mem.perOrder * 1e6 < 300e6 ? 'met' : 'MISSED'} (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs: other processes share the machine)`,
  );
}

main();
