import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckResult, check } from '../checker/checker.js';
import type { MarketDataInput } from '../checker/md-replay.js';
import type { PositionsInput } from '../checker/trades.js';
import { VenueProcess } from '../cluster/venue-process.js';
import { type FinalStateRead, readFinalState } from '../final/final-state.js';
import { HISTORY_EVENTS_MAX, History, type ReplicaState } from '../history/history.js';
import { feedSnapshotSeqs, MdRecorder } from '../marketdata/recorder.js';
import { GATEWAY_NEMESES, healAll, type NemesisKind, runNemesis, waitForLeader } from '../nemesis/nemesis.js';
import { Prng } from '../random/prng.js';
import { latencySvg } from '../report/plot.js';
import { type TransportStats, transportStats, transportText } from '../report/transports.js';
import { DIRECT_MAX, directProcess } from '../workload/accounts.js';
import { DirectClient, type DirectOptions, feedHead } from '../workload/direct-client.js';
import {
  CLIENTS_MAX,
  loginOf,
  SECOND_GATEWAY_FROM_PROCESS,
  WorkloadClient,
  type WorkloadOptions,
} from '../workload/workload.js';

export interface ChaosOptions {
  readonly seconds: number;
  readonly nemeses: readonly NemesisKind[];
  readonly seed: number;
  readonly clients: number;
  /**
   * Direct clients: processes trading through their own cluster session (ClusterClient, matching's
   * SBE commands, no gateway) with accounts DIRECT1..; 0..4, default 0 (the CLI and --ci use 1).
   */
  readonly direct?: number;
  /** Where the run's folder is created (packages/chaos/results by default). */
  readonly resultsDir: string;
  readonly faultsMax: number;
  readonly intervalMs: number;
  readonly holdMs: number;
  readonly thinkMs: number;
  /** Keep the history and logs of a passing run too. */
  readonly keep: boolean;
  /** Faults in the order of `nemeses`, round robin (default: drawn at random). */
  readonly cycle?: boolean;
  /**
   * Trade through a separate `venue gateway` process with resume-mode FIX clients (141=N); on by
   * itself when a gateway-restart nemesis is in the mix.
   */
  readonly gatewayProcess?: boolean;
  readonly log: (line: string) => void;
}

/**
 * The short run CI does (a test runs it; `pnpm chaos --ci` too): a kill of the leader, a partition
 * isolating the leader, a kill of a follower, a restart (kill -9) of the gateway process the clients
 * trade through (they log on again with their sequence numbers), and one combined fault (a follower
 * isolated while the leader is killed), in that order, under four clients: a few hundred orders on an
 * idle machine, about 55 s of wall time (the workload runs 40 s so the five faults fit under load).
 */
export function ciOptions(resultsDir: string, log: (line: string) => void): ChaosOptions {
  return {
    seconds: 40,
    nemeses: ['kill-leader', 'isolate-leader', 'kill-follower', 'gateway-restart', 'isolate+kill-leader'],
    cycle: true,
    seed: 11,
    clients: 4,
    direct: 1,
    resultsDir,
    faultsMax: 5,
    intervalMs: 1_500,
    holdMs: 1_200,
    thinkMs: 10,
    keep: false,
    log,
  };
}

export interface ChaosReport {
  readonly result: CheckResult;
  readonly runDir: string;
  readonly faultsInjected: number;
  readonly durationMs: number;
  readonly summary: string;
  /** The offline rebuild the final reads came from (undefined if the run failed before it). */
  readonly offline: FinalStateRead | undefined;
  /** What the market-data recorder did (gaps, replays, snapshots, member switches). */
  readonly marketData: string;
  /** FIX sessions opened again by the clients after the gateway went away. */
  readonly reconnects: number;
  /** Operations and acknowledged orders per transport (tcp, ws, direct). */
  readonly transports: readonly TransportStats[];
}

const SECONDS_MAX = 3_600;
const OPS_PER_CLIENT_MAX = 100_000;
const OP_TIMEOUT_MS = 5_000;
const QUIESCE_TIMEOUT_MS = 30_000;
const QUIESCE_POLL_MS = 100;
const MD_CATCH_UP_MS = 15_000;
/** Longest wait after quiescing for the direct clients' execution feeds to reach the members' head. */
const FEED_CATCH_UP_MS = 15_000;
const EXEC_FEED_TOKEN_ENV = 'VENUE_EXEC_FEED_TOKEN';

