import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../src/runtime/storage/fifo.js';

describe('Fifo', () => {
  it('keeps order through pushes, shifts and compactions', () => {
    const q = new Fifo<number>();
    expect(q.shift()).toBeUndefined();
    let next = 0;
    let expected = 0;
    // Interleave so the head passes the compaction threshold many times with items still queued.
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 300; k++) q.push(next++);
      for (let k = 0; k < 200; k++) expect(q.shift()).toBe(expected++);
      expect(q.length).toBe(next - expected);
      expect(q.at(0)).toBe(expected);
      expect(q.at(q.length - 1)).toBe(next - 1);
      expect(q.at(q.length)).toBeUndefined();
    }
    expect([...q].slice(0, 3)).toEqual([expected, expected + 1, expected + 2]);
    const rest = q.drain();
    expect(rest.length).toBe(next - expected);
    expect(rest[0]).toBe(expected);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
