import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VenueProcess } from '../cluster/venue-process.js';
import { WRONG_PASSWORD } from './corpus.js';
import { type FuzzReport, runFuzz } from './fuzzer.js';
import { fuzzAccounts, fuzzAdminToken, linesWithSecrets } from './secrets.js';
import { SingleVenue } from './venue.js';

export const FUZZ_USAGE = `pnpm chaos --fuzz [--mutations N] [--seed S] [--transports tcp,ws] [--cluster] [--verbose]

  Starts 'venue start --single' (loopback, free ports), runs the malformed-message corpus and N seeded
  random mutations (default 2000) over FIX/TCP and FIX/WebSocket, and checks the FIX answers, the
  session's sequence numbers and liveness, the log position, another account's orders and the books.
  --cluster: fuzz the gateway of 'venue start' (three members, the gateway as a cluster client)
  instead; demo logins, so the password-in-output check is left out.
  Exit code 0 = PASS, 1 = violations, 2 = the run could not be carried out.`;

/** The venue config the fuzzer runs against: the per-session throttle is raised (it is tested apart). */
export const FUZZ_VENUE_CONFIG = { fixThrottleMsgsPerSec: 1_000_000 } as const;

/** The report as a human-readable table. */
export function formatFuzzReport(r: FuzzReport): string {
  const lines: string[] = [];
  const failed = r.cases.filter((c) => c.problem !== undefined).length;
  lines.push(
    `fuzz seed ${r.seed}: ${r.cases.length} corpus cases (${failed} failed), ${r.mutationsSent} mutations in ${r.mutationMs} ms, ${r.reconnects} reconnects, ${r.resendRecoveries} resend recoveries, total ${r.durationMs} ms`,
  );
  lines.push('');
  lines.push('| transport | case | expected | answer | verdict |');
  lines.push('|---|---|---|---|---|');
  for (const c of r.cases) {
    lines.push(
      `| ${c.transport} | ${c.name} | ${c.expected} | ${c.answer.replace(/\|/g, '/')} | ${c.problem === undefined ? 'ok' : `FAIL: ${c.problem}`} |`,
    );
  }
  lines.push('');
  lines.push('| mutation answer | count |');
  lines.push('|---|---|');
  for (const [k, v] of Object.entries(r.mutationOutcomes).sort((a, b) => b[1] - a[1]))
    lines.push(`| ${k} | ${v} |`);
  lines.push('');
  lines.push(
    `mutation kinds: ${Object.entries(r.mutationKinds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(r.violations.length === 0 ? 'violations: none' : `violations (${r.violations.length}):`);
  for (const v of r.violations.slice(0, 50)) lines.push(`  - ${v}`);
  return lines.join('\n');
}

/** `pnpm chaos --fuzz ...`: returns the exit code. */
export async function fuzzMain(argv: readonly string[]): Promise<number> {
  let mutations = 2_000;
  let seed = Date.now() % 1_000_000_007;
  let transports: Array<'tcp' | 'ws'> = ['tcp', 'ws'];
  let verbose = false;
  let cluster = false;
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === '--help' || key === '-h') {
      console.log(FUZZ_USAGE);
      return 0;
    }
    if (key === '--verbose') {
      verbose = true;
      continue;
    }
    if (key === '--cluster') {
      cluster = true;
      continue;
    }
    const value = argv[++i];
    if (key === '--mutations' && value !== undefined && /^\d+$/.test(value)) mutations = Number(value);
    else if (key === '--seed' && value !== undefined && /^\d+$/.test(value)) seed = Number(value);
    else if (key === '--transports' && value !== undefined && /^(tcp|ws)(,(tcp|ws))?$/.test(value))
      transports = value.split(',') as Array<'tcp' | 'ws'>;
    else {
      console.log(`bad option ${key} ${value ?? ''}\n\n${FUZZ_USAGE}`);
      return 2;
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'venue-fuzz-'));
  if (cluster) {
    try {
      return await fuzzCluster(work, seed, mutations, transports);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  let venue: SingleVenue | undefined;
  try {
    const accounts = fuzzAccounts();
    const adminToken = fuzzAdminToken();
    venue = await SingleVenue.start(work, { ...FUZZ_VENUE_CONFIG, accounts, adminToken });
    const v = venue;
    console.log(
      `fuzz: venue pid ${v.pid} http ${v.httpUrl} fix 127.0.0.1:${v.fixPort}; seed ${seed}, ${mutations} mutations`,
    );
    const report = await runFuzz({
      endpoint: {
        host: '127.0.0.1',
        fixPort: v.fixPort,
        fixWsUrl: `${v.httpUrl.replace(/^http/, 'ws')}/fix`,
      },
      httpUrl: v.httpUrl,
      seed,
      mutations,
      transports,
      alive: () => v.alive,
      password: (login) => accounts.find((a) => a.login === login)?.password ?? '',
      log: (line) => console.log(line),
    });
    console.log(formatFuzzReport(report));
    if (verbose) console.log(v.output.slice(-20_000));
    // The venue's own output (gateway log lines) must not contain a password, right or wrong.
    const output = v.allOutput();
    const leaks = linesWithSecrets(output, [...accounts.map((a) => a.password), WRONG_PASSWORD, adminToken]);
    for (const l of leaks.slice(0, 10)) console.log(`secret in the venue's output: ${l}`);
    console.log(`secrets in ${output.length} chars of venue output and logs: ${leaks.length}`);
    const pass = report.violations.length === 0 && leaks.length === 0;
    console.log(pass ? 'fuzz: PASS' : 'fuzz: FAIL');
    return pass ? 0 : 1;
  } catch (e) {
    console.error(`fuzz: run failed: ${(e as Error).stack ?? String(e)}`);
    if (venue !== undefined) console.error(venue.output.slice(-4000));
    return 2;
  } finally {
    await venue?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The same fuzzing against `venue start` (three member processes, the gateway as their client). */
async function fuzzCluster(
  work: string,
  seed: number,
  mutations: number,
  transports: Array<'tcp' | 'ws'>,
): Promise<number> {
  let venue: VenueProcess | undefined;
  try {
    venue = await VenueProcess.start(work);
    const v = venue;
    console.log(
      `fuzz: cluster venue http ${v.httpUrl} fix 127.0.0.1:${v.fixPort}; seed ${seed}, ${mutations} mutations`,
    );
    const report = await runFuzz({
      endpoint: { host: '127.0.0.1', fixPort: v.fixPort, fixWsUrl: v.fixWsUrl },
      httpUrl: v.httpUrl,
      seed,
      mutations,
      transports,
      log: (line) => console.log(line),
      // The cluster's log grows by itself (session keep-alives): books, witness and replicas are checked.
      logPosition: null,
    });
    console.log(formatFuzzReport(report));
    // The replicas must agree after the fuzzing: one state hash at one position (bounded wait).
    let agreed = '';
    for (const end = Date.now() + 15_000; agreed === '' && Date.now() < end; ) {
      const replicas = await v.replicaStates();
      const keys = new Set(replicas.map((r) => `${r.stateHash ?? '-'}@${r.hashIndex}`));
      if (replicas.length === 3 && keys.size === 1 && !replicas.some((r) => r.stateHash === null))
        agreed = [...keys][0]!;
      else await new Promise((r) => setTimeout(r, 200));
    }
    console.log(
      agreed === '' ? 'replicas: NOT agreeing within 15 s' : `replicas agree: state hash ${agreed}`,
    );
    const pass = report.violations.length === 0 && agreed !== '';
    console.log(pass ? 'fuzz: PASS' : 'fuzz: FAIL');
    return pass ? 0 : 1;
  } catch (e) {
    console.error(`fuzz: run failed: ${(e as Error).stack ?? String(e)}`);
    return 2;
  } finally {
    await venue?.stop();
  }
}
