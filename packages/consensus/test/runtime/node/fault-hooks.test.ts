import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diskFaultIo,
  faultClock,
  setClockOffset,
  setDiskBudget,
  setFsyncDelay,
} from '../../../src/runtime/node/fault-hooks.js';
import { nodeIo } from '../../../src/runtime/storage/io.js';
import { SegmentLog } from '../../../src/runtime/storage/segment-log.js';

// The test-only hooks the chaos suite drives through a member's admin port (VENUE_FAULT_HOOKS=1).

describe('fault hooks', () => {
  const dirs: string[] = [];
  afterEach(() => {
    setDiskBudget(Number.MAX_SAFE_INTEGER);
    setClockOffset(0);
    setFsyncDelay(0);
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a full disk: appends beyond the budget fail with ENOSPC and are never reported durable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-hooks-'));
    dirs.push(dir);
    const log = await SegmentLog.open(dir, {
      durability: 'fsync',
      io: diskFaultIo(nodeIo),
      preallocateBytes: 0,
    });
    const entry = (index: number) => ({
      index,
      term: 1,
      timestampMs: index,
      type: 1,
      payload: new Uint8Array(100),
    });
    await log.append([entry(1)]);
    expect(log.durableIndex).toBe(1);
    setDiskBudget(0);
    const second = log.append([entry(2)]);
    await expect(second).rejects.toThrow(/ENOSPC/);
    expect(log.durableIndex).toBe(1);
    await log.close().catch(() => undefined);
    setDiskBudget(Number.MAX_SAFE_INTEGER);
    const reopened = await SegmentLog.open(dir, { durability: 'fsync' });
    expect(reopened.lastIndex).toBe(1); // nothing of the refused write reached the file
    await reopened.close();
  });

  it('a slow disk: the append is written at once but reported durable only after the delayed fdatasync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-hooks-'));
    dirs.push(dir);
    const log = await SegmentLog.open(dir, {
      durability: 'fsync',
      io: diskFaultIo(nodeIo),
      preallocateBytes: 0,
    });
    setFsyncDelay(200);
    let durable = false;
    const ack = (
      log.append([
        { index: 1, term: 1, timestampMs: 1, type: 1, payload: new Uint8Array(10) },
      ]) as Promise<number>
    ).then((i) => {
      durable = true;
      return i;
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(fs.statSync(path.join(dir, 'log-00000000000000000001.seg')).size).toBeGreaterThan(32); // written
    expect(durable).toBe(false);
    expect(log.durableIndex).toBe(0);
    expect(await ack).toBe(1);
    expect(log.durableIndex).toBe(1);
    expect(() => setFsyncDelay(-1)).toThrow(/fsync delay/);
    expect(() => setFsyncDelay(10_000)).toThrow(/fsync delay/);
    await log.close();
  });

  it('a clock jump moves readings by the offset, but never backwards', () => {
    expect(faultClock(1_000_000)).toBe(1_000_000);
    setClockOffset(5_000);
    expect(faultClock(1_000_010)).toBe(1_005_010);
    setClockOffset(-5_000);
    expect(faultClock(1_000_020)).toBe(1_005_010); // stands still until real time catches up
    expect(faultClock(1_010_011)).toBe(1_005_011);
    expect(() => setClockOffset(1.5)).toThrow(/integer/);
    expect(() => setDiskBudget(-1)).toThrow(/bytes/);
  });
});
