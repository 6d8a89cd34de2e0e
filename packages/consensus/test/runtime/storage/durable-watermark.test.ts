import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DURABLE_WATERMARK_FILE,
  type DurableRecord,
  enableDurableWatermarks,
  readDurableWatermarks,
} from '../../../src/runtime/storage/durable-watermark.js';
import { HARD_STATE_FILE, HardStateStore } from '../../../src/runtime/storage/hard-state.js';
import { nodeIo, type StorageIo } from '../../../src/runtime/storage/io.js';
import { SegmentLog } from '../../../src/runtime/storage/segment-log.js';
import { SnapshotStore } from '../../../src/runtime/storage/snapshot-store.js';
import { entries, expectSame, TempDirs } from './helpers.js';

const temp = new TempDirs();
beforeAll(() => enableDurableWatermarks(true));
afterAll(() => enableDurableWatermarks(false));
afterEach(() => temp.cleanup());

/**
 * nodeIo that remembers, per file, how far it was written and how far an fdatasync covered (the written
 * end when the fdatasync started, once it completed); `hold()` makes later fdatasyncs hang (a crash
 * before they return).
 */
class TrackingIo implements StorageIo {
  readonly writtenEnd = new Map<string, number>();
  readonly syncedEnd = new Map<string, number>();
  private readonly paths = new Map<number, string>();
  private held = false;

  /** Path of `fd` (the active segment of a recovered log was opened synchronously, not through here). */
  private pathOf(fd: number): string {
    let p = this.paths.get(fd);
    if (p === undefined) {
      p = fs.readlinkSync(`/proc/self/fd/${fd}`);
      this.paths.set(fd, p);
    }
    return p;
  }
  writes = 0;

  hold(): void {
    this.held = true;
  }
  async open(p: string, flags: string): Promise<number> {
    const fd = await nodeIo.open(p, flags);
    this.paths.set(fd, p);
    return fd;
  }
  async writev(fd: number, buffers: readonly Buffer[], positionBytes: number): Promise<number> {
    const n = await nodeIo.writev(fd, buffers, positionBytes);
    const p = this.pathOf(fd);
    this.writtenEnd.set(p, Math.max(this.writtenEnd.get(p) ?? 0, positionBytes + n));
    this.writes++;
    return n;
  }
  async fdatasync(fd: number): Promise<void> {
    const p = this.pathOf(fd);
    const end = this.writtenEnd.get(p) ?? 0;
    if (this.held) return new Promise<void>(() => {});
    await nodeIo.fdatasync(fd);
    this.syncedEnd.set(p, Math.max(this.syncedEnd.get(p) ?? 0, end));
  }
  fsync(fd: number): Promise<void> {
    return nodeIo.fsync(fd);
  }
  async ftruncate(fd: number, sizeBytes: number): Promise<void> {
    await nodeIo.ftruncate(fd, sizeBytes);
    const p = this.pathOf(fd);
    this.writtenEnd.set(p, sizeBytes);
    this.syncedEnd.set(p, Math.min(this.syncedEnd.get(p) ?? 0, sizeBytes));
  }
  close(fd: number): Promise<void> {
    this.paths.delete(fd);
    return nodeIo.close(fd);
  }
  async rename(from: string, to: string): Promise<void> {
    await nodeIo.rename(from, to);
    for (const m of [this.writtenEnd, this.syncedEnd]) {
      const v = m.get(from);
      if (v !== undefined) m.set(to, v);
      m.delete(from);
    }
    for (const [fd, p] of this.paths) if (p === from) this.paths.set(fd, to);
  }
  unlink(p: string): Promise<void> {
    this.writtenEnd.delete(p);
    this.syncedEnd.delete(p);
    return nodeIo.unlink(p);
  }
}

function records(dir: string): Map<string, DurableRecord> {
  const r = readDurableWatermarks(dir);
  if (r === null) throw new Error(`no ${DURABLE_WATERMARK_FILE} in ${dir}`);
  return r;
}

function bytesOf(rec: DurableRecord | undefined): number {
  if (rec === undefined || !('bytes' in rec)) throw new Error('expected a { bytes } record');
  return rec.bytes;
}

