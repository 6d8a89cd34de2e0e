import { type Entry, ServiceHost } from '@venue/consensus';
import {
  type Command,
  CommandType,
  encodeCommand,
  IncrementalSnapshot,
  InstrumentStatus,
  MatchingEngine,
  MatchingService,
  type NewOrderCommand,
  NullSink,
  OrderType,
  readSnapshot,
  Side,
  StpMode,
  stateHash,
  TimeInForce,
  writeSnapshot,
} from '@venue/matching';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Issue 12: an incremental (copy-on-write) snapshot begun at position P, completed while commands
// P+1..P+k are applied between its steps, must be byte for byte the synchronous snapshot at P.

const INSTRUMENTS = [1, 2];
const STP = [
  StpMode.None,
  StpMode.CancelResting,
  StpMode.CancelIncoming,
  StpMode.CancelBoth,
  StpMode.Decrement,
];
const T0 = 21 * 3_600_000 - 60_000; // Day orders expire in-stream (the Tick command)

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
  STP.forEach((stpMode, i) => {
    cmds.push({
      type: CommandType.AddAccount,
      timestampMs: 0,
      accountId: i + 1,
      login: `u${i + 1}`,
      stpMode,
      maxOrderQtyLots: 0,
      maxOrderNotional: 0,
      maxOpenOrders: 0,
      maxPositionLots: 0,
    });
  });
  return cmds;
}

/** One random command; `orders` = ids submitted so far (cancels/replaces target recent ones). */
const commandArb = fc
  .record({
    kind: fc.constantFrom(
      'rest',
      'rest',
      'rest',
      'rest',
      'cross',
      'market',
      'stop',
      'cancel',
      'cancel',
      'replace',
      'replace',
      'mass',
      'tick',
      'close',
    ),
    acct: fc.integer({ min: 1, max: STP.length }),
    inst: fc.constantFrom(...INSTRUMENTS),
    buy: fc.boolean(),
    off: fc.integer({ min: 0, max: 12 }),
    qty: fc.integer({ min: 1, max: 15 }),
    display: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
    ),
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.Day),
    back: fc.integer({ min: 0, max: 20 }),
    session: fc.integer({ min: 0, max: 2 }),
    dt: fc.integer({ min: 0, max: 3_000 }),
  })
  .map((r) => (ts: number, owners: number[]): Command => {
    const side = r.buy ? Side.Buy : Side.Sell;
    const base = {
      type: CommandType.NewOrder,
      timestampMs: ts,
      accountId: r.acct,
      sessionId: r.session,
      instrumentId: r.inst,
      clOrdId: '',
      side,
      orderType: OrderType.Limit,
      tif: r.tif,
      priceTicks: r.buy ? 1000 - r.off : 1000 + r.off,
      stopPriceTicks: 0,
      qtyLots: r.qty,
      displayQtyLots: r.display,
      postOnly: false,
      expireAtMs: 0,
    } as const;
    const id = Math.max(1, owners.length - r.back);
    const owner = owners[id - 1] ?? r.acct;
    switch (r.kind) {
      case 'rest':
        owners.push(r.acct);
        return base;
      case 'cross':
        owners.push(r.acct);
        return { ...base, priceTicks: r.buy ? 1000 + r.off : 1000 - r.off, displayQtyLots: 0 };
      case 'market':
        owners.push(r.acct);
        return {
          ...base,
          orderType: OrderType.Market,
          tif: TimeInForce.IOC,
          priceTicks: 0,
          displayQtyLots: 0,
        };
      case 'stop':
        owners.push(r.acct);
        return {
          ...base,
          orderType: OrderType.StopLimit,
          stopPriceTicks: r.buy ? 1000 + r.off : 1000 - r.off,
          displayQtyLots: 0,
        };
      case 'cancel':
        return {
          type: CommandType.Cancel,
          timestampMs: ts,
          accountId: owner,
          orderId: id,
          origClOrdId: '',
          clOrdId: '',
        };
      case 'replace':
        return {
          type: CommandType.Replace,
          timestampMs: ts,
          accountId: owner,
          orderId: id,
          origClOrdId: '',
          clOrdId: r.back % 3 === 0 ? `r${ts}` : '',
          qtyLots: r.qty,
          priceTicks: r.buy ? 1000 - (r.off % 4) : 1000 + (r.off % 4),
          stopPriceTicks: 1000,
        };
      case 'mass':
        return {
          type: CommandType.MassCancel,
          timestampMs: ts,
          accountId: r.acct,
          instrumentId: r.inst,
          side: r.buy ? Side.Buy : 0,
          clOrdId: 'mc',
        };
      case 'tick':
        return { type: CommandType.Tick, timestampMs: ts + 30_000 };
      default:
        return { type: CommandType.SessionClosed, timestampMs: ts, sessionId: r.session };
    }
  })
  .chain((make) => fc.integer({ min: 0, max: 3_000 }).map((dt) => [make, dt] as const));

