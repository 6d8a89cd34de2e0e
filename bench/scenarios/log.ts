/**
 * Scenario: the replicated log alone (no-op service), 3 member processes on loopback. Open-loop
 * sweep of offered rates through one ClusterClient session, then (optionally) the failover window
 * over leader kills under steady load.
 */
import { ClusterClient } from '@venue/consensus/runtime';
import { LogCluster } from '../lib/log-cluster.js';
import { openLoop } from '../lib/open-loop.js';
import { sleep, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { spread } from '../lib/stats.js';
import { sweep } from '../lib/sweep.js';

interface Args {
  durability: 'fsync' | 'none';
  rates: number[];
  runs: number;
  seconds: number;
  warmupMs: number;
  payloadBytes: number;
  inFlightMax: number;
  budgetMs: number;
  kills: number;
  failoverRate: number;
}

const a = args<Args>();
const payload = new Uint8Array(a.payloadBytes).fill(7);
const setup = {
  system: 'venue replicated log (no-op service)',
  nodes: 3,
  durability: a.durability === 'none' ? 'none (page cache, NOT durable)' : 'fsync',
  payloadBytes: a.payloadBytes,
  clientBatch: '1 request per frame (leader batches appends)',
  concurrency: `${a.inFlightMax} in flight, 1 client session`,
  secondsPerRun: a.seconds,
  runs: a.runs,
};

const cluster = await LogCluster.create(3, a.durability);
const figures: Figure[] = [];
let client: ClusterClient | undefined;
try {
  for (const m of cluster.members) cluster.start(m.id);
  await cluster.leader(60_000);
  client = await ClusterClient.connect({
    members: cluster.clientAddresses,
    principal: 'bench',
    windowMax: Math.max(1024, a.inFlightMax),
  });
  const c = client;
  // Warm-up: JIT, connections, first segment files.
  await openLoop({
    ratePerSecond: 1_000,
    durationMs: 500,
    warmupMs: 500,
    inFlightMax: a.inFlightMax,
    drainMs: 5_000,
    issue: () => c.request(payload),
  });
  log(`log ${a.durability}:`);
  const rows = await sweep(
    { rates: a.rates, runs: a.runs, budgetMs: a.budgetMs },
    (rate) =>
      openLoop({
        ratePerSecond: rate,
        durationMs: a.seconds * 1000,
        warmupMs: a.warmupMs,
        inFlightMax: a.inFlightMax,
        drainMs: 10_000,
        issue: () => c.request(payload),
      }),
    log,
  );
  figures.push({
    kind: 'sweep',
    id: `log-${a.durability}`,
    title: `Replicated log, fsync ${a.durability === 'fsync' ? 'on' : 'off'}`,
    setup,
    rows,
  });

  if (a.kills > 0) {
    // Steady open-loop load; the window is kill -9 of the leader -> first acknowledgement after it.
    const windows: number[] = [];
    let lastAckAt = 0;
    // Only requests sent after the leader process is gone count: no reply already on the wire.
    let killedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const load = openLoop({
      ratePerSecond: a.failoverRate,
      durationMs: 600_000,
      warmupMs: 0,
      inFlightMax: a.inFlightMax,
      drainMs: 0,
      issue: () => {
        const sentAt = performance.now();
        return c.request(payload).then(() => {
          if (sentAt > killedAt) lastAckAt = performance.now();
        });
      },
    });
    const stopper = (async () => {
      while (!stop) await sleep(50);
    })();
    for (let k = 0; k < a.kills; k++) {
      const leader = await cluster.leader(30_000);
      await sleep(500);
      const t0 = performance.now();
      await cluster.kill(leader.id);
      killedAt = performance.now();
      await until('an acknowledgement after the kill', () => (lastAckAt > t0 ? true : undefined), 30_000, 1);
      windows.push(lastAckAt - t0);
      log(`  kill ${k + 1}: leader ${leader.id}, first ack after ${(lastAckAt - t0).toFixed(0)} ms`);
      killedAt = Number.POSITIVE_INFINITY;
      cluster.start(leader.id);
      await cluster.leader(30_000);
    }
    stop = true;
    await stopper;
    figures.push({
      kind: 'failover',
      id: 'failover-log',
      title:
        'Failover window, replicated log (kill -9 leader -> first commit acknowledged by the new leader)',
      setup: { ...setup, offeredPerSecond: a.failoverRate, kills: a.kills },
      windowsMs: windows,
      windowMs: spread(windows),
    });
    // The steady load runs until its (bounded) duration; closing the client below rejects the rest.
    void load;
  }
} catch (e) {
  log(`log scenario failed: ${(e as Error).message}\n${cluster.output().join('\n')}`);
  figures.push({
    kind: 'skipped',
    id: `log-${a.durability}`,
    title: 'Replicated log',
    reason: `failed: ${(e as Error).message}`,
  });
} finally {
  await client?.close().catch(() => {});
  await cluster.stop();
}
emit(figures);
process.exit(0);
