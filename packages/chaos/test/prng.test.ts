import { describe, expect, it } from 'vitest';
import { Prng } from '../src/random/prng.js';

const draws = (r: Prng, n: number) => Array.from({ length: n }, () => r.int(0, 1_000_000));

describe('Prng streams: each part of a run draws from its own generator', () => {
  it('the same (seed, stream) repeats; other streams and seeds differ', () => {
    expect(draws(Prng.forStream(7, 0), 20)).toEqual(draws(Prng.forStream(7, 0), 20));
    const nemesis = draws(Prng.forStream(7, 0), 20);
    for (let s = 1; s <= 8; s++) expect(draws(Prng.forStream(7, s), 20)).not.toEqual(nemesis);
    expect(draws(Prng.forStream(8, 0), 20)).not.toEqual(nemesis);
  });

  it("the nemesis's choices do not depend on how many draws the workload made meanwhile", () => {
    const alone = draws(Prng.forStream(3, 0), 10);
    const nemesis = Prng.forStream(3, 0);
    const client = Prng.forStream(3, 1);
    const interleaved: number[] = [];
    for (let i = 0; i < 10; i++) {
      draws(client, i % 3); // a busy client draws a varying number of times between two faults
      interleaved.push(nemesis.int(0, 1_000_000));
    }
    expect(interleaved).toEqual(alone);
  });

  it('refuses a bad stream number', () => {
    expect(() => Prng.forStream(1, -1)).toThrow(/stream/);
    expect(() => Prng.forStream(1, 1.5)).toThrow(/stream/);
  });
});
