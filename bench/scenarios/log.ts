/**
 * Scenario: the replicated log alone (no-op service), 3 member processes on loopback. Open-loop
 * sweep of offered rates through one ClusterClient session, then (optionally) the failover window
 * over leader kills under steady load.
 */
import { fileURLToPath } from 'node:url';
import { ClusterClient } from '@venue/consensus/runtime';
import { IDS_MAX, QUERY } from '../ack-service.js';
import { caughtUp, firstNewCommit } from '../lib/failover.js';
import { LogCluster } from '../lib/log-cluster.js';
import { openLoop } from '../lib/open-loop.js';
import { sleep, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { spread } from '../lib/stats.js';
import { failoverRateFor, sweep } from '../lib/sweep.js';

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
const ACK_SERVICE = fileURLToPath(new URL('../ack-service.ts', import.meta.url));
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

let cluster = await LogCluster.create(3, a.durability);
const figures: Figure[] = [];
let failoverRate = a.failoverRate;
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
  emit(figures);
  failoverRate = failoverRateFor(a.failoverRate, rows);

  if (a.kills > 0) {
    // A fresh cluster for the kills (the sweep may have left a backlog), whose service remembers the
    // request numbers it applied, for the no-loss check.
    await client.close().catch(() => {});
    client = undefined;
    await cluster.stop();
    figures.push(await failoverPhase());
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

/**
 * N kill -9 of the leader under steady open-loop load: kill -> first acknowledgement of a request sent
 * after the kill, and kill -> first commit in the new term; then a no-loss check: every request
 * acknowledged during the phase (each payload carries its number) must be in the final service state.
 */
async function failoverPhase(): Promise<Figure> {
  cluster = await LogCluster.create(3, a.durability, [], 100_000, ACK_SERVICE);
  for (const m of cluster.members) cluster.start(m.id);
  await cluster.leader(60_000);
  const c = await ClusterClient.connect({
    members: cluster.clientAddresses,
    principal: 'bench-failover',
    windowMax: Math.max(1024, a.inFlightMax),
  });
  client = c;
  const windows: number[] = [];
  const commits: number[] = [];
  const acked = new Set<number>();
  let lastAckAt = 0;
  // Only requests sent after the leader process is gone count: no reply already on the wire.
  let killedAt = Number.POSITIVE_INFINITY;
  let stop = false;
  const load = openLoop({
    ratePerSecond: failoverRate,
    durationMs: 600_000,
    warmupMs: 0,
    inFlightMax: a.inFlightMax,
    drainMs: 30_000,
    stop: () => stop,
    issue: (i) => {
      const sentAt = performance.now();
      const p = new Uint8Array(a.payloadBytes).fill(7);
      new DataView(p.buffer).setUint32(0, i, true);
      return c.request(p).then(() => {
        acked.add(i);
        if (sentAt > killedAt) lastAckAt = performance.now();
      });
    },
  });
  await sleep(1_000);
  for (let k = 0; k < a.kills; k++) {
    const leader = await cluster.leader(30_000);
    await sleep(500);
    const t0 = performance.now();
    await cluster.kill(leader.id);
    killedAt = performance.now();
    const survivors = cluster.members
      .filter((m) => m.id !== leader.id)
      .map((m) => () => cluster.status(m.id));
    const commit = firstNewCommit(t0, leader.term, survivors, 30_000);
    await until('an acknowledgement after the kill', () => (lastAckAt > t0 ? true : undefined), 30_000, 1);
    windows.push(lastAckAt - t0);
    commits.push(await commit);
    log(
      `  kill ${k + 1}: leader ${leader.id}, first commit after ${(commits.at(-1) ?? 0).toFixed(0)} ms, first ack after ${(lastAckAt - t0).toFixed(0)} ms`,
    );
    killedAt = Number.POSITIVE_INFINITY;
    cluster.start(leader.id);
    const next = await cluster.leader(30_000);
    await caughtUp(
      () => cluster.status(next.id),
      cluster.members.map((m) => () => cluster.status(m.id)),
      60_000,
    );
  }
  stop = true;
  const result = await load;
  const noLoss = await checkNoLoss(c, acked, result.lost);
  return {
    kind: 'failover',
    id: 'failover-log',
    title: 'Failover window, replicated log (kill -9 leader -> first commit acknowledged by the new leader)',
    setup: {
      ...setup,
      system: 'venue replicated log (bench ack service: no-op that remembers applied request numbers)',
      offeredPerSecond: failoverRate,
      kills: a.kills,
      cluster:
        'fresh after the sweep, snapshots every 100k entries; each kill once the previous victim restarted and caught up',
    },
    windowsMs: windows,
    windowMs: spread(windows),
    firstCommitMs: commits,
    firstCommit: spread(commits),
    noLoss,
  };
}

/**
 * Queries the final replicated state: the QUERY request goes through the log like any other, and the
 * service answers with its bitmap of applied request numbers (carried across snapshots and restarts).
 */
async function checkNoLoss(c: ClusterClient, acked: ReadonlySet<number>, unanswered: number) {
  const q = new Uint8Array(a.payloadBytes);
  new DataView(q.buffer).setUint32(0, QUERY, true);
  const r = await c.request(q);
  const seen = r.replies[0];
  if (r.status !== 'applied' || seen === undefined) throw new Error(`no-loss query answered ${r.status}`);
  let missing = 0;
  for (const id of acked) if (id >= IDS_MAX || ((seen[id >> 3] ?? 0) & (1 << (id & 7))) === 0) missing++;
  return {
    acknowledged: acked.size,
    missing,
    how: `a query through the log, answered from the replicated service state (a bitmap of applied request numbers, kept across snapshots every 100k entries and restarts); ${unanswered} requests still unanswered at the end were not counted`,
  };
}
