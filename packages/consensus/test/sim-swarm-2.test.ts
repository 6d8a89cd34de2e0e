import { describe, expect, it } from 'vitest';
import { runSeeds } from './sim-support.js';

// The CI seed budget is split across files so vitest runs them in parallel.
describe('simulator swarm (part 2 of 3)', () => {
  it('seeds 701..1400 pass every safety, linearizability and liveness check', () => {
    const r = runSeeds(701, 700);
    expect(r.seeds).toBe(700);
    expect(r.faultSteps).toBeGreaterThan(700 * 500);
  });
});
