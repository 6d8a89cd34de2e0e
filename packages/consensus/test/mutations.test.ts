import { describe, expect, it } from 'vitest';
import { FIGURE8_PROFILE, firstFailingSeed } from './sim-support.js';

/**
 * The checker has teeth: each deliberately broken variant must be caught by the simulator within
 * the CI seed budget (it stops at the first failing seed). Seeds are deterministic, so so is this.
 */
const BUDGET = 2000;

describe('simulator catches deliberately broken variants', () => {
  it('commitOldTermByCounting (Raft Figure 8)', () => {
    const r = firstFailingSeed(BUDGET, {
      nodeCount: 3,
      faults: FIGURE8_PROFILE,
      mutations: { commitOldTermByCounting: true },
    });
    expect(r?.failure).toMatch(
      /leader completeness|committed entry|state machine safety|linearizability|truncating committed/,
    );
  });

  it('voteBeforePersist (vote answered before term/vote are durable)', () => {
    const r = firstFailingSeed(BUDGET, { mutations: { voteBeforePersist: true } });
    expect(r?.failure).toMatch(
      /two leaders|leader completeness|committed entry|log matching|linearizability/,
    );
  });

  it('ackBeforeDurable (append acknowledged before it is durable)', () => {
    // Often first seen as a stuck follower (liveness); a safety violation follows within the budget.
    const any = firstFailingSeed(BUDGET, { mutations: { ackBeforeDurable: true } });
    expect(any?.failure).toBeDefined();
    const safety = firstFailingSeed(
      BUDGET,
      { mutations: { ackBeforeDurable: true } },
      /leader completeness|committed entry|state machine safety|linearizability/,
    );
    expect(safety?.failure).toBeDefined();
  });

  it('skipLogUpToDateCheck (votes for a candidate missing committed entries)', () => {
    const r = firstFailingSeed(BUDGET, { mutations: { skipLogUpToDateCheck: true } });
    expect(r?.failure).toMatch(/leader completeness|committed entry|linearizability|truncating committed/);
  });

  it('skipSessionDedup (retried request applied twice)', () => {
    const r = firstFailingSeed(BUDGET, { mutations: { skipSessionDedup: true } });
    expect(r?.failure).toMatch(/linearizability/);
  });
});
