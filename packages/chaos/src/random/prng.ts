/** A small seeded PRNG (mulberry32): a run's choices replay from its seed. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    if (!(max >= min)) throw new Error(`int: empty range [${min}, ${max}]`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick: empty list');
    return item;
  }

  /**
   * An independent stream for one part of a run (`stream` 0 = the nemesis, 1.. = workload
   * processes): each part draws from its own generator, so how the parts' draws interleave in time
   * cannot change what any of them chooses (the fault schedule of a seed is the same on every
   * machine; only timing differs).
   */
  static forStream(seed: number, stream: number): Prng {
    if (!Number.isInteger(stream) || stream < 0)
      throw new Error(`stream must be a non-negative integer, got ${stream}`);
    // A splitmix32-style mix of (seed, stream): nearby streams get unrelated states.
    let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return new Prng((z ^ (z >>> 15)) >>> 0);
  }
}
