/**
 * Snapshot assembly on the consensus thread (issue 12): the services stream a snapshot image in pieces
 * and the member's consensus thread joins them into the one buffer the core keeps (to send followers
 * offsets of it). Compares the longest event-loop gap (what heartbeats and commits wait for) of one
 * copy at once (`concatChunks`, before) and of the copy that yields every few MiB
 * (`concatPiecesYielding`, after), same run, same pieces.
 *
 *   node --import tsx packages/consensus/bench/snapshot-assembly.bench.ts [--mb 115] [--runs 3]
 */
import { cpus, loadavg } from 'node:os';
import { concatPiecesYielding } from '../src/runtime/node/snapshot-assembly.js';
import { concatChunks } from '../src/service-host/incremental-snapshot.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? dflt : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}
const MB = arg('mb', 115);
const RUNS = arg('runs', 3);
const pieces = Array.from({ length: MB }, (_, i) => new Uint8Array(1 << 20).fill(i & 0xff));

/** Runs `f` while a setImmediate loop records the longest gap between its turns. */
async function measure(f: () => Promise<Uint8Array>): Promise<{ totalMs: number; gapMs: number }> {
  let gapMs = 0;
  let last = performance.now();
  let running = true;
  const turn = () => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  await new Promise((r) => setTimeout(r, 20));
  gapMs = 0;
  const t0 = performance.now();
  const out = await f();
  const totalMs = performance.now() - t0;
  running = false;
  await new Promise((r) => setTimeout(r, 5));
  if (out.length !== MB << 20) throw new Error('wrong size');
  return { totalMs, gapMs };
}

console.log(
  `snapshot assembly: ${MB} pieces of 1 MiB; ${cpus().length} cpus, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('variant     run  total ms  longest event-loop gap ms');
const gaps = { once: [] as number[], yielding: [] as number[] };
for (let r = 1; r <= RUNS; r++) {
  const a = await measure(async () => concatChunks(pieces));
  const b = await measure(() => concatPiecesYielding(pieces));
  gaps.once.push(a.gapMs);
  gaps.yielding.push(b.gapMs);
  console.log(`at once     ${r}    ${a.totalMs.toFixed(1).padStart(6)}  ${a.gapMs.toFixed(1)}`);
  console.log(`yielding    ${r}    ${b.totalMs.toFixed(1).padStart(6)}  ${b.gapMs.toFixed(1)}`);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
console.log(
  `median longest gap: at once ${median(gaps.once).toFixed(1)} ms, yielding ${median(gaps.yielding).toFixed(1)} ms ` +
    `(${(median(gaps.once) / median(gaps.yielding)).toFixed(1)}x shorter)`,
);