export function validateOptions(o: ChaosOptions): void {
  if (!(Number.isInteger(o.seconds) && o.seconds >= 1 && o.seconds <= SECONDS_MAX))
    throw new Error(`--seconds must be an integer in 1..${SECONDS_MAX}, got ${o.seconds}`);
  if (!(Number.isInteger(o.clients) && o.clients >= 1 && o.clients <= CLIENTS_MAX))
    throw new Error(`--clients must be an integer in 1..${CLIENTS_MAX}, got ${o.clients}`);
  const direct = o.direct ?? 0;
  if (!(Number.isInteger(direct) && direct >= 0 && direct <= DIRECT_MAX))
    throw new Error(`--direct must be an integer in 0..${DIRECT_MAX}, got ${direct}`);
  if (!(o.faultsMax >= 0 && o.intervalMs >= 0 && o.holdMs >= 0))
    throw new Error('fault budget and times must not be negative');
}

/**
 * One run: start the venue as real processes, drive the FIX workload while the nemesis injects
 * faults, heal, read every order's final status and every replica's state hash, then check.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  validateOptions(options);
  const startedMs = Date.now();
  const runDir = join(options.resultsDir, new Date(startedMs).toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const history = new History();
  // One generator per part (nemesis: stream 0; workload process p: stream p + 1), see Prng.forStream.
  const nemesisRng = Prng.forStream(options.seed, 0);
  const log = (line: string) => options.log(`${((Date.now() - startedMs) / 1000).toFixed(1)}s ${line}`);
  log(`chaos: run ${runDir} seed ${options.seed} ${options.seconds}s nemeses ${options.nemeses.join(',')}`);
  // The members' fault hooks (disk full, clock jumps) are on for the suite and only for it.
  const venue = await VenueProcess.start(runDir, { seed: options.seed, env: { VENUE_FAULT_HOOKS: '1' } });
  // Ctrl-C or a kill of the runner must not leave the venue and its members behind.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`chaos: ${signal}: stopping the venue`);
    void venue.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const clients: WorkloadClient[] = [];
  const directs: DirectClient[] = [];
  // The direct clients follow the members' execution feed, which needs the members' token; the
  // venue's feed follower reads it from this process's environment (restored at the end).
  const tokenBefore = process.env[EXEC_FEED_TOKEN_ENV];
  let faultsInjected = 0;
  let offline: FinalStateRead | undefined;
  let result: CheckResult;
  const useGateway =
    options.gatewayProcess === true || options.nemeses.some((k) => GATEWAY_NEMESES.includes(k));
  const mdUrls = venue.members.map((m) => `ws://${m.host}:${m.mdPort}/md`);
  let recorder: MdRecorder | undefined;
  let mdText = 'not recorded';
  let directText = 'none';
  try {
    if (useGateway) {
      await venue.startGateway();
      log(`chaos: gateway process up (fix ${venue.gatewayFixPort}, ${venue.gatewayWsUrl})`);
    }
    const instruments = (await (
      await fetch(`${venue.httpUrl}/api/instruments`, { signal: AbortSignal.timeout(5_000) })
    ).json()) as { instrumentId: number; symbol: string; tickSize: string; lotSize: string }[];
    const mdRecorder = new MdRecorder(
      mdUrls,
      instruments.map((i) => i.instrumentId),
      log,
    );
    recorder = mdRecorder;
    await mdRecorder.start();
    const workload: WorkloadOptions = {
      clients: options.clients,
      fixPort: useGateway ? venue.gatewayFixPort : venue.fixPort,
      fixWsUrl: useGateway ? venue.gatewayWsUrl : venue.fixWsUrl,
      durationMs: options.seconds * 1_000,
      opsPerClientMax: OPS_PER_CLIENT_MAX,
      opTimeoutMs: OP_TIMEOUT_MS,
      thinkMs: options.thinkMs,
      resume: useGateway,
      ...(useGateway ? { secondGateway: { fixPort: venue.fixPort, fixWsUrl: venue.fixWsUrl } } : {}),
    };
    for (let p = 0; p < options.clients; p++)
      clients.push(await WorkloadClient.connect(p, workload, history, Prng.forStream(options.seed, p + 1)));
    process.env[EXEC_FEED_TOKEN_ENV] = venue.execFeedToken;
    const directOptions: DirectOptions = {
      members: venue.clientAddresses,
      feeds: venue.executionFeedUrls,
      instruments,
      opsPerClientMax: OPS_PER_CLIENT_MAX,
      opTimeoutMs: OP_TIMEOUT_MS,
      thinkMs: options.thinkMs,
      log,
    };
    for (let i = 0; i < (options.direct ?? 0); i++)
      directs.push(
        await DirectClient.connect(
          directProcess(i),
          directOptions,
          history,
          Prng.forStream(options.seed, directProcess(i) + 1),
        ),
      );
    const deadlineMs = Date.now() + workload.durationMs;
    log(
      `chaos: venue up (fix ${venue.fixPort}, ${venue.fixWsUrl}); ${clients.length} FIX clients, ` +
        `${directs.length} direct clients; running`,
    );
    const [faults] = await Promise.all([
      options.nemeses.length === 0
        ? Promise.resolve(0)
        : runNemesis(
            venue,
            {
              kinds: options.nemeses,
              intervalMs: options.intervalMs,
              holdMs: options.holdMs,
              faultsMax: options.faultsMax,
              cycle: options.cycle === true,
            },
            nemesisRng,
            history,
            deadlineMs,
          ),
      ...clients.map((c) => c.run(workload, deadlineMs)),
      ...directs.map((d) => d.run(deadlineMs)),
    ]);
    faultsInjected = faults;
    log(`chaos: workload done (${history.events.length} events, ${faultsInjected} faults); healing`);
    if (history.isFull) {
      let lastInvokeMs = 0;
      for (const e of history.events) if (e.type === 'invoke') lastInvokeMs = e.timeMs;
      log(
        `chaos: the history reached ${HISTORY_EVENTS_MAX} events: the workload stopped invoking at ${(lastInvokeMs / 1000).toFixed(1)} s`,
      );
    }
    await healAll(venue, useGateway);
    if ((await waitForLeader(venue, QUIESCE_TIMEOUT_MS)) === 0) log('chaos: no leader after healing');
    const replicas = await quiesce(venue);
    log('chaos: replicas read');
    // The feed's head per stream now; the recording must reach it before it is compared.
    const headSeqs = await feedSnapshotSeqs(
      mdUrls,
      instruments.map((i) => i.instrumentId),
    );
    const mdDeadline = Date.now() + MD_CATCH_UP_MS;
    while (
      headSeqs !== undefined &&
      Date.now() < mdDeadline &&
      [...headSeqs].some(([id, seq]) => mdRecorder.lastSeq(id) < seq)
    )
      await new Promise((r) => setTimeout(r, 100));
    mdRecorder.stop();
    const st = mdRecorder.stats;
    mdText =
      `${st.recorded} l2full messages recorded from the members' /md (${st.received} received, ` +
      `${st.duplicates} duplicates dropped); gaps detected ${st.gaps}, replays asked ${st.replays}, ` +
      `snapshots after replay-unavailable ${st.snapshots}, member switches ${st.switches} (streams resumed ` +
      `from the new member's ring ${st.switchReplays}, by snapshot ${st.switchSnapshots})` +
      (headSeqs === undefined ? '; head seqs NOT read' : '');
    log(`chaos: market data: ${mdText}`);
    if (directs.length > 0) {
      // Every report up to the members' head must have reached the direct clients (by reply, event
      // or feed) before the history is judged.
      const head = await feedHead(venue.executionFeedUrls, venue.execFeedToken);
      const feedDeadline = Date.now() + FEED_CATCH_UP_MS;
      while (Date.now() < feedDeadline && directs.some((d) => d.reports.position < head))
        await new Promise((r) => setTimeout(r, 100));
      directText = directSummary(directs, head);
      log(`chaos: direct clients: ${directText}`);
    }
    const orders = [...clients, ...directs].map((c) => ({
      process: c.process,
      clOrdIds: c.orderClOrdIds().map((o) => o.clOrdId),
    }));
    const final = await readFinalState(venue, replicas, orders);
    const reads = final.reads;
    offline = final;
    log(
      `chaos: final state rebuilt offline from node ${final.member} (${final.entriesReplayed} entries, ` +
        `${reads.length} orders looked up) in ${final.durationMs} ms`,
    );
    const positions: PositionsInput = {
      instruments: final.books.map((b) => ({ symbol: b.symbol, tickSize: b.tickSize, lotSize: b.lotSize })),
      positions: final.positions,
      // Indexed by process: the FIX clients' logins, then the direct clients' (unused ones stay flat).
      logins: Array.from({ length: CLIENTS_MAX + directs.length }, (_, p) => loginOf(p)),
    };
    const marketData: MarketDataInput = {
      messages: mdRecorder.messages,
      books: final.books.map((b) => ({ instrumentId: b.instrumentId, symbol: b.symbol, levels: b.levels })),
      headSeqs,
      problem: mdRecorder.problem,
    };
    result = check(history.events, { reads, replicas, offline: final, positions, marketData });
    const lines: string[] = [];
    // Loops, not push(...spread): a long run reads 100 000+ orders (the call stack takes fewer arguments).
    for (const r of reads) lines.push(JSON.stringify({ type: 'final-read', ...r }));
    for (const r of replicas) lines.push(JSON.stringify({ type: 'final-replica', ...r }));
    lines.push(JSON.stringify({ type: 'final-positions', ...positions }));
    lines.push(
      JSON.stringify({
        type: 'final-books',
        books: marketData.books,
        headSeqs: headSeqs === undefined ? null : [...headSeqs],
        problem: marketData.problem ?? null,
      }),
    );
    // Written in pieces: one string of a long run's history would approach V8's string length limit.
    const fd = openSync(join(runDir, 'history.jsonl'), 'w');
    try {
      const piece = 10_000;
      for (let i = 0; i < history.events.length; i += piece) {
        const text = history.events
          .slice(i, i + piece)
          .map((e) => JSON.stringify(e))
          .join('\n');
        writeSync(fd, `${text}\n`);
      }
      writeSync(fd, `${lines.join('\n')}\n`);
    } finally {
      closeSync(fd);
    }
    writeFileSync(
      join(runDir, 'md.jsonl'),
      `${mdRecorder.messages.map((m) => JSON.stringify(m)).join('\n')}\n`,
    );
  } finally {
    recorder?.stop();
    for (const c of clients) c.close();
    await Promise.all(directs.map((d) => d.close()));
    if (tokenBefore === undefined) delete process.env[EXEC_FEED_TOKEN_ENV];
    else process.env[EXEC_FEED_TOKEN_ENV] = tokenBefore;
    await venue.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log('chaos: venue stopped');
  }
  const durationMs = Date.now() - startedMs;
  const faultKinds = new Map<string, number>();
  for (const e of history.events)
    if (e.type === 'fault' && e.phase === 'start')
      faultKinds.set(e.fault, (faultKinds.get(e.fault) ?? 0) + 1);
  const faultText = `${faultsInjected} (${[...faultKinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`;
  // The clients of the gateway process the gateway-restart nemeses kill (the others use another).
  const restartedGatewayClients = new Set(
    clients.filter((c) => useGateway && c.process < SECOND_GATEWAY_FROM_PROCESS).map((c) => c.process),
  );
  const recovery = recoveryByFault(history, restartedGatewayClients);
  const finalText =
    offline === undefined
      ? 'not read'
      : `node ${offline.member} rebuilt offline to ${offline.appliedIndex} (${offline.entriesReplayed} entries, ` +
        `${offline.durationMs} ms); hash ${offline.hashMatches ? 'equals' : 'NOT compared or differs from'} ` +
        `the replicas'; log time regressions ${offline.timestampRegressions}`;
  const reconnects = clients.reduce((n, c) => n + c.reconnects, 0);
  const transports = transportStats(history.events);
  const gatewayText = useGateway
    ? `CLIENT1-2 through a separate \`venue gateway\` process (the one gateway-restart kills), CLIENT3-4 through \`venue start\`'s gateway; resume-mode FIX clients (141=N); sessions re-established ${reconnects}`
    : 'the gateway inside `venue start`, reset-mode FIX clients';
  const summary = summarize(
    options,
    result,
    faultText,
    durationMs,
    runDir,
    recovery,
    finalText,
    mdText,
    gatewayText,
    rejectReasons(history),
    transportText(transports),
    directText,
  );
  writeFileSync(
    join(runDir, 'report.md'),
    `${summary}\n${faultList(history)}\n![latency over time](latency.svg)\n`,
  );
  try {
    writeFileSync(
      join(runDir, 'latency.svg'),
      latencySvg(
        history.events,
        `chaos run: seed ${options.seed}, ${options.seconds} s, ${faultsInjected} faults`,
      ),
    );
  } catch (e) {
    // The verdict is in report.md already: a plot that cannot be drawn must not turn it into exit 2.
    log(`chaos: latency plot not written: ${(e as Error).message}`);
  }
  // The members' and the venue's JSON-lines logs live under data/logs: kept when the run is.
  if (!result.valid || options.keep) {
    try {
      renameSync(join(runDir, 'data', 'logs'), join(runDir, 'logs'));
    } catch {
      // no logs folder (an older venue build): venue.log holds everything
    }
  }
  rmSync(join(runDir, 'data'), { recursive: true, force: true });
  if (result.valid && !options.keep) {
    rmSync(join(runDir, 'history.jsonl'), { force: true });
    rmSync(join(runDir, 'md.jsonl'), { force: true });
    rmSync(join(runDir, 'venue.log'), { force: true });
  }
  return {
    result,
    runDir,
    faultsInjected,
    durationMs,
    summary,
    offline,
    marketData: mdText,
    reconnects,
    transports,
  };
}

/**
 * Polls the replicas (bounded) until one poll sees all three report the same state hash at the same
 * log position. The venue appends a timer entry about every second, so positions move while idle;
 * agreement within one poll is what "same hash at the same position" can mean on a live cluster.
 */
