/**
 * Snapshot stall benchmark (issue 12: a snapshot of a large book must not stall the log).
 *
 *   node --expose-gc --import tsx bench/snapshot-stall.bench.ts [--resting N] [--stream N] [--batch N] [--quick]
 *
 * Builds a ServiceHost (the consensus service host, as in a member's service thread) running the
 * MatchingService with N resting orders (default 1,000,000) on the 4 genesis instruments, through
 * ordinary log entries (deterministic). Then, twice in the same run, applies a steady stream of
 * commands (new orders near the touch, some crossing, cancels, replaces) while a snapshot is taken:
 *   before: `ServiceHost.takeSnapshot()` (synchronous: the thread stops applying entries meanwhile);
 *   after:  `ServiceHost.beginSnapshot()` stepped between batches of entries exactly like the service
 *           worker does (slices of <= 2 ms of 2,000-order steps, one slice per batch).
 * Reports the stall (the longest gap between two consecutive applied entries while the snapshot is
 * in progress; also the longest gap without a snapshot, the machine's own noise), the snapshot's
 * total time and size, and checks the incremental image equals a synchronous one at its position.
 * In-process (no worker thread, no network): it measures the service thread's work only.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { assembleSnapshot, type Entry, ServiceHost, type SnapshotLayout } from '@venue/consensus';
import {
  type Command,
  CommandType,
  encodeCommand,
  MatchingService,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
} from '../src/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}
const QUICK = process.argv.includes('--quick');
const RESTING = arg('resting', QUICK ? 100_000 : 1_000_000);
/** Entries applied in each measured phase (the snapshot is taken/begun after a tenth of them). */
const STREAM = arg('stream', QUICK ? 20_000 : 200_000);
/** Entries per batch handed to the service thread (the worker gets batches from the consensus thread). */
const BATCH = arg('batch', 16);
/** As in the service worker (runtime/node/service-worker.ts). */
const SLICE_MS = 2;
const STEP_UNITS = 2_000;
const ACCOUNTS = 50;
const FIRST_ACCOUNT = 100;
const EMPTY = new Uint8Array(0);
const gc = (globalThis as { gc?: () => void }).gc;

/** Genesis instruments: id, reference price in ticks (band 10%). */
const INSTRUMENTS = [
  { id: 1, ref: 6_000_000 },
  { id: 2, ref: 300_000 },
  { id: 3, ref: 5_000 },
  { id: 4, ref: 10_000 },
];
/** Levels per side near the reference (within the band of every instrument). */
const LEVELS = 400;

let rng = 42;
function rand(): number {
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng;
}

class Feed {
  index = 0;
  ts = 1_000;
  seq = 0;
  session = 0;
  constructor(
    readonly host: ServiceHost,
    readonly service: MatchingService,
  ) {}
  /** Live orders in the engine (its order index). */
  liveOrders(): number {
    return this.service.engine.orders.size;
  }
  entry(p: Partial<Entry> & Pick<Entry, 'type'>): Entry {
    this.index++;
    return {
      term: 1,
      index: this.index,
      timestampMs: this.ts,
      sessionId: 0,
      requestSeq: 0,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array(0),
      ...p,
    };
  }
  open(principal: string): number {
    const out = this.host.apply(
      this.entry({ type: 'session-open', payload: new TextEncoder().encode(principal), correlationId: 7 }),
    );
    const opened = out.find((e) => e.kind === 'session-opened');
    if (opened === undefined) throw new Error('session not opened');
    return opened.sessionId;
  }
  command(cmd: Command): Entry {
    return this.entry({
      type: 'session-message',
      sessionId: this.session,
      requestSeq: ++this.seq,
      payload: encodeCommand(cmd),
    });
  }
}

let orderId = 0;
/** Account of each order id we placed (cancels/replaces need it). */
const ownerOf: number[] = [0];

