// Encode+decode of a 64-byte order message: sbe-ts flyweights vs JSON.stringify + JSON.parse.
// Run: pnpm --filter @venue/sbe-ts bench   (node --expose-gc --import tsx bench/codec.bench.ts)
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { CarDecoder, CarEncoder } from '../test/generated/car/index.js';
import {
  MESSAGE_HEADER_LENGTH,
  NewOrderDecoder,
  NewOrderEncoder,
  OrderFlags,
  OrderType,
  Side,
  TimeInForce,
} from './generated/order/index.js';

const RUNS = 7;
const SBE_OPS_PER_RUN = 2_000_000;
const JSON_OPS_PER_RUN = 200_000;
const ALLOC_OPS = 5_000_000;
const ALLOC_CHUNK_OPS = 50_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (see package.json "bench")');

// The same order for both codecs. JSON has no 64-bit integers, so its object uses numbers.
const ORDER = {
  accountId: 1001,
  clientOrderId: 123456789,
  priceTicks: 1012345,
  quantityLots: 250,
  timestampNs: 1764160000123456,
  instrumentId: 7,
  sessionId: 42,
  minQuantityLots: 10,
  side: 'Buy',
  orderType: 'Limit',
  timeInForce: 'Day',
  postOnly: true,
};
const ACCOUNT_ID = BigInt(ORDER.accountId);
const CLIENT_ORDER_ID = BigInt(ORDER.clientOrderId);
const PRICE_TICKS = BigInt(ORDER.priceTicks);
const QUANTITY_LOTS = BigInt(ORDER.quantityLots);
const TIMESTAMP_NS = BigInt(ORDER.timestampNs);

const buffer = new Uint8Array(128);
const encoder = new NewOrderEncoder();
const decoder = new NewOrderDecoder();

/**
 * One encode and one full decode of ORDER with the number accessors of the 64-bit fields (exact for
 * safe integers, allocation-free); returns a checksum of the decoded fields so nothing is optimised away.
 */
function sbeRoundTrip(i: number): number {
  encoder
    .wrapAndApplyHeader(buffer, 0)
    .accountIdAsNumber(ORDER.accountId)
    .clientOrderIdAsNumber(ORDER.clientOrderId)
    .priceTicksAsNumber(ORDER.priceTicks)
    .quantityLotsAsNumber(ORDER.quantityLots)
    .timestampNsAsNumber(ORDER.timestampNs)
    .instrumentId(ORDER.instrumentId)
    .sessionId(i)
    .minQuantityLots(ORDER.minQuantityLots)
    .side(Side.Buy)
    .orderType(OrderType.Limit)
    .timeInForce(TimeInForce.Day)
    .flags(OrderFlags.postOnly);
  const d = decoder.wrapWithHeader(buffer, 0);
  let sum = d.instrumentId() + d.sessionId() + d.minQuantityLots() + (d.side() ?? 0) + (d.orderType() ?? 0);
  sum += (d.timeInForce() ?? 0) + (d.flagsHas('postOnly') ? 1 : 0);
  sum +=
    d.accountIdAsNumber() + d.clientOrderIdAsNumber() + d.priceTicksAsNumber() + d.quantityLotsAsNumber();
  sum += d.timestampNsAsNumber();
  return sum % 65536; // a small integer: returning a large double would box it (a 16-byte HeapNumber)
}

/** The same with the bigint accessors: every bigint read allocates a heap BigInt. */
function sbeBigIntRoundTrip(i: number): number {
  encoder
    .wrapAndApplyHeader(buffer, 0)
    .accountId(ACCOUNT_ID)
    .clientOrderId(CLIENT_ORDER_ID)
    .priceTicks(PRICE_TICKS)
    .quantityLots(QUANTITY_LOTS)
    .timestampNs(TIMESTAMP_NS)
    .instrumentId(ORDER.instrumentId)
    .sessionId(i)
    .minQuantityLots(ORDER.minQuantityLots)
    .side(Side.Buy)
    .orderType(OrderType.Limit)
    .timeInForce(TimeInForce.Day)
    .flags(OrderFlags.postOnly);
  const d = decoder.wrapWithHeader(buffer, 0);
  let sum = d.instrumentId() + d.sessionId() + d.minQuantityLots() + (d.side() ?? 0) + (d.orderType() ?? 0);
  sum += (d.timeInForce() ?? 0) + (d.flagsHas('postOnly') ? 1 : 0);
  if (d.accountId() === ACCOUNT_ID) sum++;
  if (d.clientOrderId() === CLIENT_ORDER_ID) sum++;
  if (d.priceTicks() === PRICE_TICKS) sum++;
  if (d.quantityLots() === QUANTITY_LOTS) sum++;
  if (d.timestampNs() === TIMESTAMP_NS) sum++;
  return sum % 65536;
}

const carBuffer = new Uint8Array(1024);
const carEncoder = new CarEncoder();
const carDecoder = new CarDecoder();
const NO_BYTES = new Uint8Array(0);

/** The SBE example Car with its groups, nested groups and var data (as bytes): encode + decode. */
function carRoundTrip(i: number): number {
  const e = carEncoder.wrapAndApplyHeader(carBuffer, 0).serialNumberAsNumber(i).modelYear(2013);
  e.engine().capacity(2000).numCylinders(4);
  const fuel = e.fuelFiguresCount(3);
  for (let k = 0; k < 3; k++)
    fuel
      .next()
      .speed(30 + k)
      .mpg(35.5)
      .putUsageDescription(NO_BYTES);
  const perf = e.performanceFiguresCount(2);
  for (let k = 0; k < 2; k++) {
    const acc = perf.next().octaneRating(95).accelerationCount(3);
    for (let m = 0; m < 3; m++)
      acc
        .next()
        .mph(30 * m)
        .seconds(4.5);
  }
  e.putManufacturer(NO_BYTES).putModel(NO_BYTES).putActivationCode(NO_BYTES);
  const d = carDecoder.wrapWithHeader(carBuffer, 0);
  let sum = d.serialNumberAsNumber() + d.modelYear() + d.engine().capacity();
  for (const f of d.fuelFigures()) sum += f.speed() + f.skipUsageDescription();
  for (const p of d.performanceFigures()) {
    sum += p.octaneRating();
    for (const a of p.acceleration()) sum += a.mph();
  }
  sum += d.skipManufacturer() + d.skipModel() + d.skipActivationCode();
  return sum % 65536;
}

