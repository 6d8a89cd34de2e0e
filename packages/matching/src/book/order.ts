import type { Account } from '../accounts/account.js';
import type { Instrument } from '../instruments/instrument.js';
import type { Level } from './level.js';

export const OrderState = { Free: 0, Working: 1, Resting: 2, PendingStop: 3 } as const;
export type OrderState = (typeof OrderState)[keyof typeof OrderState];

/**
 * One live order. Pooled: fields are reset on release, the object is reused for a later order.
 * All fields are initialised in the constructor so V8 keeps one hidden class.
 */
export class Order {
  id = 0;
  clOrdId = '';
  account: Account | null = null;
  instrument: Instrument | null = null;
  sessionId = 0;
  /**
   * Small fields packed into one integer (saves ~40 bytes per order):
   * side bits 0-1, orderType 2-4, tif 5-7, postOnly 8, triggered 9, state 10-11.
   */
  bits = 0;
  priceTicks = 0;
  stopPriceTicks = 0;
  /** Total order quantity (FIX OrderQty); leaves = orderQty - cumQty while live. */
  orderQtyLots = 0;
  leavesLots = 0;
  /** Iceberg display size (0 = not an iceberg). */
  displayLots = 0;
  /** Quantity shown at the level right now (= leaves unless iceberg). */
  visibleLots = 0;
  cumQtyLots = 0;
  cumNotional = 0;
  /** Day/GTD deadline (log ms); 0 = none. */
  expireAtMs = 0;
  /** Time-priority sequence (engine counter), refreshed when priority is lost. */
  prioritySeq = 0;
  level: Level | null = null;
  prev: Order | null = null;
  next: Order | null = null;
  acctPrev: Order | null = null;
  acctNext: Order | null = null;

  get side(): number {
    return this.bits & 0x3;
  }
  set side(v: number) {
    this.bits = (this.bits & ~0x3) | (v & 0x3);
  }
  get orderType(): number {
    return (this.bits >>> 2) & 0x7;
  }
  set orderType(v: number) {
    this.bits = (this.bits & ~(0x7 << 2)) | ((v & 0x7) << 2);
  }
  get tif(): number {
    return (this.bits >>> 5) & 0x7;
  }
  set tif(v: number) {
    this.bits = (this.bits & ~(0x7 << 5)) | ((v & 0x7) << 5);
  }
  get postOnly(): boolean {
    return (this.bits & 0x100) !== 0;
  }
  set postOnly(v: boolean) {
    this.bits = v ? this.bits | 0x100 : this.bits & ~0x100;
  }
  /** True once a stop order has been triggered. */
  get triggered(): boolean {
    return (this.bits & 0x200) !== 0;
  }
  set triggered(v: boolean) {
    this.bits = v ? this.bits | 0x200 : this.bits & ~0x200;
  }
  get state(): OrderState {
    return ((this.bits >>> 10) & 0x3) as OrderState;
  }
  set state(v: OrderState) {
    this.bits = (this.bits & ~(0x3 << 10)) | ((v & 0x3) << 10);
  }
}

/** Read-only order view (market data L3, status queries, tests). */
export interface OrderView {
  readonly id: number;
  readonly clOrdId: string;
  readonly sessionId: number;
  readonly side: number;
  readonly orderType: number;
  readonly tif: number;
  readonly postOnly: boolean;
  readonly priceTicks: number;
  readonly stopPriceTicks: number;
  readonly orderQtyLots: number;
  readonly leavesLots: number;
  readonly displayLots: number;
  readonly visibleLots: number;
  readonly cumQtyLots: number;
  readonly cumNotional: number;
  readonly expireAtMs: number;
  readonly prioritySeq: number;
}

/** Free list of Order objects (bounded so a burst does not pin memory forever). */
export class OrderPool {
  private readonly free: Order[] = [];
  constructor(private readonly freeMax: number) {}

  acquire(): Order {
    return this.free.pop() ?? new Order();
  }

  release(o: Order): void {
    o.bits = 0; // state Free, flags cleared
    o.account = null;
    o.instrument = null;
    o.level = null;
    o.prev = null;
    o.next = null;
    o.acctPrev = null;
    o.acctNext = null;
    o.clOrdId = '';
    if (this.free.length < this.freeMax) this.free.push(o);
  }
}
