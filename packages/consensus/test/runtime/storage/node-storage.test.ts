import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogGapError, StorageInputError } from '../../../src/runtime/storage/errors.js';
import {
  markDataDirRejoin,
  NodeStorage,
  type NodeStorageOptions,
} from '../../../src/runtime/storage/node-storage.js';
import { SNAPSHOT_HEADER_BYTES, snapshotFileName } from '../../../src/runtime/storage/snapshot-store.js';
import { entries, expectSame, TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

const SMALL: NodeStorageOptions = { log: { segmentBytesMax: 2048 }, snapshots: { keep: 2 } };

async function append(storage: NodeStorage, from: number, count: number, term = 1): Promise<void> {
  const p = storage.log.append(entries(from, count, term));
  if (p === false) throw new Error('back-pressure');
  await p;
}

function state(upto: number): Buffer {
  return Buffer.from(`state after ${upto}`);
}

describe('NodeStorage start-up: newest valid snapshot + replay of the log after it', () => {
  it('starts empty, then restarts from a snapshot with the rest of the log to replay', async () => {
    const dir = temp.make();
    const lines: string[] = [];
    const first = await NodeStorage.open(dir, { ...SMALL, print: (l) => lines.push(l) });
    expect(first.snapshot).toBeNull();
    expect([first.startup.replayFrom, first.startup.replayTo]).toEqual([1, 0]);
    await append(first, 1, 120);
    await first.hardState.save({ term: 1, votedFor: 2 });
    await first.saveSnapshot({ lastIndex: 80, lastTerm: 1, timestampMs: 80 }, state(80));
    await first.close();

    lines.length = 0;
    const second = await NodeStorage.open(dir, { ...SMALL, print: (l) => lines.push(l) });
    expect(second.snapshot?.info.lastIndex).toBe(80);
    expect(second.snapshot?.data.toString()).toBe('state after 80');
    expect([second.startup.replayFrom, second.startup.replayTo]).toEqual([81, 120]);
    expect(second.startup.hardState).toEqual({ term: 1, votedFor: 2 });
    expectSame(second.log.read(81, 100, 1 << 30), entries(81, 40));
    expect(lines.at(-1)).toMatch(
      /snapshot snap-.* \(index 80, term 1, 14 bytes\); log .*; replay entries 81\.\.120; term 1, voted for 2; ready in/,
    );
    await second.close();
  });

  it('compacts the log only up to the oldest snapshot kept', async () => {
    const dir = temp.make();
    const storage = await NodeStorage.open(dir, SMALL);
    await append(storage, 1, 400);
    for (const at of [100, 200, 300]) {
      await storage.saveSnapshot({ lastIndex: at, lastTerm: 1, timestampMs: at }, state(at));
    }
    expect(storage.snapshots.list()).toEqual([snapshotFileName(300, 1), snapshotFileName(200, 1)]);
    expect(storage.log.firstIndex).toBeGreaterThan(100);
    expect(storage.log.firstIndex).toBeLessThanOrEqual(201);
    await storage.close();
  });

  it('falls back to the older snapshot when the newest is invalid, replaying from it', async () => {
    const dir = temp.make();
    const storage = await NodeStorage.open(dir, SMALL);
    await append(storage, 1, 400);
    await storage.saveSnapshot({ lastIndex: 150, lastTerm: 1, timestampMs: 0 }, state(150));
    const newest = await storage.saveSnapshot({ lastIndex: 300, lastTerm: 1, timestampMs: 0 }, state(300));
    await storage.close();
    const raw = fs.readFileSync(newest.info.path);
    raw[SNAPSHOT_HEADER_BYTES]! ^= 0xff;
    fs.writeFileSync(newest.info.path, raw);

    const again = await NodeStorage.open(dir, SMALL);
    expect(again.snapshot?.info.lastIndex).toBe(150);
    expect(again.startup.skippedSnapshots).toEqual([
      { file: newest.info.file, reason: 'payload CRC32C mismatch' },
    ]);
    expect([again.startup.replayFrom, again.startup.replayTo]).toEqual([151, 400]);
    expectSame(again.log.read(151, 1000, 1 << 30), entries(151, 250));
    await again.close();
  });

  it('refuses when the log was compacted past every valid snapshot', async () => {
    const dir = temp.make();
    const storage = await NodeStorage.open(dir, { ...SMALL, snapshots: { keep: 1 } });
    await append(storage, 1, 400);
    const only = await storage.saveSnapshot({ lastIndex: 300, lastTerm: 1, timestampMs: 0 }, state(300));
    expect(storage.log.firstIndex).toBeGreaterThan(1);
    await storage.close();
    fs.truncateSync(only.info.path, SNAPSHOT_HEADER_BYTES + 3);
    const err = await NodeStorage.open(dir, SMALL).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LogGapError);
    expect((err as LogGapError).snapshotIndex).toBe(0);
    expect((err as Error).message).toMatch(
      /newest valid snapshot covers only up to 0; invalid: snap-.*re-syncs/,
    );
    // Refusing released the directory: a retry fails the same way, not on the lock.
    await expect(NodeStorage.open(dir, SMALL)).rejects.toThrow(LogGapError);
  });

  it('resets a log that is behind or conflicts with the snapshot (install interrupted by a crash)', async () => {
    const dir = temp.make();
    const storage = await NodeStorage.open(dir, SMALL);
    await append(storage, 1, 50);
    // A snapshot installed from the leader, ahead of this log; the crash came before the log reset.
    const writer = storage.snapshots.beginWrite({ lastIndex: 500, lastTerm: 4, timestampMs: 0 });
    await writer.append(state(500));
    await writer.finish();
    await storage.close();

    const again = await NodeStorage.open(dir, SMALL);
    expect(again.startup.logResetToSnapshot).toBe(true);
    expect([again.log.firstIndex, again.log.lastIndex, again.log.termAt(500)]).toEqual([501, 500, 4]);
    expect([again.startup.replayFrom, again.startup.replayTo]).toEqual([501, 500]);
    await append(again, 501, 3, 4);
    await again.close();
    const third = await NodeStorage.open(dir, SMALL);
    expect(third.startup.logResetToSnapshot).toBe(false);
    expect([third.startup.replayFrom, third.startup.replayTo]).toEqual([501, 503]);
    await third.close();
  });

  it('rejects a snapshot whose index/term the log does not hold', async () => {
    const storage = await NodeStorage.open(temp.make(), SMALL);
    await append(storage, 1, 10, 2);
    await expect(
      storage.saveSnapshot({ lastIndex: 5, lastTerm: 1, timestampMs: 0 }, state(5)),
    ).rejects.toThrow(StorageInputError);
    await expect(
      storage.saveSnapshot({ lastIndex: 11, lastTerm: 2, timestampMs: 0 }, state(11)),
    ).rejects.toThrow(StorageInputError);
    expect(fs.readdirSync(path.join(storage.snapshots.dir))).toEqual([]);
    await storage.close();
  });
});

describe('markDataDirRejoin (a member whose data was lost)', () => {
  it('marks blank storage as recovering, idempotently, and refuses a directory that holds a log', async () => {
    const dir = temp.make();
    await markDataDirRejoin(dir);
    await markDataDirRejoin(dir);
    const s = await NodeStorage.open(dir);
    expect(s.hardState.current).toEqual({ term: 0, votedFor: null, recovering: true });
    await s.close();

    const full = temp.make();
    const t = await NodeStorage.open(full);
    await append(t, 1, 3);
    await t.close();
    await expect(markDataDirRejoin(full)).rejects.toThrow(/rejoin refused: .* holds this member's data/);
  });
});
