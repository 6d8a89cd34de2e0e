/**
 * Segment log benchmark: appends/s and append-to-durable latency (p50/p99, HdrHistogram) for 64- and
 * 512-byte payloads, durability `fsync` and `none`, 1/16/128 entries per append call, with 1 call in flight
 * (no sharing possible: one fsync per call) and 32 calls in flight (group commit shares fsyncs).
 *
 * Run from the repo root: node --expose-gc --import tsx packages/consensus/bench/storage.bench.ts
 * Env: BENCH_MS (measured time per row, default 1000), BENCH_DIR (where the log goes, default os.tmpdir()),
 * BENCH_PREALLOCATE (preallocateBytes, default the log's 1 MiB), BENCH_DURABILITY (`fsync` or `none`: only those rows),
 * BENCH_MEMORY=0 (skip the memory section), BENCH_MEMORY_ENTRIES (default 2,000,000),
 * BENCH_PAYLOADS / BENCH_BATCHES / BENCH_WINDOWS (comma lists narrowing the table, e.g. BENCH_BATCHES=1).
 * Latency is measured closed-loop per call (issue -> promise resolved); `none` rows are NOT durable.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import type { LogEntry } from '../src/runtime/storage/codec.js';
import { type Durability, SegmentLog } from '../src/runtime/storage/segment-log.js';

const MEASURE_MS = Number(process.env.BENCH_MS ?? 1000);
const WARMUP_MS = 200;
const BASE_DIR = process.env.BENCH_DIR ?? os.tmpdir();
const PREALLOCATE_BYTES =
  process.env.BENCH_PREALLOCATE === undefined ? undefined : Number(process.env.BENCH_PREALLOCATE);
const DURABILITIES: readonly Durability[] =
  process.env.BENCH_DURABILITY === 'fsync' || process.env.BENCH_DURABILITY === 'none'
    ? [process.env.BENCH_DURABILITY]
    : ['fsync', 'none'];

interface Row {
  readonly durability: Durability;
  readonly payloadBytes: number;
  readonly batch: number;
  readonly window: number;
  readonly entriesPerSec: number;
  readonly mbPerSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly fsyncs: number;
  readonly entriesPerFsync: number;
}

const FS_TYPES: Record<number, string> = {
  61267: 'ext4',
  16914836: 'tmpfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
};

async function run(
  durability: Durability,
  payloadBytes: number,
  batch: number,
  window: number,
): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(BASE_DIR, 'storage-bench-'));
  const log = await SegmentLog.open(dir, {
    durability,
    pendingEntriesMax: 1 << 20,
    pendingBytesMax: 256 * 1024 * 1024,
    ...(PREALLOCATE_BYTES === undefined ? {} : { preallocateBytes: PREALLOCATE_BYTES }),
  });
  const payload = Buffer.alloc(payloadBytes, 7);
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let next = 1;
  let inFlight = 0;
  let entriesDone = 0;
  let fsyncsAtStart = 0;
  let measuring = false;
  let measureStart = 0;
  const warmupEnd = performance.now() + WARMUP_MS;
  const deadline = warmupEnd + MEASURE_MS;

  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      for (;;) {
        const now = performance.now();
        if (!measuring && now >= warmupEnd) {
          measuring = true;
          measureStart = now;
          fsyncsAtStart = log.stats.fsyncs;
          histogram.reset();
          entriesDone = 0;
        }
        if (inFlight >= window || now >= deadline) break;
        const entries: LogEntry[] = [];
        const timestampMs = Date.now();
        for (let k = 0; k < batch; k++)
          entries.push({ index: next + k, term: 1, timestampMs, type: 1, payload });
        const issuedAt = performance.now();
        const pending = log.append(entries);
        if (pending === false) {
          log.whenWritable(batch, batch * payloadBytes).then(pump, reject);
          return;
        }
        next += batch;
        inFlight++;
        pending.then(() => {
          inFlight--;
          if (measuring) {
            histogram.recordValue(Math.max(1, Math.round((performance.now() - issuedAt) * 1000)));
            entriesDone += batch;
          }
          pump();
        }, reject);
      }
      if (inFlight === 0 && performance.now() >= deadline) resolve();
    };
    pump();
  });
  const elapsedSec = (performance.now() - measureStart) / 1000;
  const fsyncs = log.stats.fsyncs - fsyncsAtStart;
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const row: Row = {
    durability,
    payloadBytes,
    batch,
    window,
    entriesPerSec: entriesDone / elapsedSec,
    mbPerSec: (entriesDone * (payloadBytes + 36)) / elapsedSec / 1e6,
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    maxUs: histogram.maxValue,
    fsyncs,
    entriesPerFsync: fsyncs > 0 ? entriesDone / fsyncs : 0,
  };
  histogram.destroy();
  return row;
}

function list(name: string, fallback: readonly number[]): readonly number[] {
  const raw = process.env[name];
  return raw === undefined ? fallback : raw.split(',').map(Number);
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const fsType = FS_TYPES[fs.statfsSync(BASE_DIR).type] ?? `0x${fs.statfsSync(BASE_DIR).type.toString(16)}`;
  console.log('## Segment log benchmark\n');
  console.log(
    `- machine: ${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}`,
  );
  console.log(
    `- Node ${process.version}; log dir ${BASE_DIR} (${fsType}); load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `- ${MEASURE_MS} ms measured per row after ${WARMUP_MS} ms warm-up; frame = payload + 36 B header`,
  );
  console.log(`- segment preallocation: ${PREALLOCATE_BYTES ?? 1024 * 1024} bytes ahead (0 = off)`);
  console.log(
    '- latency = one append call, issue -> promise resolved (durable for `fsync`; page cache for `none`)\n',
  );
  console.log(
    '| durability | payload B | entries/append | appends in flight | entries/s | MB/s | p50 µs | p99 µs | max µs | fsyncs | entries/fsync |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const durability of DURABILITIES) {
    for (const payloadBytes of list('BENCH_PAYLOADS', [64, 512])) {
      for (const batch of list('BENCH_BATCHES', [1, 16, 128])) {
        for (const window of list('BENCH_WINDOWS', [1, 32])) {
          gc?.();
          const r = await run(durability, payloadBytes, batch, window);
          console.log(
            `| ${r.durability} | ${r.payloadBytes} | ${r.batch} | ${r.window} | ${fmt(r.entriesPerSec)} | ` +
              `${fmt(r.mbPerSec, 1)} | ${fmt(r.p50Us)} | ${fmt(r.p99Us)} | ${fmt(r.maxUs)} | ${r.fsyncs} | ` +
              `${fmt(r.entriesPerFsync, 1)} |`,
          );
        }
      }
    }
  }
  console.log(`\n- RSS after the table: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  if (process.env.BENCH_MEMORY !== '0') await memory(gc);
}

/**
 * Memory as the log grows (no compaction): appends MEMORY_ENTRIES 64-byte entries (durability `none`, 128 per
 * append) into 16 MiB segments and prints RSS / heap after a forced GC at checkpoints. The offset index is
 * only held for the active segment and a few cached ones, so both should stay flat.
 */
