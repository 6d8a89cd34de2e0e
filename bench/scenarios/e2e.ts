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
import { freePorts, spawnChild, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { sweep } from '../lib/sweep.js';

interface Args {
  rates: number[];
  runs: number;
  seconds: number;
  warmupMs: number;
  inFlightMax: number;
  budgetMs: number;
}

const a = args<Args>();
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_JS = path.join(REPO_ROOT, 'apps/venue/dist/main.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-e2e-'));
const figures: Figure[] = [];
const clients: FixClient[] = [];
const ports = await freePorts(13);
const members = [1, 2, 3].map((id, i) => ({
  id,
  host: '127.0.0.1',
  peerPort: ports[i * 4] as number,
  clientPort: ports[i * 4 + 1] as number,
  adminPort: ports[i * 4 + 2] as number,
  mdPort: ports[i * 4 + 3] as number,
}));
const fixPort = ports[12] as number;
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
    '0',
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
  clientBatch: '1 order per FIX message, 2 FIX sessions',
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
  const buyer = await connect('CLIENT1');
  const seller = await connect('CLIENT2');
  clients.push(buyer, seller);
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  let rejects = 0;
  const onReport = (m: FixMessage) => {
    if (m.msgType !== '8') return;
    const id = m.get(11) ?? '';
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (m.get(150) === '8') rejects++;
    p.resolve();
  };
  buyer.onMessage(onReport);
  seller.onMessage(onReport);
  let seq = 0;
  const issue = () => {
    const n = seq++;
    const id = `B${n}`;
    const side = n % 2 === 0 ? 1 : 2;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      (side === 1 ? buyer : seller).send('D', [
        [11, id],
        [55, 'ZVZZT'],
        [54, side],
        [38, '1'],
        [40, 2],
        [44, '100.00'],
        [59, 1],
        [60, '20261126-12:00:00.000'],
      ]);
    });
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
    setup: { ...setup, rejects },
    rows,
  });
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
