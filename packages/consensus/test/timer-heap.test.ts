import { describe, expect, it } from 'vitest';
import { TimerHeap, type TimerState } from '../src/service-host/timer-heap.js';

describe('timer heap', () => {
  it('returns due live timers in (deadline, service, id) order and keeps them until they fire', () => {
    const heap = new TimerHeap();
    const live = new Map<string, TimerState>();
    const add = (serviceIndex: number, correlationId: number, deadlineMs: number) => {
      const t = { serviceIndex, correlationId, deadlineMs };
      live.set(`${serviceIndex}:${correlationId}`, t);
      heap.push(t);
    };
    for (let i = 0; i < 200; i++) add(i % 3, i, (i * 7919) % 500);
    const isLive = (t: TimerState) => live.get(`${t.serviceIndex}:${t.correlationId}`) === t;
    const due = heap.due(100, 1000, isLive);
    expect(due.every((t) => t.deadlineMs <= 100)).toBe(true);
    expect(due.length).toBe([...live.values()].filter((t) => t.deadlineMs <= 100).length);
    const sorted = [...due].sort(
      (a, b) =>
        a.deadlineMs - b.deadlineMs || a.serviceIndex - b.serviceIndex || a.correlationId - b.correlationId,
    );
    expect(due).toEqual(sorted);
    expect(heap.due(100, 1000, isLive)).toEqual(due); // still there until fired
    // Cancel one, reschedule another later: neither comes back as due.
    const [first, second] = due as [TimerState, TimerState];
    live.delete(`${first.serviceIndex}:${first.correlationId}`);
    add(second.serviceIndex, second.correlationId, 10_000);
    const again = heap.due(100, 1000, isLive);
    expect(again).not.toContain(first);
    expect(again.some((t) => t.correlationId === second.correlationId)).toBe(false);
    expect(heap.due(100, 3, isLive)).toHaveLength(3);
  });
});
