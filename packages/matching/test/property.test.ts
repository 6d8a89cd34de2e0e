import {
  type Command,
  CommandType,
  type EventRecord,
  ExecType,
  InstrumentStatus,
  MatchingEngine,
  OrderType,
  RecordingSink,
  readSnapshot,
  Side,
  StpMode,
  stateHash,
  TimeInForce,
  writeSnapshot,
} from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReferenceModel } from './reference-model.js';

const INSTRUMENTS = [1, 2];
const ACCOUNTS = [1, 2, 3, 4, 5];
const STP = [
  StpMode.None,
  StpMode.CancelResting,
  StpMode.CancelIncoming,
  StpMode.CancelBoth,
  StpMode.Decrement,
];
const T0 = 21 * 3_600_000 - 60_000; // a minute before the session end, so Day expiry happens in-stream

function setupCommands(): Command[] {
  const cmds: Command[] = [];
  for (const id of INSTRUMENTS) {
    cmds.push({
      type: CommandType.AddInstrument,
      timestampMs: 0,
      instrumentId: id,
      symbol: `T${id}`,
      tickSize: '0.01',
      lotSize: '1',
      minQtyLots: 1,
      maxQtyLots: 1000,
      refPriceTicks: 1000,
      bandBps: 500,
      status: InstrumentStatus.Open,
    });
  }
  for (const id of ACCOUNTS) {
    cmds.push({
      type: CommandType.AddAccount,
      timestampMs: 0,
      accountId: id,
      login: `u${id}`,
      stpMode: STP[id - 1]!,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: id === 1 ? 6 : 0,
      maxPositionLots: 0,
    });
  }
  return cmds;
}

/** Builds a command at log time `ts`; `owners[i]` = account of the (i+1)-th submitted order (targets recent ids). */
type Step = (ts: number, owners: readonly number[]) => Command;

/** A recent order id `back` submissions ago and (usually) its owner, so cancels/replaces mostly hit. */
function target(owners: readonly number[], back: number, acct: number, own: boolean): [number, number] {
  const id = Math.max(1, owners.length - back);
  return [id, own ? (owners[id - 1] ?? acct) : acct];
}

const priceArb = fc.integer({ min: 985, max: 1015 });
const acctArb = fc.constantFrom(...ACCOUNTS);
const instArb = fc.constantFrom(...INSTRUMENTS);
const sideArb = fc.constantFrom(Side.Buy, Side.Sell);

const newOrderArb: fc.Arbitrary<Step> = fc
  .record({
    acct: acctArb,
    inst: instArb,
    side: sideArb,
    kind: fc.constantFrom('limit', 'limit', 'limit', 'limit', 'market', 'stop', 'stopLimit'),
    tif: fc.constantFrom(
      TimeInForce.GTC,
      TimeInForce.GTC,
      TimeInForce.IOC,
      TimeInForce.FOK,
      TimeInForce.Day,
      TimeInForce.GTD,
    ),
    price: priceArb,
    stop: fc.integer({ min: 975, max: 1025 }),
    qty: fc.integer({ min: 1, max: 12 }),
    display: fc.oneof(
      { weight: 5, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) },
    ),
    postOnly: fc.boolean(),
    expireIn: fc.integer({ min: 1, max: 20_000 }),
    session: fc.integer({ min: 0, max: 2 }),
    clo: fc.oneof(
      { weight: 2, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => `c${n}`) },
    ),
  })
  .map((r) => (ts: number): Command => {
    const orderType =
      r.kind === 'limit'
        ? OrderType.Limit
        : r.kind === 'market'
          ? OrderType.Market
          : r.kind === 'stop'
            ? OrderType.Stop
            : OrderType.StopLimit;
    const marketLike = orderType === OrderType.Market || orderType === OrderType.Stop;
    const tif =
      marketLike && (r.tif === TimeInForce.GTC || r.tif === TimeInForce.GTD) ? TimeInForce.IOC : r.tif;
    return {
      type: CommandType.NewOrder,
      timestampMs: ts,
      accountId: r.acct,
      sessionId: r.session,
      instrumentId: r.inst,
      clOrdId: r.clo,
      side: r.side,
      orderType,
      tif,
      priceTicks: r.price,
      stopPriceTicks: r.stop,
      qtyLots: r.qty,
      displayQtyLots: r.display,
      postOnly:
        r.postOnly && orderType === OrderType.Limit && r.tif !== TimeInForce.IOC && r.tif !== TimeInForce.FOK,
      expireAtMs: tif === TimeInForce.GTD ? ts + r.expireIn : 0,
    };
  });

