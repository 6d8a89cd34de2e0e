import { runSimulation } from '@venue/consensus';
import { describe, expect, it } from 'vitest';

describe('simulator smoke', () => {
  it('passes 100 seeds with every fault kind drawn from the seed', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = runSimulation({ seed });
      if (!r.ok) throw new Error(`seed ${r.seed}: ${r.failure}\n${r.trace.join('\n')}`);
      expect(r.stats.linearizability).not.toBe('illegal');
    }
  });
});
