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
import { summarizeProfiles } from '../lib/cpuprofile.js';
import { caughtUp, firstNewCommit } from '../lib/failover.js';
import { openLoop } from '../lib/open-loop.js';
import { freePorts, getJson, sleep, spawnChild, until } from '../lib/procs.js';
import { args, emit, type Figure, log } from '../lib/result.js';
import { spread } from '../lib/stats.js';
import { failoverRateFor, sweep } from '../lib/sweep.js';

interface Args {
  rates: number[];
  runs: number;
  seconds: number;
  warmupMs: number;
  inFlightMax: number;
  budgetMs: number;
  kills: number;
  failoverRate: number;
  /** Use failoverRate as is, not lowered to half the carried rate (diagnostic runs). */
  failoverRateFixed?: boolean;
  /** The gateway's per-session throttle (venue config fixThrottleMsgsPerSec). */
  throttleMsgsPerSec: number;
  /** Profile mode (opt-in scenario profile-e2e): every venue process under --cpu-prof at one rate. */
  profile?: { rate: number; seconds: number; top: number };
}

/** Ends the profile run early (not a failure). */
class ProfileDone extends Error {}

const a = args<Args>();
const ORDER_ANSWER_TIMEOUT_MS = 10_000;
const FAILOVER_IN_FLIGHT_MAX = 20_000;
const RESTING_MAX = 4 * 9_000;
/** OrderStatusRequests per session per read-back batch (4 sessions x 201 < the gateway's window). */
const STATUS_BATCH = 200;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_JS = path.join(REPO_ROOT, 'apps/venue/dist/main.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-e2e-'));
const figures: Figure[] = [];
let failoverRate = a.failoverRate;
const SESSIONS = ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'];
interface Status {
  id: number;
  role: string;
  term: number;
  leaderId: number;
  commitIndex: number;
  lastIndex: number;
  serviceAppliedIndex: number;
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
const profDir = a.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-prof-e2e-')) : undefined;
let profiled: { achieved: number; p50Us: number; p99Us: number } | undefined;
/** Profile mode: member process pid -> label (from the venue's /api/cluster). */
const memberByPid = new Map<number, string>();
fs.writeFileSync(
  configFile,
  JSON.stringify({ cluster: { members, durability: 'fsync' }, fixThrottleMsgsPerSec: a.throttleMsgsPerSec }),
);
const venue = spawnChild(
  'venue',
  process.execPath,
  [
    ...(profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`]),
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
  {
    cwd: REPO_ROOT,
    // Profile mode: every process under --cpu-prof: the venue process (FIX gateway, web, supervisor)
    // and the three members it spawns (consensus and service threads).
    // (Node refuses --cpu-prof in NODE_OPTIONS: a preload adds it to the members' argv.)
    ...(profDir === undefined
      ? {}
      : {
          env: {
            ...process.env,
            NODE_OPTIONS:
              `${process.env.NODE_OPTIONS ?? ''} --import ${new URL('../lib/member-cpu-prof.mjs', import.meta.url).href}`.trim(),
            BENCH_MEMBER_CPU_PROF_DIR: profDir,
          },
        }),
  },
);
const setup = {
  system:
    'venue end to end: FIX 4.4 TCP -> gateway -> 3-member cluster (matching, market data) -> ExecutionReport',
  nodes: 3,
  durability: 'fsync',
  message: 'NewOrderSingle (limit, 1 lot, ZVZZT), about 150 bytes of FIX',
  clientBatch: `1 order per FIX message, ${SESSIONS.length} FIX sessions (gateway throttle fixThrottleMsgsPerSec ${a.throttleMsgsPerSec} msg/s each)`,
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
  // Four sessions (the gateway throttles each to fixThrottleMsgsPerSec, set high here). Even orders
  // buy (CLIENT1, CLIENT3), odd orders sell (CLIENT2, CLIENT4), so pairs trade and the book stays small.
  for (const login of SESSIONS) clients.push(await connect(login));
  const pending = new Map<
    string,
    { resolve: () => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  /** Per session: MsgSeqNum of each order still unanswered -> its ClOrdID (a BusinessReject names the seq). */
  const bySeq = clients.map(() => new Map<number, string>());
  let rejects = 0;
  /** Reject (150=8) counts by Text(58), digits masked. */
  const rejectTexts = new Map<string, number>();
  const rejectSummary = () => [...rejectTexts].map(([t, n]) => `${n} "${t}"`).join(', ') || 'none';
  let throttled = 0;
  /** Failover phase: resting orders acknowledged (ExecutionReport New) -> their session. */
  const restingAcked = new Map<string, number>();
  /** Failover orders accepted (ExecutionReport New), until their promise looks them up. */
  const acceptedNew = new Set<string>();
  /** ClOrdIDs answered by an OrderStatusRequest (ExecType I). */
  const statusAnswers = new Set<string>();
  /** OrderStatusRequests the gateway refused before asking the venue (150=8, e.g. "venue busy"). */
  const statusRefused = new Set<string>();
  /** True during the read-back: a reject (150=8) of an acknowledged resting order answers a 35=H. */
  let readingBack = false;
  const statusQueried = (id: string) => readingBack && restingAcked.has(id);
  // Everything the venue sent back, by MsgType (35) and, for ExecutionReports, ExecType (150).
  const received = new Map<string, number>();
  /** Orders with no ExecutionReport (nor reject) within ORDER_ANSWER_TIMEOUT_MS: given up, counted. */
  let unansweredOrders = 0;
  const settle = (id: string, ok: boolean) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    if (ok) p.resolve();
    else p.reject(new Error('rejected by the session'));
  };
  clients.forEach((c, session) => {
    const seqs = bySeq[session] as Map<number, string>;
    c.onMessage((m: FixMessage) => {
      const kind = m.msgType === '8' ? `8/${m.get(150)}` : m.msgType;
      if (received.size < 100 || received.has(kind)) received.set(kind, (received.get(kind) ?? 0) + 1);
      if (m.msgType === '8') {
        const execType = m.get(150);
        if (execType === '8') {
          rejects++;
          // Why (bounded: the first texts seen), for the report.
          const why = (m.get(58) ?? '').replace(/\d+/g, 'N').slice(0, 80);
          if (rejectTexts.size < 20 || rejectTexts.has(why))
            rejectTexts.set(why, (rejectTexts.get(why) ?? 0) + 1);
          if (statusQueried(m.get(11) ?? '')) statusRefused.add(m.get(11) ?? '');
        } else if (execType === '0' && (m.get(11) ?? '').startsWith('F')) {
          restingAcked.set(m.get(11) ?? '', session);
          acceptedNew.add(m.get(11) ?? '');
        } else if (execType === '0' && (m.get(11) ?? '').startsWith('T')) acceptedNew.add(m.get(11) ?? '');
        else if (execType === 'I') statusAnswers.add(m.get(11) ?? '');
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
  /** Crossing orders (B<n>, 1 lot at 100.00: pairs trade) or, for the failover phase, resting ones (F<n>). */
  const send = (kind: 'B' | 'F' | 'T') => {
    const resting = kind === 'F';
    const n = seq++;
    const id = `${kind}${n}`;
    const side = n % 2 === 0 ? 1 : 2;
    const price = resting ? (side === 1 ? '99.00' : '101.00') : '100.00';
    const session = n % clients.length;
    return new Promise<void>((resolve, reject) => {
      // An order the venue never answers must not hold an in-flight slot for ever (the load would stall).
      const timer = setTimeout(() => {
        if (!pending.delete(id)) return;
        unansweredOrders++;
        reject(new Error('no ExecutionReport'));
      }, ORDER_ANSWER_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      const msgSeq = (clients[session] as FixClient).send('D', [
        [11, id],
        [55, 'ZVZZT'],
        [54, side],
        [38, '1'],
        [40, 2],
        [44, price],
        [59, 1],
        [60, '20261126-12:00:00.000'],
      ]);
      const seqs = bySeq[session] as Map<number, string>;
      seqs.set(msgSeq, id);
      if (seqs.size > 10_000) seqs.delete(seqs.keys().next().value as number); // bounded
    });
  };
  const issue = () => send('B');
  // For the failover window: when each order was sent, and the last ExecutionReport of an order sent
  // after the leader process was killed.
  let killedAt = Number.POSITIVE_INFINITY;
  let lastAckAfterKillAt = 0;
  const issueTimed = () => {
    const sentAt = performance.now();
    // Resting orders (checked afterwards) up to RESTING_MAX, below the demo accounts' 10,000 open
    // orders each; then crossing ones (T: they trade in pairs), so the load goes on.
    const kind = restingAcked.size < RESTING_MAX ? 'F' : 'T';
    const id = `${kind}${seq}`; // the id send() gives this order
    return send(kind).then(() => {
      // Only an acceptance (ExecutionReport New) counts: a fast reject during the election is no service.
      if (acceptedNew.delete(id) && sentAt > killedAt) lastAckAfterKillAt = performance.now();
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
        return l && all.every((x) => x?.leaderId === l.id && x.term === l.term) ? l : undefined;
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
  /**
   * Asks the venue for the status of every acknowledged resting order (OrderStatusRequest, through the
   * log). The venue stays silent about an order it does not know, so each batch ends with a canary:
   * a resting order of that session acknowledged just before; answers to one session come back in log
   * order, so once the canary's answer is in, every earlier answer that will ever come has come.
   */
  const readBack = async (): Promise<{ missing: number; unverified: number }> => {
    let missing = 0;
    let unverified = 0;
    readingBack = true;
    const bySession = clients.map(() => [] as string[]);
    for (const [id, session] of restingAcked) bySession[session]?.push(id);
    await Promise.all(
      clients.map(async (c, session) => {
        const ids = bySession[session] as string[];
        // The canary: this session's last acknowledged order (a new one could hit the account's
        // open-order limit and never be known to the venue).
        const canary = ids.pop();
        if (canary === undefined) return;
        const side = Number(canary.slice(1)) % 2 === 0 ? 1 : 2;
        // Batches small enough that the four sessions together stay below the gateway's cluster
        // window (1,024 requests): beyond it the gateway answers "venue busy" (150=8), which is no
        // answer about the order. A batch whose canary was refused that way is asked again.
        for (let from = 0; from < ids.length; from += STATUS_BATCH) {
          const batch = ids.slice(from, from + STATUS_BATCH);
          let ask = [...batch];
          let done = false;
          for (let attempt = 0; attempt < 3 && !done; attempt++) {
            for (const id of [...ask, canary]) {
              statusAnswers.delete(id);
              statusRefused.delete(id);
              c.send('H', [
                [11, id],
                [55, 'ZVZZT'],
                [54, id === canary ? side : Number(id.slice(1)) % 2 === 0 ? 1 : 2],
              ]);
            }
            done = await until(
              'the canary status',
              () => (statusAnswers.has(canary) ? true : statusRefused.has(canary) ? false : undefined),
              30_000,
              5,
            ).catch(() => false);
            ask = ask.filter((id) => statusRefused.has(id));
            if (!done) await sleep(200);
          }
          if (!done) unverified += batch.length;
          else
            for (const id of batch) {
              if (statusAnswers.has(id)) continue;
              if (statusRefused.has(id)) unverified++;
              else missing++;
            }
        }
      }),
    );
    return { missing, unverified };
  };
  /** The venue log's lines from its gateway's cluster client and session (counted, the newest few). */
  const gatewayClientLines = () => {
    let text = '';
    try {
      const file = path.join(dataDir, 'logs', 'venue.log');
      const size = fs.statSync(file).size;
      const fd = fs.openSync(file, 'r');
      try {
        const n = Math.min(size, 4 * 1024 * 1024);
        const buf = Buffer.alloc(n);
        fs.readSync(fd, buf, 0, n, size - n);
        text = buf.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      text = venue.output.join('\n');
    }
    const lines = text.split('\n').filter((l) => /cluster (client|session)/i.test(l));
    const msg = (l: string) => /"msg":"([^"]*)"/.exec(l)?.[1] ?? l;
    return `${lines.length} log lines${lines.length > 0 ? `; newest: ${lines.slice(-3).map(msg).join(' | ').slice(0, 600)}` : ''}`;
  };
  const failover = async (): Promise<Figure> => {
    const windows: number[] = [];
    const commits: number[] = [];
    let stop = false;
    const load = openLoop({
      ratePerSecond: failoverRate,
      durationMs: 600_000,
      warmupMs: 0,
      // Not the sweep's cap: orders the venue leaves unanswered across a kill would fill 128 slots,
      // and no order would be sent after the kill until they time out (the window would measure that).
      inFlightMax: FAILOVER_IN_FLIGHT_MAX,
      drainMs: 30_000,
      stop: () => stop,
      issue: issueTimed,
    });
    for (let k = 0; k < a.kills; k++) {
      const old = await leader();
      await sleep(500);
      const t0 = performance.now();
      await control(old.id, 'kill');
      const survivors = members.filter((m) => m.id !== old.id).map((m) => () => memberStatus(m.id));
      const commit = firstNewCommit(t0, old.term, survivors, 30_000);
      await until(
        `member ${old.id} gone`,
        async () => ((await memberStatus(old.id)) === undefined ? true : undefined),
        10_000,
        5,
      );
      killedAt = performance.now();
      await until(
        'an ExecutionReport after the kill',
        () => (lastAckAfterKillAt > killedAt ? true : undefined),
        30_000,
        1,
      ).catch((e: Error) => {
        // Say what the venue did meanwhile (the report's reason).
        throw new Error(
          `kill ${k + 1}: ${e.message}; received so far: ${[...received].map(([x, n]) => `${x}: ${n}`).join(', ')}; orders unanswered for ${ORDER_ANSWER_TIMEOUT_MS / 1000} s: ${unansweredOrders}; gateway cluster client: ${gatewayClientLines()}`,
        );
      });
      windows.push(lastAckAfterKillAt - t0);
      commits.push(await commit);
      log(
        `  venue kill ${k + 1}: leader ${old.id}, first commit after ${(commits.at(-1) ?? 0).toFixed(0)} ms, first ExecutionReport after ${(lastAckAfterKillAt - t0).toFixed(0)} ms`,
      );
      killedAt = Number.POSITIVE_INFINITY;
      // The supervisor respawns a member only once it saw it exit.
      await until(
        `restart of member ${old.id}`,
        async () => {
          await control(old.id, 'restart');
          return (await memberStatus(old.id)) !== undefined ? true : undefined;
        },
        30_000,
        250,
      );
      const next = await leader();
      await caughtUp(
        () => memberStatus(next.id),
        members.map((m) => () => memberStatus(m.id)),
        60_000,
      );
    }
    stop = true;
    const result = await load;
    await leader();
    const acknowledged = restingAcked.size;
    const back = await readBack();
    return {
      kind: 'failover',
      id: 'failover-e2e',
      title:
        'Failover window, end to end (kill -9 leader -> first ExecutionReport New of an order sent after it)',
      setup: {
        ...setup,
        message: 'NewOrderSingle (limit, 1 lot, ZVZZT, resting: buys 99.00, sells 101.00)',
        offeredPerSecond: failoverRate,
        kills: `${a.kills}, each once the previous victim restarted and caught up`,
        concurrency: `up to ${FAILOVER_IN_FLIGHT_MAX} orders in flight`,
        ordersNeverAnswered: `${unansweredOrders} (no ExecutionReport nor reject within ${ORDER_ANSWER_TIMEOUT_MS / 1000} s, whole scenario)`,
        // What the venue sent back over the whole scenario, and what its gateway's cluster client
        // logged (leader changes seen from the gateway): the evidence when a window goes wrong.
        received: [...received].map(([k, n]) => `${k}: ${n}`).join(', '),
        rejectedBecause: rejectSummary(),
        gatewayClusterClient: gatewayClientLines(),
      },
      windowsMs: windows,
      windowMs: spread(windows),
      firstCommitMs: commits,
      firstCommit: spread(commits),
      noLoss: {
        acknowledged,
        missing: back.missing,
        unverified: back.unverified,
        how: `OrderStatusRequest (35=H) through the gateway for every order acknowledged New, after the kills, with a canary per batch (silence = unknown to the venue); ${back.unverified} not verified (canary timed out); ${result.lost} orders still unanswered at the end were not counted`,
      },
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
  if (a.profile) {
    const r = await openLoop({
      ratePerSecond: a.profile.rate,
      durationMs: a.profile.seconds * 1000,
      warmupMs: 1_000,
      inFlightMax: a.inFlightMax,
      drainMs: 15_000,
      issue,
    });
    profiled = { achieved: r.achievedPerSecond, p50Us: r.latency.p50Us, p99Us: r.latency.p99Us };
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/cluster`, {
        headers: admin,
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as { members?: { id: number; role: string; pid: number | null }[] };
      for (const m of body.members ?? [])
        if (m.pid !== null) memberByPid.set(m.pid, `member ${m.id} (${m.role}) process ${m.pid}`);
    } catch {
      // labels fall back to the pid
    }
    throw new ProfileDone();
  }
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
      unanswered: pending.size + unansweredOrders,
    },
    rows,
  });
  emit(figures);
  // (failoverRateFixed: the configured rate as is, for a diagnostic run.)
  failoverRate = a.failoverRateFixed === true ? a.failoverRate : failoverRateFor(a.failoverRate, rows);
  if (a.kills > 0) figures.push(await failover());
} catch (e) {
  if (e instanceof ProfileDone) {
    // not a failure: the profile run ends here
  } else {
    log(`e2e scenario failed: ${(e as Error).message}\n${venue.output.slice(-30).join('\n')}`);
    figures.push({
      kind: 'skipped',
      id: 'e2e',
      title: 'End to end through FIX',
      reason: `failed: ${(e as Error).message}`,
    });
  }
} finally {
  for (const c of clients) c.close();
  await venue.kill('SIGTERM'); // graceful: the venue stops its members, every process writes its profile
  fs.rmSync(dataDir, { recursive: true, force: true });
}
if (profDir !== undefined && a.profile) {
  const venuePid = venue.child.pid;
  figures.push({
    kind: 'text',
    id: 'profile-e2e',
    title: 'Where the time goes end to end: the venue process (FIX gateway) and its members under --cpu-prof',
    setup: { nodes: 3, durability: 'fsync', offeredPerSecond: a.profile.rate, fixSessions: SESSIONS.length },
    text: [
      profiled
        ? `${a.profile.rate}/s offered for ${a.profile.seconds} s (+1 s warm-up): achieved ${profiled.achieved.toFixed(0)}/s, p50 ${(profiled.p50Us / 1000).toFixed(2)} ms, p99 ${(profiled.p99Us / 1000).toFixed(2)} ms.`
        : 'the load did not run',
      "Self time per function (% of the thread's profiled time).",
      '',
      ...summarizeProfiles(
        profDir,
        (pid) =>
          pid === venuePid
            ? 'venue process (FIX gateway, web, supervisor)'
            : (memberByPid.get(pid) ?? `member process ${pid}`),
        a.profile.top,
      ),
    ].join('\n'),
  });
  fs.rmSync(profDir, { recursive: true, force: true });
}
emit(figures);
process.exit(0);
