/**
 * Service health end to end: real node processes with a fast health window (100 ms samples, 5 per
 * window); the leader's service stalls while a client keeps offering at a steady rate, so the
 * backlog (committed, not applied) keeps growing: the leader logs a structured warning carrying
 * nodeId, term and log positions, and its /metrics gauge says so; once the service resumes and
 * drains the backlog, the gauge returns to 0.
 */
import { ClusterClient } from '@venue/consensus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, until } from './harness.js';

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

let cluster: TestCluster;
let client: ClusterClient;

beforeAll(async () => {
  cluster = await TestCluster.create(3, {
    jsonLog: true,
    durability: 'none',
    health: { sampleIntervalMs: 100, windowSamples: 5 },
  });
  for (const m of cluster.members) cluster.start(m.id);
  await cluster.leader(20_000);
  client = await ClusterClient.connect({ members: cluster.clientAddresses, principal: 'health-test' });
}, 40_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  await cluster?.stopAll();
});

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('service health on a member', () => {
  it('a growing backlog behind a stalled service is a warning line with the log position, and a gauge', async () => {
    const leader = await cluster.leader();
    expect(gauge(await cluster.metrics(leader.id), 'venue_service_backlog_growing')).toBe(0);
    const stall = client.request(json({ op: 'stall', ms: 2_500 }));
    // A steady trickle while the service is stalled: 40 requests per 100 ms (within the client window).
    const pending: Promise<unknown>[] = [];
    // The gauge is read beside the load (a scrape waits up to 500 ms for the stalled service thread).
    let sawGauge = false;
    let offering = true;
    const scraper = (async () => {
      while (offering && !sawGauge) {
        sawGauge = gauge(await cluster.metrics(leader.id), 'venue_service_backlog_growing') === 1;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let tick = 0; tick < 22; tick++) {
      for (let i = 0; i < 40; i++) {
        const p = client.offer(json({ op: 'inc', id: tick * 100 + i }));
        if (p !== false) pending.push(p);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    offering = false;
    await scraper;
    expect(sawGauge).toBe(true);
    await stall;
    await Promise.all(pending);
    const warning = cluster
      .output(leader.id)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['event'] === 'service-backlog-growing');
    expect(warning).toMatchObject({ level: 'warn', nodeId: leader.id, term: leader.term });
    expect(warning?.['backlogEntries']).toBeGreaterThanOrEqual(100);
    expect(warning?.['commitPosition']).toBeGreaterThan(warning?.['appliedPosition'] as number);
    expect(warning?.['msg']).toMatch(/service backlog keeps growing/);
    // Drained: the trend ends and the gauge returns to 0.
    await until(
      'the backlog gauge back at 0',
      async () =>
        gauge(await cluster.metrics(leader.id), 'venue_service_backlog_growing') === 0 ? true : undefined,
      5_000,
    );
    const steady = cluster.output(leader.id).some((l) => l.includes('"event":"service-backlog-steady"'));
    expect(steady).toBe(true);
  }, 40_000);
});
