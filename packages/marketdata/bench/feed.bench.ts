/**
 * Market-data feed benchmark (issue 6).
 *
 *   node --expose-gc --import tsx bench/feed.bench.ts [--commands N] [--seed S] [--runs R]
 *
 * Cost of generating the feed per matching command: the same pre-generated workload (10
 * instruments, adds near the touch, cancels, marketable limits, market orders, replaces) through
 *   A. matching alone (NullSink),
 *   B. matching + the feed state machine (events teed in, endEntry after every command),
 *   B'. B finding orders for l3 by scanning their level (a BookSource without order lookup),
 *   B''. B without the l3 channel (config l3: false),
 *   C. B + encoding every message in SBE (what delivery does once per message),
 *   D. B + encoding every message in JSON.
 * Prints CPU ns per command (process.cpuUsage, so load from other processes counts less) for each, the feed's own cost (B - A) per command and per message, and the
 * ratio (matching + feed) / matching alone. Each mode runs in its own process (so the JIT does not
 * see the other modes' sinks), best of R runs with fresh engines.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Command,
  CommandType,
  InstrumentStatus,
  MatchingEngine,
  NullSink,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
} from '@venue/matching';
import { encodeJson, encodeSbe, type FeedMessage, MarketDataFeed } from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const COMMANDS = arg('commands', 300_000);
const SEED = arg('seed', 42);
const RUNS = arg('runs', 3);
const INSTRUMENTS = 10;
const ACCOUNTS = 50;
const MID = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;

let rng = SEED >>> 0 || 1;
function rand(): number {
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng / 4_294_967_296;
}
function int(lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

function setupCommands(): Command[] {
  const out: Command[] = [];
  for (let i = 1; i <= INSTRUMENTS; i++) {
    out.push({
      type: CommandType.AddInstrument,
      timestampMs: 0,
      instrumentId: i,
      symbol: `SYM${i}`,
      tickSize: '0.01',
      lotSize: '1',
      minQtyLots: 1,
      maxQtyLots: 1_000_000,
      refPriceTicks: MID,
      bandBps: 1_000,
      status: InstrumentStatus.Open,
    });
  }
  for (let a = 1; a <= ACCOUNTS; a++) {
    out.push({
      type: CommandType.AddAccount,
      timestampMs: 0,
      accountId: a,
      login: `acct${a}`,
      stpMode: StpMode.None,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 0,
      maxPositionLots: 0,
    });
  }
  return out;
}

/** The workload, generated against a driver engine so cancels and replaces hit live orders. */
function workload(): { setup: Command[]; cmds: Command[] } {
  const setup = setupCommands();
  const driver = new MatchingEngine(new NullSink());
  for (const c of setup) driver.apply(c);
  const live: { id: number; acct: number; inst: number; px: number; qty: number; side: Side }[] = [];
  const cmds: Command[] = [];
  let ts = 1_000;
  for (let n = 0; n < COMMANDS; n++) {
    ts += int(0, 2);
    const inst = int(1, INSTRUMENTS);
    const acct = int(1, ACCOUNTS);
    const side = rand() < 0.5 ? Side.Buy : Side.Sell;
    const roll = rand();
    let cmd: Command;
    if (roll < 0.5 || live.length < 100) {
      // Passive add near the touch.
      const px = side === Side.Buy ? MID - int(1, 40) : MID + int(1, 40);
      cmd = newOrder(ts, acct, inst, side, OrderType.Limit, px, int(1, 50));
    } else if (roll < 0.78) {
      const k = int(0, live.length - 1);
      const o = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      cmd = {
        type: CommandType.Cancel,
        timestampMs: ts,
        accountId: o.acct,
        orderId: o.id,
        origClOrdId: '',
        clOrdId: '',
      };
    } else if (roll < 0.9) {
      // Marketable limit.
      const px = side === Side.Buy ? MID + int(0, 10) : MID - int(0, 10);
      cmd = newOrder(ts, acct, inst, side, OrderType.Limit, px, int(1, 30));
    } else if (roll < 0.94) {
      cmd = newOrder(ts, acct, inst, side, OrderType.Market, 0, int(1, 20));
    } else {
      const o = live[int(0, live.length - 1)]!;
      const moves = rand() < 0.5;
      cmd = {
        type: CommandType.Replace,
        timestampMs: ts,
        accountId: o.acct,
        orderId: o.id,
        origClOrdId: '',
        clOrdId: '',
        qtyLots: moves ? o.qty : Math.max(1, o.qty - 1),
        priceTicks: moves ? (o.side === Side.Buy ? MID - int(1, 40) : MID + int(1, 40)) : o.px,
        stopPriceTicks: 0,
      };
    }
    const before = driver.orderSeq;
    driver.apply(cmd);
    if (cmd.type === CommandType.NewOrder && driver.orderSeq > before) {
      const o = driver.order(driver.orderSeq);
      if (o !== undefined) live.push({ id: o.id, acct, inst, px: o.priceTicks, qty: o.orderQtyLots, side });
    }
    cmds.push(cmd);
  }
  return { setup, cmds };
}

function newOrder(
  ts: number,
  accountId: number,
  instrumentId: number,
  side: Side,
  orderType: OrderType,
  priceTicks: number,
  qtyLots: number,
): Command {
  return {
    type: CommandType.NewOrder,
    timestampMs: ts,
    accountId,
    sessionId: 0,
    instrumentId,
    clOrdId: '',
    side,
    orderType,
    tif: orderType === OrderType.Market ? TimeInForce.IOC : TimeInForce.GTC,
    priceTicks,
    stopPriceTicks: 0,
    qtyLots,
    displayQtyLots: 0,
    postOnly: false,
    expireAtMs: 0,
  };
}

