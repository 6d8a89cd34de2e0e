/**
 * Scenario: the replicated log alone (no-op service), 3 member processes on loopback. Open-loop
 * sweep of offered rates through one ClusterClient session, then (optionally) the failover window
 * over leader kills under steady load.
 */
import { ClusterClient, openOfflineLog } from '@venue/consensus/runtime';
import { firstNewCommit } from '../lib/failover.js';
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

let cluster = await LogCluster.create(3, a.durability);
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
    // A fresh cluster for the kills (the sweep may have left a backlog), never compacted (snapshots
    // only on demand), so that the no-loss check below can read every entry back.
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
 * acknowledged during the phase (each payload carries its number) must be in the final leader's log.
 */
async function failoverPhase(): Promise<Figure> {
  cluster = await LogCluster.create(3, a.durability, [], 0);
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
    ratePerSecond: a.failoverRate,
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
    await cluster.leader(30_000);
  }
  stop = true;
  const result = await load;
  const noLoss = await checkNoLoss(acked, result.lost);
  return {
    kind: 'failover',
    id: 'failover-log',
    title: 'Failover window, replicated log (kill -9 leader -> first commit acknowledged by the new leader)',
    setup: { ...setup, offeredPerSecond: a.failoverRate, kills: a.kills, cluster: 'fresh, no snapshots' },
    windowsMs: windows,
    windowMs: spread(windows),
    firstCommitMs: commits,
    firstCommit: spread(commits),
    noLoss,
  };
}

/** Waits until every member holds the whole committed log, stops them, reads the leader's log. */
async function checkNoLoss(acked: ReadonlySet<number>, unanswered: number) {
  const leader = await cluster.leader(30_000);
  await until(
    'every member caught up',
    async () => {
      const all = await Promise.all(cluster.members.map((m) => cluster.status(m.id)));
      return all.every((s) => s !== undefined && s.commitIndex === leader.commitIndex) ? true : undefined;
    },
    30_000,
    50,
  );
  await client?.close().catch(() => {});
  client = undefined;
  await cluster.kill(1);
  await cluster.kill(2);
  await cluster.kill(3);
  const stored = await openOfflineLog(cluster.dataDir(leader.id));
  const present = new Set<number>();
  try {
    for (let from = stored.firstIndex; from <= stored.lastIndex; ) {
      const batch = stored.read(from, 4096);
      if (batch.length === 0) break;
      for (const e of batch)
        if (e.type === 'session-message' && e.payload.length >= 4)
          present.add(new DataView(e.payload.buffer, e.payload.byteOffset, 4).getUint32(0, true));
      from += batch.length;
    }
  } finally {
    await stored.close();
  }
  let missing = 0;
  for (const id of acked) if (!present.has(id)) missing++;
  return {
    acknowledged: acked.size,
    missing,
    how: `the final leader's log read back with openOfflineLog after all members caught up (${stored.lastIndex} entries; ${unanswered} requests still unanswered at the end were not counted)`,
  };
}
