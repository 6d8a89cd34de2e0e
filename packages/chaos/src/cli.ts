import { fileURLToPath } from 'node:url';
import { fuzzMain } from './fuzz/run-fuzz.js';
import { NEMESES, type NemesisKind, parseNemeses } from './nemesis/nemesis.js';
import { recheckFile } from './run/recheck.js';
import { type ChaosOptions, ciOptions, ciTable, runChaos } from './run/run.js';

const USAGE = `pnpm chaos [--minutes N | --seconds N] [--nemesis L] [--seed S] [--clients C] [--direct D] [--faults F] [--keep]
pnpm chaos --ci
pnpm chaos --check FILE

  --minutes N   workload duration in minutes (same as --seconds 60*N)
  --seconds N   workload duration (default 60)
  --nemesis L   comma-separated faults to draw from (default all: ${NEMESES.join(',')}); 'none' for no faults
  --seed S      PRNG seed for the workload and the fault schedule (default: time-based, printed)
  --clients C   FIX clients, alternating TCP and WebSocket (1..4, default 4)
  --direct D    direct clients of the cluster client (own accounts DIRECT1..D, no gateway; 0..4, default 1)
  --faults F    at most F faults (default 1000)
  --keep        keep history and logs of a passing run too
  --check FILE  only re-run the checker on a kept history.jsonl and print its verdict
  --ci          the short CI run (kill leader, isolate leader, kill follower, gateway restart,
                isolate+kill-leader; ~55 s) and its table
pnpm chaos --fuzz [--mutations N] [--seed S] [--cluster]: FIX fuzzing of a live venue (see README).
Results: packages/chaos/results/<UTC timestamp>/ (report.md, latency.svg; on failure also
history.jsonl, md.jsonl, venue.log and logs/).`;

function parse(argv: readonly string[]): ChaosOptions | string {
  let seconds = 60;
  let nemeses: NemesisKind[] = [...NEMESES];
  let seed = Date.now() % 1_000_000_007;
  let clients = 4;
  let direct = 1;
  let faultsMax = 1_000;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === '--') continue;
    if (key === '--help' || key === '-h') return USAGE;
    if (key === '--keep') {
      keep = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) return `option ${key} needs a value\n\n${USAGE}`;
    i += 1;
    const n = Number(value);
    switch (key) {
      case '--seconds':
        seconds = n;
        break;
      case '--minutes':
        seconds = n * 60;
        break;
      case '--nemesis':
        try {
          nemeses = value === 'none' ? [] : parseNemeses(value);
        } catch (e) {
          return (e as Error).message;
        }
        break;
      case '--seed':
        seed = n;
        break;
      case '--clients':
        clients = n;
        break;
      case '--direct':
        direct = n;
        break;
      case '--faults':
        faultsMax = n;
        break;
      default:
        return `unknown option ${key}\n\n${USAGE}`;
    }
    if (key !== '--nemesis' && !Number.isInteger(n)) return `${key} needs an integer, got '${value}'`;
  }
  return {
    seconds,
    nemeses,
    seed,
    clients,
    direct,
    faultsMax,
    keep,
    intervalMs: 3_000,
    holdMs: 2_000,
    thinkMs: 20,
    resultsDir: fileURLToPath(new URL('../results', import.meta.url)),
    log: (line) => console.log(line),
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  if (argv[0] === '--fuzz') return fuzzMain(argv.slice(1));
  if (argv[0] === '--check') {
    const file = argv[1];
    if (file === undefined) return usageError('--check needs a history.jsonl');
    try {
      const result = recheckFile(file);
      console.log(JSON.stringify(result.stats));
      for (const v of result.violations) console.log(`${v.property} ${v.subject}: ${v.explanation}`);
      console.log(result.valid ? 'chaos check: PASS' : 'chaos check: FAIL');
      return result.valid ? 0 : 1;
    } catch (e) {
      console.error(`chaos check: ${(e as Error).message}`);
      return 2;
    }
  }
  if (argv[0] === '--ci') {
    const resultsDir = fileURLToPath(new URL('../results', import.meta.url));
    try {
      const report = await runChaos(ciOptions(resultsDir, (line) => console.log(line)));
      console.log(ciTable(report));
      console.log(report.result.valid ? 'chaos: PASS' : `chaos: FAIL, details in ${report.runDir}`);
      return report.result.valid ? 0 : 1;
    } catch (e) {
      console.error(`chaos: run failed: ${(e as Error).stack ?? String(e)}`);
      return 2;
    }
  }
  const options = parse(process.argv.slice(2));
  if (typeof options === 'string') {
    console.log(options);
    return options === USAGE ? 0 : 2;
  }
  try {
    const report = await runChaos(options);
    console.log(report.summary);
    console.log(report.result.valid ? 'chaos: PASS' : `chaos: FAIL, details in ${report.runDir}`);
    return report.result.valid ? 0 : 1;
  } catch (e) {
    console.error(`chaos: run failed: ${(e as Error).stack ?? String(e)}`);
    return 2;
  }
}

function usageError(text: string): number {
  console.log(`${text}\n\n${USAGE}`);
  return 2;
}

process.exitCode = await main();