type Mode = 'matching' | 'feed' | 'feed-scan' | 'feed-no-l3' | 'feed+sbe' | 'feed+json';

function run(mode: Mode, setup: Command[], cmds: Command[]): { ns: number; messages: number; bytes: number } {
  gc?.();
  let messages = 0;
  let bytes = 0;
  let engine: MatchingEngine;
  let feed: MarketDataFeed | undefined;
  if (mode === 'matching') engine = new MatchingEngine(new NullSink());
  else {
    const source =
      mode === 'feed-scan'
        ? { book: (id: number) => engine.book(id) }
        : { book: (id: number) => engine.book(id), order: (id: number) => engine.order(id) };
    feed = new MarketDataFeed(source, { l3: mode !== 'feed-no-l3' });
    engine = new MatchingEngine(feed);
    feed.onMessage =
      mode === 'feed' || mode === 'feed-no-l3' || mode === 'feed-scan'
        ? () => {
            messages++;
          }
        : mode === 'feed+sbe'
          ? (m: FeedMessage) => {
              messages++;
              bytes += encodeSbe(m).length;
            }
          : (m: FeedMessage) => {
              messages++;
              bytes += encodeJson(m).length;
            };
  }
  let pos = 0;
  for (const c of setup) {
    engine.apply(c);
    feed?.endEntry(++pos, c.timestampMs);
  }
  // CPU time of this process, not wall time: other processes on the machine do not count.
  const t0 = process.cpuUsage();
  if (feed === undefined) {
    for (let i = 0; i < cmds.length; i++) engine.apply(cmds[i]!);
  } else {
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[i]!;
      engine.apply(c);
      feed.endEntry(++pos, c.timestampMs);
    }
  }
  const used = process.cpuUsage(t0);
  const ns = (used.user + used.system) * 1_000;
  return { ns, messages, bytes };
}

const ALL_MODES: Mode[] = ['matching', 'feed', 'feed-scan', 'feed-no-l3', 'feed+sbe', 'feed+json'];

interface ModeResult {
  ns: number;
  messages: number;
  bytes: number;
}

/** Child: one mode in a fresh process (no JIT state shared between modes), best of RUNS. */
function runOnly(mode: Mode): void {
  const { setup, cmds } = workload();
  let best: ModeResult | undefined;
  for (let r = 0; r < RUNS; r++) {
    const res = run(mode, setup, cmds);
    if (best === undefined || res.ns < best.ns) best = res;
  }
  console.log(`RESULT ${JSON.stringify(best)}`);
}

function main(): void {
  const onlyAt = process.argv.indexOf('--only');
  if (onlyAt >= 0) {
    const only = process.argv[onlyAt + 1] as Mode;
    if (!ALL_MODES.includes(only)) throw new Error(`--only: one of ${ALL_MODES.join(', ')}`);
    runOnly(only);
    return;
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(
    `feed bench: ${COMMANDS} commands, ${INSTRUMENTS} instruments, seed ${SEED}, best of ${RUNS}, one process per mode`,
  );
  console.log(
    `machine: ${cpu} x${cpus().length}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const script = fileURLToPath(import.meta.url);
  const best = new Map<Mode, ModeResult>();
  for (const m of ALL_MODES) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        script,
        '--only',
        m,
        '--commands',
        String(COMMANDS),
        '--runs',
        String(RUNS),
        '--seed',
        String(SEED),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (child.status !== 0 || line === undefined) throw new Error(`mode ${m} failed: ${child.stderr}`);
    best.set(m, JSON.parse(line.slice('RESULT '.length)) as ModeResult);
  }
  const a = best.get('matching')!;
  const b = best.get('feed')!;
  const perCmd = (ns: number) => ns / COMMANDS;
  for (const m of ALL_MODES) {
    const r = best.get(m)!;
    const extra = m === 'matching' ? '' : `  (${(r.ns / a.ns).toFixed(2)}x matching alone)`;
    console.log(
      `${m.padEnd(10)} ${perCmd(r.ns).toFixed(0).padStart(6)} ns/command  ${(COMMANDS / (r.ns / 1e9) / 1e6).toFixed(2)} M commands/s${extra}`,
    );
  }
  const feedNs = b.ns - a.ns;
  console.log(
    `feed state machine: ${perCmd(feedNs).toFixed(0)} ns/command, ${b.messages} messages (${(b.messages / COMMANDS).toFixed(2)}/command), ${(feedNs / b.messages).toFixed(0)} ns/message`,
  );
  const n = best.get('feed-no-l3')!;
  console.log(
    `feed without l3: ${perCmd(n.ns - a.ns).toFixed(0)} ns/command, ${n.messages} messages (${(n.messages / COMMANDS).toFixed(2)}/command), ${((n.ns - a.ns) / n.messages).toFixed(0)} ns/message`,
  );
  const s = best.get('feed+sbe')!;
  const j = best.get('feed+json')!;
  console.log(
    `encoding once per message: SBE ${((s.ns - b.ns) / s.messages).toFixed(0)} ns/message (${(s.bytes / s.messages).toFixed(0)} B), JSON ${((j.ns - b.ns) / j.messages).toFixed(0)} ns/message (${(j.bytes / j.messages).toFixed(0)} B)`,
  );
}

main();
