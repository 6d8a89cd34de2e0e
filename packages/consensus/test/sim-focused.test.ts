import { runSimulation, type SimOptions } from '@venue/consensus';
import { describe, expect, it } from 'vitest';
import { FIGURE8_PROFILE, report, runSeeds } from './sim-support.js';

/**
 * Seeds that once failed (bugs the simulator found), replayed on every run. Each entry says what
 * the bug was; the seed must keep passing.
 */
const REGRESSION_SEEDS: readonly { seed: number; options: Partial<SimOptions>; bug: string }[] = [
  {
    seed: 110_622,
    // Options pin the simulator features of the commit that found it, so the seed replays that history.
    options: { simVersion: 1 },
    bug:
      'snapshot install over a stale log kept the old entries as durable: the follower acked match 4 of a ' +
      'discarded term-1 log, the leader sent commit 4 in a heartbeat, and after a crash the follower ' +
      'committed its stale entries (committed entry 2 differs)',
  },
];

describe('simulator: focused profiles and regressions', () => {
  it('crash-heavy Figure-8 profile: 400 seeds on 3 nodes and 200 on 5 nodes', () => {
    expect(runSeeds(10_001, 400, { nodeCount: 3, faults: FIGURE8_PROFILE }).seeds).toBe(400);
    expect(runSeeds(20_001, 200, { nodeCount: 5, faults: FIGURE8_PROFILE }).seeds).toBe(200);
  });

  it('3- and 5-node clusters both run', () => {
    expect(runSeeds(30_001, 100, { nodeCount: 3 }).seeds).toBe(100);
    expect(runSeeds(40_001, 100, { nodeCount: 5 }).seeds).toBe(100);
  });

  it('regression seeds pass', () => {
    for (const { seed, options } of REGRESSION_SEEDS) {
      const r = runSimulation({ ...options, seed });
      expect(r.ok, report(r)).toBe(true);
    }
  });

  it('a seed replays exactly (same trace, same stats)', () => {
    const a = runSimulation({ seed: 4242, traceMessages: true, traceLinesMax: 200 });
    const b = runSimulation({ seed: 4242, traceMessages: true, traceLinesMax: 200 });
    expect(a.stats).toEqual(b.stats);
    expect(a.trace).toEqual(b.trace);
    expect(a.stats.opsCompleted).toBeGreaterThan(0);
  });
});