function newOrder(instrument: number, side: Side, priceTicks: number, qtyLots: number, ts: number): Command {
  const accountId = FIRST_ACCOUNT + (rand() % ACCOUNTS);
  return {
    type: CommandType.NewOrder,
    timestampMs: ts,
    accountId,
    sessionId: 0,
    instrumentId: instrument,
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

function restingCommand(ts: number): Command {
  const inst = INSTRUMENTS[rand() % INSTRUMENTS.length]!;
  const buy = (rand() & 1) === 0;
  const off = 1 + (rand() % LEVELS);
  return newOrder(
    inst.id,
    buy ? Side.Buy : Side.Sell,
    buy ? inst.ref - off : inst.ref + off,
    1 + (rand() % 20),
    ts,
  );
}

/** The steady stream: rests near the touch, crosses, cancels and replaces of random resting orders. */
function streamCommand(ts: number): Command {
  const r = rand() % 100;
  if (r < 50) return restingCommand(ts);
  if (r < 65) {
    const inst = INSTRUMENTS[rand() % INSTRUMENTS.length]!;
    const buy = (rand() & 1) === 0;
    return newOrder(
      inst.id,
      buy ? Side.Buy : Side.Sell,
      buy ? inst.ref + 2 : inst.ref - 2,
      1 + (rand() % 30),
      ts,
    );
  }
  const id = 1 + (rand() % orderId);
  const accountId = ownerOf[id] ?? FIRST_ACCOUNT;
  if (r < 90)
    return {
      type: CommandType.Cancel,
      timestampMs: ts,
      accountId,
      orderId: id,
      origClOrdId: '',
      clOrdId: '',
    };
  const inst = INSTRUMENTS[rand() % INSTRUMENTS.length]!;
  return {
    type: CommandType.Replace,
    timestampMs: ts,
    accountId,
    orderId: id,
    origClOrdId: '',
    clOrdId: '',
    qtyLots: 1 + (rand() % 20),
    priceTicks: inst.ref - 1 - (rand() % LEVELS),
    stopPriceTicks: 0,
  } as Command;
}

function track(cmd: Command): void {
  if (cmd.type === CommandType.NewOrder) {
    orderId++;
    ownerOf[orderId] = cmd.accountId;
  }
}

/**
 * Stands for the consensus thread: the service worker transfers the snapshot's pieces there as they
 * are written (`takeChunks` after each slice, then the layout), so this thread never holds the image.
 */
const sink = new Worker(
  `const { parentPort } = require('node:worker_threads');
   const got = [];
   parentPort.on('message', (m) => {
     if (m === 'return') { const out = got.splice(0); parentPort.postMessage(out, [...new Set(out.map((c) => c.buffer))]); return; }
     for (const c of m) if (typeof c !== 'number') got.push(c);
   });`,
  { eval: true },
);
sink.unref();
function transferList(items: readonly (Uint8Array | number)[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const c of items) if (typeof c !== 'number') buffers.add(c.buffer as ArrayBuffer);
  return [...buffers];
}
function toConsensus(items: readonly (Uint8Array | number)[]): void {
  if (items.length > 0) sink.postMessage(items, transferList(items));
}
/** The image back from the sink: the pieces it got in order, laid out as `layout` says. */
function fromConsensus(layout: SnapshotLayout): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sink.once('message', (got: Uint8Array[]) => {
      try {
        // The sink got the streamed pieces, then the layout's own pieces (moved too: detached here).
        let k = got.length - layout.filter((x) => typeof x !== 'number').length;
        const streamed = got.slice(0, k);
        const own = layout.map((x) => (typeof x === 'number' ? x : got[k++]!));
        resolve(assembleSnapshot(own, streamed));
      } catch (err) {
        reject(err);
      }
    });
    sink.postMessage('return');
  });
}

/**
 * This thread's time on a CPU and waiting for one (ns), from /proc/thread-self/schedstat (Linux):
 * on a shared machine a long gap is often just the thread descheduled; the on-CPU time of the
 * batch + slice around it is what the snapshot (and GC in this thread) cost. Null elsewhere.
 */
