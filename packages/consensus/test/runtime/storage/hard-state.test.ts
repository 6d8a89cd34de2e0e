import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/runtime/storage/crc32c.js';
import { HardStateCorruptError, StorageInputError } from '../../../src/runtime/storage/errors.js';
import {
  decodeHardState,
  encodeHardState,
  HARD_STATE_FILE,
  HardStateStore,
} from '../../../src/runtime/storage/hard-state.js';
import { CountingIo, nodeIo, type StorageIo } from '../../../src/runtime/storage/io.js';
import { TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

describe('HardStateStore', () => {
  it('starts at term 0 with no vote, then persists term and vote across reopen', async () => {
    const dir = temp.make();
    const store = HardStateStore.open(dir);
    expect(store.current).toEqual({ term: 0, votedFor: null });
    await store.save({ term: 3, votedFor: 2 });
    expect(HardStateStore.open(dir).current).toEqual({ term: 3, votedFor: 2 });
    await store.save({ term: 4, votedFor: null });
    expect(HardStateStore.open(dir).current).toEqual({ term: 4, votedFor: null });
    expect(fs.readdirSync(dir)).toEqual([HARD_STATE_FILE]);
  });

  it('persists the recovering mark (lost data) and reads a file without it as not recovering', async () => {
    const dir = temp.make();
    const store = HardStateStore.open(dir);
    await store.save({ term: 0, votedFor: null, recovering: true });
    expect(HardStateStore.open(dir).current).toEqual({ term: 0, votedFor: null, recovering: true });
    await store.save({ term: 2, votedFor: null, recovering: true });
    expect(HardStateStore.open(dir).current).toEqual({ term: 2, votedFor: null, recovering: true });
    await store.save({ term: 2, votedFor: null });
    expect(HardStateStore.open(dir).current).toEqual({ term: 2, votedFor: null });
    // Unknown flag bits (a newer format) are refused rather than ignored.
    const bytes = encodeHardState({ term: 2, votedFor: 1 });
    expect(decodeHardState(bytes)).toEqual({ term: 2, votedFor: 1 });
    bytes.writeUInt32LE(6, 20);
    bytes.writeUInt32LE(crc32c(bytes, 0, 24), 24);
    expect(decodeHardState(bytes)).toBe('unknown flags 0x6');
  });

  it('writes atomically: temp file, fsync, rename, directory fsync', async () => {
    const io = new CountingIo();
    const store = HardStateStore.open(temp.make(), { io });
    await store.save({ term: 1, votedFor: 1 });
    expect(io.counts).toMatchObject({ rename: 1, fsync: 2, open: 2, close: 2 });
  });

  it('keeps the old state when a save dies before its rename', async () => {
    const dir = temp.make();
    await HardStateStore.open(dir).save({ term: 5, votedFor: 1 });
    const dying: StorageIo = {
      ...nodeIo,
      rename: async () => Promise.reject(new Error('killed (injected)')),
    };
    const store = HardStateStore.open(dir, { io: dying });
    await expect(store.save({ term: 6, votedFor: 3 })).rejects.toThrow('killed');
    expect(fs.existsSync(path.join(dir, `${HARD_STATE_FILE}.tmp`))).toBe(true);
    const reopened = HardStateStore.open(dir);
    expect(reopened.current).toEqual({ term: 5, votedFor: 1 });
    expect(fs.existsSync(path.join(dir, `${HARD_STATE_FILE}.tmp`))).toBe(false);
  });

  it('lands concurrent saves in call order', async () => {
    const dir = temp.make();
    const store = HardStateStore.open(dir);
    await Promise.all([1, 2, 3, 4, 5].map((term) => store.save({ term, votedFor: term % 3 })));
    expect(HardStateStore.open(dir).current).toEqual({ term: 5, votedFor: 2 });
  });

  it('rejects a term going back, a second vote in a term and bad values, changing nothing', async () => {
    const dir = temp.make();
    const store = HardStateStore.open(dir);
    await store.save({ term: 7, votedFor: 1 });
    expect(() => store.save({ term: 6, votedFor: null })).toThrow(StorageInputError);
    expect(() => store.save({ term: 7, votedFor: 2 })).toThrow(/already voted for 1/);
    expect(() => store.save({ term: -1, votedFor: null })).toThrow(StorageInputError);
    expect(() => store.save({ term: 8, votedFor: 1.5 })).toThrow(StorageInputError);
    expect(store.current).toEqual({ term: 7, votedFor: 1 });
    await store.save({ term: 7, votedFor: 1 });
    expect(HardStateStore.open(dir).current).toEqual({ term: 7, votedFor: 1 });
  });

  it('refuses a damaged file with a typed error', async () => {
    const dir = temp.make();
    await HardStateStore.open(dir).save({ term: 2, votedFor: 1 });
    const file = path.join(dir, HARD_STATE_FILE);
    const bytes = fs.readFileSync(file);
    bytes[10]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    expect(() => HardStateStore.open(dir)).toThrow(HardStateCorruptError);
    expect(() => HardStateStore.open(dir)).toThrow(/CRC32C mismatch/);
  });
});