function materialize(
  steps: ReadonlyArray<readonly [(ts: number, owners: number[]) => Command, number]>,
  owners: number[],
  t0: number,
) {
  let ts = t0;
  return steps.map(([make, dt]) => {
    ts += dt;
    const c = make(ts, owners);
    ts = Math.max(ts, c.timestampMs);
    return c;
  });
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Trading phases (auctions): a schedule around T0 so streams cross pre-open, the opening auction and
 * its uncross, continuous trading, the closing auction and close, plus volatility interruptions.
 */
function scheduleCommands(): Command[] {
  const at = (offsetS: number) => T0 + offsetS * 1_000;
  return INSTRUMENTS.map((instrumentId) => ({
    type: CommandType.SetTradingSchedule,
    timestampMs: 0,
    instrumentId,
    schedule: {
      preOpenMs: at(-30) % 86_400_000,
      openingAuctionMs: at(60) % 86_400_000,
      continuousMs: at(150) % 86_400_000,
      closingAuctionMs: at(300) % 86_400_000,
      closeMs: at(420) % 86_400_000,
    },
    volBandBps: 80,
    volAuctionMs: 20_000,
  }));
}

function engineWith(cmds: readonly Command[], phases = false): MatchingEngine {
  const eng = new MatchingEngine(new NullSink());
  for (const c of setupCommands()) eng.apply(c);
  if (phases) for (const c of scheduleCommands()) eng.apply(c);
  for (const c of cmds) eng.apply(c);
  return eng;
}

describe('incremental snapshot (copy-on-write)', () => {
  it('equals the synchronous snapshot at its start while random commands run between its steps', () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 20, maxLength: 250 }),
        fc.array(commandArb, { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.record({
          chunkBytes: fc.constantFrom(undefined, 16, 100, 4_096),
          arenaBytes: fc.constantFrom(undefined, 16, 300),
          stream: fc.boolean(),
        }),
        (preSteps, postSteps, budgets, perStep, phases, { chunkBytes, arenaBytes, stream }) => {
          const owners: number[] = [];
          const pre = materialize(preSteps, owners, T0);
          const post = materialize(postSteps, owners, pre.at(-1)?.timestampMs ?? T0);
          const eng = engineWith(pre, phases);
          const replica = engineWith(pre, phases); // applies the same commands, never snapshotted
          const atP = writeSnapshot(eng);
          const hashAtP = stateHash(eng);

          const snap = new IncrementalSnapshot(eng, { chunkBytes, arenaBytes });
          const taken: Uint8Array[] = [];
          let next = 0;
          let steps = 0;
          for (let done = false; !done; steps++) {
            // Pieces handed out as they are written (as the service worker moves them away).
            if (stream) taken.push(...snap.takeChunks());
            for (let k = 0; k < perStep && next < post.length; k++, next++) {
              eng.apply(post[next]!);
              replica.apply(post[next]!);
            }
            done = snap.step(budgets[steps % budgets.length]!);
            expect(steps).toBeLessThan(100_000);
          }
          for (; next < post.length; next++) {
            eng.apply(post[next]!);
            replica.apply(post[next]!);
          }
          const bytes = concat([...taken, ...snap.chunks()]);
          expect(Buffer.from(bytes).equals(Buffer.from(atP))).toBe(true);
          if (chunkBytes === 16 && stream && atP.length > 64) expect(taken.length).toBeGreaterThan(0);
          expect(eng.snapshotArena.length).toBeLessThanOrEqual(64);
          expect(stateHash(readSnapshot(bytes, new NullSink()))).toBe(hashAtP);
          // The snapshot observed without changing anything: replicas still agree.
          expect(stateHash(eng)).toBe(stateHash(replica));
          expect(eng.snapshotGuard).toBeNull();
        },
      ),
      { numRuns: 120 },
    );
  });

  it('captures a level before it changes, even one emptied and reused at another price', () => {
    const rest = (id: number, price: number, qty: number): NewOrderCommand => ({
      type: CommandType.NewOrder,
      timestampMs: T0,
      accountId: 1,
      sessionId: 0,
      instrumentId: 1,
      clOrdId: `o${id}`,
      side: Side.Buy,
      orderType: OrderType.Limit,
      tif: TimeInForce.GTC,
      priceTicks: price,
      stopPriceTicks: 0,
      qtyLots: qty,
      displayQtyLots: 0,
      postOnly: false,
      expireAtMs: 0,
    });
    const eng = engineWith([rest(1, 999, 5), rest(2, 998, 5), rest(3, 997, 5)]);
    const atP = writeSnapshot(eng);
    const snap = new IncrementalSnapshot(eng);
    // Order 3's level (the worst) is emptied; its pooled Level object is reused for a new price.
    eng.apply({
      type: CommandType.Cancel,
      timestampMs: T0,
      accountId: 1,
      orderId: 3,
      origClOrdId: '',
      clOrdId: '',
    });
    eng.apply(rest(4, 996, 7));
    eng.apply({ ...rest(5, 999, 2), side: Side.Sell, accountId: 2 }); // trades with order 1
    expect(snap.capturedLevels).toBe(2);
    while (!snap.step(1)) {}
    expect(Buffer.from(concat(snap.chunks())).equals(Buffer.from(atP))).toBe(true);
    expect(writeSnapshot(eng)).not.toEqual(atP);
  });

  it('writes a level bigger than a step across steps, and captures its unwritten rest before it changes', () => {
    const rest = (id: number, qty: number): NewOrderCommand => ({
      type: CommandType.NewOrder,
      timestampMs: T0,
      accountId: 1,
      sessionId: 0,
      instrumentId: 1,
      clOrdId: `big${id}`,
      side: Side.Buy,
      orderType: OrderType.Limit,
      tif: TimeInForce.GTC,
      priceTicks: 999,
      stopPriceTicks: 0,
      qtyLots: qty,
      displayQtyLots: 0,
      postOnly: false,
      expireAtMs: 0,
    });
    const cmds: Command[] = [];
    for (let i = 1; i <= 60; i++) cmds.push(rest(i, 1 + (i % 5)));
    const eng = engineWith(cmds);
    const atP = writeSnapshot(eng);
    const level = eng.instruments.get(1)!.book.bids.levels.at(-1)!;
    expect(level.orderCount).toBe(60);
    // Small chunks and arena: the capture spans several arena buffers, the output many chunks.
    const snap = new IncrementalSnapshot(eng, { chunkBytes: 64, arenaBytes: 64 });
    const taken: Uint8Array[] = [];
    // Head, counts and the level header, then part of the level: it is being written.
    for (let k = 0; k < 3; k++) expect(snap.step(8)).toBe(false);
    taken.push(...snap.takeChunks());
    expect(taken.length).toBeGreaterThan(3);
    expect(snap.capturedLevels).toBe(0);
    // Cancel the last order (not yet written) and trade with the first ones (written).
    eng.apply({
      type: CommandType.Cancel,
      timestampMs: T0,
      accountId: 1,
      orderId: 60,
      origClOrdId: '',
      clOrdId: '',
    });
    eng.apply({ ...rest(61, 7), side: Side.Sell, accountId: 2, clOrdId: 'sell' });
    expect(snap.capturedLevels).toBe(1);
    expect(eng.instruments.get(1)!.book.bids.levels.at(-1)!.orderCount).toBeLessThan(60);
    while (!snap.step(8)) taken.push(...snap.takeChunks());
    const bytes = concat([...taken, ...snap.chunks()]);
    expect(Buffer.from(bytes).equals(Buffer.from(atP))).toBe(true);
    // The arena buffers went back to the engine for the next snapshot.
    expect(eng.snapshotArena.length).toBeGreaterThan(1);
    expect(() => new IncrementalSnapshot(eng, { chunkBytes: 8 })).toThrow(RangeError);
  });

  it('one at a time; abort stops observing the engine', () => {
    const eng = engineWith([]);
    const a = new IncrementalSnapshot(eng);
    expect(() => new IncrementalSnapshot(eng)).toThrow(/in progress/);
    a.abort();
    expect(eng.snapshotGuard).toBeNull();
    expect(() => a.step(1)).toThrow(/aborted/);
    const b = new IncrementalSnapshot(eng);
    while (!b.step(100)) {}
    expect(concat(b.chunks())).toEqual(writeSnapshot(eng));
  });
});

