import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotInvalidError, StorageInputError } from '../../../src/runtime/storage/errors.js';
import { CountingIo } from '../../../src/runtime/storage/io.js';
import {
  SNAPSHOT_HEADER_BYTES,
  SnapshotStore,
  snapshotFileName,
} from '../../../src/runtime/storage/snapshot-store.js';
import { payloadFor, TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 13 + seed) & 0xff;
  return out;
}

describe('SnapshotStore', () => {
  it('writes atomically and loads back the same bytes and metadata', async () => {
    const io = new CountingIo();
    const dir = temp.make();
    const store = SnapshotStore.open(dir, { io });
    const data = bytes(100_000, 1);
    const info = await store.write({ lastIndex: 120, lastTerm: 3, timestampMs: 1_700_000_000_123 }, data);
    expect(info.file).toBe(snapshotFileName(120, 3));
    expect(info.lengthBytes).toBe(100_000);
    expect(fs.statSync(info.path).size).toBe(SNAPSHOT_HEADER_BYTES + 100_000);
    expect(io.counts).toMatchObject({ rename: 1, fsync: 2 });
    expect(fs.readdirSync(dir)).toEqual([info.file]);

    const lines: string[] = [];
    const loaded = await SnapshotStore.open(dir, { log: (l) => lines.push(l) }).loadNewest();
    expect(loaded.snapshot?.info).toEqual(info);
    expect(Buffer.compare(loaded.snapshot!.data, data)).toBe(0);
    expect(loaded.skipped).toEqual([]);
    expect(lines.join('\n')).toMatch(/loaded snap-.*index 120, term 3, 100000 bytes\) in .* ms/);
  });

  it('streams chunks in and reads them back in chunks for transfer', async () => {
    const store = SnapshotStore.open(temp.make());
    const chunks = [payloadFor(1), payloadFor(2), Buffer.alloc(0), bytes(5000, 9)];
    const writer = store.beginWrite({ lastIndex: 9, lastTerm: 1, timestampMs: 5 });
    for (const c of chunks) await writer.append(c);
    expect(store.list()).toEqual([]); // invisible until finished
    const info = await writer.finish();
    const whole = Buffer.concat(chunks);
    const parts: Buffer[] = [];
    for (let offset = 0; offset < info.lengthBytes; offset += 777)
      parts.push(await store.readChunk(info, offset, 777));
    expect(Buffer.compare(Buffer.concat(parts), whole)).toBe(0);
    await expect(store.readChunk(info, info.lengthBytes + 1, 10)).rejects.toThrow(StorageInputError);
  });

  it('keeps the N newest and deletes older ones', async () => {
    const dir = temp.make();
    const store = SnapshotStore.open(dir, { keep: 2 });
    for (const index of [10, 20, 30, 40])
      await store.write({ lastIndex: index, lastTerm: 1, timestampMs: 0 }, bytes(64, index));
    expect(fs.readdirSync(dir).sort()).toEqual([snapshotFileName(30, 1), snapshotFileName(40, 1)]);
    const loaded = await store.loadNewest();
    expect(loaded.snapshot?.info.lastIndex).toBe(40);
  });

  it('skips a newer snapshot that fails verification and loads the newest valid one', async () => {
    const dir = temp.make();
    const store = SnapshotStore.open(dir, { keep: 3 });
    await store.write({ lastIndex: 10, lastTerm: 1, timestampMs: 0 }, bytes(1000, 1));
    await store.write({ lastIndex: 20, lastTerm: 1, timestampMs: 0 }, bytes(1000, 2));
    const newest = await store.write({ lastIndex: 30, lastTerm: 2, timestampMs: 0 }, bytes(1000, 3));
    const raw = fs.readFileSync(newest.path);
    raw[SNAPSHOT_HEADER_BYTES + 500]! ^= 0x10;
    fs.writeFileSync(newest.path, raw);
    // And a second invalid one: the file of index 20 is cut short.
    const middle = path.join(dir, snapshotFileName(20, 1));
    fs.truncateSync(middle, SNAPSHOT_HEADER_BYTES + 10);

    const loaded = await store.loadNewest();
    expect(loaded.snapshot?.info.lastIndex).toBe(10);
    expect(Buffer.compare(loaded.snapshot!.data, bytes(1000, 1))).toBe(0);
    expect(loaded.skipped).toEqual([
      { file: newest.file, reason: 'payload CRC32C mismatch' },
      { file: snapshotFileName(20, 1), reason: 'holds 10 payload bytes, header says 1000' },
    ]);
    await expect(store.load(newest.file)).rejects.toThrow(SnapshotInvalidError);
  });

  it('ignores and removes the temp file of an unfinished write', async () => {
    const dir = temp.make();
    const store = SnapshotStore.open(dir);
    await store.write({ lastIndex: 5, lastTerm: 1, timestampMs: 0 }, bytes(10, 5));
    const writer = store.beginWrite({ lastIndex: 9, lastTerm: 1, timestampMs: 0 });
    await writer.append(bytes(4000, 6)); // the process "dies" here: never finished
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(true);
    expect((await store.loadNewest()).snapshot?.info.lastIndex).toBe(5);
    const reopened = SnapshotStore.open(dir);
    expect(reopened.removedTempFiles).toEqual([`${snapshotFileName(9, 1)}.tmp`]);
    expect(fs.readdirSync(dir)).toEqual([snapshotFileName(5, 1)]);
    await writer.abort();
  });

  it('returns null when there is no snapshot, and rejects bad metadata', async () => {
    const store = SnapshotStore.open(temp.make());
    expect((await store.loadNewest()).snapshot).toBeNull();
    expect(() => store.beginWrite({ lastIndex: -1, lastTerm: 0, timestampMs: 0 })).toThrow(StorageInputError);
    expect(() => SnapshotStore.open(temp.make(), { keep: 0 })).toThrow(StorageInputError);
  });
});