function jsonRoundTrip(i: number): number {
  ORDER.sessionId = i;
  const o = JSON.parse(JSON.stringify(ORDER)) as typeof ORDER;
  let sum =
    o.instrumentId + o.sessionId + o.minQuantityLots + (o.side === 'Buy' ? 1 : 0) + (o.postOnly ? 1 : 0);
  sum += o.accountId + o.clientOrderId + o.priceTicks + o.quantityLots + o.timestampNs;
  return sum % 65536;
}

function opsPerSecond(fn: (i: number) => number, ops: number): { opsPerSec: number; check: number } {
  let check = 0;
  const start = performance.now();
  for (let i = 0; i < ops; i++) check += fn(i) & 1;
  const ms = performance.now() - start;
  return { opsPerSec: (ops / ms) * 1000, check };
}

/**
 * Bytes allocated per operation in steady state. heapUsed is sampled before and after chunks of
 * operations, with no GC forced in between; a chunk during which a scavenge ran shows a drop and is
 * discarded, the rest give bytes/op. Independently, a PerformanceObserver counts the GCs (of any
 * kind) that ran during all the chunks: zero GCs over millions of operations means zero allocation.
 */
async function allocation(
  fn: (i: number) => number,
  ops: number,
  chunkOps: number,
): Promise<{ bytesPerOp: number; gcs: number; chunks: number; cleanChunks: number }> {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  gc?.();
  await settle();
  gcs = 0;
  let bytes = 0;
  let measuredOps = 0;
  let chunks = 0;
  let cleanChunks = 0;
  let check = 0;
  for (let done = 0; done < ops; done += chunkOps) {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < chunkOps; i++) check += fn(i) & 1;
    const after = process.memoryUsage().heapUsed;
    chunks++;
    if (after >= before) {
      bytes += after - before;
      measuredOps += chunkOps;
      cleanChunks++;
    }
  }
  await settle(); // let the observer deliver its entries
  observer.disconnect();
  if (check < 0) console.log(check);
  return { bytesPerOp: measuredOps === 0 ? Number.NaN : bytes / measuredOps, gcs, chunks, cleanChunks };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  // The message is the 64 bytes the benchmark is about.
  sbeRoundTrip(0);
  const length = MESSAGE_HEADER_LENGTH + encoder.encodedLength();
  if (length !== 64) throw new Error(`order message is ${length} bytes, expected 64`);

  // Warm-up: let every path reach optimised code.
  opsPerSecond(sbeRoundTrip, 500_000);
  opsPerSecond(sbeBigIntRoundTrip, 500_000);
  opsPerSecond(jsonRoundTrip, 100_000);
  opsPerSecond(carRoundTrip, 200_000);

  const sbe: number[] = [];
  const sbeBig: number[] = [];
  const json: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    sbe.push(opsPerSecond(sbeRoundTrip, SBE_OPS_PER_RUN).opsPerSec);
    sbeBig.push(opsPerSecond(sbeBigIntRoundTrip, SBE_OPS_PER_RUN).opsPerSec);
    json.push(opsPerSecond(jsonRoundTrip, JSON_OPS_PER_RUN).opsPerSec);
  }
  const s = stats(sbe);
  const b = stats(sbeBig);
  const j = stats(json);
  const row = (name: string, x: { min: number; median: number; max: number }) =>
    console.log(`  ${name.padEnd(34)} ${fmt(x.min)} / ${fmt(x.median)} / ${fmt(x.max)}`);
  console.log(`encode+decode of a ${length}-byte order message, ${RUNS} runs (ops/s min / median / max)`);
  row('sbe-ts, 64-bit fields as number', s);
  row('sbe-ts, 64-bit fields as bigint', b);
  row('JSON.stringify + JSON.parse', j);
  console.log(`  ratio sbe-ts/JSON of the medians: ${(s.median / j.median).toFixed(1)}x (number accessors)`);
  console.log(
    `                                    ${(b.median / j.median).toFixed(1)}x (bigint accessors); target >= 10x`,
  );

  console.log('allocation per encode+decode in steady state (heapUsed deltas over chunks without GC):');
  for (const [name, fn, ops, chunkOps] of [
    ['sbe-ts, number', sbeRoundTrip, ALLOC_OPS, ALLOC_CHUNK_OPS],
    ['sbe-ts, bigint', sbeBigIntRoundTrip, ALLOC_OPS / 5, ALLOC_CHUNK_OPS / 5],
    ['Car + groups', carRoundTrip, ALLOC_OPS / 5, ALLOC_CHUNK_OPS / 5],
    ['JSON', jsonRoundTrip, ALLOC_OPS / 50, ALLOC_CHUNK_OPS / 50],
  ] as const) {
    const a = await allocation(fn, ops, chunkOps);
    console.log(
      `  ${name.padEnd(15)} ${a.bytesPerOp.toFixed(3).padStart(9)} bytes/op; ${a.gcs} GCs in ${fmt(ops)} ops (${a.cleanChunks}/${a.chunks} chunks without GC)`,
    );
  }
}

await main();
