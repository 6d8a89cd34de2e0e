import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../../src/runtime/storage/codec.js';
import {
  CorruptLogError,
  LogClosedError,
  LogIoError,
  LogLockedError,
  StorageInputError,
} from '../../../src/runtime/storage/errors.js';
import { CountingIo, nodeIo, type StorageIo } from '../../../src/runtime/storage/io.js';
import {
  LOCK_FILE,
  SegmentLog,
  type SegmentLogOptions,
  segmentFileName,
} from '../../../src/runtime/storage/segment-log.js';
import { entries, entry, expectSame, segmentFiles, TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

/** Small segments so a few hundred entries roll many times. */
const SMALL: SegmentLogOptions = { segmentBytesMax: 2048 };

async function appendAll(log: SegmentLog, batch: ReturnType<typeof entries>): Promise<number> {
  const result = log.append(batch);
  if (result === false) throw new Error('unexpected back-pressure');
  return result;
}

describe('SegmentLog append and read', () => {
  it('round-trips entries across segment rolls, before and after reopen', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, SMALL);
    expect(log.recovery.created).toBe(true);
    expect([log.firstIndex, log.lastIndex, log.lastTerm]).toEqual([1, 0, 0]);
    const all = entries(1, 300);
    for (let from = 0; from < all.length; from += 37) {
      await appendAll(log, all.slice(from, from + 37));
    }
    expect(log.lastIndex).toBe(300);
    expect(log.durableIndex).toBe(300);
    expect(log.segmentCount).toBeGreaterThan(5);
    expect(segmentFiles(dir).length).toBe(log.segmentCount);
    expect(segmentFiles(dir)[0]).toBe(segmentFileName(1));
    for (const f of segmentFiles(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(2048);
    expectSame(log.read(1, 1000, 1 << 30), all);
    expectSame(log.read(150, 10), all.slice(149, 159));
    // Byte budget: frames of entries 1..3 (at least one entry is always returned).
    const firstTwo = 2 * FRAME_HEADER_BYTES + all[0]!.payload.length + all[1]!.payload.length;
    expect(log.read(1, 100, firstTwo).length).toBe(2);
    expect(log.read(1, 100, 1).length).toBe(1);
    expect(log.read(301)).toEqual([]);
    await log.close();

    const again = await SegmentLog.open(dir, SMALL);
    expect(again.recovery.entries).toBe(300);
    expect(again.recovery.tornTail).toBeNull();
    expect([again.firstIndex, again.lastIndex, again.lastTerm]).toEqual([1, 300, 1]);
    expectSame(again.read(1, 1000, 1 << 30), all);
    await appendAll(again, entries(301, 5));
    expectSame(again.read(296, 100), entries(296, 10));
    await again.close();
  });

  it('serves entries that are queued but not yet written', async () => {
    const log = await SegmentLog.open(temp.make(), SMALL);
    const p = log.append(entries(1, 50));
    expect(log.durableIndex).toBe(0);
    expectSame(log.read(1, 100, 1 << 30), entries(1, 50));
    expect(await p).toBe(50);
    expect(log.durableIndex).toBe(50);
    await log.close();
  });

  it('tracks terms as runs: termAt, lastTerm', async () => {
    const log = await SegmentLog.open(temp.make(), SMALL);
    await appendAll(log, [...entries(1, 3, 1), ...entries(4, 2, 3), ...entries(6, 4, 7)]);
    expect([0, 1, 3, 4, 5, 6, 9].map((i) => log.termAt(i))).toEqual([0, 1, 1, 3, 3, 7, 7]);
    expect(log.termAt(10)).toBeUndefined();
    expect(log.termAt(-1)).toBeUndefined();
    expect(log.lastTerm).toBe(7);
    await log.close();
  });

  it('rejects bad input with a typed error and changes nothing', async () => {
    const log = await SegmentLog.open(temp.make(), { ...SMALL, entryBytesMax: 200 });
    await appendAll(log, entries(1, 3, 2));
    const bad: [string, () => unknown][] = [
      ['empty', () => log.append([])],
      ['gap', () => log.append([entry(5, 2)])],
      ['duplicate index', () => log.append([entry(3, 2)])],
      ['term going back', () => log.append([entry(4, 1)])],
      ['term going back inside the batch', () => log.append([entry(4, 3), entry(5, 2)])],
      ['oversize payload', () => log.append([{ ...entry(4, 2), payload: new Uint8Array(201) }])],
      ['bad type', () => log.append([{ ...entry(4, 2), type: 70000 }])],
      ['bad timestamp', () => log.append([{ ...entry(4, 2), timestampMs: -1 }])],
      ['read below first', () => log.read(0)],
      ['read beyond end', () => log.read(5)],
      ['truncate below first', () => log.truncateSuffix(0)],
    ];
    for (const [name, call] of bad) {
      expect(call, name).toThrow(StorageInputError);
    }
    expect([log.lastIndex, log.lastTerm, log.pendingEntries]).toEqual([3, 2, 0]);
    await appendAll(log, [entry(4, 2)]);
    expect(log.lastIndex).toBe(4);
    await log.close();
    expect(() => log.append([entry(5, 2)])).toThrow(LogClosedError);
  });

  it("locks its directory against a second owner, and takes over a dead owner's lock", async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir);
    await expect(SegmentLog.open(dir)).rejects.toThrow(LogLockedError);
    await log.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);

    // A live process (our parent) holds it: refused, naming the pid.
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    await expect(SegmentLog.open(dir)).rejects.toMatchObject({ code: 'LOG_LOCKED', pid: process.ppid });
    // A dead process held it (killed): taken over.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${dead}\n`);
    const again = await SegmentLog.open(dir);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await again.close();
  });

  it('rejects bad options', async () => {
    const dir = temp.make();
    await expect(SegmentLog.open(dir, { segmentBytesMax: 10 })).rejects.toThrow(StorageInputError);
    await expect(SegmentLog.open(dir, { segmentBytesMax: 1024, entryBytesMax: 2000 })).rejects.toThrow(
      StorageInputError,
    );
    await expect(SegmentLog.open(dir, { pendingEntriesMax: 0 })).rejects.toThrow(StorageInputError);
  });
});

