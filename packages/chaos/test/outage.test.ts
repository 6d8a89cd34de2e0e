import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealCluster, sleep } from './real-cluster.js';

// Found by the 10-minute chaos run: after every member was down longer than the session time-out
// (10 s), the new leader timed out the gateway's cluster session at once (its idle time counted the
// outage), and the gateway answered every later order "venue unavailable: client closed".

describe('an outage longer than the session time-out', () => {
  let c: RealCluster;
  beforeAll(async () => {
    c = await RealCluster.start(12);
    await c.append();
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  }, 30_000);

  it('does not cost the gateway its cluster session: orders are acknowledged once the members are back', async () => {
    const { venue } = c;
    const ids = venue.members.map((m) => m.id);
    for (const id of ids) await venue.kill(id);
    for (const id of ids) expect(await venue.waitExited(id)).toBe(true);
    await sleep(11_000); // longer than the 10 s session time-out
    for (const id of ids) await venue.restart(id);
    await c.leader();
    await c.append(); // rejected 'venue unavailable' when the session was timed out
    await c.append();
  }, 60_000);
});