const sched = (() => {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(128);
  const out = { runNs: 0, waitNs: 0 };
  process.once('exit', () => closeSync(fd));
  return () => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [run, wait] = buf.toString('latin1', 0, n).split(' ');
    out.runNs = Number(run);
    out.waitNs = Number(wait);
    return out;
  };
})();

/** Garbage-collector pauses (start, duration), to tell a GC pause from the snapshot's own work. */
const gcPauses: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
}).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

interface Phase {
  readonly stallMs: number;
  /** Gaps > 1 ms while the snapshot was in progress: [end time, length]. */
  readonly gaps: readonly (readonly [number, number])[];
  readonly startMs: number;
  readonly endMs: number;
  readonly baselineMaxGapMs: number;
  /** When the longest gap without a snapshot ended (ms since the phase start), live orders then. */
  readonly baselineMaxAtMs: number;
  readonly baselineMaxOrders: number;
  /** Gaps over 10 ms during the snapshot / outside it, and the entries applied in each. */
  readonly over10In: number;
  readonly over10Out: number;
  readonly entriesIn: number;
  readonly entriesOut: number;
  readonly snapshotMs: number;
  /** Longest on-CPU time of this thread in one batch + slice, with / without a snapshot (-1: unknown). */
  readonly batchCpuInMs: number;
  readonly batchCpuOutMs: number;
  /** When the snapshot began (performance.now(), = ms in --trace-gc output, give or take start-up). */
  readonly snapStartMs: number;
  readonly longestSliceMs: number;
  /** CPU time (this process) of the longest slice: what the snapshot costs, without preemption. */
  readonly longestSliceCpuMs: number;
  readonly beginMs: number;
  readonly bytes: number;
  readonly position: number;
  readonly image: Uint8Array;
}

/**
 * Applies STREAM entries in batches; after a tenth, starts the snapshot. Gaps are measured between
 * consecutive applied entries; stall = longest gap while the snapshot is in progress.
 */
