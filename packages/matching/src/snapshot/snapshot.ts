import { Account } from '../accounts/account.js';
import type { OrderBook } from '../book/book.js';
import type { Level } from '../book/level.js';
import type { Order } from '../book/order.js';
import { OrderState } from '../book/order.js';
import { type EngineConfig, MatchingEngine } from '../engine/engine.js';
import type { EventSink } from '../events/events.js';
import type { Instrument } from '../instruments/instrument.js';
import { NO_DEADLINE_MS, TradingPhase, type TradingState, validSchedule } from '../phases/phases.js';
import { CommandType } from '../types/commands.js';
import { InstrumentStatus, type StpMode } from '../types/enums.js';
import { ByteReader, ByteWriter, SnapshotError } from './bytes.js';

const MAGIC = 0x564d5331; // 'VMS1'
/**
 * 2: adds each instrument's trading phase state (version 1 snapshots load as continuous, no
 * schedule). While no instrument uses phases (the default) version 1 is written: the bytes, and so
 * the state hash, stay those of a build without phases (a rolling upgrade sees equal hashes).
 */
const VERSION = 2;
const VERSION_NO_PHASES = 1;

export function writeOrder(w: ByteWriter, o: Order): void {
  w.num(o.id);
  w.str(o.clOrdId);
  w.num(o.account!.id);
  w.num(o.sessionId);
  w.u8(o.side);
  w.u8(o.orderType);
  w.u8(o.tif);
  w.u8((o.postOnly ? 1 : 0) | (o.triggered ? 2 : 0));
  w.num(o.priceTicks);
  w.num(o.stopPriceTicks);
  w.num(o.orderQtyLots);
  w.num(o.leavesLots);
  w.num(o.displayLots);
  w.num(o.visibleLots);
  w.num(o.cumQtyLots);
  w.num(o.cumNotional);
  w.num(o.expireAtMs);
  w.num(o.prioritySeq);
}

/** The state a version 1 snapshot restores: no schedule, no band, continuous (or halted by status). */
function tradingIsDefault(t: TradingState, status: number): boolean {
  return (
    t.schedule === null &&
    t.volBandBps === 0 &&
    t.volAuctionMs === 0 &&
    t.volAuctionEndMs === NO_DEADLINE_MS &&
    t.nextBoundaryMs === NO_DEADLINE_MS &&
    t.scheduled === TradingPhase.Continuous &&
    t.phase === (status === InstrumentStatus.Halted ? TradingPhase.Halted : TradingPhase.Continuous)
  );
}

function writeTrading(w: ByteWriter, t: TradingState): void {
  w.u8(t.phase);
  w.u8(t.scheduled);
  const s = t.schedule;
  w.u8(s === null ? 0 : 1);
  if (s !== null) {
    w.num(s.preOpenMs);
    w.num(s.openingAuctionMs);
    w.num(s.continuousMs);
    w.num(s.closingAuctionMs);
    w.num(s.closeMs);
  }
  w.num(t.nextBoundaryMs);
  w.num(t.volBandBps);
  w.num(t.volAuctionMs);
  w.num(t.volAuctionEndMs);
}

function phase(v: number): TradingPhase {
  if (v < TradingPhase.PreOpen || v > TradingPhase.Halted) throw new SnapshotError(`bad trading phase ${v}`);
  return v as TradingPhase;
}

function readTrading(r: ByteReader, t: TradingState): void {
  t.phase = phase(r.u8());
  t.scheduled = phase(r.u8());
  const has = r.u8();
  if (has > 1) throw new SnapshotError('bad schedule flag');
  if (has === 1) {
    const s = {
      preOpenMs: r.num(),
      openingAuctionMs: r.num(),
      continuousMs: r.num(),
      closingAuctionMs: r.num(),
      closeMs: r.num(),
    };
    if (!validSchedule(s)) throw new SnapshotError('bad trading schedule');
    t.schedule = s;
  }
  t.nextBoundaryMs = r.num();
  t.volBandBps = r.num();
  t.volAuctionMs = r.num();
  t.volAuctionEndMs = r.num();
}

