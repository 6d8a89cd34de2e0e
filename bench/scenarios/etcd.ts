/**
 * Scenario: the etcd baseline. Same offered rates, payload size, concurrency and run length as the
 * replicated-log scenario; puts go to the leader. Optionally its failover window under the same kill.
 */
import { EtcdCluster, etcdBinary, etcdVersion } from '../lib/etcd.js';
import { openLoop } from '../lib/open-loop.js';
import { sleep, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { spread } from '../lib/stats.js';
import { failoverRateFor, sweep } from '../lib/sweep.js';

interface Args {
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
const PUT_ATTEMPT_MS = 300;
const bin = etcdBinary();
if (!bin) {
  emit([
    {
      kind: 'skipped',
      id: 'etcd',
      title: 'etcd baseline',
      reason: 'not installed (Debian package etcd-server: apt-get install -y etcd-server)',
    },
  ]);
  process.exit(0);
}
const value = Buffer.alloc(a.payloadBytes, 7).toString('base64');
const setup = {
  system: `etcd ${etcdVersion(bin)} (Debian etcd-server), v3 JSON gateway /v3/kv/put`,
  nodes: 3,
  durability: 'fsync (etcd default; WAL fsync per batch)',
  payloadBytes: a.payloadBytes,
  clientBatch: '1 put per HTTP request',
  concurrency: `${a.inFlightMax} in flight (keep-alive HTTP/1.1 connections)`,
  secondsPerRun: a.seconds,
  runs: a.runs,
};
const etcd = await EtcdCluster.create(bin, a.inFlightMax);
const figures: Figure[] = [];
try {
  etcd.startAll();
  let leader = await etcd.leader(60_000);
  const toLeader = (i: number) => etcd.put(leader.clientPort, i, value);
  await openLoop({
    ratePerSecond: 1_000,
    durationMs: 500,
    warmupMs: 500,
    inFlightMax: a.inFlightMax,
    drainMs: 5_000,
    issue: toLeader,
  });
  log('etcd:');
  const rows = await sweep(
    { rates: a.rates, runs: a.runs, budgetMs: a.budgetMs },
    (rate) =>
      openLoop({
        ratePerSecond: rate,
        durationMs: a.seconds * 1000,
        warmupMs: a.warmupMs,
        inFlightMax: a.inFlightMax,
        drainMs: 10_000,
        issue: toLeader,
      }),
    log,
  );
  figures.push({ kind: 'sweep', id: 'etcd', title: 'etcd baseline, fsync on', setup, rows });
  emit(figures);
  const failoverRate = failoverRateFor(a.failoverRate, rows);

  if (a.kills > 0) {
    // A client that, like ours, retries on another member until one accepts the put. A put to a
    // member without a leader waits, so each attempt is cut at PUT_ATTEMPT_MS: the window's
    // resolution (with 2 s every window came out ~2.1 s, the timeout rather than etcd's election).
    const windows: number[] = [];
    let lastAckAt = 0;
    // Only puts sent after the leader process is gone count: no reply already on the wire.
    let killedAt = Number.POSITIVE_INFINITY;
    let target = leader;
    const putRetrying = async (i: number): Promise<void> => {
      const sentAt = performance.now();
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          await etcd.put(target.clientPort, i, value, PUT_ATTEMPT_MS);
          if (sentAt > killedAt) lastAckAt = performance.now();
          return;
        } catch {
          const alive = etcd.members.filter((m) => etcd.isRunning(m.name));
          target = alive[attempt % alive.length] ?? target;
          await sleep(10);
        }
      }
      throw new Error('put failed 100 times');
    };
    void openLoop({
      ratePerSecond: failoverRate,
      durationMs: 600_000,
      warmupMs: 0,
      inFlightMax: a.inFlightMax,
      drainMs: 0,
      issue: putRetrying,
    });
    for (let k = 0; k < a.kills; k++) {
      leader = await etcd.leader(30_000);
      target = leader;
      await sleep(500);
      const t0 = performance.now();
      await etcd.kill(leader.name);
      killedAt = performance.now();
      await until(
        'an etcd put acknowledged after the kill',
        () => (lastAckAt > t0 ? true : undefined),
        30_000,
        1,
      );
      windows.push(lastAckAt - t0);
      log(`  etcd kill ${k + 1}: leader ${leader.name}, first put after ${(lastAckAt - t0).toFixed(0)} ms`);
      killedAt = Number.POSITIVE_INFINITY;
      etcd.start(leader.name, 'existing');
      await etcd.leader(30_000);
    }
    figures.push({
      kind: 'failover',
      id: 'failover-etcd',
      title: 'Failover window, etcd (kill -9 leader -> first put acknowledged)',
      setup: {
        ...setup,
        offeredPerSecond: failoverRate,
        kills: a.kills,
        client: `put attempts cut at ${PUT_ATTEMPT_MS} ms, then retried on another member; etcd defaults: heartbeat 100 ms, election timeout 1000 ms (venue: 300-600 ms)`,
      },
      windowsMs: windows,
      windowMs: spread(windows),
    });
  }
} catch (e) {
  log(`etcd scenario failed: ${(e as Error).message}\n${etcd.output().join('\n')}`);
  figures.push({
    kind: 'skipped',
    id: 'etcd',
    title: 'etcd baseline',
    reason: `failed: ${(e as Error).message}`,
  });
} finally {
  await etcd.stop();
}
emit(figures);
process.exit(0);
