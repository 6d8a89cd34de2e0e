import { describe, expect, it } from 'vitest';
import { ServiceHealth } from '../../../src/runtime/observe/service-health.js';

describe('ServiceHealth: backlog and time-per-entry warnings from injected samples', () => {
  it('warns once when the backlog keeps growing, with the numbers, and says when it stops', () => {
    const h = new ServiceHealth({ windowSamples: 5 });
    const events = [0, 100, 250, 400, 600, 800].flatMap((b) => h.sample(b));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      level: 'warn',
      event: 'service-backlog-growing',
      fields: { backlogEntries: 600, backlogFirst: 0 },
    });
    expect(events[0]?.msg).toMatch(/0 -> 600 entries over 5 samples/);
    expect(h.backlogGrowing).toBe(true);
    // Drains: one step down is enough to end the trend (80% of steps must rise).
    const after = [300, 0].flatMap((b) => h.sample(b));
    expect(after.map((e) => [e.level, e.event])).toEqual([['info', 'service-backlog-steady']]);
    expect(h.backlogGrowing).toBe(false);
  });

  it('a busy burst that drains, or a small steady backlog, does not warn', () => {
    const h = new ServiceHealth({ windowSamples: 5 });
    const events = [0, 5_000, 2_000, 0, 0, 3, 4, 5, 6, 7, 8].flatMap((b) => h.sample(b));
    expect(events).toEqual([]);
  });

  it('warns when the processing time per entry keeps growing (at least doubled), not when it is merely high', () => {
    const steady = new ServiceHealth({ windowSamples: 4 });
    const flat: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      steady.recordApplied(100, 50); // 500 µs per entry, always
      flat.push(...steady.sample(0));
    }
    expect(flat).toEqual([]);

    const h = new ServiceHealth({ windowSamples: 4 });
    const out = [];
    for (const busyMs of [1, 1.5, 2.2, 3, 4]) {
      h.recordApplied(1_000, busyMs); // 1 -> 4 µs per entry
      out.push(...h.sample(0));
    }
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ level: 'warn', event: 'service-entry-time-growing' });
    expect(out[0]?.msg).toMatch(/1\.0 -> 3\.0 µs over 4 samples/);
    expect(h.entryTimeGrowing).toBe(true);
  });

  it('an interval without entries is no measurement (not a drop to zero)', () => {
    const h = new ServiceHealth({ windowSamples: 3 });
    const out = [];
    for (const busyMs of [1, undefined, 2, undefined, 4]) {
      if (busyMs !== undefined) h.recordApplied(1_000, busyMs);
      out.push(...h.sample(0));
    }
    expect(out.map((e) => e.event)).toEqual(['service-entry-time-growing']);
  });
});