/** The head of the image: counters, instruments (with trading state from version 2), accounts, sessions. */
export function writeSnapshotHead(w: ByteWriter, engine: MatchingEngine): void {
  const phases = engine.instrumentList.some((i) => !tradingIsDefault(i.trading, i.status));
  w.u32(MAGIC);
  w.u32(phases ? VERSION : VERSION_NO_PHASES);
  w.num(engine.config.sessionEndMsOfDay);
  w.num(engine.nowMs);
  w.num(engine.orderSeq);
  w.num(engine.execSeq);
  w.num(engine.tradeSeq);
  w.num(engine.prioritySeq);
  w.u32(engine.instrumentList.length);
  for (const inst of engine.instrumentList) {
    w.num(inst.id);
    w.str(inst.symbol);
    w.str(inst.tickSize);
    w.str(inst.lotSize);
    w.num(inst.minQtyLots);
    w.num(inst.maxQtyLots);
    w.num(inst.refPriceTicks);
    w.num(inst.bandBps);
    w.u8(inst.status);
    const b = inst.book;
    w.num(b.lastTradePxTicks);
    w.num(b.lastTradeQtyLots);
    w.num(b.lastTradeId);
    w.u8(b.lastTradeAggressorSide);
    w.num(b.lastTradeTimestampMs);
    if (phases) writeTrading(w, inst.trading);
  }
  w.u32(engine.accountList.length);
  for (const a of engine.accountList) {
    w.num(a.id);
    w.str(a.login);
    w.u8(a.stpMode);
    w.num(a.maxOrderQtyLots);
    w.num(a.maxOrderNotional);
    w.num(a.maxOpenOrders);
    w.num(a.maxPositionLots);
    for (let i = 0; i < engine.instrumentList.length; i++) {
      w.num(a.positionLots[i]!);
      w.num(a.cash[i]!);
    }
  }
  const cod = [...engine.codSessions].sort((x, y) => x - y);
  w.u32(cod.length);
  for (const s of cod) w.num(s);
}

/** One price level: its price, order count and orders in FIFO order. */
export function writeLevel(w: ByteWriter, level: Level): void {
  w.num(level.priceTicks);
  w.u32(level.orderCount);
  for (let o = level.head; o !== null; o = o.next) writeOrder(w, o);
}

/** Pending stops of one book (buys, then sells). */
export function writeStops(w: ByteWriter, book: OrderBook): void {
  for (const arr of [book.stops.buys, book.stops.sells]) {
    w.u32(arr.length);
    for (const o of arr) writeOrder(w, o);
  }
}

/**
 * Canonical binary image of the whole engine state: counters, instruments (definition order),
 * accounts (id order) with positions and cash, cancel-on-disconnect sessions (sorted), and every
 * live order in book priority order (bids best first, FIFO; asks; buy stops; sell stops).
 * Equal states give equal bytes, so the state hash is a hash of these bytes.
 * `IncrementalSnapshot` (incremental.ts) writes the same bytes across many steps.
 */
export function writeSnapshot(engine: MatchingEngine): Uint8Array {
  const w = new ByteWriter();
  writeSnapshotHead(w, engine);
  for (const inst of engine.instrumentList) {
    const b = inst.book;
    for (const side of [b.bids, b.asks]) {
      w.u32(side.levels.length);
      for (let li = side.levels.length - 1; li >= 0; li--) writeLevel(w, side.levels[li]!);
    }
    writeStops(w, b);
  }
  return w.finish();
}

function readOrder(r: ByteReader, engine: MatchingEngine, inst: Instrument): Order {
  const o = engine.acquireOrder();
  o.id = r.num();
  o.clOrdId = r.str();
  const acct = engine.accounts.get(r.num());
  if (acct === undefined) throw new SnapshotError('snapshot order references an unknown account');
  o.account = acct;
  o.instrument = inst;
  o.sessionId = r.num();
  o.side = r.u8();
  o.orderType = r.u8();
  o.tif = r.u8();
  const flags = r.u8();
  o.postOnly = (flags & 1) !== 0;
  o.triggered = (flags & 2) !== 0;
  o.priceTicks = r.num();
  o.stopPriceTicks = r.num();
  o.orderQtyLots = r.num();
  o.leavesLots = r.num();
  o.displayLots = r.num();
  o.visibleLots = r.num();
  o.cumQtyLots = r.num();
  o.cumNotional = r.num();
  o.expireAtMs = r.num();
  o.prioritySeq = r.num();
  return o;
}

