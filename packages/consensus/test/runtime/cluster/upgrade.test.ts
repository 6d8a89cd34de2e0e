/**
 * Rolling upgrade on real node processes. The members start as an "old build" (service versions up
 * to 1); each is restarted in turn as a "new build" (up to 2) while a client keeps writing (the
 * leader hands leadership away first); then a control entry activates version 2 at one log
 * position, and every replica switches behaviour there. A member restarted with the old build after
 * that entry stops with a clear message instead of diverging.
 */
import {
  decodeServiceControlResponse,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
} from '@venue/consensus';
import { ClusterClient } from '@venue/consensus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, until } from './harness.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));
const OLD_BUILD = { host: { serviceVersionMax: 1 } };
const NEW_BUILD = { host: { serviceVersionMax: 2 } };

let cluster: TestCluster;
let client: ClusterClient;
let nextId = 1;
const acked: number[] = [];

async function inc(): Promise<void> {
  const id = nextId++;
  await client.request(json({ op: 'inc', id }));
  acked.push(id);
}

beforeAll(async () => {
  cluster = await TestCluster.create(3, OLD_BUILD);
  for (const m of cluster.members) cluster.start(m.id);
  await cluster.leader(20_000);
  client = await ClusterClient.connect({ members: cluster.clientAddresses, principal: 'upgrade-test' });
}, 40_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  await cluster?.stopAll();
});

describe('rolling upgrade with the service version decided through the log', () => {
  it('replaces members one at a time under load; all switch at one position; an old build halts there', async () => {
    let stop = false;
    const writers = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) await inc();
      }),
    );
    // Followers first, the leader last (after handing leadership to an upgraded member). The last
    // member is stepped down but deliberately left on the old build until after the activation.
    const leader = await cluster.leader();
    const order = [...cluster.members.map((m) => m.id).filter((id) => id !== leader.id), leader.id];
    const last = order[2] as number;
    for (const id of order) {
      const current = await cluster.leader();
      if (current.id === id) {
        const r = await cluster.admin(id, 'step-down');
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        await until(
          'leadership moved',
          async () => ((await cluster.leader()).id !== id ? true : undefined),
          10_000,
        );
      }
      if (id === last) break;
      await cluster.kill(id, 'SIGTERM');
      cluster.start(id, NEW_BUILD);
      await until(
        `member ${id} back and caught up`,
        async () => {
          const s = await cluster.status(id);
          const l = await cluster.leader().catch(() => undefined);
          return s && l && s.serviceVersionMax === 2 && s.commitIndex >= l.commitIndex - 5 ? true : undefined;
        },
        20_000,
        50,
      );
    }
    expect(acked.length).toBeGreaterThan(0);

    // Activate version 2 through the log (the venue's CLI would refuse while a member runs the old
    // build; the protocol does not, and the old member must stop rather than diverge).
    const r = await client.request(encodeActivateServiceVersion(2), SERVICE_CONTROL_INDEX);
    const outcome = decodeServiceControlResponse(r.replies[0] as Uint8Array);
    expect(outcome.accepted, outcome.detail).toBe(true);
    expect(outcome.serviceVersion).toBe(2);
    const since = outcome.sinceIndex;
    expect(since).toBeGreaterThan(0);
    // Activating it again (or an older one) is refused and changes nothing.
    const again = decodeServiceControlResponse(
      (await client.request(encodeActivateServiceVersion(2), SERVICE_CONTROL_INDEX)).replies[0] as Uint8Array,
    );
    expect(again.accepted).toBe(false);
    expect(again.detail).toMatch(/not above the active version 2/);

    // The old-build member stopped at the activation entry, with a clear message; the majority goes on.
    const code = await cluster.exitCode(last);
    expect(code).not.toBe(0);
    expect(cluster.output(last).join('\n')).toMatch(
      new RegExp(`log position ${since} activates service version 2, this build runs versions 1\\.\\.1`),
    );
    const before = acked.length;
    await until(
      'writes go on without it',
      async () => (acked.length > before + 20 ? true : undefined),
      10_000,
    );
    // Replaced by the new build, it applies the activation entry and catches up.
    cluster.start(last, NEW_BUILD);

    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await writers;
    const all = await cluster.converged();
    expect(new Set(all.map((s) => s.stateHash)).size).toBe(1);
    for (const s of all) {
      expect(s.serviceVersion).toBe(2);
      expect(s.serviceVersionSince).toBe(since);
    }
    // Nothing acknowledged was lost or doubled across the restarts.
    const state = JSON.parse(dec.decode((await client.request(json({ op: 'get' }))).replies[0])) as {
      total: number;
      ids: number[];
      dups: number;
    };
    const held = new Set(state.ids);
    expect(acked.filter((id) => !held.has(id))).toEqual([]);
    expect(state.dups).toBe(0);
    // Version 2 counts double: the total proves increments were applied under each version.
    expect(state.total).toBeGreaterThan(state.ids.length);
    expect(state.total).toBeLessThan(2 * state.ids.length);
  }, 120_000);

  it('an old build refuses to start from a snapshot taken under a newer service version', async () => {
    const leader = await cluster.leader();
    const follower = cluster.members.find((m) => m.id !== leader.id)?.id as number;
    await cluster.kill(follower, 'SIGTERM'); // a clean stop snapshots at its applied position
    const proc = cluster.start(follower, OLD_BUILD);
    const code = await Promise.race([
      proc.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000)),
    ]);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(cluster.output(follower).join('\n')).toMatch(
      /activates service version 2, this build runs versions 1\.\.1/,
    );
    cluster.start(follower, NEW_BUILD);
    for (let i = 0; i < 20; i++) await inc();
    const all = await cluster.converged();
    expect(new Set(all.map((s) => s.stateHash)).size).toBe(1);
  }, 60_000);
});