/**
 * What a power loss leaves of a copy of `dir` (the process that wrote it is considered dead): unsynced
 * bytes of segments zeroed from their watermark, files without a record removed, the hard state rolled
 * back to its durable version. (The chaos suite's nemesis, packages/chaos/src/nemesis/power-loss.ts,
 * does the same on a member's data directory.)
 */
function powerLossCopy(dir: string, into: string): void {
  fs.cpSync(dir, into, { recursive: true });
  fs.rmSync(path.join(into, 'log.lock'), { force: true });
  const recs = records(into);
  for (const name of fs.readdirSync(into)) {
    const file = path.join(into, name);
    if (!/^log-\d{20}\.seg$/.test(name) && name !== HARD_STATE_FILE) continue;
    const rec = recs.get(name);
    if (rec === undefined) fs.rmSync(file);
    else if ('hex' in rec) fs.writeFileSync(file, Buffer.from(rec.hex, 'hex'));
    else {
      const size = fs.statSync(file).size;
      if (size > rec.bytes) {
        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, Buffer.alloc(size - rec.bytes), 0, size - rec.bytes, rec.bytes);
        fs.closeSync(fd);
      }
    }
  }
}

/** Waits (bounded) until `probe` holds. */
async function until(probe: () => boolean): Promise<void> {
  for (let k = 0; k < 2_000 && !probe(); k++) await new Promise((r) => setTimeout(r, 1));
  if (!probe()) throw new Error('condition not reached');
}