/** Rebuilds an engine from `writeSnapshot` bytes; throws SnapshotError on malformed input. */
export function readSnapshot(
  bytes: Uint8Array,
  sink: EventSink,
  config: Partial<EngineConfig> = {},
): MatchingEngine {
  const r = new ByteReader(bytes);
  if (r.u32() !== MAGIC) throw new SnapshotError('not a matching snapshot');
  const version = r.u32();
  if (version !== 1 && version !== VERSION) throw new SnapshotError('unsupported snapshot version');
  const engine = new MatchingEngine(sink, { ...config, sessionEndMsOfDay: r.num() });
  engine.nowMs = r.num();
  engine.orderSeq = r.num();
  engine.execSeq = r.num();
  engine.tradeSeq = r.num();
  engine.prioritySeq = r.num();
  const nInst = r.u32();
  for (let k = 0; k < nInst; k++) {
    const inst = engine.restoreInstrument({
      type: CommandType.AddInstrument,
      timestampMs: 0,
      instrumentId: r.num(),
      symbol: r.str(),
      tickSize: r.str(),
      lotSize: r.str(),
      minQtyLots: r.num(),
      maxQtyLots: r.num(),
      refPriceTicks: r.num(),
      bandBps: r.num(),
      status: r.u8() as InstrumentStatus,
    });
    const b = inst.book;
    b.lastTradePxTicks = r.num();
    b.lastTradeQtyLots = r.num();
    b.lastTradeId = r.num();
    b.lastTradeAggressorSide = r.u8();
    b.lastTradeTimestampMs = r.num();
    if (version >= 2) readTrading(r, inst.trading);
  }
  const nAcct = r.u32();
  for (let k = 0; k < nAcct; k++) {
    const a = new Account(r.num(), r.str(), r.u8() as StpMode);
    a.maxOrderQtyLots = r.num();
    a.maxOrderNotional = r.num();
    a.maxOpenOrders = r.num();
    a.maxPositionLots = r.num();
    a.ensureInstruments(nInst);
    for (let i = 0; i < nInst; i++) {
      a.positionLots[i] = r.num();
      a.cash[i] = r.num();
    }
    engine.insertAccount(a);
  }
  const nCod = r.u32();
  for (let k = 0; k < nCod; k++) engine.codSessions.add(r.num());

  const all: Order[] = [];
  const placements: Array<() => void> = [];
  for (const inst of engine.instrumentList) {
    const b = inst.book;
    for (const side of [b.bids, b.asks]) {
      const nLevels = r.u32();
      for (let li = 0; li < nLevels; li++) {
        r.num(); // level price (implied by its orders; kept for readability of the format)
        const n = r.u32();
        for (let k = 0; k < n; k++) {
          const o = readOrder(r, engine, inst);
          all.push(o);
          placements.push(() => {
            // pushBack keeps o.visibleLots as stored (an iceberg may show a partly consumed slice).
            const level = side.getOrCreate(o.priceTicks, engine.levelPoolForRestore());
            o.state = OrderState.Resting;
            level.pushBack(o);
            b.restingCount++;
          });
        }
      }
    }
    for (const arr of [b.stops.buys, b.stops.sells]) {
      const n = r.u32();
      for (let k = 0; k < n; k++) {
        const o = readOrder(r, engine, inst);
        o.state = OrderState.PendingStop;
        all.push(o);
        placements.push(() => arr.push(o));
      }
    }
  }
  if (!r.done) throw new SnapshotError('trailing bytes in snapshot');
  // Register in id order: account order lists are ascending by id, as in a live engine.
  const sorted = [...all].sort((x, y) => x.id - y.id);
  for (const o of sorted) engine.restoreOrder(o);
  for (const place of placements) place();
  engine.trading.recompute();
  return engine;
}