describe('SegmentLog group commit and durability', () => {
  it('shares one write and one fsync among appends issued in the same turn', async () => {
    const io = new CountingIo();
    const log = await SegmentLog.open(temp.make(), { io });
    const acks: Promise<number>[] = [];
    for (let i = 1; i <= 100; i++) acks.push(log.append([entry(i)]) as Promise<number>);
    expect(await Promise.all(acks)).toEqual(Array.from({ length: 100 }, (_, k) => k + 1));
    expect(log.stats.batches).toBe(1);
    expect(io.counts.writev).toBe(1);
    expect(io.counts.fdatasync).toBe(1);

    // One at a time, awaited: no sharing possible, one fsync each.
    for (let i = 101; i <= 110; i++) await log.append([entry(i)]);
    expect(io.counts.fdatasync).toBe(11);
    expect(log.stats.batches).toBe(11);
    await log.close();
  });

  it('batches appends that arrive while an fsync is in flight', async () => {
    let release: (() => void) | null = null;
    let syncs = 0;
    const gated: StorageIo = {
      ...nodeIo,
      fdatasync: async (fd) => {
        syncs++;
        if (syncs === 1) await new Promise<void>((resolve) => (release = resolve));
        return nodeIo.fdatasync(fd);
      },
    };
    const log = await SegmentLog.open(temp.make(), { io: gated });
    const first = log.append([entry(1)]) as Promise<number>;
    while (release === null) await new Promise((r) => setImmediate(r));
    // The first fsync is stuck; these 20 appends must all ride on the next single fsync.
    const rest: Promise<number>[] = [];
    for (let i = 2; i <= 21; i++) rest.push(log.append([entry(i)]) as Promise<number>);
    await new Promise((r) => setImmediate(r));
    expect(log.durableIndex).toBe(0);
    (release as () => void)();
    await Promise.all([first, ...rest]);
    expect(syncs).toBe(2);
    expect(log.stats.batches).toBe(2);
    await log.close();
  });

  it("durability 'none' never fsyncs and still round-trips", async () => {
    const io = new CountingIo();
    const dir = temp.make();
    const log = await SegmentLog.open(dir, { ...SMALL, durability: 'none', io });
    await appendAll(log, entries(1, 200));
    expect(log.segmentCount).toBeGreaterThan(3);
    expect(io.counts.fdatasync + io.counts.fsync).toBe(0);
    await log.close();
    const again = await SegmentLog.open(dir, { ...SMALL, durability: 'none' });
    expectSame(again.read(1, 500, 1 << 30), entries(1, 200));
    await again.close();
  });

  it("under 'fsync' a roll syncs the old segment and the directory", async () => {
    const io = new CountingIo();
    const log = await SegmentLog.open(temp.make(), { segmentBytesMax: 1024, io });
    // One call spanning several segments: resolves once, after everything is durable.
    await appendAll(log, entries(1, 60));
    const segments = log.segmentCount;
    expect(segments).toBeGreaterThan(3);
    // Per created segment: header fdatasync + dir fsync; per segment written: one data fdatasync.
    expect(io.counts.rename).toBe(segments - 1);
    expect(io.counts.fsync).toBe(segments - 1);
    expect(io.counts.fdatasync).toBe(segments + (segments - 1));
    await log.close();
  });

  it('applies back-pressure when the pending queue is full', async () => {
    const log = await SegmentLog.open(temp.make(), { pendingEntriesMax: 10, pendingBytesMax: 64 * 1024 });
    const accepted = log.append(entries(1, 10));
    expect(accepted).not.toBe(false);
    expect(log.pendingEntries).toBe(10);
    expect(log.append([entry(11)])).toBe(false);
    expect(log.stats.backPressured).toBe(1);
    expect(log.lastIndex).toBe(10);
    await log.whenWritable();
    expect(log.pendingEntries).toBe(0);
    await appendAll(log, [entry(11)]);
    // A single append bigger than the whole queue can never fit: input error, not back-pressure.
    expect(() => log.append(entries(12, 11))).toThrow(StorageInputError);
    await log.close();
  });

  it('applies byte back-pressure', async () => {
    const log = await SegmentLog.open(temp.make(), { entryBytesMax: 1000, pendingBytesMax: 4096 });
    const big = (i: number) => ({ ...entry(i), payload: new Uint8Array(1000) });
    expect(log.append([big(1), big(2), big(3)])).not.toBe(false);
    expect(log.append([big(4), big(5)])).toBe(false);
    await log.whenWritable(2, 2000);
    await appendAll(log, [big(4), big(5)]);
    await log.close();
  });

  it('fails closed after an fsync error: pending appends reject, later calls throw', async () => {
    const failing: StorageIo = {
      ...nodeIo,
      fdatasync: async () => Promise.reject(new Error('EIO (injected)')),
    };
    const lines: string[] = [];
    const log = await SegmentLog.open(temp.make(), { io: failing, log: (l) => lines.push(l) });
    const a = log.append([entry(1)]) as Promise<number>;
    const b = log.append([entry(2)]) as Promise<number>;
    await expect(a).rejects.toThrow(LogIoError);
    await expect(b).rejects.toThrow(LogIoError);
    expect(() => log.append([entry(3)])).toThrow(LogIoError);
    expect(lines.some((l) => l.includes('EIO (injected)'))).toBe(true);
    await log.close();
  });
});

