import { OrderIndex, type OrderView } from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('OrderIndex (open addressing, backward-shift delete, incremental growth)', () => {
  it.each([
    [1, 'growths move one slot per write'],
    [3, 'three slots per write'],
    [64, 'the default 64 slots per write'],
  ])('behaves like a Map under random inserts/deletes, including growth (%i: %s)', (slots) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300 })), { maxLength: 2_000 }),
        (ops) => {
          const idx = new OrderIndex(2, slots);
          const ref = new Map<number, object>();
          for (const [insert, id] of ops) {
            if (insert) {
              const o = { id };
              idx.set(id, o as never);
              ref.set(id, o);
            } else {
              expect(idx.delete(id)).toBe(ref.delete(id));
            }
            expect(idx.size).toBe(ref.size);
          }
          for (let id = 1; id <= 300; id++) expect(idx.get(id)).toBe(ref.get(id));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('handles large and clustered ids', () => {
    const idx = new OrderIndex(8, 1);
    const ids = [2 ** 40, 2 ** 40 + 1, 2 ** 52, 7, 2 ** 32, 2 ** 32 + 8];
    for (const id of ids) idx.set(id, { id } as unknown as never);
    for (const id of ids) expect((idx.get(id) as unknown as OrderView).id).toBe(id);
    expect(idx.delete(2 ** 40)).toBe(true);
    expect(idx.get(2 ** 40)).toBeUndefined();
    expect((idx.get(2 ** 40 + 1) as unknown as OrderView).id).toBe(2 ** 40 + 1);
  });

  it('grows a little per write: 200,000 sequential ids, half deleted, all found', () => {
    const idx = new OrderIndex(16, 2);
    for (let id = 1; id <= 200_000; id++) idx.set(id, { id } as unknown as never);
    let wrong = 0;
    for (let id = 2; id <= 200_000; id += 2) if (!idx.delete(id)) wrong++;
    expect(idx.size).toBe(100_000);
    for (let id = 1; id <= 200_000; id++) if ((idx.get(id) === undefined) !== (id % 2 === 0)) wrong++;
    expect(wrong).toBe(0);
  });

  it('refuses a capacity that is not a power of two, or no progress per write', () => {
    expect(() => new OrderIndex(12)).toThrow(RangeError);
    expect(() => new OrderIndex(16, 0)).toThrow(RangeError);
  });
});