async function phase(feed: Feed, mode: 'sync' | 'incremental'): Promise<Phase> {
  const host = feed.host;
  const startAt = Math.floor(STREAM / 10);
  let inProgress = false;
  let stall = 0;
  let baseline = 0;
  let baselineAt = 0;
  let baselineOrders = 0;
  let over10In = 0;
  let over10Out = 0;
  let entriesIn = 0;
  let entriesOut = 0;
  let longestSlice = 0;
  let longestSliceCpu = 0;
  let beginMs = 0;
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let snapStart = 0;
  let snapshotMs = -1;
  let image: Uint8Array | undefined;
  let layout: SnapshotLayout | undefined;
  let position = 0;
  let cursor: ReturnType<ServiceHost['beginSnapshot']> | undefined;
  const gaps: [number, number][] = [];
  const startMs = performance.now();
  let last = startMs;
  const gap = () => {
    const now = performance.now();
    const g = now - last;
    last = now;
    if (inProgress) {
      stall = Math.max(stall, g);
      if (g > 1 && gaps.length < 100_000) gaps.push([now, g]);
      entriesIn++;
      if (g > 10) over10In++;
    } else {
      if (g > baseline) {
        baseline = g;
        baselineAt = now - startMs;
        baselineOrders = feed.liveOrders();
      }
      entriesOut++;
      if (g > 10) over10Out++;
    }
  };
  let batchCpuIn = -1;
  let batchCpuOut = -1;
  for (let n = 0; n < STREAM; ) {
    let inBatch = inProgress;
    const run0 = sched === null ? 0 : sched().runNs;
    for (let b = 0; b < BATCH && n < STREAM; b++, n++) {
      feed.ts += 1;
      const cmd = streamCommand(feed.ts);
      track(cmd);
      host.apply(feed.command(cmd));
      gap();
      if (n === startAt) {
        position = host.appliedIndex;
        snapStart = performance.now();
        const c0 = cpuMs();
        inProgress = true;
        inBatch = true;
        if (mode === 'sync') {
          image = host.takeSnapshot();
          snapshotMs = performance.now() - snapStart;
        } else {
          cursor = host.beginSnapshot();
        }
        beginMs = performance.now() - snapStart;
        longestSlice = beginMs;
        longestSliceCpu = cpuMs() - c0;
      } else if (mode === 'sync' && inProgress) {
        inProgress = false; // the gap after the synchronous snapshot is its stall
      }
    }
    if (cursor !== undefined && image === undefined) {
      const t0 = performance.now();
      const c0 = cpuMs();
      let complete = false;
      while (!complete && performance.now() - t0 < SLICE_MS) complete = cursor.step(STEP_UNITS);
      if (!complete) toConsensus(cursor.takeChunks());
      longestSlice = Math.max(longestSlice, performance.now() - t0);
      longestSliceCpu = Math.max(longestSliceCpu, cpuMs() - c0);
      if (complete) {
        // As the service worker: pieces were moved to the consensus thread as they were written.
        layout = cursor.layout();
        toConsensus(layout);
        image = EMPTY;
        snapshotMs = performance.now() - snapStart;
      }
    } else if (mode === 'incremental' && image !== undefined && inProgress) {
      inProgress = false;
    }
    if (sched !== null) {
      const cpu = (sched().runNs - run0) / 1e6;
      if (inBatch) batchCpuIn = Math.max(batchCpuIn, cpu);
      else batchCpuOut = Math.max(batchCpuOut, cpu);
    }
  }
  const endMs = performance.now(); // the image is assembled after the measured stream, not in it
  if (layout !== undefined) image = await fromConsensus(layout);
  if (image === undefined)
    throw new Error(`stream of ${STREAM} entries too short to finish the snapshot: use --stream`);
  return {
    stallMs: stall,
    gaps,
    startMs,
    endMs,
    baselineMaxGapMs: baseline,
    baselineMaxAtMs: baselineAt,
    baselineMaxOrders: baselineOrders,
    over10In,
    over10Out,
    entriesIn,
    entriesOut,
    snapshotMs,
    batchCpuInMs: batchCpuIn,
    batchCpuOutMs: batchCpuOut,
    snapStartMs: snapStart,
    longestSliceMs: longestSlice,
    longestSliceCpuMs: longestSliceCpu,
    beginMs,
    bytes: image.length,
    position,
    image,
  };
}

