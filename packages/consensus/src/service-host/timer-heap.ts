/** A scheduled service timer. */
export interface TimerState {
  readonly serviceIndex: number;
  readonly correlationId: number;
  readonly deadlineMs: number;
}

/** Total order: deadline, then service, then correlation id (deterministic on every replica). */
export function timerBefore(a: TimerState, b: TimerState): boolean {
  if (a.deadlineMs !== b.deadlineMs) return a.deadlineMs < b.deadlineMs;
  if (a.serviceIndex !== b.serviceIndex) return a.serviceIndex < b.serviceIndex;
  return a.correlationId < b.correlationId;
}

/**
 * Binary min-heap of timers with lazy deletion: cancelled or rescheduled timers stay in the heap
 * until they reach the top, where `isLive` drops them. Finding due timers costs O(k log n).
 */
export class TimerHeap {
  private items: TimerState[] = [];

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
  }

  push(t: TimerState): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!timerBefore(a[i] as TimerState, a[parent] as TimerState)) break;
      [a[i], a[parent]] = [a[parent] as TimerState, a[i] as TimerState];
      i = parent;
    }
  }

  pop(): TimerState | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && timerBefore(a[l] as TimerState, a[m] as TimerState)) m = l;
        if (r < a.length && timerBefore(a[r] as TimerState, a[m] as TimerState)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as TimerState, a[i] as TimerState];
        i = m;
      }
    }
    return top;
  }

  /** Live timers due by `nowMs`, earliest first, at most `countMax`; the heap keeps them. */
  due(nowMs: number, countMax: number, isLive: (t: TimerState) => boolean): TimerState[] {
    const out: TimerState[] = [];
    while (out.length < countMax) {
      const top = this.items[0];
      if (!top || top.deadlineMs > nowMs) break;
      this.pop();
      if (isLive(top)) out.push(top);
    }
    for (const t of out) this.push(t);
    return out;
  }

  /** Rebuilds from the live set when stale entries dominate (bounded memory). */
  rebuild(live: Iterable<TimerState>): void {
    this.items = [];
    for (const t of live) this.push(t);
  }
}