describe('SegmentLog truncateSuffix, compactPrefix, reset', () => {
  async function filled(dir: string, count = 200): Promise<SegmentLog> {
    const log = await SegmentLog.open(dir, SMALL);
    await appendAll(log, entries(1, count));
    return log;
  }

  it('truncates inside a segment, at a segment boundary and across many segments', async () => {
    const dir = temp.make();
    const log = await filled(dir);
    const segmentsBefore = log.segmentCount;
    const firsts = segmentFiles(dir).map((f) => Number(f.slice(4, 24)));
    const boundary = firsts[3]!;

    await log.truncateSuffix(190); // inside the last segment (or the one before)
    expect(log.lastIndex).toBe(189);
    await log.truncateSuffix(boundary); // exactly the first entry of a segment: that file goes
    expect(log.lastIndex).toBe(boundary - 1);
    expect(log.segmentCount).toBe(3);
    expect(segmentFiles(dir).length).toBe(3);
    await log.truncateSuffix(firsts[1]! + 2); // inside segment 2, deleting segment 3
    expect(log.lastIndex).toBe(firsts[1]! + 1);
    expect(segmentFiles(dir).length).toBe(2);
    expect(segmentsBefore).toBeGreaterThan(4);

    // New term after the conflict: continues at the truncation point, rolls again.
    const lastKept = log.lastIndex;
    await appendAll(log, entries(lastKept + 1, 60, 2, 9));
    const expected = [...entries(1, lastKept), ...entries(lastKept + 1, 60, 2, 9)];
    expectSame(log.read(1, 1000, 1 << 30), expected);
    expect(log.termAt(lastKept)).toBe(1);
    expect(log.termAt(lastKept + 1)).toBe(2);
    await log.close();

    const again = await SegmentLog.open(dir, SMALL);
    expectSame(again.read(1, 1000, 1 << 30), expected);
    expect(again.lastTerm).toBe(2);
    await again.close();
  });

  it('truncates to empty and appends again', async () => {
    const dir = temp.make();
    const log = await filled(dir, 50);
    await log.truncateSuffix(1);
    expect([log.firstIndex, log.lastIndex, log.lastTerm]).toEqual([1, 0, 0]);
    expect(segmentFiles(dir)).toEqual([segmentFileName(1)]);
    expect(fs.statSync(path.join(dir, segmentFileName(1))).size).toBe(SEGMENT_HEADER_BYTES);
    await appendAll(log, entries(1, 5, 4));
    await log.close();
    const again = await SegmentLog.open(dir, SMALL);
    expectSame(again.read(1), entries(1, 5, 4));
    await again.close();
  });

  it('orders a truncation between queued appends correctly (nothing awaited in between)', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, SMALL);
    const a = log.append(entries(1, 80)) as Promise<number>;
    const t = log.truncateSuffix(41);
    const b = log.append(entries(41, 70, 2, 5)) as Promise<number>;
    const expected = [...entries(1, 40), ...entries(41, 70, 2, 5)];
    expectSame(log.read(1, 1000, 1 << 30), expected);
    await Promise.all([a, t, b]);
    expect(log.durableIndex).toBe(110);
    expectSame(log.read(1, 1000, 1 << 30), expected);
    await log.close();
    const again = await SegmentLog.open(dir, SMALL);
    expectSame(again.read(1, 1000, 1 << 30), expected);
    await again.close();
  });

  it('compacts whole segments before an index and keeps termAt(firstIndex - 1)', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, SMALL);
    await appendAll(log, [...entries(1, 100, 1), ...entries(101, 100, 2)]);
    const before = segmentFiles(dir);
    const deleted = await log.compactPrefix(120);
    expect(deleted).toBeGreaterThan(2);
    expect(segmentFiles(dir)).toEqual(before.slice(deleted));
    const first = log.firstIndex;
    expect(first).toBeLessThanOrEqual(121);
    expect(first).toBeGreaterThan(1);
    expect(log.termAt(first - 1)).toBe(first - 1 <= 100 ? 1 : 2);
    expect(log.termAt(first - 2)).toBeUndefined();
    expect(() => log.read(first - 1)).toThrow(StorageInputError);
    expectSame(
      log.read(first, 1000, 1 << 30),
      [...entries(1, 100, 1), ...entries(101, 100, 2)].slice(first - 1),
    );
    expect(await log.compactPrefix(first - 1)).toBe(0);
    // Never deletes the active segment, even when asked to compact everything.
    await log.compactPrefix(10_000);
    expect(log.segmentCount).toBe(1);
    expect(log.lastIndex).toBe(200);
    await log.close();

    const again = await SegmentLog.open(dir, SMALL);
    expect(again.firstIndex).toBe(log.firstIndex);
    expect(again.termAt(again.firstIndex - 1)).toBe(2);
    expect(again.lastIndex).toBe(200);
    await again.close();
  });

  it('resets to an empty log after a snapshot install', async () => {
    const dir = temp.make();
    const log = await filled(dir, 100);
    await log.reset(5000, 9);
    expect([log.firstIndex, log.lastIndex, log.lastTerm, log.termAt(4999)]).toEqual([5000, 4999, 9, 9]);
    expect(segmentFiles(dir)).toEqual([segmentFileName(5000)]);
    await appendAll(log, entries(5000, 3, 9));
    await log.close();
    const again = await SegmentLog.open(dir, SMALL);
    expect([again.firstIndex, again.lastIndex, again.termAt(4999)]).toEqual([5000, 5002, 9]);
    expectSame(again.read(5000), entries(5000, 3, 9));
    await again.close();
  });

  it('truncates into an evicted segment, which becomes active and stays indexed', async () => {
    const dir = temp.make();
    const options = { segmentBytesMax: 1024, indexCacheSegments: 1 };
    const log = await SegmentLog.open(dir, options);
    await appendAll(log, entries(1, 300));
    expect(log.segmentCount).toBeGreaterThan(20);
    await log.truncateSuffix(20); // the segment holding 19 was evicted long ago
    expect(log.lastIndex).toBe(19);
    expect(log.segmentCount).toBeGreaterThan(1);
    // Loading the first segment churns the one-slot cache; the (re-)active segment must survive that.
    expectSame(log.read(1, 5), entries(1, 5));
    await appendAll(log, entries(20, 100, 2, 1));
    const expected = [...entries(1, 19), ...entries(20, 100, 2, 1)];
    expectSame(log.read(1, 1000, 1 << 30), expected);
    await log.close();
    const again = await SegmentLog.open(dir, options);
    expectSame(again.read(1, 1000, 1 << 30), expected);
    await again.close();
  });

  it('detects damage done to an evicted segment behind its back, on re-index or on read', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, { segmentBytesMax: 1024, indexCacheSegments: 1 });
    await appendAll(log, entries(1, 200));
    const file = path.join(dir, segmentFileName(1));
    const bytes = fs.readFileSync(file);
    const second = SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + bytes.readUInt32LE(SEGMENT_HEADER_BYTES + 4);
    const damaged = Buffer.from(bytes);
    damaged[second + FRAME_HEADER_BYTES]! ^= 0x01; // payload of entry 2
    fs.writeFileSync(file, damaged);
    expectSame(log.read(1, 1), entries(1, 1));
    expect(() => log.read(2, 1)).toThrow(CorruptLogError);
    await log.close();

    const again = await SegmentLog.open(dir, { segmentBytesMax: 1024, indexCacheSegments: 1 }).catch(
      (e) => e,
    );
    expect(again).toBeInstanceOf(CorruptLogError); // and recovery refuses it too
  });

  it('keeps the offset index bounded: only a few sealed segments stay indexed', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, { segmentBytesMax: 1024, indexCacheSegments: 2 });
    const all = entries(1, 1500);
    for (let from = 0; from < all.length; from += 100) await appendAll(log, all.slice(from, from + 100));
    expect(log.segmentCount).toBeGreaterThan(100);
    expect(log.cachedSegmentIndexes).toBeLessThanOrEqual(2);
    const loadsBefore = log.stats.indexLoads;
    // Reading the whole log re-indexes evicted segments one at a time, without growing the cache.
    expectSame(log.read(1, 2000, 1 << 30), all);
    expect(log.stats.indexLoads).toBeGreaterThan(loadsBefore + 50);
    expect(log.cachedSegmentIndexes).toBeLessThanOrEqual(2);
    await log.close();
    const again = await SegmentLog.open(dir, { segmentBytesMax: 1024, indexCacheSegments: 2 });
    expect(again.cachedSegmentIndexes).toBeLessThanOrEqual(2);
    expectSame(again.read(700, 50), all.slice(699, 749));
    await again.close();
  });
});