/** Longest gap during the snapshot less the GC pauses inside it, and the phase's GC pauses. */
function withoutGc(p: Phase): { stallExGcMs: number; gcMaxMs: number; gcMs: number } {
  const pauses = gcPauses.filter((g) => g.start + g.duration >= p.startMs && g.start <= p.endMs);
  let stallExGcMs = 0;
  for (const [end, len] of p.gaps) {
    const start = end - len;
    let inGc = 0;
    for (const g of pauses)
      inGc += Math.max(0, Math.min(end, g.start + g.duration) - Math.max(start, g.start));
    stallExGcMs = Math.max(stallExGcMs, len - inGc);
  }
  return {
    stallExGcMs,
    gcMaxMs: pauses.reduce((m, g) => Math.max(m, g.duration), 0),
    gcMs: pauses.reduce((m, g) => m + g.duration, 0),
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const service = new MatchingService({ adminPrincipals: ['admin'] });
  const host = new ServiceHost(() => [service]);
  host.start(undefined);
  const feed = new Feed(host, service);
  feed.session = feed.open('admin');
  for (let a = 0; a < ACCOUNTS; a++) {
    host.apply(
      feed.command({
        type: CommandType.AddAccount,
        timestampMs: feed.ts,
        accountId: FIRST_ACCOUNT + a,
        login: `bench${a}`,
        stpMode: StpMode.None,
        maxOrderQtyLots: 0,
        maxOrderNotional: 0,
        maxOpenOrders: 0,
        maxPositionLots: 0,
      }),
    );
  }
  for (let i = 0; i < RESTING; i++) {
    if (i % 1000 === 0) feed.ts += 1;
    const cmd = restingCommand(feed.ts);
    track(cmd);
    host.apply(feed.command(cmd));
  }
  let resting = 0;
  for (const inst of INSTRUMENTS) resting += service.engine.book(inst.id)!.restingOrderCount;
  if (resting !== RESTING) throw new Error(`built ${resting} resting orders, expected ${RESTING}`);
  const buildMs = performance.now() - t0;
  gc?.();

  await settle();
  const before = await phase(feed, 'sync');
  await settle();
  gc?.();
  await settle();
  const after = await phase(feed, 'incremental');
  await sink.terminate();
  await settle();
  // Check: the incremental image is the synchronous one at its position (replay to it on a copy).
  const check = new ServiceHost(() => [new MatchingService({ adminPrincipals: ['admin'] })]);
  check.start(after.image);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const sameAsSync = sha(check.takeSnapshot()) === sha(after.image);
  if (!sameAsSync || check.appliedIndex !== after.position)
    throw new Error('incremental snapshot image differs from a synchronous one');

  const f = (x: number) => x.toFixed(1);
  const mb = (b: number) => (b / 1e6).toFixed(1);
  console.log(
    `snapshot stall: ${RESTING.toLocaleString('en')} resting orders on ${INSTRUMENTS.length} instruments, ` +
      `${STREAM.toLocaleString('en')} entries per phase in batches of ${BATCH}` +
      (QUICK ? ' (quick)' : ''),
  );
  console.log(
    `machine: ${cpus().length} cpus, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; build ${f(buildMs / 1000)} s`,
  );
  console.log(
    'phase        stall ms  stall-GC ms      GC max/total ms  begin ms  longest slice ms (cpu)  no-snapshot max gap ms  snapshot ms  size MB  position',
  );
  for (const [name, p] of [
    ['before/sync', before],
    ['after/incr', after],
  ] as const) {
    console.log(
      `${name.padEnd(12)} ${f(p.stallMs).padStart(8)}  ${f(withoutGc(p).stallExGcMs).padStart(15)}  ` +
        `${`${f(withoutGc(p).gcMaxMs)}/${f(withoutGc(p).gcMs)}`.padStart(15)}  ${f(p.beginMs).padStart(8)}  ` +
        `${`${f(p.longestSliceMs)} (${f(p.longestSliceCpuMs)})`.padStart(22)}  ${f(p.baselineMaxGapMs).padStart(22)}  ` +
        `${f(p.snapshotMs).padStart(11)}  ${mb(p.bytes).padStart(7)}  ${p.position}`,
    );
  }
  for (const [name, p] of [
    ['before/sync', before],
    ['after/incr', after],
  ] as const) {
    console.log(
      `${name}: gaps > 10 ms: ${p.over10In} in ${p.entriesIn} entries during the snapshot, ` +
        `${p.over10Out} in ${p.entriesOut} entries without one (machine noise: GC, preemption); ` +
        `longest on-CPU time of this thread in one batch of ${BATCH} + slice: ${f(p.batchCpuInMs)} ms during the snapshot, ` +
        `${f(p.batchCpuOutMs)} ms without one; ` +
        `longest gap without one ${f(p.baselineMaxGapMs)} ms at ${f(p.baselineMaxAtMs)} ms into the phase, ` +
        `${p.baselineMaxOrders.toLocaleString('en')} live orders; timeline (process ms): phase ` +
        `${p.startMs.toFixed(0)}-${p.endMs.toFixed(0)}, snapshot ${p.snapStartMs.toFixed(0)}-${(p.snapStartMs + p.snapshotMs).toFixed(0)}`,
    );
  }
  console.log(
    `stall ratio before/after: ${(before.stallMs / after.stallMs).toFixed(1)}x; ` +
      `incremental image restores and re-snapshots to the same bytes at ${after.position}: ${sameAsSync}`,
  );
}

await main();
