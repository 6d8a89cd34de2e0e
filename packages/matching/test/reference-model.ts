/**
 * A deliberately simple reference model of the matching rules, written independently of the engine:
 * live orders in one flat array, the book found by filtering and sorting on every step. Slow and
 * obvious. It emits the same event records as RecordingSink so the property test can compare them.
 */
import {
  type Command,
  CommandKind,
  CommandType,
  type EventRecord,
  ExecType,
  type ExecutionEvent,
  InstrumentStatus,
  type NewOrderCommand,
  OrderType,
  OrdStatus,
  Reason,
  reasonText,
  Side,
  StpMode,
  TimeInForce,
} from '@venue/matching';

type MutableExec = { type: 'execution' } & ExecutionEvent;

interface RefInstrument {
  id: number;
  minQty: number;
  maxQty: number;
  refPx: number;
  bandBps: number;
  status: number;
  lastPx: number;
}

interface RefAccount {
  id: number;
  stp: number;
  maxOpenOrders: number;
  pos: Map<number, number>;
  cash: Map<number, number>;
}

export interface RefOrder {
  id: number;
  clOrdId: string;
  acct: number;
  inst: number;
  session: number;
  side: number;
  type: number;
  tif: number;
  postOnly: boolean;
  price: number;
  stop: number;
  orderQty: number;
  leaves: number;
  display: number;
  visible: number;
  cum: number;
  notional: number;
  expire: number;
  seq: number;
  state: 'working' | 'rest' | 'stop';
}

export class ReferenceModel {
  now = 0;
  orderSeq = 0;
  execSeq = 0;
  tradeSeq = 0;
  seq = 0;
  sessionEndMsOfDay = 21 * 3_600_000;
  readonly instruments = new Map<number, RefInstrument>();
  readonly accounts = new Map<number, RefAccount>();
  live: RefOrder[] = [];
  events: EventRecord[] = [];