const cancelArb: fc.Arbitrary<Step> = fc
  .record({
    acct: acctArb,
    back: fc.integer({ min: 0, max: 12 }),
    own: fc.boolean(),
    byClOrdId: fc.oneof(
      { weight: 3, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    clo: fc.integer({ min: 0, max: 5 }),
  })
  .map((r) => (ts: number, owners: readonly number[]): Command => {
    const [orderId, accountId] = target(owners, r.back, r.acct, r.own);
    if (r.byClOrdId) {
      return {
        type: CommandType.Cancel,
        timestampMs: ts,
        accountId: r.acct,
        orderId: 0,
        origClOrdId: `c${r.clo}`,
        clOrdId: 'x',
      };
    }
    return { type: CommandType.Cancel, timestampMs: ts, accountId, orderId, origClOrdId: '', clOrdId: '' };
  });

const replaceArb: fc.Arbitrary<Step> = fc
  .record({
    acct: acctArb,
    back: fc.integer({ min: 0, max: 12 }),
    own: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    qty: fc.integer({ min: 1, max: 14 }),
    price: priceArb,
    stop: fc.integer({ min: 975, max: 1025 }),
  })
  .map((r) => (ts: number, owners: readonly number[]): Command => {
    const [orderId, accountId] = target(owners, r.back, r.acct, r.own);
    return {
      type: CommandType.Replace,
      timestampMs: ts,
      accountId,
      orderId,
      origClOrdId: '',
      clOrdId: '',
      qtyLots: r.qty,
      priceTicks: r.price,
      stopPriceTicks: r.stop,
    };
  });

const massCancelArb: fc.Arbitrary<Step> = fc
  .record({
    acct: acctArb,
    inst: fc.constantFrom(0, ...INSTRUMENTS),
    side: fc.constantFrom(0 as const, Side.Buy, Side.Sell),
  })
  .map(
    (r) =>
      (ts: number): Command => ({
        type: CommandType.MassCancel,
        timestampMs: ts,
        accountId: r.acct,
        instrumentId: r.inst,
        side: r.side,
        clOrdId: 'mc',
      }),
  );

const tickArb: fc.Arbitrary<Step> = fc.constant(
  (ts: number): Command => ({ type: CommandType.Tick, timestampMs: ts }),
);

const stepArb = fc.tuple(
  fc.oneof(
    { weight: 12, arbitrary: newOrderArb },
    { weight: 3, arbitrary: cancelArb },
    { weight: 3, arbitrary: replaceArb },
    { weight: 1, arbitrary: massCancelArb },
    { weight: 1, arbitrary: tickArb },
  ),
  fc.integer({ min: 0, max: 3_000 }),
);

function materialize(steps: ReadonlyArray<readonly [Step, number]>): Command[] {
  let ts = T0;
  const owners: number[] = [];
  return steps.map(([make, dt]) => {
    ts += dt;
    const c = make(ts, owners);
    if (c.type === CommandType.NewOrder) owners.push(c.accountId);
    return c;
  });
}

/** Structural invariants of the engine's book after a command. */
function checkInvariants(eng: MatchingEngine): void {
  for (const instId of INSTRUMENTS) {
    const view = eng.book(instId)!;
    const bid = view.bestBid();
    const ask = view.bestAsk();
    if (bid !== undefined && ask !== undefined) expect(bid.priceTicks).toBeLessThan(ask.priceTicks);
    for (const side of [Side.Buy, Side.Sell]) {
      let prevPx = side === Side.Buy ? Number.POSITIVE_INFINITY : 0;
      view.forEachLevel(side, (level) => {
        expect(side === Side.Buy ? level.priceTicks < prevPx : level.priceTicks > prevPx).toBe(true);
        prevPx = level.priceTicks;
        let vis = 0;
        let tot = 0;
        let n = 0;
        let prevSeq = 0;
        view.forEachOrderAt(side, level.priceTicks, (o) => {
          expect(o.priceTicks).toBe(level.priceTicks);
          expect(o.leavesLots).toBeGreaterThan(0);
          expect(o.cumQtyLots + o.leavesLots).toBe(o.orderQtyLots);
          expect(o.visibleLots).toBeGreaterThan(0);
          expect(o.visibleLots).toBeLessThanOrEqual(o.leavesLots);
          if (o.displayLots === 0) expect(o.visibleLots).toBe(o.leavesLots);
          expect(o.prioritySeq).toBeGreaterThan(prevSeq); // FIFO = time priority
          prevSeq = o.prioritySeq;
          vis += o.visibleLots;
          tot += o.leavesLots;
          n++;
          return true;
        });
        expect([level.visibleLots, level.totalLots, level.orderCount]).toEqual([vis, tot, n]);
        return true;
      });
    }
  }
}

function runBoth(cmds: readonly Command[]) {
  const sink = new RecordingSink();
  const eng = new MatchingEngine(sink);
  const ref = new ReferenceModel();
  for (const c of setupCommands()) {
    eng.apply(c);
    ref.apply(c);
  }
  expect(sink.events).toEqual(ref.events);
  const fills = new Map<string, { pos: number; cash: number }>();
  for (const c of cmds) {
    sink.clear();
    ref.events = [];
    eng.apply(c);
    ref.apply(c);
    expect(sink.events).toEqual(ref.events);
    checkInvariants(eng);
    accumulateFills(fills, sink.events);
    for (const e of sink.events) {
      if (e.type === 'execution' && e.execType !== ExecType.Rejected) {
        expect(e.cumQtyLots + e.leavesQtyLots).toBeLessThanOrEqual(e.orderQtyLots);
        if (e.leavesQtyLots > 0) expect(e.cumQtyLots + e.leavesQtyLots).toBe(e.orderQtyLots);
      }
    }
  }
  // Positions and cash equal the sum of fills; they net to zero across accounts.
  for (const inst of INSTRUMENTS) {
    let pos = 0;
    let cash = 0;
    for (const acct of ACCOUNTS) {
      const p = eng.position(acct, inst)!;
      const f = fills.get(`${acct}/${inst}`) ?? { pos: 0, cash: 0 };
      expect(p).toEqual({ positionLots: f.pos, cash: f.cash });
      expect(p).toEqual(ref.position(acct, inst));
      pos += p.positionLots;
      cash += p.cash;
    }
    expect([pos, cash]).toEqual([0, 0]);
    for (const side of [Side.Buy, Side.Sell]) {
      const engSide: Array<[number, number, number]> = [];
      eng.book(inst)!.forEachOrder(side, (o) => {
        engSide.push([o.id, o.leavesLots, o.visibleLots]);
        return true;
      });
      expect(engSide).toEqual(ref.bookSide(inst, side));
    }
  }
  expect(eng.liveOrderCount).toBe(ref.live.length);
  return eng;
}

function accumulateFills(
  fills: Map<string, { pos: number; cash: number }>,
  events: readonly EventRecord[],
): void {
  for (const e of events) {
    if (e.type !== 'execution' || e.execType !== ExecType.Trade) continue;
    const key = `${e.accountId}/${e.instrumentId}`;
    const f = fills.get(key) ?? { pos: 0, cash: 0 };
    const sign = e.side === Side.Buy ? 1 : -1;
    f.pos += sign * e.lastQtyLots;
    f.cash -= sign * e.lastQtyLots * e.lastPxTicks;
    fills.set(key, f);
  }
}

describe('property: engine vs reference model', () => {
  it('random command streams give identical events and books; invariants hold after every command', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 150, size: 'max' }), (steps) => {
        runBoth(materialize(steps));
      }),
      { numRuns: 100 },
    );
  });

  it('snapshot/restore in the middle of a stream gives the same future events and hash', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 2, maxLength: 120, size: 'max' }),
        fc.nat(),
        (steps, cutSeed) => {
          const cmds = [...setupCommands(), ...materialize(steps)];
          const cut = cutSeed % cmds.length;
          const sinkA = new RecordingSink();
          const a = new MatchingEngine(sinkA);
          for (const c of cmds.slice(0, cut)) a.apply(c);
          const bytes = writeSnapshot(a);
          const sinkB = new RecordingSink();
          const b = readSnapshot(bytes, sinkB);
          expect(stateHash(b)).toBe(stateHash(a));
          expect(writeSnapshot(b)).toEqual(bytes);
          sinkA.clear();
          for (const c of cmds.slice(cut)) {
            a.apply(c);
            b.apply(c);
          }
          expect(sinkB.events).toEqual(sinkA.events);
          expect(stateHash(b)).toBe(stateHash(a));
          expect(b.nextDeadlineMs()).toBe(a.nextDeadlineMs());
        },
      ),
      { numRuns: 60 },
    );
  });
});
