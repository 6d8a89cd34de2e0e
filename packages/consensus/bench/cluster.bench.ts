/**
 * 3-node loopback cluster benchmark with real node processes (tsx) and a no-op service:
 *   - commit latency (client request -> response, i.e. replicated to a majority, durable, applied,
 *     answered) p50/p99/max with 1 request in flight, and throughput with WINDOW requests in flight,
 *     for durability `fsync` and `none` (`none` = page cache only, NOT durable against power loss);
 *   - the failover window over KILLS kill -9s of the leader (kill -> first request acknowledged by the
 *     new leader, measured by a client writing with 1 in flight), min/median/max;
 *   - each node's RSS at the start and the end of the run.
 *
 * Run from the repo root: node --import tsx packages/consensus/bench/cluster.bench.ts
 * Env: BENCH_SECONDS (per measured row, default 5), WINDOW (default 64), KILLS (default 10),
 *      PAYLOAD_BYTES (default 64); MEMORY_SECONDS=600 runs only the memory run (RSS each minute).
 * Latency is closed-loop (a new request is issued when one completes): no coordinated-omission correction.
 */

import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { ClusterClient } from '../src/runtime/client/cluster-client.js';
import { type Status, TestCluster, until } from '../test/runtime/cluster/harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WINDOW = Number(process.env.WINDOW ?? 64);
const KILLS = Number(process.env.KILLS ?? 10);
const PAYLOAD = new Uint8Array(Number(process.env.PAYLOAD_BYTES ?? 64)).fill(7);
const SERVICE = fileURLToPath(new URL('./noop-service.ts', import.meta.url));

async function run(client: ClusterClient, inFlight: number, seconds: number) {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await client.request(PAYLOAD);
      h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  const elapsed = (performance.now() - t0) / 1000;
  return {
    perSecond: done / elapsed,
    p50: h.getValueAtPercentile(50),
    p99: h.getValueAtPercentile(99),
    max: h.maxValue,
    done,
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function rss(cluster: TestCluster): Promise<string> {
  const parts: string[] = [];
  for (const m of cluster.members) {
    const s = (await cluster.status(m.id)) as (Status & { rssBytes: number }) | undefined;
    parts.push(`n${m.id} ${s ? mb(s.rssBytes) : '-'}`);
  }
  return parts.join(', ');
}

async function bench(durability: 'fsync' | 'none', kills: number): Promise<void> {
  const cluster = await TestCluster.create(3, {
    serviceModule: SERVICE,
    durability,
    snapshotEveryEntries: 50_000,
  });
  try {
    for (const m of cluster.members) cluster.start(m.id);
    await cluster.leader(30_000);
    const client = await ClusterClient.connect({
      members: cluster.clientAddresses,
      principal: 'bench',
      windowMax: 4096,
    });
    await run(client, WINDOW, 1); // warm-up (JIT, connections)
    const rssStart = await rss(cluster);
    const one = await run(client, 1, SECONDS);
    const many = await run(client, WINDOW, SECONDS);
    const rssEnd = await rss(cluster);
    const label = durability === 'none' ? 'none (NOT durable)' : 'fsync';
    console.log(
      `durability ${label}: 1 in flight: p50 ${one.p50} µs, p99 ${one.p99} µs, max ${one.max} µs, ${one.perSecond.toFixed(0)} req/s; ` +
        `${WINDOW} in flight: ${many.perSecond.toFixed(0)} req/s, p50 ${many.p50} µs, p99 ${many.p99} µs`,
    );
    console.log(`  RSS at start of measuring: ${rssStart}; at end: ${rssEnd}`);
    const lag = await cluster.metrics((await cluster.leader()).id);
    console.log(
      `  leader's worst consensus-thread timer lateness: ${/^venue_tick_lag_max_ms (\S+)$/m.exec(lag)?.[1]} ms`,
    );
    if (kills === 0) {
      await client.close();
      return;
    }
    const windows: number[] = [];
    let stop = false;
    let acks = 0;
    const writer = (async () => {
      while (!stop) {
        await client.request(PAYLOAD);
        acks++;
      }
    })();
    for (let k = 0; k < kills; k++) {
      const leader = await cluster.leader(30_000);
      await new Promise((r) => setTimeout(r, 300));
      const before = acks;
      const t0 = performance.now();
      await cluster.kill(leader.id, 'SIGKILL');
      await until('an ack after the kill', () => (acks > before ? true : undefined), 30_000, 1);
      windows.push(performance.now() - t0);
      cluster.start(leader.id);
      await cluster.leader(30_000);
      await until(
        'the restarted node to catch up',
        async () => {
          const s = await cluster.status(leader.id);
          return s && s.serviceAppliedIndex > 0 && s.leaderId !== 0 ? true : undefined;
        },
        30_000,
      );
    }
    stop = true;
    await writer;
    windows.sort((a, b) => a - b);
    const median = windows[Math.floor(windows.length / 2)] as number;
    console.log(
      `  failover over ${kills} leader kills (kill -9 -> first ack from the new leader): min ${(windows[0] as number).toFixed(0)} ms, ` +
        `median ${median.toFixed(0)} ms, max ${(windows[windows.length - 1] as number).toFixed(0)} ms`,
    );
    await client.close();
  } finally {
    await cluster.stopAll();
  }
}

/** Memory as the log grows: steady load for MEMORY_SECONDS, RSS of every node sampled each minute. */
async function memory(seconds: number): Promise<void> {
  const cluster = await TestCluster.create(3, { serviceModule: SERVICE, durability: 'fsync' });
  try {
    for (const m of cluster.members) cluster.start(m.id);
    await cluster.leader(30_000);
    const client = await ClusterClient.connect({ members: cluster.clientAddresses, principal: 'bench' });
    await run(client, 4, 5);
    console.log(`memory run (fsync, 4 in flight, snapshot every 10 000 entries), ${seconds} s:`);
    const t0 = performance.now();
    let total = 0;
    for (let elapsed = 0; elapsed < seconds; elapsed += 60) {
      const leader = await cluster.status((await cluster.leader()).id);
      console.log(
        `  t=${elapsed}s log index ${leader?.lastIndex}, snapshot ${leader?.snapshotIndex}; RSS ${await rss(cluster)}`,
      );
      total += (await run(client, 4, Math.min(60, seconds - elapsed))).done;
    }
    const leader = await cluster.status((await cluster.leader()).id);
    console.log(
      `  t=${seconds}s log index ${leader?.lastIndex}, snapshot ${leader?.snapshotIndex}; RSS ${await rss(cluster)} ` +
        `(${total} requests, ${(total / ((performance.now() - t0) / 1000)).toFixed(0)} req/s)`,
    );
    await client.close();
  } finally {
    await cluster.stopAll();
  }
}

const MEMORY_SECONDS = Number(process.env.MEMORY_SECONDS ?? 0);
if (MEMORY_SECONDS > 0) await memory(MEMORY_SECONDS);
else {
  console.log(
    `cluster bench: 3 node processes on loopback, no-op service, ${PAYLOAD.length}-byte requests, ${SECONDS} s per row`,
  );
  await bench('fsync', KILLS);
  await bench('none', 0);
}
