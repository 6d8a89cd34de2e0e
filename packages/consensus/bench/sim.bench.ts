import { runSimulation } from '../src/index.js';

/** Simulator throughput: seeds/s and fault-steps/s on default swarm seeds (3- and 5-node). */
const seeds = Number(process.env.SIM_BENCH_SEEDS ?? 1000);
const started = process.hrtime.bigint();
let faultSteps = 0;
let steps = 0;
let messages = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const r = runSimulation({ seed });
  if (!r.ok) throw new Error(`seed ${seed} failed: ${r.failure}`);
  faultSteps += r.stats.faultSteps;
  steps += r.stats.steps;
  messages += r.stats.messagesSent;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `consensus sim: ${seeds} seeds in ${seconds.toFixed(2)}s = ${(seeds / seconds).toFixed(1)} seeds/s, ` +
    `${Math.round(faultSteps / seconds)} fault-steps/s, ${Math.round(steps / seconds)} steps/s, ` +
    `${Math.round(messages / seconds)} simulated messages/s`,
);