describe('ServiceHost.beginSnapshot with the MatchingService', () => {
  function makeHost(): ServiceHost {
    return new ServiceHost(() => [new MatchingService({ adminPrincipals: ['admin'] })]);
  }

  it('gives the bytes of takeSnapshot at its position while entries are applied between steps', () => {
    const host = makeHost();
    host.start(undefined);
    const replica = makeHost();
    replica.start(undefined);
    let index = 0;
    const entry = (p: Partial<Entry> & Pick<Entry, 'type'>): Entry => ({
      term: 1,
      index: ++index,
      timestampMs: 1_000 + index,
      sessionId: 0,
      requestSeq: 0,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array(0),
      ...p,
    });
    const both = (e: Entry) => {
      host.apply(e);
      replica.apply(e);
    };
    both(entry({ type: 'session-open', payload: new TextEncoder().encode('gw'), correlationId: 1 }));
    const session = index;
    let seq = 0;
    const order = (i: number): Entry => {
      const buy = i % 2 === 0;
      return entry({
        type: 'session-message',
        sessionId: session,
        requestSeq: ++seq,
        payload: encodeCommand({
          type: CommandType.NewOrder,
          timestampMs: 0,
          accountId: 1 + (i % 4),
          sessionId: session,
          instrumentId: 4,
          clOrdId: '',
          side: buy ? Side.Buy : Side.Sell,
          orderType: OrderType.Limit,
          tif: TimeInForce.GTC,
          // Mostly resting on 40 levels a side; every 7th crosses and trades.
          priceTicks: i % 7 === 0 ? (buy ? 10_030 : 9_970) : buy ? 9_999 - (i % 40) : 10_001 + (i % 40),
          stopPriceTicks: 0,
          qtyLots: 1 + (i % 9),
          displayQtyLots: 0,
          postOnly: false,
          expireAtMs: 0,
        }),
      });
    };
    for (let i = 0; i < 2_000; i++) both(order(i));
    const atP = host.takeSnapshot();
    const position = host.appliedIndex;
    const cursor = host.beginSnapshot();
    expect(() => host.beginSnapshot()).toThrow(/in progress/);
    let i = 2_000;
    while (!cursor.step(7)) both(order(i++));
    expect(i - 2_000).toBeGreaterThan(20); // the snapshot spanned many entries
    expect(cursor.index).toBe(position);
    expect(Buffer.from(cursor.result()).equals(Buffer.from(atP))).toBe(true);
    const restored = makeHost();
    restored.start(cursor.result());
    expect(restored.appliedIndex).toBe(position);
    expect(host.stateHash()).toBe(replica.stateHash());
    // A second one may begin once the first is done; restarting the host aborts one in progress.
    const again = host.beginSnapshot();
    host.start(atP);
    expect(() => again.step(1)).toThrow(/aborted/);
    expect(host.stateHash()).toBe(restored.stateHash());
  });
});