async function quiesce(venue: VenueProcess): Promise<ReplicaState[]> {
  const deadline = Date.now() + QUIESCE_TIMEOUT_MS;
  let last: ReplicaState[] = [];
  while (Date.now() < deadline) {
    last = await venue.replicaStates();
    const keys = new Set(last.map((r) => `${r.hashIndex}:${r.stateHash}`));
    if (keys.size === 1 && last.every((r) => r.stateHash !== null)) return last;
    await new Promise((r) => setTimeout(r, QUIESCE_POLL_MS));
  }
  return last;
}

function summarize(
  options: ChaosOptions,
  result: CheckResult,
  faults: string,
  durationMs: number,
  runDir: string,
  recovery: string,
  finalText: string,
  mdText: string,
  gatewayText: string,
  rejects: string,
  transports: string,
  directText: string,
): string {
  const s = result.stats;
  const rows: [string, string | number][] = [
    ['verdict', result.valid ? 'PASS' : `FAIL (${result.violations.length} violations)`],
    ['seed', options.seed],
    ['seconds (workload)', options.seconds],
    ['nemeses', options.nemeses.join(', ') || 'none'],
    ['faults injected', faults],
    ['operations', s.operations],
    ['operations / acknowledged orders per transport', transports],
    ['ok / failed / indeterminate', `${s.ok} / ${s.failed} / ${s.indeterminate}`],
    ['failed operations by reason (top 5)', rejects || 'none'],
    ['orders acknowledged', s.ordersAcknowledged],
    [
      'orders live / done / undecided / unread',
      `${s.ordersLive} / ${s.ordersTerminal} / ${s.ordersUndecided} / ${s.ordersUnread}`,
    ],
    ['fills', s.fills],
    ['acknowledged lost', count(result, 'ack-lost')],
    ['orders duplicated', count(result, 'order-duplicated')],
    [
      'fills lost / doubled / unmatched',
      `${count(result, 'fill-lost')} / ${count(result, 'fill-doubled')} / ${count(result, 'fill-unmatched')}`,
    ],
    [
      'orders with status reads checked',
      `${s.ordersReadChecked} (not linearizable: ${count(result, 'read-not-linearizable')})`,
    ],
    ['replicas agreeing', `${s.replicasAgreeing} of 3`],
    [
      'trades paired (maker/taker fills agree)',
      `${s.tradesPaired ?? 'not checked'} (unpaired: ${count(result, 'trade-unpaired')})`,
    ],
    [
      'positions and cash = sum of fills',
      `${s.positionsChecked ?? 'not checked'} account x instrument compared (position mismatches ${count(result, 'position-mismatch')}, cash mismatches ${count(result, 'cash-mismatch')})`,
    ],
    [
      'market-data replay = final book',
      `${s.mdMessagesReplayed ?? 'not checked'} messages replayed, ${s.mdLevelsCompared ?? 0} final levels compared, ` +
        `recovery snapshots ${s.mdRecoverySnapshots ?? 0} (mismatches ${count(result, 'md-replay-mismatch')}, ` +
        `unrecovered gaps ${count(result, 'md-gap-unrecovered')}, invalid updates ${count(result, 'md-update-invalid')})`,
    ],
    ['market-data recorder', mdText],
    ['gateway', gatewayText],
    ['direct clients (cluster client)', directText],
    ['final state', finalText],
    [
      "first ack after fault start (median / max ms; gateway restarts: that gateway's clients)",
      recovery || 'no faults',
    ],
    ['wall time', `${(durationMs / 1000).toFixed(1)} s`],
  ];
  const table = ['| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  const violations = result.violations.map((v) => `- **${v.property}** ${v.subject}: ${v.explanation}`);
  return [
    `# Chaos run ${runDir}`,
    '',
    table,
    '',
    result.valid ? 'No violations.' : ['## Violations', '', ...violations].join('\n'),
    '',
    `Replay with: pnpm chaos --seconds ${options.seconds} --nemesis ${options.nemeses.join(',')} --seed ${options.seed}`,
    '',
  ].join('\n');
}

/**
 * Liveness per fault kind: from each fault's start to the first acknowledgement of an operation
 * invoked after it (how long clients saw no progress). Median and max in ms.
 */
/**
 * Per fault kind, the time from a fault's start to the first acknowledgement of an operation
 * invoked after it. For gateway restarts only the restarted gateway's clients count
 * (`gatewayProcesses`): the other gateway's and the direct clients keep trading meanwhile.
 */
function recoveryByFault(history: History, gatewayProcesses: ReadonlySet<number>): string {
  const invokedMs = new Map<string, number>();
  const acks: { invokedMs: number; ackMs: number; process: number }[] = [];
  for (const e of history.events) {
    if (e.type === 'invoke') invokedMs.set(`${e.process}/${e.opId}`, e.timeMs);
    else if (e.type === 'ok')
      acks.push({
        invokedMs: invokedMs.get(`${e.process}/${e.opId}`) ?? e.timeMs,
        ackMs: e.timeMs,
        process: e.process,
      });
  }
  const byKind = new Map<string, number[]>();
  for (const e of history.events) {
    if (e.type !== 'fault' || e.phase !== 'start') continue;
    const gatewayFault = e.fault.startsWith('gateway-restart');
    let first = Number.POSITIVE_INFINITY;
    for (const a of acks)
      if (a.invokedMs > e.timeMs && a.ackMs < first && (!gatewayFault || gatewayProcesses.has(a.process)))
        first = a.ackMs;
    if (first === Number.POSITIVE_INFINITY) continue;
    const list = byKind.get(e.fault) ?? [];
    list.push(first - e.timeMs);
    byKind.set(e.fault, list);
  }
  return [...byKind]
    .map(([kind, ms]) => {
      ms.sort((a, b) => a - b);
      return `${kind} ${ms[Math.floor(ms.length / 2)]} / ${ms[ms.length - 1]}`;
    })
    .join(', ');
}

/** The most frequent texts of rejected operations, with counts and the time span they cover. */
function rejectReasons(history: History): string {
  const byText = new Map<string, { n: number; firstMs: number; lastMs: number }>();
  for (const e of history.events) {
    if (e.type !== 'fail') continue;
    const text = e.text.slice(0, 60);
    const r = byText.get(text) ?? { n: 0, firstMs: e.timeMs, lastMs: e.timeMs };
    r.n += 1;
    r.lastMs = e.timeMs;
    byText.set(text, r);
  }
  return [...byText]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 5)
    .map(([t, r]) => `${r.n} "${t}" (${(r.firstMs / 1000).toFixed(0)}..${(r.lastMs / 1000).toFixed(0)} s)`)
    .join('; ');
}

