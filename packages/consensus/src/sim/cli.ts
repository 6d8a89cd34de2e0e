import { runSimulation, SIM_PROFILES, type SimMutations, type SimResult } from './simulator.js';

/**
 * `pnpm --filter @venue/consensus sim --seeds N [--seed S] [--nodes 3|5] [--mutation NAME] [--messages]
 *    [--sim-version V] [--profile swarm|figure8] [--keep-going]`
 * Runs N seeds (from S, default 1); with only --seed, replays that one seed and prints its trace.
 */
function parse(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(a.slice(2), 'true');
    else {
      out.set(a.slice(2), next);
      i++;
    }
  }
  return out;
}

function intArg(args: Map<string, string>, name: string): number | undefined {
  const v = args.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got '${v}'`);
    process.exit(2);
  }
  return n;
}

function printFailure(r: SimResult): void {
  console.log(`\nFAILED seed ${r.seed}: ${r.failure}`);
  console.log('--- last events ---');
  for (const line of r.trace) console.log(line);
  const keep: string[] = [];
  for (const [k, v] of args) {
    if (k === 'seeds' || k === 'seed' || k === 'keep-going') continue;
    keep.push(v === 'true' ? `--${k}` : `--${k} ${v}`);
  }
  console.log(`--- replay: pnpm --filter @venue/consensus sim --seed ${r.seed} ${keep.join(' ')} ---`);
}

const args = parse(process.argv.slice(2));
const seedsArg = intArg(args, 'seeds');
const seed = intArg(args, 'seed');
const nodes = intArg(args, 'nodes');
if (nodes !== undefined && nodes !== 3 && nodes !== 5) {
  console.error('--nodes must be 3 or 5');
  process.exit(2);
}
const simVersion = intArg(args, 'sim-version');
const profileName = args.get('profile') ?? 'swarm';
if (profileName !== 'swarm' && profileName !== 'figure8') {
  console.error('--profile must be swarm or figure8');
  process.exit(2);
}
const faults = SIM_PROFILES[profileName];
const mutationName = args.get('mutation');
const mutations: SimMutations | undefined = mutationName ? { [mutationName]: true } : undefined;
const count = seedsArg ?? (seed !== undefined ? 1 : 100);
const first = seed ?? 1;
const replayOne = seedsArg === undefined && seed !== undefined;

const started = process.hrtime.bigint();
let failed = 0;
let faultSteps = 0;
let steps = 0;
let ops = 0;
const totals = new Map<string, number>();
for (let s = first; s < first + count; s++) {
  const r = runSimulation({
    seed: s,
    ...(nodes === 3 || nodes === 5 ? { nodeCount: nodes } : {}),
    ...(mutations ? { mutations } : {}),
    ...(simVersion !== undefined ? { simVersion } : {}),
    faults,
    ...(replayOne ? { traceLinesMax: 400, traceMessages: args.has('messages') } : {}),
  });
  faultSteps += r.stats.faultSteps;
  totals.set('seedsRun', (totals.get('seedsRun') ?? 0) + 1);
  steps += r.stats.steps;
  ops += r.stats.opsCompleted;
  for (const [k, v] of Object.entries(r.stats))
    if (typeof v === 'number') totals.set(k, (totals.get(k) ?? 0) + v);
  if (replayOne) console.log(JSON.stringify(r.stats));
  if (!r.ok) {
    failed++;
    printFailure(r);
    if (!args.has('keep-going')) break;
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const ran = failed > 0 && !args.has('keep-going') ? (totals.get('seedsRun') ?? 0) : count;
console.log(
  `${ran} seeds in ${seconds.toFixed(2)}s: ` +
    `${(ran / seconds).toFixed(1)} seeds/s, ${(faultSteps / seconds).toFixed(0)} fault-steps/s, ` +
    `${(steps / seconds).toFixed(0)} steps/s, ${ops} client ops completed, ${failed} failed`,
);
if (!replayOne) {
  const keys = [
    'elections',
    'crashes',
    'partitions',
    'pauses',
    'clockJumps',
    'transfers',
    'snapshotsInstalled',
  ];
  const more = ['timerFires', 'sessionTimeouts', 'opsAmbiguous', 'messagesSent'];
  console.log(`totals: ${[...keys, ...more].map((k) => `${k} ${totals.get(k) ?? 0}`).join(', ')}`);
}
process.exit(failed > 0 ? 1 : 0);
