import { cutToDurable, type PowerLossReport } from '@venue/chaos';
import { readOfflineState } from '@venue/venue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealCluster, sleep } from './real-cluster.js';

// Power loss on real member processes: SIGKILL, then every write the member had not fsynced is
// discarded (its durable watermarks, recorded with VENUE_FAULT_HOOKS=1), then restart. Orders go in
// from 4 concurrent senders meanwhile; every order that was acknowledged must be in the venue's state
// afterwards (a member acknowledges only what it has made durable).

const SENDERS = 4;
const ORDERS_PER_SENDER_MAX = 300;

describe('power loss on a real cluster', () => {
  let c: RealCluster;
  beforeAll(async () => {
    c = await RealCluster.start(12);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  }, 30_000);

  /** Orders from SENDERS concurrent senders; `fault` runs 1.5 s in; load stops 1.5 s after it. */
  async function underLoad(fault: () => Promise<void>): Promise<{ acked: string[]; unanswered: number }> {
    await c.append(); // one FIX session shared by the senders
    const acked: string[] = [];
    let unanswered = 0;
    let stop = false;
    const sender = async () => {
      for (let k = 0; k < ORDERS_PER_SENDER_MAX && !stop; k++) {
        try {
          acked.push(await c.append());
        } catch {
          unanswered += 1; // no acknowledgement within 15 s: indeterminate, not counted
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);
    await sleep(1_500);
    await fault();
    await sleep(1_500);
    stop = true;
    await Promise.all(senders);
    return { acked, unanswered };
  }

  async function powerLoss(
    ids: readonly number[],
    keepUnsyncedPages: (pages: number) => number = () => 0,
  ): Promise<PowerLossReport[]> {
    const { venue } = c;
    // A slow disk for half a second (fdatasync delayed 50 ms): entries pile up unsynced under load.
    for (const id of ids) expect(await venue.adminPost(id, '/fault/slow-fsync?delayMs=50')).toBe(200);
    await sleep(500);
    for (const id of ids) expect(await venue.kill(id)).toBe(true);
    const reports: PowerLossReport[] = [];
    for (const id of ids) {
      expect(await venue.waitExited(id)).toBe(true);
      reports.push(cutToDurable(venue.memberDataDir(id), keepUnsyncedPages));
    }
    await sleep(500);
    for (const id of ids) await venue.restart(id);
    return reports;
  }

  /** Every member caught up; then one is stopped and its data rebuilt offline: the acknowledged orders. */
  async function missing(acked: readonly string[]): Promise<string[]> {
    const { venue } = c;
    for (const m of venue.members) expect(await c.caughtUp(m.id)).toBe(true);
    const reader = await c.follower();
    await venue.kill(reader);
    expect(await venue.waitExited(reader)).toBe(true);
    const state = await readOfflineState(venue.memberDataDir(reader));
    await venue.restart(reader);
    expect(await c.caughtUp(reader)).toBe(true);
    const present = new Set(state.orders.map((o) => o.clOrdId));
    return acked.filter((id) => !present.has(id));
  }

  it('power loss of the leader under load: nothing acknowledged is lost', async () => {
    let reports: PowerLossReport[] = [];
    let leader = 0;
    const { acked, unanswered } = await underLoad(async () => {
      leader = await c.leader();
      reports = await powerLoss([leader]);
    });
    console.log(
      `leader ${leader}: ${reports.map((r) => r.detail).join(' | ')}; ${acked.length} acknowledged, ${unanswered} unanswered`,
    );
    expect(acked.length).toBeGreaterThan(20);
    expect(await missing(acked)).toEqual([]);
    expect(c.memberLog(leader)).not.toContain('REFUSING TO START');
  }, 120_000);

  it('power loss of all three members at once under load, three times: nothing acknowledged is lost', async () => {
    const ids = c.venue.members.map((m) => m.id);
    const details: string[] = [];
    let discarded = 0;
    const { acked, unanswered } = await underLoad(async () => {
      for (let round = 0; round < 3; round++) {
        // Round 1: a clean cut at the watermarks; then writeback may have flushed a prefix of the
        // unsynced pages (a torn last frame, which recovery truncates).
        const reports = await powerLoss(
          ids,
          round === 0 ? () => 0 : (pages) => (round % 2 === 0 ? pages >> 1 : 1),
        );
        for (const r of reports) discarded += r.bytesDiscarded;
        details.push(reports.map((r) => r.detail).join(' | '));
        await c.leader();
        await sleep(700);
      }
    });
    console.log(
      `all, 3 rounds: ${details.join(' || ')}; ${discarded} bytes discarded; ${acked.length} acknowledged, ${unanswered} unanswered`,
    );
    expect(acked.length).toBeGreaterThan(20);
    expect(await missing(acked)).toEqual([]);
    for (const id of ids) expect(c.memberLog(id)).not.toContain('REFUSING TO START');
  }, 180_000);
});