/** Every fault in order with its nodes and what happened (the fault events' details). */
function faultList(history: History): string {
  const lines = ['## Faults', '', '| t (s) | fault | nodes | phase | detail |', '|---:|---|---|---|---|'];
  for (const e of history.events)
    if (e.type === 'fault')
      lines.push(
        `| ${(e.timeMs / 1000).toFixed(1)} | ${e.fault} | ${e.nodes.join(',')} | ${e.phase} | ${e.detail ?? ''} |`,
      );
  return `${lines.length > 4 ? lines.join('\n') : '## Faults\n\nnone'}\n`;
}

/** The short table CI prints: the figures the issue asks for. */
export function ciTable(report: ChaosReport): string {
  const s = report.result.stats;
  const n = (p: string) => report.result.violations.filter((v) => v.property === p).length;
  const rows: [string, string | number][] = [
    ['faults injected', report.faultsInjected],
    ['operations', s.operations],
    ['acknowledged orders', s.ordersAcknowledged],
    ['per transport', transportText(report.transports)],
    ['lost (must be 0)', n('ack-lost') + n('fill-lost')],
    ['duplicated (must be 0)', n('order-duplicated') + n('fill-doubled')],
    ['replicas agreeing', `${s.replicasAgreeing} of 3`],
    [
      'positions/cash = sum of fills',
      `${n('position-mismatch') + n('cash-mismatch') + n('trade-unpaired') === 0 ? 'OK' : 'FAIL'} (${s.tradesPaired ?? 0} trades paired, ${s.positionsChecked ?? 0} positions)`,
    ],
    [
      'market-data replay = final book',
      `${n('md-replay-mismatch') + n('md-gap-unrecovered') + n('md-update-invalid') === 0 ? 'OK' : 'FAIL'} (${s.mdMessagesReplayed ?? 0} messages, ${s.mdLevelsCompared ?? 0} levels)`,
    ],
    ['verdict', report.result.valid ? 'PASS' : `FAIL (${report.result.violations.length} violations)`],
  ];
  return ['| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function count(result: CheckResult, property: string): number {
  return result.violations.filter((v) => v.property === property).length;
}

/** What the direct clients did: sessions, where their reports came from, their feeds. */
function directSummary(directs: readonly DirectClient[], head: number): string {
  const sum = { reply: 0, event: 0, feed: 0, duplicates: 0, reconnects: 0, feedReconnects: 0, gaps: 0 };
  for (const d of directs) {
    sum.reply += d.reports.stats.reply;
    sum.event += d.reports.stats.event;
    sum.feed += d.reports.stats.feed;
    sum.duplicates += d.reports.stats.duplicates;
    sum.reconnects += d.reconnects;
    const f = d.feedStats();
    sum.feedReconnects += f.reconnects;
    sum.gaps += f.gapReports;
  }
  const behind = directs.filter((d) => d.reports.position < head).length;
  return (
    `${directs.length} (DIRECT1..${directs.length}); reports recorded first from replies ${sum.reply}, ` +
    `session events ${sum.event}, execution feed ${sum.feed}; later copies dropped by ExecID ${sum.duplicates}; ` +
    `sessions reopened ${sum.reconnects}; feed reconnects ${sum.feedReconnects}, reports missing from every ` +
    `member ${sum.gaps}; feed at ExecID ${directs.map((d) => d.reports.position).join(', ')} of head ${head}` +
    (behind > 0 ? ` (${behind} NOT caught up)` : '')
  );
}