  apply(cmd: Command): void {
    if (cmd.timestampMs > this.now) this.now = cmd.timestampMs;
    this.expire();
    switch (cmd.type) {
      case CommandType.AddInstrument:
        this.instruments.set(cmd.instrumentId, {
          id: cmd.instrumentId,
          minQty: cmd.minQtyLots,
          maxQty: cmd.maxQtyLots,
          refPx: cmd.refPriceTicks,
          bandBps: cmd.bandBps,
          status: cmd.status,
          lastPx: 0,
        });
        this.events.push({ type: 'admin', kind: 1, id: cmd.instrumentId, timestampMs: this.now });
        return;
      case CommandType.AddAccount:
        this.accounts.set(cmd.accountId, {
          id: cmd.accountId,
          stp: cmd.stpMode,
          maxOpenOrders: cmd.maxOpenOrders,
          pos: new Map(),
          cash: new Map(),
        });
        this.events.push({ type: 'admin', kind: 3, id: cmd.accountId, timestampMs: this.now });
        return;
      case CommandType.NewOrder: {
        this.newOrder(cmd);
        return;
      }
      case CommandType.Cancel: {
        const o = this.find(cmd.accountId, cmd.orderId, cmd.origClOrdId);
        if (o === undefined) {
          this.rejectRef(
            CommandKind.Cancel,
            cmd.accountId,
            cmd.orderId,
            cmd.clOrdId,
            20,
            undefined,
            cmd.origClOrdId,
          );
          return;
        }
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.CanceledByUser, cmd.clOrdId);
        return;
      }
      case CommandType.Replace: {
        this.replace(cmd.accountId, cmd.orderId, cmd.qtyLots, cmd.priceTicks, cmd.stopPriceTicks);
        return;
      }
      case CommandType.MassCancel: {
        let n = 0;
        for (const o of [...this.live].sort((a, b) => a.id - b.id)) {
          if (o.acct !== cmd.accountId) continue;
          if (cmd.instrumentId !== 0 && o.inst !== cmd.instrumentId) continue;
          if (cmd.side !== 0 && o.side !== cmd.side) continue;
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.MassCancel);
          n++;
        }
        this.events.push({
          type: 'massCancel',
          accountId: cmd.accountId,
          instrumentId: cmd.instrumentId,
          side: cmd.side,
          clOrdId: cmd.clOrdId,
          canceledCount: n,
          timestampMs: this.now,
        });
        return;
      }
      case CommandType.Tick:
        return;
      default:
        throw new Error(`reference model does not model command ${cmd.type}`);
    }
  }

  private expire(): void {
    const due = this.live.filter((o) => o.expire > 0 && o.expire <= this.now);
    due.sort((a, b) => a.expire - b.expire || a.id - b.id);
    for (const o of due) {
      const r = o.tif === TimeInForce.Day ? Reason.DayExpired : Reason.GtdExpired;
      this.terminate(o, ExecType.Expired, OrdStatus.Expired, r);
    }
  }

  /** By order id, or (id 0) by the account's ClOrdID. */
  private find(acct: number, id: number, origClOrdId = ''): RefOrder | undefined {
    if (id > 0) return this.live.find((o) => o.id === id && o.acct === acct);
    if (origClOrdId === '') return undefined;
    return this.live.find((o) => o.acct === acct && o.clOrdId === origClOrdId);
  }

  private refPx(inst: RefInstrument): number {
    return inst.lastPx > 0 ? inst.lastPx : inst.refPx;
  }

  private lo(inst: RefInstrument): number {
    if (inst.bandBps === 0) return 1;
    return Math.max(1, this.refPx(inst) - Math.floor((this.refPx(inst) * inst.bandBps) / 10_000));
  }

  private hi(inst: RefInstrument): number {
    if (inst.bandBps === 0) return Number.MAX_SAFE_INTEGER;
    return this.refPx(inst) + Math.floor((this.refPx(inst) * inst.bandBps) / 10_000);
  }

  private status(o: RefOrder): number {
    return o.cum > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New;
  }

  private er(o: RefOrder, execType: number, ordStatus: number, reason: number): MutableExec {
    const e = {
      type: 'execution' as const,
      execType,
      ordStatus,
      execId: ++this.execSeq,
      orderId: o.id,
      clOrdId: o.clOrdId,
      origClOrdId: '',
      accountId: o.acct,
      sessionId: o.session,
      instrumentId: o.inst,
      side: o.side,
      orderType: o.type,
      tif: o.tif,
      priceTicks: o.price,
      stopPriceTicks: o.stop,
      orderQtyLots: o.orderQty,
      displayQtyLots: o.display,
      lastPxTicks: 0,
      lastQtyLots: 0,
      cumQtyLots: o.cum,
      leavesQtyLots: o.leaves,
      cumNotional: o.notional,
      tradeId: 0,
      aggressor: false,
      reason,
      text: reason === 0 ? '' : reasonText(reason as Reason),
      rejectedCommand: 0,
      timestampMs: this.now,
    };
    return e as MutableExec;
  }

  private emit(o: RefOrder, execType: number, ordStatus: number, reason: number): void {
    this.events.push(this.er(o, execType, ordStatus, reason));
  }

  private rejectBase(kind: number, reason: number) {
    return {
      type: 'execution' as const,
      execType: ExecType.Rejected,
      ordStatus: OrdStatus.Rejected,
      execId: ++this.execSeq,
      orderId: 0,
      clOrdId: '',
      origClOrdId: '',
      accountId: 0,
      sessionId: 0,
      instrumentId: 0,
      side: 0,
      orderType: 0,
      tif: 0,
      priceTicks: 0,
      stopPriceTicks: 0,
      orderQtyLots: 0,
      displayQtyLots: 0,
      lastPxTicks: 0,
      lastQtyLots: 0,
      cumQtyLots: 0,
      leavesQtyLots: 0,
      cumNotional: 0,
      tradeId: 0,
      aggressor: false,
      reason,
      text: reasonText(reason as Reason),
      rejectedCommand: kind,
      timestampMs: this.now,
    };
  }

  private rejectRef(
    kind: number,
    acct: number,
    orderId: number,
    clOrdId: string,
    reason = 20,
    o?: RefOrder,
    origClOrdId = '',
  ): void {
    const e = { ...this.rejectBase(kind, reason), accountId: acct, clOrdId, orderId, origClOrdId };
    if (o !== undefined) {
      Object.assign(e, {
        orderId: o.id,
        ordStatus: this.status(o),
        instrumentId: o.inst,
        side: o.side,
        orderType: o.type,
        tif: o.tif,
        priceTicks: o.price,
        stopPriceTicks: o.stop,
        orderQtyLots: o.orderQty,
        cumQtyLots: o.cum,
        leavesQtyLots: o.leaves,
        cumNotional: o.notional,
      });
    }
    this.events.push(e as EventRecord);
  }

  private validate(c: NewOrderCommand): number {
    const acct = this.accounts.get(c.accountId);
    if (acct === undefined) return Reason.UnknownAccount;
    const inst = this.instruments.get(c.instrumentId);
    if (inst === undefined) return Reason.UnknownInstrument;
    const marketLike = c.orderType === OrderType.Market || c.orderType === OrderType.Stop;
    if (c.clOrdId !== '' && this.live.some((o) => o.acct === acct.id && o.clOrdId === c.clOrdId)) {
      return Reason.DuplicateClOrdId;
    }
    if (marketLike && (c.tif === TimeInForce.GTC || c.tif === TimeInForce.GTD))
      return Reason.InvalidTimeInForce;
    if (inst.status !== InstrumentStatus.Open) return Reason.InstrumentHalted;
    if (c.qtyLots < inst.minQty) return Reason.QuantityBelowMin;
    if (c.qtyLots > inst.maxQty) return Reason.QuantityAboveMax;
    const hasLimit = c.orderType === OrderType.Limit || c.orderType === OrderType.StopLimit;
    const isStop = c.orderType === OrderType.Stop || c.orderType === OrderType.StopLimit;
    const ioc = c.tif === TimeInForce.IOC || c.tif === TimeInForce.FOK;
    if (c.postOnly && (c.orderType !== OrderType.Limit || ioc)) return Reason.InvalidOrderType;
    if (c.displayQtyLots > 0) {
      if (!hasLimit || ioc) return Reason.InvalidOrderType;
      if (c.displayQtyLots >= c.qtyLots) return Reason.InvalidDisplayQuantity;
    }
    if (c.tif === TimeInForce.GTD && c.expireAtMs <= this.now) return Reason.InvalidExpireTime;
    if (hasLimit && (c.priceTicks < this.lo(inst) || c.priceTicks > this.hi(inst)))
      return Reason.PriceOutsideBand;
    if (isStop) {
      const ref = this.refPx(inst);
      if (c.side === Side.Buy ? c.stopPriceTicks <= ref : c.stopPriceTicks >= ref)
        return Reason.InvalidStopPrice;
    }
    const open = this.live.filter((o) => o.acct === acct.id).length;
    if (acct.maxOpenOrders > 0 && open >= acct.maxOpenOrders) return Reason.RiskMaxOpenOrders;
    if (c.postOnly && this.crossing(c.instrumentId, c.side, c.priceTicks).length > 0)
      return Reason.PostOnlyWouldTake;
    return 0;
  }

  /** Resting orders that an order of `side` limited at `px` would meet, in the order it meets them. */
  private crossing(inst: number, side: number, px: number): RefOrder[] {
    const buy = side === Side.Buy;
    return this.live
      .filter(
        (r) =>
          r.state === 'rest' && r.inst === inst && r.side !== side && (buy ? r.price <= px : r.price >= px),
      )
      .sort((a, b) => (buy ? a.price - b.price : b.price - a.price) || a.seq - b.seq);
  }

  private newOrder(c: NewOrderCommand): void {
    const reason = this.validate(c);
    if (reason !== 0) {
      this.events.push({
        ...this.rejectBase(CommandKind.NewOrder, reason),
        clOrdId: c.clOrdId,
        accountId: c.accountId,
        sessionId: c.sessionId,
        instrumentId: c.instrumentId,
        side: c.side,
        orderType: c.orderType,
        tif: c.tif,
        priceTicks: c.priceTicks,
        stopPriceTicks: c.stopPriceTicks,
        orderQtyLots: c.qtyLots,
      } as EventRecord);
      return;
    }
    const hasLimit = c.orderType === OrderType.Limit || c.orderType === OrderType.StopLimit;
    const isStop = c.orderType === OrderType.Stop || c.orderType === OrderType.StopLimit;
    const dayEnd = (() => {
      const end = this.now - (this.now % 86_400_000) + this.sessionEndMsOfDay;
      return end > this.now ? end : end + 86_400_000;
    })();
    const o: RefOrder = {
      id: ++this.orderSeq,
      clOrdId: c.clOrdId,
      acct: c.accountId,
      inst: c.instrumentId,
      session: c.sessionId,
      side: c.side,
      type: c.orderType,
      tif: c.tif,
      postOnly: c.postOnly,
      price: hasLimit ? c.priceTicks : 0,
      stop: isStop ? c.stopPriceTicks : 0,
      orderQty: c.qtyLots,
      leaves: c.qtyLots,
      display: c.displayQtyLots,
      visible: 0,
      cum: 0,
      notional: 0,
      expire: c.tif === TimeInForce.GTD ? c.expireAtMs : c.tif === TimeInForce.Day ? dayEnd : 0,
      seq: ++this.seq,
      state: 'working',
    };
    this.live.push(o);
    this.emit(o, ExecType.New, OrdStatus.New, 0);
    if (isStop) {
      o.state = 'stop';
      return;
    }
    this.execute(o);
    this.runStops(o.inst);
  }

  private remove(o: RefOrder): void {
    this.live = this.live.filter((x) => x !== o);
  }

  private terminate(o: RefOrder, execType: number, status: number, reason: number, reqClOrdId = ''): void {
    o.leaves = 0;
    o.visible = 0;
    const e = this.er(o, execType, status, reason);
    if (reqClOrdId !== '') {
      e.origClOrdId = o.clOrdId;
      e.clOrdId = reqClOrdId;
    }
    this.events.push(e);
    this.remove(o);
  }

  private execute(o: RefOrder): void {
    const inst = this.instruments.get(o.inst)!;
    const market = o.type === OrderType.Market || o.type === OrderType.Stop;
    const limit = market ? (o.side === Side.Buy ? this.hi(inst) : this.lo(inst)) : o.price;
    o.state = 'working';
    if (o.tif === TimeInForce.FOK) {
      let avail = 0;
      let ok = false;
      const stp = this.accounts.get(o.acct)!.stp !== StpMode.None;
      for (const m of this.crossing(o.inst, o.side, limit)) {
        if (stp && m.acct === o.acct) break;
        avail += m.leaves;
        if (avail >= o.leaves) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.FokNotFillable);
        return;
      }
    }
    while (o.leaves > 0) {
      const m = this.crossing(o.inst, o.side, limit)[0];
      if (m === undefined) break;
      const stp = this.accounts.get(o.acct)!.stp;
      if (m.acct === o.acct && stp !== StpMode.None) {
        if (stp === StpMode.CancelResting) {
          this.terminate(m, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          continue;
        }
        if (stp === StpMode.CancelIncoming) {
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          return;
        }
        if (stp === StpMode.CancelBoth) {
          this.terminate(m, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          return;
        }
        const q = Math.min(o.leaves, m.leaves);
        m.orderQty -= q;
        m.leaves -= q;
        m.visible = Math.min(m.visible, m.leaves);
        o.orderQty -= q;
        o.leaves -= q;
        if (m.leaves === 0)
          this.terminate(m, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
        else this.emit(m, ExecType.Restated, this.status(m), Reason.StpDecrement);
        if (o.leaves === 0) {
          this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.SelfTradePrevention);
          return;
        }
        this.emit(o, ExecType.Restated, this.status(o), Reason.StpDecrement);
        continue;
      }
      const q = Math.min(o.leaves, m.visible);
      const px = m.price;
      for (const [x, sign] of [
        [m, 1],
        [o, 1],
      ] as const) {
        x.leaves -= q * sign;
        x.cum += q;
        x.notional += px * q;
      }
      m.visible -= q;
      const buyer = this.accounts.get(o.side === Side.Buy ? o.acct : m.acct)!;
      const seller = this.accounts.get(o.side === Side.Buy ? m.acct : o.acct)!;
      buyer.pos.set(o.inst, (buyer.pos.get(o.inst) ?? 0) + q);
      buyer.cash.set(o.inst, (buyer.cash.get(o.inst) ?? 0) - px * q);
      seller.pos.set(o.inst, (seller.pos.get(o.inst) ?? 0) - q);
      seller.cash.set(o.inst, (seller.cash.get(o.inst) ?? 0) + px * q);
      inst.lastPx = px;
      const tradeId = ++this.tradeSeq;
      this.events.push({
        type: 'trade',
        tradeId,
        instrumentId: o.inst,
        priceTicks: px,
        qtyLots: q,
        aggressorSide: o.side as 1 | 2,
        makerOrderId: m.id,
        takerOrderId: o.id,
        makerAccountId: m.acct,
        takerAccountId: o.acct,
        makerSessionId: m.session,
        takerSessionId: o.session,
        timestampMs: this.now,
      });
      const me = this.er(m, ExecType.Trade, m.leaves === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled, 0);
      me.lastPxTicks = px;
      me.lastQtyLots = q;
      me.tradeId = tradeId;
      this.events.push(me);
      const te = this.er(o, ExecType.Trade, o.leaves === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled, 0);
      te.lastPxTicks = px;
      te.lastQtyLots = q;
      te.tradeId = tradeId;
      te.aggressor = true;
      this.events.push(te);
      if (m.leaves === 0) this.remove(m);
      else if (m.visible === 0) {
        m.visible = Math.min(m.display, m.leaves);
        m.seq = ++this.seq;
      }
    }
    if (o.leaves === 0) {
      this.remove(o);
      return;
    }
    if (market) {
      this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.MarketRemainder);
      return;
    }
    if (o.tif === TimeInForce.IOC || o.tif === TimeInForce.FOK) {
      this.terminate(o, ExecType.Canceled, OrdStatus.Canceled, Reason.IocRemainder);
      return;
    }
    o.state = 'rest';
    o.visible = o.display > 0 && o.display < o.leaves ? o.display : o.leaves;
  }

  private runStops(instId: number): void {
    const inst = this.instruments.get(instId)!;
    for (;;) {
      if (inst.lastPx === 0) return;
      const stops = this.live.filter((o) => o.state === 'stop' && o.inst === instId);
      const buys = stops
        .filter((o) => o.side === Side.Buy && o.stop <= inst.lastPx)
        .sort((a, b) => a.stop - b.stop || a.seq - b.seq);
      const sells = stops
        .filter((o) => o.side === Side.Sell && o.stop >= inst.lastPx)
        .sort((a, b) => b.stop - a.stop || a.seq - b.seq);
      const s = buys[0] ?? sells[0];
      if (s === undefined) return;
      s.state = 'working';
      s.seq = ++this.seq;
      this.emit(s, ExecType.Triggered, this.status(s), 0);
      this.execute(s);
    }
  }

  private replace(acctId: number, orderId: number, qty: number, price: number, stop: number): void {
    const o = this.find(acctId, orderId);
    if (o === undefined) {
      this.rejectRef(CommandKind.Replace, acctId, orderId, '');
      return;
    }
    const inst = this.instruments.get(o.inst)!;
    const hasLimit = o.type === OrderType.Limit || o.type === OrderType.StopLimit;
    const newPrice = hasLimit ? price : 0;
    let reason = 0;
    if (qty <= o.cum) reason = Reason.ReplaceQtyNotAboveCumQty;
    else if (qty < inst.minQty) reason = Reason.QuantityBelowMin;
    else if (qty > inst.maxQty) reason = Reason.QuantityAboveMax;
    else if (hasLimit && (newPrice < this.lo(inst) || newPrice > this.hi(inst)))
      reason = Reason.PriceOutsideBand;
    else if (
      o.state === 'stop' &&
      (o.side === Side.Buy ? stop <= this.refPx(inst) : stop >= this.refPx(inst))
    ) {
      reason = Reason.InvalidStopPrice;
    } else if (
      o.postOnly &&
      o.state === 'rest' &&
      newPrice !== o.price &&
      this.crossing(o.inst, o.side, newPrice).length > 0
    ) {
      reason = Reason.PostOnlyWouldTake;
    }
    if (reason !== 0) {
      this.rejectRef(CommandKind.Replace, acctId, orderId, '', reason, o);
      return;
    }
    const delta = qty - o.orderQty;
    const replaced = () => {
      const e = this.er(o, ExecType.Replaced, this.status(o), 0);
      e.origClOrdId = o.clOrdId;
      this.events.push(e);
    };
    if (o.state === 'stop') {
      o.stop = stop;
      o.price = newPrice;
      o.orderQty = qty;
      o.leaves += delta;
      o.seq = ++this.seq;
      replaced();
      return;
    }
    if (newPrice === o.price && delta <= 0) {
      o.orderQty = qty;
      o.leaves += delta;
      o.visible = Math.min(o.visible, o.leaves);
      replaced();
      return;
    }
    o.price = newPrice;
    o.orderQty = qty;
    o.leaves += delta;
    o.seq = ++this.seq;
    o.state = 'working';
    replaced();
    this.execute(o);
    this.runStops(o.inst);
  }

  /** Resting orders of a side in priority order, as [id, leaves, visible]. */
  bookSide(inst: number, side: number): Array<[number, number, number]> {
    const buy = side === Side.Buy;
    return this.live
      .filter((o) => o.state === 'rest' && o.inst === inst && o.side === side)
      .sort((a, b) => (buy ? b.price - a.price : a.price - b.price) || a.seq - b.seq)
      .map((o) => [o.id, o.leaves, o.visible]);
  }

  position(acct: number, inst: number): { positionLots: number; cash: number } {
    const a = this.accounts.get(acct)!;
    return { positionLots: a.pos.get(inst) ?? 0, cash: a.cash.get(inst) ?? 0 };
  }
}
