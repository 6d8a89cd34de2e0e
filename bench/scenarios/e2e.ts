/**
 * Scenario: end to end. FIX 4.4 over TCP -> gateway -> 3-member cluster (matching + market data on
 * each) -> ExecutionReport, fsync on. The venue runs as its own CLI (`venue start`, built
 * apps/venue/dist/main.js) in a child process; two FIX sessions send crossing limit orders on ZVZZT
 * (CLIENT1 buys, CLIENT2 sells, 1 lot at 100.00) so the book stays small. Latency: intended send time
 * -> first ExecutionReport for that ClOrdID.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixMessage } from '@venue/gateway';
import { FixClient } from '@venue/venue';
import { openLoop } from '../lib/open-loop.js';
import { freePorts, getJson, sleep, spawnChild, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { spread } from '../lib/stats.js';
import { sweep } from '../lib/sweep.js';

interface Args {
  rates: number[];
  runs: number;
  seconds: number;
  warmupMs: number;
  inFlightMax: number;
  budgetMs: number;
  kills: number;
  failoverRate: number;
}

const a = args<Args>();
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_JS = path.join(REPO_ROOT, 'apps/venue/dist/main.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-e2e-'));
const figures: Figure[] = [];
const SESSIONS = ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'];
interface Status {
  id: number;
  role: string;
  term: number;
  leaderId: number;
}
const clients: FixClient[] = [];
const ports = await freePorts(14);
const members = [1, 2, 3].map((id, i) => ({
  id,
  host: '127.0.0.1',
  peerPort: ports[i * 4] as number,
  clientPort: ports[i * 4 + 1] as number,
  adminPort: ports[i * 4 + 2] as number,
  mdPort: ports[i * 4 + 3] as number,
}));
const fixPort = ports[12] as number;
const httpPort = ports[13] as number;
const configFile = path.join(dataDir, 'venue.json');
fs.writeFileSync(configFile, JSON.stringify({ cluster: { members, durability: 'fsync' } }));
const venue = spawnChild(
  'venue',
  process.execPath,
  [
    MAIN_JS,
    'start',
    '--no-bots',
    '--http-port',
    String(httpPort),
    '--fix-port',
    String(fixPort),
    '--config',
    configFile,
    '--data',
    dataDir,
  ],
  { cwd: REPO_ROOT },
);
const setup = {
  system:
    'venue end to end: FIX 4.4 TCP -> gateway -> 3-member cluster (matching, market data) -> ExecutionReport',
  nodes: 3,
  durability: 'fsync',
  message: 'NewOrderSingle (limit, 1 lot, ZVZZT), about 150 bytes of FIX',
  clientBatch: '1 order per FIX message, 4 FIX sessions (gateway throttle 200 msg/s each: ceiling 800/s)',
  concurrency: `${a.inFlightMax} orders in flight`,
  secondsPerRun: a.seconds,
  runs: a.runs,
};
try {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: build first (tsc -b)`);
  const connect = async (username: string) =>
    until(
      `FIX logon as ${username}`,
      async () => {
        if (!venue.running()) throw new Error(`venue exited: ${venue.output.slice(-20).join('\n')}`);
        try {
          const c = await FixClient.tcp('127.0.0.1', fixPort, { username, password: 'demo' });
          const reply = await c.logon();
          if (reply.msgType === 'A') return c;
          c.close();
        } catch {
          // not listening yet
        }
        return undefined;
      },
      90_000,
      250,
    );
  // Four sessions: the gateway throttles each to 200 messages/s (its default; the venue config does
  // not expose it), so the end-to-end ceiling here is 4 x 200 = 800 orders/s. Even orders buy
  // (CLIENT1, CLIENT3), odd orders sell (CLIENT2, CLIENT4), so pairs trade and the book stays small.
  for (const login of SESSIONS) clients.push(await connect(login));
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  /** Per session: MsgSeqNum of each order still unanswered -> its ClOrdID (a BusinessReject names the seq). */
  const bySeq = clients.map(() => new Map<number, string>());
  let rejects = 0;
  let throttled = 0;
  // Everything the venue sent back, by MsgType (35) and, for ExecutionReports, ExecType (150).
  const received = new Map<string, number>();
  const settle = (id: string, ok: boolean) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (ok) p.resolve();
    else p.reject(new Error('rejected by the session'));
  };
  clients.forEach((c, session) => {
    const seqs = bySeq[session] as Map<number, string>;
    c.onMessage((m: FixMessage) => {
      const kind = m.msgType === '8' ? `8/${m.get(150)}` : m.msgType;
      if (received.size < 100 || received.has(kind)) received.set(kind, (received.get(kind) ?? 0) + 1);
      if (m.msgType === '8') {
        if (m.get(150) === '8') rejects++;
        settle(m.get(11) ?? '', true);
      } else if (m.msgType === 'j' || m.msgType === '3') {
        // Throttled or refused before reaching the venue: an error, not a latency sample.
        const ref = Number(m.get(45));
        const id = seqs.get(ref);
        if (id !== undefined) {
          seqs.delete(ref);
          throttled++;
          settle(id, false);
        }
      }
    });
  });
  let seq = 0;
  const issue = () => {
    const n = seq++;
    const id = `B${n}`;
    const side = n % 2 === 0 ? 1 : 2;
    const session = n % clients.length;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const msgSeq = (clients[session] as FixClient).send('D', [
        [11, id],
        [55, 'ZVZZT'],
        [54, side],
        [38, '1'],
        [40, 2],
        [44, '100.00'],
        [59, 1],
        [60, '20261126-12:00:00.000'],
      ]);
      const seqs = bySeq[session] as Map<number, string>;
      seqs.set(msgSeq, id);
      if (seqs.size > 10_000) seqs.delete(seqs.keys().next().value as number); // bounded
    });
  };
  // For the failover window: when each order was sent, and the last ExecutionReport of an order sent
  // after the leader process was killed.
  let killedAt = Number.POSITIVE_INFINITY;
  let lastAckAfterKillAt = 0;
  const issueTimed = () => {
    const sentAt = performance.now();
    return issue().then(() => {
      if (sentAt > killedAt) lastAckAfterKillAt = performance.now();
    });
  };
  const memberStatus = async (id: number) => {
    const m = members.find((x) => x.id === id);
    return m
      ? ((await getJson(`http://127.0.0.1:${m.adminPort}/status`, 500)) as Status | undefined)
      : undefined;
  };
  const leader = () =>
    until(
      'a venue leader all three members agree on',
      async () => {
        const all = await Promise.all(members.map((m) => memberStatus(m.id)));
        const l = all.find((x) => x?.role === 'leader');
        return l && all.every((x) => x?.leaderId === l.id && x.term === l.term) ? l.id : undefined;
      },
      60_000,
      50,
    );
  const admin = { authorization: `Basic ${Buffer.from('ADMIN:admin').toString('base64')}` };
  const control = async (id: number, action: 'kill' | 'restart') => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/cluster/nodes/${id}/${action}`, {
      method: 'POST',
      headers: admin,
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status !== 202) throw new Error(`${action} ${id}: HTTP ${res.status} ${await res.text()}`);
  };
  const failover = async (issueOne: () => Promise<void>): Promise<Figure> => {
    const windows: number[] = [];
    void openLoop({
      ratePerSecond: a.failoverRate,
      durationMs: 600_000,
      warmupMs: 0,
      inFlightMax: a.inFlightMax,
      drainMs: 0,
      issue: issueOne,
    });
    for (let k = 0; k < a.kills; k++) {
      const id = await leader();
      await sleep(500);
      const t0 = performance.now();
      await control(id, 'kill');
      await until(
        `member ${id} gone`,
        async () => ((await memberStatus(id)) === undefined ? true : undefined),
        10_000,
        5,
      );
      killedAt = performance.now();
      await until(
        'an ExecutionReport after the kill',
        () => (lastAckAfterKillAt > killedAt ? true : undefined),
        30_000,
        1,
      );
      windows.push(lastAckAfterKillAt - t0);
      log(
        `  venue kill ${k + 1}: leader ${id}, first ExecutionReport after ${(lastAckAfterKillAt - t0).toFixed(0)} ms`,
      );
      killedAt = Number.POSITIVE_INFINITY;
      // The supervisor respawns a member only once it saw it exit.
      await until(
        `restart of member ${id}`,
        async () => {
          await control(id, 'restart');
          return (await memberStatus(id)) !== undefined ? true : undefined;
        },
        30_000,
        250,
      );
    }
    return {
      kind: 'failover',
      id: 'failover-e2e',
      title:
        'Failover window, end to end (kill -9 leader -> first ExecutionReport of an order sent after it)',
      setup: { ...setup, offeredPerSecond: a.failoverRate, kills: a.kills },
      windowsMs: windows,
      windowMs: spread(windows),
    };
  };
  await openLoop({
    ratePerSecond: 200,
    durationMs: 1_000,
    warmupMs: 500,
    inFlightMax: a.inFlightMax,
    drainMs: 10_000,
    issue,
  });
  log('end to end:');
  const rows = await sweep(
    { rates: a.rates, runs: a.runs, budgetMs: a.budgetMs },
    (rate) =>
      openLoop({
        ratePerSecond: rate,
        durationMs: a.seconds * 1000,
        warmupMs: a.warmupMs,
        inFlightMax: a.inFlightMax,
        drainMs: 15_000,
        issue,
      }),
    log,
  );
  figures.push({
    kind: 'sweep',
    id: 'e2e',
    title: 'End to end through FIX, fsync on',
    setup: {
      ...setup,
      rejects,
      throttled,
      received: [...received].map(([k, n]) => `${k}: ${n}`).join(', '),
      unanswered: pending.size,
    },
    rows,
  });
  if (a.kills > 0) figures.push(await failover(issueTimed));
} catch (e) {
  log(`e2e scenario failed: ${(e as Error).message}\n${venue.output.slice(-30).join('\n')}`);
  figures.push({
    kind: 'skipped',
    id: 'e2e',
    title: 'End to end through FIX',
    reason: `failed: ${(e as Error).message}`,
  });
} finally {
  for (const c of clients) c.close();
  await venue.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
emit(figures);
process.exit(0);
