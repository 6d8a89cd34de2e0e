/**
 * Min-heap of (deadlineMs, orderId) for Day and GTD orders. Entries are never removed eagerly:
 * a popped entry whose order is gone is skipped (lazy deletion), so cancels stay O(1).
 * Ties on the deadline expire in ascending order id: deterministic across replicas and restores.
 */
export class ExpiryQueue {
  private deadlines: number[] = [];
  private ids: number[] = [];

  get size(): number {
    return this.ids.length;
  }

  clear(): void {
    this.deadlines = [];
    this.ids = [];
  }

  private less(i: number, j: number): boolean {
    const di = this.deadlines[i]!;
    const dj = this.deadlines[j]!;
    return di < dj || (di === dj && this.ids[i]! < this.ids[j]!);
  }

  private swap(i: number, j: number): void {
    const d = this.deadlines[i]!;
    this.deadlines[i] = this.deadlines[j]!;
    this.deadlines[j] = d;
    const id = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = id;
  }

  push(deadlineMs: number, orderId: number): void {
    this.deadlines.push(deadlineMs);
    this.ids.push(orderId);
    let i = this.ids.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Smallest deadline, or 0 if empty. */
  peekDeadline(): number {
    return this.deadlines[0] ?? 0;
  }

  peekId(): number {
    return this.ids[0] ?? 0;
  }

  pop(): void {
    const n = this.ids.length - 1;
    if (n < 0) return;
    this.swap(0, n);
    this.deadlines.pop();
    this.ids.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