describe('durable watermarks (test-only, fault hooks)', () => {
  it('are off unless enabled: a log written with them off records nothing', async () => {
    enableDurableWatermarks(false);
    try {
      const dir = temp.make();
      const log = await SegmentLog.open(dir);
      await log.append(entries(1, 3));
      await log.close();
      expect(readDurableWatermarks(dir)).toBeNull();
    } finally {
      enableDurableWatermarks(true);
    }
  });

  it('never exceed what was fdatasynced, never lag an acknowledged entry: a cut at them keeps every ack', async () => {
    const dir = temp.make();
    const io = new TrackingIo();
    // Small segments (many rolls) and a small preallocation (writes both over zeros and past them).
    const log = await SegmentLog.open(dir, { io, segmentBytesMax: 4096, preallocateBytes: 1024 });
    const all = entries(1, 400);
    let next = 1;
    let checks = 0;
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed % n;
    };
    while (next <= all.length) {
      // A few appends in flight at once (group commit), each of 1..6 entries.
      const inFlight: Promise<number>[] = [];
      for (let k = 1 + rand(4); k > 0 && next <= all.length; k--) {
        const n = Math.min(1 + rand(6), all.length - next + 1);
        const ack = log.append(all.slice(next - 1, next - 1 + n));
        if (ack === false) throw new Error('back-pressure in a small test');
        inFlight.push(ack);
        next += n;
      }
      const acked = Math.max(...(await Promise.all(inFlight)));
      // Never above the fdatasynced length of its file.
      for (const [name, rec] of records(dir)) {
        const synced = io.syncedEnd.get(path.join(dir, name));
        if (synced !== undefined) expect(bytesOf(rec)).toBeLessThanOrEqual(synced);
      }
      // Never behind an acknowledged entry: a power loss now keeps everything up to `acked`.
      if (rand(4) === 0 || next > all.length) {
        const copy = path.join(temp.make(), 'log');
        powerLossCopy(dir, copy);
        const reopened = await SegmentLog.open(copy);
        expect(reopened.recovery.tornTail).toBeNull();
        expect(reopened.lastIndex).toBeGreaterThanOrEqual(acked);
        expectSame(reopened.read(1, acked, 1 << 20), all.slice(0, acked));
        await reopened.close();
        checks++;
      }
    }
    expect(checks).toBeGreaterThan(3);
    expect(log.stats.segmentsCreated).toBeGreaterThan(3);
    await log.close();
  });

  it('a write whose fdatasync never returned is past the watermark: cut away, and the log reopens without it', async () => {
    const dir = temp.make();
    const io = new TrackingIo();
    const log = await SegmentLog.open(dir, { io, preallocateBytes: 8192 });
    expect(await log.append(entries(1, 5))).toBe(5);
    const seg = [...records(dir).keys()].find((n) => n.endsWith('.seg'))!;
    const durable = bytesOf(records(dir).get(seg));
    const framesEnd = 32 + entries(1, 5).reduce((sum, e) => sum + 36 + e.payload.length, 0);
    expect(durable).toBe(framesEnd); // the end of the frames, not of the preallocated zeros after them
    expect(io.syncedEnd.get(path.join(dir, seg))).toBeGreaterThanOrEqual(framesEnd);
    io.hold(); // the machine "dies" during the next fdatasync
    const writes = io.writes;
    let acked = false;
    void (log.append(entries(6, 5)) as Promise<number>).then(() => {
      acked = true;
    });
    await until(() => io.writes > writes); // entries 6..10 are in the page cache, not synced
    expect(acked).toBe(false);
    expect(log.durableIndex).toBe(5);
    expect(bytesOf(records(dir).get(seg))).toBe(durable);

    // Power loss: the unsynced entries are gone; recovery sees a clean end (no refusal, no torn tail).
    const cut = path.join(temp.make(), 'log');
    powerLossCopy(dir, cut);
    const afterPowerLoss = await SegmentLog.open(cut);
    expect(afterPowerLoss.lastIndex).toBe(5);
    expect(afterPowerLoss.recovery.tornTail).toBeNull();
    expectSame(afterPowerLoss.read(1, 10, 1 << 20), entries(1, 5));
    await afterPowerLoss.close();

    // kill -9 only (the page cache survives): recovery finds 1..10 and counts them durable, so it must
    // make them durable first — its watermark then covers entry 10 (else a later power loss would lose
    // entries the member reported persisted).
    const killed = path.join(temp.make(), 'log');
    fs.cpSync(dir, killed, { recursive: true });
    fs.rmSync(path.join(killed, 'log.lock'));
    const afterKill = await SegmentLog.open(killed);
    expect(afterKill.durableIndex).toBe(10);
    const recut = path.join(temp.make(), 'log');
    powerLossCopy(killed, recut);
    const afterBoth = await SegmentLog.open(recut);
    expect(afterBoth.lastIndex).toBe(10);
    expectSame(afterBoth.read(1, 10, 1 << 20), entries(1, 10));
    await afterBoth.close();
    await afterKill.close();
  });

  it('truncation lowers the watermark before new entries are acknowledged; deleted segments are forgotten', async () => {
    const dir = temp.make();
    const io = new TrackingIo();
    const log = await SegmentLog.open(dir, { io, segmentBytesMax: 2048, preallocateBytes: 0 });
    await log.append(entries(1, 60));
    const before = records(dir);
    await log.truncateSuffix(20);
    const replaced = entries(20, 10, 2, 99);
    expect(await log.append(replaced)).toBe(29);
    const after = records(dir);
    const onDisk = fs.readdirSync(dir).filter((n) => n.endsWith('.seg'));
    expect([...after.keys()].filter((n) => n.endsWith('.seg')).sort()).toEqual(onDisk.sort());
    expect(before.size).toBeGreaterThan(after.size);
    for (const name of onDisk) expect(bytesOf(after.get(name))).toBe(fs.statSync(path.join(dir, name)).size);
    const copy = path.join(temp.make(), 'log');
    powerLossCopy(dir, copy);
    const reopened = await SegmentLog.open(copy);
    expect(reopened.lastIndex).toBe(29);
    expectSame(reopened.read(20, 10, 1 << 20), replaced);
    await reopened.close();
    await log.close();
  });

  it('hard state: the durable version is recorded whole; snapshots: recorded when durable, forgotten when pruned', async () => {
    const dir = temp.make();
    const hs = HardStateStore.open(dir);
    await hs.save({ term: 3, votedFor: 2 });
    const rec = records(dir).get(HARD_STATE_FILE);
    expect(rec).toEqual({ hex: fs.readFileSync(path.join(dir, HARD_STATE_FILE)).toString('hex') });

    const snapDir = temp.make();
    const snaps = SnapshotStore.open(snapDir, { keep: 1 });
    expect(records(snapDir).size).toBe(0);
    const first = await snaps.write({ lastIndex: 10, lastTerm: 1, timestampMs: 1 }, Buffer.alloc(100, 1));
    expect(bytesOf(records(snapDir).get(first.file))).toBe(fs.statSync(first.path).size);
    const second = await snaps.write({ lastIndex: 20, lastTerm: 1, timestampMs: 2 }, Buffer.alloc(50, 2));
    expect([...records(snapDir).keys()]).toEqual([second.file]);
  });
});
