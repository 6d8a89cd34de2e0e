import type { Order } from './order.js';

/** One price level: a FIFO of orders as an intrusive doubly-linked list, with aggregates. */
export class Level {
  priceTicks = 0;
  head: Order | null = null;
  tail: Order | null = null;
  orderCount = 0;
  /** Sum of displayed quantity (what market data shows). */
  visibleLots = 0;
  /** Sum of leaves including iceberg reserve. */
  totalLots = 0;

  pushBack(o: Order): void {
    o.level = this;
    o.next = null;
    o.prev = this.tail;
    if (this.tail === null) this.head = o;
    else this.tail.next = o;
    this.tail = o;
    this.orderCount++;
    this.visibleLots += o.visibleLots;
    this.totalLots += o.leavesLots;
  }

  /** Unlinks `o`; the caller has already removed o's quantities from the aggregates. */
  unlink(o: Order): void {
    if (o.prev === null) this.head = o.next;
    else o.prev.next = o.next;
    if (o.next === null) this.tail = o.prev;
    else o.next.prev = o.prev;
    o.prev = null;
    o.next = null;
    o.level = null;
    this.orderCount--;
  }
}

/** Read-only level view. */
export interface LevelView {
  readonly priceTicks: number;
  readonly orderCount: number;
  readonly visibleLots: number;
  readonly totalLots: number;
}

export class LevelPool {
  private readonly free: Level[] = [];
  constructor(private readonly freeMax: number) {}
  acquire(priceTicks: number): Level {
    const l = this.free.pop() ?? new Level();
    l.priceTicks = priceTicks;
    return l;
  }
  release(l: Level): void {
    l.head = null;
    l.tail = null;
    l.orderCount = 0;
    l.visibleLots = 0;
    l.totalLots = 0;
    if (this.free.length < this.freeMax) this.free.push(l);
  }
}
