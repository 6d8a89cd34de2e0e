/**
 * Where the time goes in the replicated log: the 3 members run under `node --cpu-prof` while one
 * client offers a fixed rate (fsync on), then stop gracefully so the profiles are written. Reports,
 * per member and thread, the functions with the most self time. Opt-in: `pnpm bench profile`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient } from '@venue/consensus/runtime';
import { summarizeProfiles } from '../lib/cpuprofile.js';
import { LogCluster } from '../lib/log-cluster.js';
import { openLoop } from '../lib/open-loop.js';
import { args, emit, type Figure, log } from '../lib/result.js';

interface Args {
  rate: number;
  seconds: number;
  payloadBytes: number;
  inFlightMax: number;
  top: number;
}

const a = args<Args>();
const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-prof-'));
const payload = new Uint8Array(a.payloadBytes).fill(7);
const cluster = await LogCluster.create(3, 'fsync', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
const figures: Figure[] = [];
let client: ClusterClient | undefined;
try {
  for (const m of cluster.members) cluster.start(m.id);
  const leader = await cluster.leader(60_000);
  client = await ClusterClient.connect({
    members: cluster.clientAddresses,
    principal: 'bench',
    windowMax: 1024,
  });
  const c = client;
  const r = await openLoop({
    ratePerSecond: a.rate,
    durationMs: a.seconds * 1000,
    warmupMs: 1_000,
    inFlightMax: a.inFlightMax,
    drainMs: 10_000,
    issue: () => c.request(payload),
  });
  log(`profile: ${a.rate}/s offered, achieved ${r.achievedPerSecond.toFixed(0)}/s`);
  await client.close();
  client = undefined;
  const pids = new Map(cluster.members.map((m) => [cluster.pid(m.id), m.id]));
  await cluster.stopGracefully(15_000);
  const lines: string[] = [
    `${a.rate}/s offered for ${a.seconds} s (+1 s warm-up), fsync, ${a.payloadBytes}-byte requests: achieved ${r.achievedPerSecond.toFixed(0)}/s, p50 ${(r.latency.p50Us / 1000).toFixed(2)} ms, p99 ${(r.latency.p99Us / 1000).toFixed(2)} ms.`,
    `Self time per function (% of the thread's profiled time); node ${leader.id} was the leader.`,
    '',
  ];
  lines.push(
    ...summarizeProfiles(
      profDir,
      (pid) => {
        const node = pids.get(pid);
        return `node ${node ?? '?'}${node === leader.id ? ' (leader)' : ''}`;
      },
      a.top,
    ),
  );
  figures.push({
    kind: 'text',
    id: 'profile',
    title: 'Where the time goes: replicated log members under --cpu-prof',
    setup: { nodes: 3, durability: 'fsync', payloadBytes: a.payloadBytes, offeredPerSecond: a.rate },
    text: lines.join('\n'),
  });
} catch (e) {
  log(`profile scenario failed: ${(e as Error).message}\n${cluster.output().join('\n')}`);
  figures.push({
    kind: 'skipped',
    id: 'profile',
    title: 'Profile',
    reason: `failed: ${(e as Error).message}`,
  });
} finally {
  await client?.close().catch(() => {});
  await cluster.stop();
  fs.rmSync(profDir, { recursive: true, force: true });
}
emit(figures);
process.exit(0);
