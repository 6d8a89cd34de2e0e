import { createHash } from 'node:crypto';
import { ByteReader, ByteWriter } from '@venue/consensus';
import type { BboMessage, PhaseCode, StatsMessage, StatusMessage } from '../messages/messages.js';
import { BAR_INTERVALS_MS, CHANNELS } from '../messages/messages.js';
import { type BookSource, type FeedConfig, MarketDataFeed, sortedLevels } from './feed.js';
import { InstrumentState, type ShadowLevel, STATS_BUCKETS_MAX } from './instrument-state.js';

/** "MDF1": before the status channel (7 seqs, no status); "MDF2": adds the status channel. */
const MAGIC_V1 = 0x4d444631; // "MDF1"
const MAGIC = 0x4d444632; // "MDF2"
const CHANNELS_V1 = 7;

function nullable(w: ByteWriter, v: number | null): void {
  if (v === null) w.u32(0);
  else {
    w.u32(1);
    w.u53(v);
  }
}

function readNullable(r: ByteReader): number | null {
  const flag = r.u32();
  if (flag === 0) return null;
  if (flag !== 1) throw new Error('market-data snapshot corrupt: bad null flag');
  return r.u53();
}

function writeLevels(w: ByteWriter, levels: readonly ShadowLevel[]): void {
  w.u32(levels.length);
  for (const l of levels) {
    w.u53(l.priceTicks);
    w.u53(l.qtyLots);
    w.u32(l.orderCount);
  }
}

/**
 * Canonical bytes of the feed's whole state (instruments ascending, levels best first, orders by
 * id): what a restarted replica needs to continue the same sequences, and what the hash covers.
 */
export function writeFeedSnapshot(feed: MarketDataFeed): Uint8Array {
  const st = feed.stateForSnapshot();
  const w = new ByteWriter();
  // Until a status message exists the old format is written (same bytes and hash as a build
  // without the status channel, e.g. during a rolling upgrade).
  const withStatus = st.list.some((s) => s.status.seq > 0 || s.statusDirty);
  w.u32(withStatus ? MAGIC : MAGIC_V1);
  w.u32(feed.config.depthTop);
  w.u32(feed.config.l3 ? 1 : 0);
  w.u53(feed.logPosition);
  w.u53(feed.timestampMs);
  w.u53(st.nextBarCloseMs);
  w.u53(st.statsMinute);
  w.u32(st.pending ? 1 : 0);
  w.u53(st.pendingSinceMs);
  w.u32(st.list.length);
  for (const s of st.list) {
    w.u32(s.id);
    // Events matching emitted that no endEntry has published yet (an entry only matching saw).
    w.u32(s.dirty ? 1 : 0);
    w.u32(s.touchedBids.length);
    for (const px of s.touchedBids) w.u53(px);
    w.u32(s.touchedAsks.length);
    for (const px of s.touchedAsks) w.u53(px);
    w.u32(s.touchedOrders.length);
    for (const v of s.touchedOrders) w.u53(v);
    w.u32(s.pendingTrades.length);
    for (const t of s.pendingTrades) {
      w.u53(t.tradeId);
      w.u53(t.priceTicks);
      w.u53(t.qtyLots);
      w.u32(t.aggressorSide);
      w.u53(t.makerOrderId);
      w.u53(t.takerOrderId);
      w.u53(t.timestampMs);
    }
    for (let c = 0; c < (withStatus ? s.seqs.length : CHANNELS_V1); c++) w.u53(s.seqs[c]!);
    writeLevels(w, sortedLevels(s.bids, 1));
    writeLevels(w, sortedLevels(s.asks, 2));
    const b = s.bbo;
    w.u53(b.seq);
    w.u53(b.logPosition);
    w.u53(b.timestampMs);
    nullable(w, b.bidPriceTicks);
    w.u53(b.bidQtyLots);
    w.u32(b.bidOrderCount);
    nullable(w, b.askPriceTicks);
    w.u53(b.askQtyLots);
    w.u32(b.askOrderCount);
    w.u32(s.bars.length);
    for (const bar of s.bars) {
      w.u32(bar.intervalMs);
      w.u53(bar.startMs + 1); // -1 (none) is stored as 0
      w.u53(bar.openTicks);
      w.u53(bar.highTicks);
      w.u53(bar.lowTicks);
      w.u53(bar.closeTicks);
      w.u53(bar.volumeLots);
      w.u53(bar.notional);
      w.u32(bar.tradeCount);
    }
    const m = s.stats;
    w.u53(m.seq);
    w.u53(m.logPosition);
    w.u53(m.timestampMs);
    const ss = s.statsState;
    nullable(w, ss.lastTicks);
    const orders = [...s.l3.values()].sort((a, b) => a.orderId - b.orderId);
    w.u32(orders.length);
    for (const o of orders) {
      w.u53(o.orderId);
      w.u32(o.side);
      w.u53(o.priceTicks);
      w.u53(o.qtyLots);
      w.u53(o.prio);
    }
    w.u32(ss.buckets.length);
    for (const k of ss.buckets) {
      w.u53(k.startMs);
      w.u53(k.openTicks);
      w.u53(k.highTicks);
      w.u53(k.lowTicks);
      w.u53(k.volumeLots);
      w.u53(k.notional);
      w.u32(k.tradeCount);
    }
    if (!withStatus) continue;
    const st2 = s.status;
    w.u32(s.statusDirty ? 1 : 0);
    w.u53(st2.seq);
    w.u53(st2.logPosition);
    w.u53(st2.timestampMs);
    w.u32(st2.phase);
    nullable(w, st2.indicativePriceTicks);
    w.u53(st2.indicativeVolumeLots);
    w.u32(st2.imbalanceLots < 0 ? 1 : 0);
    w.u53(Math.abs(st2.imbalanceLots));
  }
  return w.finish();
}

