import { type Entry, ServiceHost } from '@venue/consensus';
import { openOfflineLog } from '@venue/consensus/runtime';
import { Side, unitsToDecimal } from '@venue/matching';
import { createVenueServices, type VenueServices } from '../local/services.js';
import { venueHostConfig } from '../upgrade/upgrade-command.js';

/** One live order in a rebuilt state (terminal orders have left the book). */
export interface OfflineOrder {
  readonly orderId: string;
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** FIX OrdStatus: '0' new, '1' partially filled. */
  readonly ordStatus: '0' | '1';
  /** Decimal quantities as FIX reports them (CumQty 14, LeavesQty 151). */
  readonly cumQty: number;
  readonly leavesQty: number;
}

/** One price level of a rebuilt book (displayed quantity and order count, as the feed shows them). */
export interface OfflineLevel {
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

/** A rebuilt instrument: its id, units and every price level of its book. */
export interface OfflineBook {
  readonly instrumentId: number;
  readonly symbol: string;
  /** Decimal tick and lot sizes (a FIX price / quantity divided by them gives ticks / lots). */
  readonly tickSize: string;
  readonly lotSize: string;
  readonly levels: readonly OfflineLevel[];
}

/** An account's post-trade state on one instrument, as matching keeps it. */
export interface OfflinePosition {
  readonly login: string;
  readonly symbol: string;
  /** Signed position in lots. */
  readonly positionLots: number;
  /** Cash in ticks x lots (a sell of q lots at p ticks adds p*q; negative = paid). */
  readonly cash: number;
}

export interface OfflineState {
  /** The position the state was rebuilt to (snapshot + entries). */
  readonly appliedIndex: number;
  readonly stateHash: string;
  readonly orders: readonly OfflineOrder[];
  /** Every instrument's book, every level (displayed quantities). */
  readonly books: readonly OfflineBook[];
  /** Every account's position and cash on every instrument (zeros included). */
  readonly positions: readonly OfflinePosition[];
  /** Entries whose timestamp is below the previous entry's (must be 0: log time is monotonic). */
  readonly timestampRegressions: number;
  readonly entriesReplayed: number;
}

const BATCH_ENTRIES = 4_096;
const ORDERS_MAX = 1_000_000;

/**
 * Rebuilds the venue's state from a stopped member's data directory (newest snapshot, then the log
 * up to `toIndex`, default the end) and lists every live order: one pass over the log instead of one
 * status request per order. Also counts log timestamps that go backwards (clock faults).
 */
export async function readOfflineState(dataDir: string, toIndex?: number): Promise<OfflineState> {
  const log = await openOfflineLog(dataDir);
  try {
    const snap = log.snapshot;
    const to = Math.min(toIndex ?? log.lastIndex, log.lastIndex);
    if (snap !== undefined && to < snap.index)
      throw new Error(`position ${to} is before the newest snapshot (${snap.index}) of ${dataDir}`);
    let services: VenueServices | undefined;
    // The same host config as the members (service versions this build supports), as `venue replay`.
    const host = new ServiceHost(() => {
      services = createVenueServices();
      return services.list;
    }, venueHostConfig());
    host.start(snap?.data);
    // Timestamps are checked over every entry kept (also those before the snapshot); only the
    // entries after the snapshot are applied.
    let lastTimestampMs = 0;
    let timestampRegressions = 0;
    let replayed = 0;
    for (let from = Math.max(1, log.firstIndex); from <= to; ) {
      const batch: Entry[] = log.read(from, Math.min(BATCH_ENTRIES, to - from + 1));
      if (batch.length === 0) break;
      for (const e of batch) {
        if (e.timestampMs < lastTimestampMs) timestampRegressions += 1;
        lastTimestampMs = Math.max(lastTimestampMs, e.timestampMs);
        if (e.index <= (snap?.index ?? 0)) continue;
        host.apply(e);
        replayed += 1;
      }
      from += batch.length;
    }
    if (services === undefined) throw new Error('services were not created');
    return {
      appliedIndex: host.appliedIndex,
      stateHash: host.stateHash(),
      orders: liveOrders(services),
      books: books(services),
      positions: positions(services),
      timestampRegressions,
      entriesReplayed: replayed,
    };
  } finally {
    await log.close();
  }
}

function liveOrders(services: VenueServices): OfflineOrder[] {
  const engine = services.matching.engine;
  const orders: OfflineOrder[] = [];
  for (const id of engine.instrumentIds()) {
    const inst = engine.instrument(id);
    const book = engine.book(id);
    if (inst === undefined || book === undefined) continue;
    const qty = (lots: number) => Number(unitsToDecimal(lots, inst.lotSize));
    for (const side of [Side.Buy, Side.Sell]) {
      const visit = (o: {
        id: number;
        clOrdId: string;
        cumQtyLots: number;
        leavesLots: number;
      }): boolean | undefined => {
        if (orders.length >= ORDERS_MAX) return false;
        orders.push({
          orderId: String(o.id),
          clOrdId: o.clOrdId,
          symbol: inst.symbol,
          side: side === Side.Buy ? 'buy' : 'sell',
          ordStatus: o.cumQtyLots > 0 ? '1' : '0',
          cumQty: qty(o.cumQtyLots),
          leavesQty: qty(o.leavesLots),
        });
        return undefined;
      };
      book.forEachOrder(side, visit);
      book.forEachStop(side, visit);
    }
  }
  return orders;
}

function books(services: VenueServices): OfflineBook[] {
  const engine = services.matching.engine;
  const out: OfflineBook[] = [];
  for (const id of engine.instrumentIds()) {
    const inst = engine.instrument(id);
    const book = engine.book(id);
    if (inst === undefined || book === undefined) continue;
    const levels: OfflineLevel[] = [];
    for (const side of [Side.Buy, Side.Sell]) {
      book.forEachLevel(side, (l) => {
        if (l.visibleLots > 0)
          levels.push({
            side: side === Side.Buy ? 'buy' : 'sell',
            priceTicks: l.priceTicks,
            qtyLots: l.visibleLots,
            orderCount: l.orderCount,
          });
        return undefined;
      });
    }
    out.push({
      instrumentId: id,
      symbol: inst.symbol,
      tickSize: inst.tickSize,
      lotSize: inst.lotSize,
      levels,
    });
  }
  return out;
}

function positions(services: VenueServices): OfflinePosition[] {
  const engine = services.matching.engine;
  const out: OfflinePosition[] = [];
  for (const accountId of engine.accountIds()) {
    const account = engine.account(accountId);
    if (account === undefined) continue;
    for (const id of engine.instrumentIds()) {
      const inst = engine.instrument(id);
      const p = engine.position(accountId, id);
      if (inst === undefined || p === undefined) continue;
      out.push({ login: account.login, symbol: inst.symbol, positionLots: p.positionLots, cash: p.cash });
    }
  }
  return out;
}
