/**
 * Market-data fan-out benchmark (issue 6).
 *
 *   node --expose-gc --import tsx bench/fanout.bench.ts [--subscribers N] [--rate UPDATES_PER_S] [--seconds S] [--json] [--coalesce-ms MS]
 *
 * One feed, N WebSocket subscribers on loopback (a child process) to the l2full stream of one
 * instrument, driven open-loop at RATE book updates per second (adds and cancels near the touch,
 * one log entry each, log time = wall clock ms). Reports:
 *   - added latency from apply (entry applied by matching + feed, monotonic clock) to client receipt
 *     and from the entry's log timestamp (ms resolution) to receipt: p50 / p99 / p99.9 / max;
 *   - delivered messages vs expected (N x updates), conflations and drops by the hub;
 *   - cost per update inside the process: matching + feed (state machine) and the whole synchronous
 *     apply including the hub's fan-out (encode once, send to N sockets).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Command,
  CommandType,
  InstrumentStatus,
  MatchingEngine,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
} from '@venue/matching';
import { MarketDataService, startMarketDataServer } from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const SUBSCRIBERS = arg('subscribers', 1_000);
const RATE = arg('rate', 10_000);
const SECONDS = arg('seconds', 3);
const FORMAT = process.argv.includes('--json') ? 'json' : 'sbe';
const COALESCE_MS = process.argv.includes('--coalesce-ms') ? arg('coalesce-ms', 0) : 0;
const MID = 100_000;

interface Result {
  kind: 'result';
  received: number;
  unmatched: number;
  closedEarly: number;
  closeReasons: [string, number][];
  apply: { count: number; p50Us: number; p99Us: number; p999Us: number; maxUs: number };
  logTs: { count: number; p50Us: number; p99Us: number; p999Us: number; maxUs: number };
}

async function main(): Promise<void> {
  console.log(
    `fan-out bench: ${SUBSCRIBERS} subscribers (${FORMAT}), ${RATE} book updates/s for ${SECONDS} s, l2full of one instrument, coalesce ${COALESCE_MS} ms`,
  );
  console.log(
    `machine: ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  let engine: MatchingEngine;
  const md = new MarketDataService({
    books: { book: (id) => engine.book(id), order: (id) => engine.order(id) },
  });
  engine = new MatchingEngine(md.sink);
  md.onStart({ reply: () => {}, scheduleTimer: () => {}, cancelTimer: () => false }, undefined);
  let pos = 0;
  const apply = (c: Command): void => {
    engine.apply(c);
    md.onSessionMessage({ id: 1, principal: 'bench' }, c.timestampMs, ++pos, new Uint8Array(0));
  };
  apply({
    type: CommandType.AddInstrument,
    timestampMs: Date.now(),
    instrumentId: 1,
    symbol: 'BENCH',
    tickSize: '0.01',
    lotSize: '1',
    minQtyLots: 1,
    maxQtyLots: 1_000_000,
    refPriceTicks: MID,
    bandBps: 1_000,
    status: InstrumentStatus.Open,
  });
  apply({
    type: CommandType.AddAccount,
    timestampMs: Date.now(),
    accountId: 1,
    login: 'bench',
    stpMode: StpMode.None,
    maxOrderQtyLots: 0,
    maxOrderNotional: 0,
    maxOpenOrders: 0,
    maxPositionLots: 0,
  });
  // Hub limits sized for the run: conflate above 256 KiB queued, drop above 1 MiB (x N clients).
  const server = await startMarketDataServer({
    source: md,
    limits: {
      connectionsMax: SUBSCRIBERS + 10,
      conflateBytes: 256 * 1024,
      sendQueueBytesMax: 1 << 20,
      coalesceMs: COALESCE_MS,
    },
  });
  const child = fork(
    fileURLToPath(new URL('./fanout-clients.ts', import.meta.url)),
    [server.url, String(SUBSCRIBERS), FORMAT],
    { execArgv: ['--import', 'tsx'] },
  );
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  // Let the subscribes land.
  while (server.hub.stats.connections < SUBSCRIBERS) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));

  const live: number[] = [];
  let rng = 7;
  const rand = (n: number): number => {
    rng = (rng * 1_103_515_245 + 12_345) % 2_147_483_648;
    return rng % n;
  };
  const nextCommand = (ts: number): Command => {
    if (live.length > 200 && rand(2) === 0) {
      const k = rand(live.length);
      const id = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      return {
        type: CommandType.Cancel,
        timestampMs: ts,
        accountId: 1,
        orderId: id,
        origClOrdId: '',
        clOrdId: '',
      };
    }
    const buy = rand(2) === 0;
    return {
      type: CommandType.NewOrder,
      timestampMs: ts,
      accountId: 1,
      sessionId: 0,
      instrumentId: 1,
      clOrdId: '',
      side: buy ? Side.Buy : Side.Sell,
      orderType: OrderType.Limit,
      tif: TimeInForce.GTC,
      priceTicks: buy ? MID - 1 - rand(50) : MID + 1 + rand(50),
      stopPriceTicks: 0,
      qtyLots: 1 + rand(20),
      displayQtyLots: 0,
      postOnly: false,
      expireAtMs: 0,
    };
  };

  const total = RATE * SECONDS;
  const intervalNs = 1e9 / RATE;
  let applied = 0;
  let stateMachineNs = 0;
  let withFanoutNs = 0;
  const appliedTimes: number[] = [];
  const t0 = Number(process.hrtime.bigint());
  const batchMs = 10;
  let lastFlush = Date.now();
  // Count messages the stream produced (what each subscriber should receive).
  let streamMessages = 0;
  const unsubscribe = md.subscribe({
    message: (m) => {
      if (m.instrumentId === 1 && m.channel === 'l2full') streamMessages++;
    },
  });
  while (applied < total) {
    const now = Number(process.hrtime.bigint());
    const due = Math.min(total, Math.floor((now - t0) / intervalNs) + 1);
    while (applied < due) {
      const cmd = nextCommand(Date.now());
      const a = Number(process.hrtime.bigint());
      const before = engine.orderSeq;
      engine.apply(cmd);
      const b = Number(process.hrtime.bigint());
      md.onSessionMessage({ id: 1, principal: 'bench' }, cmd.timestampMs, ++pos, new Uint8Array(0));
      const c = Number(process.hrtime.bigint());
      stateMachineNs += b - a;
      withFanoutNs += c - a;
      if (cmd.type === CommandType.NewOrder && engine.orderSeq > before) live.push(engine.orderSeq);
      appliedTimes.push(pos, a);
      applied++;
    }
    if (Date.now() - lastFlush >= batchMs) {
      child.send({ kind: 'applied', applied: appliedTimes.splice(0) });
      lastFlush = Date.now();
    }
    // Yield to the event loop (socket writes, client requests) between ticks.
    await new Promise((r) => setImmediate(r));
  }
  const elapsedS = (Number(process.hrtime.bigint()) - t0) / 1e9;
  child.send({ kind: 'applied', applied: appliedTimes.splice(0) });
  await new Promise((r) => setTimeout(r, 1_000));
  child.send({ kind: 'done' });
  const result = await new Promise<Result>((resolve) =>
    child.on('message', (m: { kind: string }) => {
      if (m.kind === 'result') resolve(m as Result);
    }),
  );
  unsubscribe();

  const expected = streamMessages * SUBSCRIBERS;
  console.log(
    `applied ${applied} updates in ${elapsedS.toFixed(2)} s (${(applied / elapsedS).toFixed(0)}/s), ${streamMessages} l2full messages`,
  );
  console.log(
    `delivered ${result.received} of ${expected} (${((100 * result.received) / Math.max(1, expected)).toFixed(1)}%); hub conflations ${server.hub.stats.conflations}, slow-consumer drops ${server.hub.stats.droppedSlow}`,
  );
  if (result.closeReasons.length > 0) console.log(`closes: ${JSON.stringify(result.closeReasons)}`);
  const fmt = (s: Result['apply']) =>
    `p50 ${s.p50Us} us, p99 ${s.p99Us} us, p99.9 ${s.p999Us} us, max ${s.maxUs} us (${s.count} samples)`;
  console.log(`latency apply -> client receipt:          ${fmt(result.apply)}`);
  console.log(`latency log timestamp (ms) -> receipt:    ${fmt(result.logTs)}`);
  console.log(
    `per update in this process: matching ${(stateMachineNs / applied).toFixed(0)} ns; apply + feed + fan-out to ${SUBSCRIBERS} sockets ${(withFanoutNs / applied).toFixed(0)} ns`,
  );
  console.log('(the feed state machine alone, without delivery: bench/feed.bench.ts)');
  child.kill();
  await server.close();
}

void main();
