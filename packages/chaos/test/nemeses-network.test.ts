import { readOfflineState } from '@venue/venue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealCluster, sleep, until } from './real-cluster.js';

describe('network and clock nemeses on a real cluster (members behind the fault proxy)', () => {
  let c: RealCluster;
  beforeAll(async () => {
    c = await RealCluster.start(9);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  }, 30_000);

  it('isolating the leader makes the majority elect a new one; the old one steps down and rejoins', async () => {
    const { venue } = c;
    const old = await c.leader();
    const oldTerm = (await venue.adminStatus(old))?.term ?? 0;
    venue.proxy.partition([old]);
    const next = await until(async () => {
      const id = await venue.leaderId();
      return id !== 0 && id !== old ? id : undefined;
    }, 10_000);
    expect(next).toBeDefined();
    expect((await venue.adminStatus(next ?? 0))?.term).toBeGreaterThan(oldTerm);
    // Check quorum: cut off from both peers, the old leader gives up leadership on its own.
    const deposed = await until(async () => {
      const s = await venue.adminStatus(old);
      return s !== undefined && s.role !== 'leader' ? s.role : undefined;
    }, 5_000);
    expect(deposed).toBeDefined();
    expect(venue.proxy.linkStats(next ?? 0, old).dropped).toBeGreaterThan(0);
    venue.proxy.heal();
    expect(await c.caughtUp(old)).toBe(true);
  }, 30_000);

  it('clock jumps on the leader (back 3 s, forward 3 s, back to real time) leave log time monotonic', async () => {
    const { venue } = c;
    const l = await c.leader();
    expect(await venue.adminPost(l, '/fault/clock?offsetMs=-3000')).toBe(200);
    await c.append();
    await sleep(500);
    expect(await venue.adminPost(l, '/fault/clock?offsetMs=3000')).toBe(200);
    await c.append();
    await sleep(500);
    expect(await venue.adminPost(l, '/fault/clock?offsetMs=0')).toBe(200);
    expect(await venue.adminPost(l, '/fault/clock?offsetMs=x')).toBe(400);
    const f = await c.follower();
    expect(await c.caughtUp(f)).toBe(true);
    await venue.kill(f);
    expect(await venue.waitExited(f)).toBe(true);
    const state = await readOfflineState(venue.memberDataDir(f));
    expect(state.appliedIndex).toBeGreaterThan(3);
    expect(state.timestampRegressions).toBe(0);
  }, 30_000);
});