function readLevels(r: ByteReader, into: Map<number, ShadowLevel>): ShadowLevel[] {
  const n = r.u32();
  const out: ShadowLevel[] = [];
  for (let i = 0; i < n; i++) {
    const l = { priceTicks: r.u53(), qtyLots: r.u53(), orderCount: r.u32() };
    if (into.has(l.priceTicks)) throw new Error('market-data snapshot corrupt: duplicate level');
    into.set(l.priceTicks, l);
    out.push({ ...l });
  }
  return out;
}

/**
 * Rebuilds a feed from writeFeedSnapshot's bytes. The book source must be at the same log position
 * (matching restores its own snapshot first). Throws a clear error on corrupt input.
 */
export function readFeedSnapshot(
  bytes: Uint8Array,
  books: BookSource,
  config: Partial<FeedConfig> = {},
): MarketDataFeed {
  const r = new ByteReader(bytes);
  const magic = r.u32();
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new Error('not a market-data feed snapshot');
  const channels = magic === MAGIC_V1 ? CHANNELS_V1 : CHANNELS.length;
  const depthTop = r.u32();
  const l3 = r.u32() === 1;
  const feed = new MarketDataFeed(books, { ...config, depthTop, l3 });
  const logPosition = r.u53();
  const timestampMs = r.u53();
  const nextBarCloseMs = r.u53();
  const statsMinute = r.u53();
  const pending = r.u32() === 1;
  const pendingSinceMs = r.u53();
  feed.restoreScalars(logPosition, timestampMs, nextBarCloseMs, statsMinute, pending, pendingSinceMs);
  const count = r.u32();
  if (count > feed.config.instrumentsMax) throw new Error('market-data snapshot: too many instruments');
  for (let i = 0; i < count; i++) {
    const s = new InstrumentState(r.u32(), BAR_INTERVALS_MS);
    s.dirty = r.u32() === 1;
    const nb = r.u32();
    for (let k = 0; k < nb; k++) s.touchedBids.push(r.u53());
    const na = r.u32();
    for (let k = 0; k < na; k++) s.touchedAsks.push(r.u53());
    const no = r.u32();
    if (no % 3 !== 0) throw new Error('market-data snapshot corrupt: touched orders');
    for (let k = 0; k < no; k++) s.touchedOrders.push(r.u53());
    const nt = r.u32();
    for (let k = 0; k < nt; k++) {
      const tradeId = r.u53();
      const priceTicks = r.u53();
      const qtyLots = r.u53();
      const side = r.u32();
      if (side !== 1 && side !== 2) throw new Error('market-data snapshot corrupt: bad side');
      s.pendingTrades.push({
        tradeId,
        priceTicks,
        qtyLots,
        aggressorSide: side,
        makerOrderId: r.u53(),
        takerOrderId: r.u53(),
        timestampMs: r.u53(),
      });
    }
    for (let c = 0; c < channels; c++) s.seqs[c] = r.u53();
    s.topBids = readLevels(r, s.bids).slice(0, depthTop);
    s.topAsks = readLevels(r, s.asks).slice(0, depthTop);
    const bbo: BboMessage = {
      type: 'bbo',
      channel: 'l1',
      instrumentId: s.id,
      seq: r.u53(),
      logPosition: r.u53(),
      timestampMs: r.u53(),
      bidPriceTicks: readNullable(r),
      bidQtyLots: r.u53(),
      bidOrderCount: r.u32(),
      askPriceTicks: readNullable(r),
      askQtyLots: r.u53(),
      askOrderCount: r.u32(),
    };
    s.bbo = bbo;
    const barCount = r.u32();
    if (barCount !== s.bars.length) throw new Error('market-data snapshot: bar intervals differ');
    for (const bar of s.bars) {
      if (r.u32() !== bar.intervalMs) throw new Error('market-data snapshot: bar intervals differ');
      bar.startMs = r.u53() - 1;
      bar.openTicks = r.u53();
      bar.highTicks = r.u53();
      bar.lowTicks = r.u53();
      bar.closeTicks = r.u53();
      bar.volumeLots = r.u53();
      bar.notional = r.u53();
      bar.tradeCount = r.u32();
    }
    const statsSeq = r.u53();
    const statsPos = r.u53();
    const statsTs = r.u53();
    const ss = s.statsState;
    ss.lastTicks = readNullable(r);
    const orderCount = r.u32();
    if (orderCount > feed.config.ordersMax) throw new Error('market-data snapshot: too many orders');
    for (let k = 0; k < orderCount; k++) {
      const orderId = r.u53();
      const side = r.u32();
      if (side !== 1 && side !== 2) throw new Error('market-data snapshot corrupt: bad side');
      s.l3.set(orderId, { orderId, side, priceTicks: r.u53(), qtyLots: r.u53(), prio: r.u53() });
    }
    const bucketCount = r.u32();
    if (bucketCount > STATS_BUCKETS_MAX) throw new Error('market-data snapshot: too many stats buckets');
    for (let k = 0; k < bucketCount; k++) {
      const b = {
        startMs: r.u53(),
        openTicks: r.u53(),
        highTicks: r.u53(),
        lowTicks: r.u53(),
        volumeLots: r.u53(),
        notional: r.u53(),
        tradeCount: r.u32(),
      };
      ss.buckets.push(b);
      ss.volumeLots += b.volumeLots;
      ss.notional += b.notional;
      ss.tradeCount += b.tradeCount;
    }
    ss.recomputeExtremes();
    const first = ss.buckets[0];
    const stats: StatsMessage = {
      type: 'stats',
      channel: 'stats',
      instrumentId: s.id,
      seq: statsSeq,
      logPosition: statsPos,
      timestampMs: statsTs,
      windowStartMs: first === undefined ? 0 : first.startMs,
      openTicks: first === undefined ? null : first.openTicks,
      highTicks: first === undefined ? null : ss.highTicks,
      lowTicks: first === undefined ? null : ss.lowTicks,
      lastTicks: ss.lastTicks,
      volumeLots: ss.volumeLots,
      notional: ss.notional,
      tradeCount: ss.tradeCount,
    };
    s.stats = stats;
    if (magic === MAGIC) readStatus(r, s);
    feed.restoreInstrument(s);
  }
  if (!r.done()) throw new Error('market-data snapshot: trailing bytes');
  return feed;
}

function readStatus(r: ByteReader, s: InstrumentState): void {
  const dirty = r.u32();
  if (dirty > 1) throw new Error('market-data snapshot corrupt: bad status flag');
  s.statusDirty = dirty === 1;
  const seq = r.u53();
  const logPosition = r.u53();
  const timestampMs = r.u53();
  const phase = r.u32();
  if (phase < 1 || phase > 7) throw new Error('market-data snapshot corrupt: bad trading phase');
  const indicativePriceTicks = readNullable(r);
  const indicativeVolumeLots = r.u53();
  const negative = r.u32();
  if (negative > 1) throw new Error('market-data snapshot corrupt: bad imbalance sign');
  const abs = r.u53();
  const m: StatusMessage = {
    type: 'status',
    channel: 'status',
    instrumentId: s.id,
    seq,
    logPosition,
    timestampMs,
    phase: phase as PhaseCode,
    indicativePriceTicks,
    indicativeVolumeLots,
    imbalanceLots: negative === 1 ? -abs : abs,
  };
  s.status = m;
}

/** sha256 (hex) of the canonical state: equal on replicas at equal log positions. */
export function feedStateHash(feed: MarketDataFeed): string {
  return createHash('sha256').update(writeFeedSnapshot(feed)).digest('hex');
}
