import {
  type Faults,
  runSimulation,
  SIM_PROFILES,
  type SimMutations,
  type SimResult,
} from '@venue/consensus';

/** The crash-heavy profile that reaches Figure-8 histories (see SIM_PROFILES). */
export const FIGURE8_PROFILE: Partial<Faults> = SIM_PROFILES.figure8;

export function report(r: SimResult): string {
  return `seed ${r.seed}: ${r.failure}\n${r.trace.join('\n')}`;
}

/** Runs seeds [first, first + count); throws with the trace of the first failing seed. */
export function runSeeds(
  first: number,
  count: number,
  options: { nodeCount?: 3 | 5; faults?: Partial<Faults>; mutations?: SimMutations } = {},
): { seeds: number; faultSteps: number } {
  let faultSteps = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = runSimulation({ seed, ...options });
    if (!r.ok) throw new Error(report(r));
    if (r.stats.linearizability === 'illegal') throw new Error(`seed ${seed}: history not linearizable`);
    faultSteps += r.stats.faultSteps;
  }
  return { seeds: count, faultSteps };
}

/** First seed in [1, budget] on which the simulator reports a failure matching `pattern`, or undefined. */
export function firstFailingSeed(
  budget: number,
  options: { nodeCount?: 3 | 5; faults?: Partial<Faults>; mutations: SimMutations },
  pattern: RegExp = /./,
): SimResult | undefined {
  for (let seed = 1; seed <= budget; seed++) {
    const r = runSimulation({ seed, ...options });
    if (!r.ok && pattern.test(r.failure ?? '')) return r;
  }
  return undefined;
}
