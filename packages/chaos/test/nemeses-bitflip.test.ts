import { flipLogBit, flipSnapshotBit } from '@venue/chaos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealCluster } from './real-cluster.js';

describe('bit-flip nemeses on a real cluster (checksums catch them)', () => {
  let c: RealCluster;
  beforeAll(async () => {
    c = await RealCluster.start(11);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  }, 30_000);

  it('a flipped bit in an old log entry is caught by its CRC: the member refuses to start, then is rebuilt from peers', async () => {
    const { venue } = c;
    const id = await c.follower();
    await venue.kill(id);
    expect(await venue.waitExited(id)).toBe(true);
    flipLogBit(venue.memberDataDir(id), () => 1);
    await venue.restart(id);
    expect(await venue.waitExited(id, 10_000)).toBe(true); // refusal: exit 2
    expect(c.memberLog(id)).toMatch(/REFUSING TO START: corrupt log entry .*CRC32C mismatch/);
    venue.wipe(id);
    await venue.restart(id);
    expect(await c.caughtUp(id)).toBe(true);
  }, 45_000);

  it('a flipped bit in the newest snapshot is caught by its CRC: the member skips it, starts from the log and catches up', async () => {
    const { venue } = c;
    const id = await c.follower();
    await c.append();
    expect(await venue.adminPost(id, '/snapshot')).toBe(200);
    await venue.kill(id);
    expect(await venue.waitExited(id)).toBe(true);
    const damage = flipSnapshotBit(venue.memberDataDir(id), () => 3);
    expect(damage).toBeDefined();
    await venue.restart(id);
    expect(await c.caughtUp(id)).toBe(true);
    // The storage report names the skipped snapshot; its data was never loaded.
    expect(c.memberLog(id)).toMatch(/storage: .*skipped 1 invalid snapshot/);
  }, 45_000);
});
