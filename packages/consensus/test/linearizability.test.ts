import { checkLinearizable, type Operation, type RegisterInput, registerModel } from '@venue/consensus';
import { describe, expect, it } from 'vitest';

const op = (
  clientId: number,
  input: RegisterInput,
  output: number | undefined,
  callMs: number,
  returnMs: number,
): Operation<RegisterInput, number> => ({ clientId, input, output, callMs, returnMs });
const W = (v: number): RegisterInput => ({ op: 'write', value: v });
const R: RegisterInput = { op: 'read', value: 0 };
const I: RegisterInput = { op: 'incr', value: 0 };

describe('linearizability checker (Wing-Gong / Porcupine)', () => {
  it('accepts a sequential history that follows the model', () => {
    expect(
      checkLinearizable(registerModel, [op(0, W(5), 5, 0, 1), op(0, R, 5, 2, 3), op(0, I, 6, 4, 5)]),
    ).toEqual({
      result: 'ok',
    });
  });

  it('rejects a stale read after a completed write', () => {
    const h = [op(0, W(1), 1, 0, 10), op(1, R, 0, 20, 30)];
    expect(checkLinearizable(registerModel, h).result).toBe('illegal');
  });

  it('accepts either order for concurrent operations', () => {
    const h = [op(0, W(1), 1, 0, 10), op(1, R, 0, 5, 15), op(2, R, 1, 12, 20)];
    expect(checkLinearizable(registerModel, h).result).toBe('ok');
  });

  it('rejects a read that observes values in an impossible order', () => {
    // Two concurrent writes; readers then see 2 then 1 then 2 again, with the reads sequential.
    const h = [
      op(0, W(1), 1, 0, 10),
      op(1, W(2), 2, 0, 10),
      op(2, R, 2, 11, 12),
      op(2, R, 1, 13, 14),
      op(2, R, 2, 15, 16),
    ];
    expect(checkLinearizable(registerModel, h).result).toBe('illegal');
  });

  it('a pending write may or may not have happened', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(checkLinearizable(registerModel, [op(0, W(3), undefined, 0, inf), op(1, R, 3, 5, 6)]).result).toBe(
      'ok',
    );
    expect(checkLinearizable(registerModel, [op(0, W(3), undefined, 0, inf), op(1, R, 0, 5, 6)]).result).toBe(
      'ok',
    );
  });

  it('catches a double-applied increment (exactly-once violation)', () => {
    const h = [op(0, I, 1, 0, 10), op(1, I, 3, 20, 30)];
    expect(checkLinearizable(registerModel, h).result).toBe('illegal');
  });

  it('refuses a malformed history with a clear error', () => {
    expect(() => checkLinearizable(registerModel, [op(0, R, 0, 10, 5)])).toThrow(/returns before/);
  });
});