async function memory(gc: (() => void) | undefined): Promise<void> {
  const total = Number(process.env.BENCH_MEMORY_ENTRIES ?? 2_000_000);
  const dir = fs.mkdtempSync(path.join(BASE_DIR, 'storage-bench-mem-'));
  const log = await SegmentLog.open(dir, { durability: 'none', segmentBytesMax: 16 * 1024 * 1024 });
  const payload = Buffer.alloc(64, 3);
  const checkpoints = new Set([total / 10, total / 2, total].map((n) => Math.floor(n / 128) * 128));
  console.log(`\n### Memory while the log grows (${fmt(total)} x 64 B entries, no compaction, \`none\`)\n`);
  console.log('| entries | segments | log MB on disk | RSS MB | heap used MB |');
  console.log('|---:|---:|---:|---:|---:|');
  for (let next = 1; next <= total; next += 128) {
    const entries: LogEntry[] = [];
    for (let k = 0; k < 128; k++)
      entries.push({ index: next + k, term: 1, timestampMs: 0, type: 1, payload });
    let pending = log.append(entries);
    while (pending === false) {
      await log.whenWritable(128, 128 * 64);
      pending = log.append(entries);
    }
    const done = next + 127;
    if (checkpoints.has(done)) {
      await log.flushed();
      gc?.();
      const m = process.memoryUsage();
      console.log(
        `| ${fmt(done)} | ${log.segmentCount} | ${fmt((done * 100) / 1e6, 0)} | ${(m.rss / 1e6).toFixed(0)} | ` +
          `${(m.heapUsed / 1e6).toFixed(1)} |`,
      );
    } else if (log.pendingBytes > 8 * 1024 * 1024) {
      await log.flushed();
    }
  }
  await log.close();

  // Recovery: reopen the same log; every frame's CRC is verified.
  const reopened = await SegmentLog.open(dir, { durability: 'none', segmentBytesMax: 16 * 1024 * 1024 });
  const r = reopened.recovery;
  console.log(
    `\n- recovery of that log: ${fmt(r.entries)} entries, ${(r.bytes / 1e6).toFixed(0)} MB in ${r.segments} segments, ` +
      `${r.durationMs.toFixed(0)} ms (${fmt(r.bytes / 1e6 / (r.durationMs / 1000))} MB/s, page cache warm)`,
  );
  const started = performance.now();
  reopened.read(1, 1); // first segment's index was evicted: one sequential re-read of a 16 MiB segment
  console.log(
    `- re-indexing one evicted 16 MiB segment on a read: ${(performance.now() - started).toFixed(1)} ms`,
  );
  // Catch-up reads: the whole log sequentially, as a lagging follower would be sent it (CRC checked per entry).
  const readStarted = performance.now();
  let readEntries = 0;
  for (let from = reopened.firstIndex; from <= reopened.lastIndex; ) {
    const got = reopened.read(from, 4096, 1024 * 1024);
    readEntries += got.length;
    from += got.length;
  }
  const readSec = (performance.now() - readStarted) / 1000;
  console.log(
    `- sequential catch-up read: ${fmt(readEntries / readSec)} entries/s, ` +
      `${fmt((readEntries * 100) / 1e6 / readSec)} MB/s (read(from, 4096 entries, 1 MiB), CRC verified)`,
  );
  await reopened.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
