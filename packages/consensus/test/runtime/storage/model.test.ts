import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../src/runtime/storage/codec.js';
import {
  type Durability,
  SegmentLog,
  type SegmentLogOptions,
} from '../../../src/runtime/storage/segment-log.js';
import { expectSame, TempDirs } from './helpers.js';

const temp = new TempDirs();
/** Random sequences per property; raise with MODEL_RUNS=1000 when hunting bugs. */
const RUNS = Number(process.env.MODEL_RUNS ?? 60);
afterEach(() => temp.cleanup());

type Op =
  | { readonly kind: 'append'; readonly count: number; readonly termBump: boolean; readonly size: number }
  | { readonly kind: 'truncate'; readonly back: number }
  | { readonly kind: 'compact'; readonly back: number }
  | { readonly kind: 'reset'; readonly gap: number; readonly termBump: number }
  | { readonly kind: 'read'; readonly offset: number; readonly max: number; readonly maxBytes: number }
  | { readonly kind: 'settle' }
  | { readonly kind: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      count: fc.integer({ min: 1, max: 40 }),
      termBump: fc.boolean(),
      size: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 80 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 100 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reset' as const),
      gap: fc.integer({ min: 0, max: 50 }),
      termBump: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      offset: fc.nat(),
      max: fc.integer({ min: 1, max: 60 }),
      maxBytes: fc.integer({ min: 1, max: 6000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** Reference model: the entries the log must hold, and the term recorded before the first one. */
class Model {
  first = 1;
  prevTerm = 0;
  entries: LogEntry[] = [];
  get last(): number {
    return this.first + this.entries.length - 1;
  }
  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? this.prevTerm;
  }
}

async function check(log: SegmentLog, model: Model): Promise<void> {
  expect(log.lastIndex).toBe(model.last);
  expect(log.lastTerm).toBe(model.lastTerm);
  expect(log.firstIndex).toBe(model.first);
  expect(log.termAt(model.first - 1)).toBe(model.prevTerm);
  const got = model.entries.length > 0 ? log.read(model.first, 1_000_000, 1 << 30) : [];
  expectSame(got, model.entries);
  for (const e of model.entries) if (log.termAt(e.index) !== e.term) throw new Error(`termAt(${e.index})`);
}

async function runOps(ops: readonly Op[], durability: Durability): Promise<void> {
  const dir = temp.make();
  const options: SegmentLogOptions = {
    durability,
    segmentBytesMax: 1024,
    preallocateBytes: 256,
    indexCacheSegments: 1,
    pendingEntriesMax: 200,
  };
  let log = await SegmentLog.open(dir, options);
  const model = new Model();
  let pending: Promise<unknown>[] = [];
  let salt = 0;
  try {
    await applyAll();
  } finally {
    // Also on failure: no writer may outlive the run (its directory is deleted afterwards).
    await Promise.allSettled(pending);
    await log.close().catch(() => {});
  }
  const reopened = await SegmentLog.open(dir, options);
  await check(reopened, model);
  await reopened.close();

  async function applyAll(): Promise<void> {
    for (const op of ops) {
      switch (op.kind) {
        case 'append': {
          const term = model.lastTerm + (op.termBump ? 1 : 0);
          const batch: LogEntry[] = [];
          salt++;
          for (let k = 0; k < op.count; k++) {
            const index = model.last + 1 + k;
            const payload = Buffer.alloc((op.size + k * 7) % 301, (index + salt) & 0xff);
            batch.push({ index, term, timestampMs: index * 3, type: k % 3, payload });
          }
          const p = log.append(batch);
          if (p === false) {
            await log.whenWritable(batch.length, 301 * batch.length);
            const again = log.append(batch);
            if (again === false) throw new Error('still back-pressured after whenWritable');
            pending.push(again);
          } else {
            pending.push(p);
          }
          model.entries.push(...batch);
          break;
        }
        case 'truncate': {
          const from = Math.max(model.first, model.last + 1 - op.back);
          pending.push(log.truncateSuffix(from));
          model.entries.length = from - model.first;
          break;
        }
        case 'compact': {
          const upto = Math.max(0, model.last - op.back);
          const before = log.firstIndex;
          pending.push(log.compactPrefix(upto));
          const after = log.firstIndex;
          // Whole segments only, never past upto, never the active segment.
          expect(after).toBeGreaterThanOrEqual(before);
          expect(after).toBeLessThanOrEqual(Math.max(before, upto + 1));
          if (after > model.first) {
            const drop = after - model.first;
            model.prevTerm = model.entries[drop - 1]!.term;
            model.entries = model.entries.slice(drop);
            model.first = after;
          }
          break;
        }
        case 'reset': {
          const next = model.last + 1 + op.gap;
          const prevTerm = model.lastTerm + op.termBump;
          pending.push(log.reset(next, prevTerm));
          model.first = next;
          model.prevTerm = prevTerm;
          model.entries = [];
          break;
        }
        case 'read': {
          if (model.entries.length === 0) break;
          const from = model.first + (op.offset % model.entries.length);
          const got = log.read(from, op.max, op.maxBytes);
          expect(got.length).toBeGreaterThan(0);
          expect(got.length).toBeLessThanOrEqual(op.max);
          expectSame(got, model.entries.slice(from - model.first, from - model.first + got.length));
          break;
        }
        case 'settle': {
          await Promise.all(pending);
          pending = [];
          expect(log.durableIndex).toBe(model.last);
          break;
        }
        case 'reopen': {
          await Promise.all(pending);
          pending = [];
          await log.close();
          log = await SegmentLog.open(dir, options);
          expect(log.recovery.tornTail).toBeNull();
          break;
        }
      }
      await check(log, model);
    }
    await Promise.all(pending);
    pending = [];
  }
}

describe('SegmentLog against a reference model (random operation sequences)', () => {
  it("holds exactly the model's entries through appends, truncations, compactions, resets and reopens", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => runOps(ops, 'none')),
      { numRuns: RUNS },
    );
  });

  it("does the same under 'fsync'", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => runOps(ops, 'fsync')),
      { numRuns: Math.max(1, Math.round(RUNS / 6)) },
    );
  });
});
