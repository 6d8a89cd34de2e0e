import {
  CHANNELS,
  type ChannelName,
  decodeJson,
  decodeSbe,
  encodeJson,
  encodeSbe,
  type FeedMessage,
  feedStateHash,
  L2Book,
  L3Book,
  readFeedSnapshot,
  type SideCode,
  writeFeedSnapshot,
} from '@venue/marketdata';
import type { BookView } from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { FeedReplica, randomCommands, TRADED } from './harness.js';

const SEEDS = [1, 2, 3, 4, 5];
const COMMANDS = 1_500;

function bookLevels(view: BookView | undefined, side: SideCode, max = Number.MAX_SAFE_INTEGER) {
  const out: { priceTicks: number; qtyLots: number; orderCount: number }[] = [];
  view?.forEachLevel(side, (l) => {
    if (out.length >= max) return false;
    out.push({ priceTicks: l.priceTicks, qtyLots: l.visibleLots, orderCount: l.orderCount });
    return true;
  });
  return out;
}

/** The book's displayed orders of a side in priority order (what L3 must rebuild). */
function bookOrders(view: BookView | undefined, side: SideCode) {
  const out: { orderId: number; side: SideCode; priceTicks: number; qtyLots: number }[] = [];
  view?.forEachOrder(side, (o) => {
    out.push({ orderId: o.id, side, priceTicks: o.priceTicks, qtyLots: o.visibleLots });
    return true;
  });
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('market-data feed determinism', () => {
  for (const seed of SEEDS) {
    it(`three replicas (one restarting from snapshots) give identical feed bytes and hashes, seed ${seed}`, () => {
      const cmds = randomCommands(seed, COMMANDS);
      const a = new FeedReplica();
      const b = new FeedReplica();
      const c = new FeedReplica();
      let messages = 0;
      cmds.forEach((cmd, i) => {
        if (i % 97 === 50) c.restart();
        const bytesA = concat(a.apply(cmd).map(encodeSbe));
        const bytesB = concat(b.apply(cmd).map(encodeSbe));
        const bytesC = concat(c.apply(cmd).map(encodeSbe));
        messages += a.entry.length;
        expect(bytesB, `position ${i + 1}`).toEqual(bytesA);
        expect(bytesC, `position ${i + 1}`).toEqual(bytesA);
        const h = feedStateHash(a.feed);
        expect(feedStateHash(b.feed)).toBe(h);
        expect(feedStateHash(c.feed)).toBe(h);
      });
      // The stream must actually exercise the feed.
      expect(messages).toBeGreaterThan(COMMANDS);
      const kinds = new Set<string>();
      for (const cmd of cmds) kinds.add(String(cmd.type));
      expect(kinds.size).toBeGreaterThanOrEqual(8);
    });
  }

  it('a different command stream gives a different hash (the hash sees the state)', () => {
    const a = new FeedReplica();
    const b = new FeedReplica();
    for (const cmd of randomCommands(7, 400)) a.apply(cmd);
    for (const cmd of randomCommands(8, 400)) b.apply(cmd);
    expect(feedStateHash(a.feed)).not.toBe(feedStateHash(b.feed));
  });
});

describe('virtual synchrony: the feed rebuilds the book at every log position', () => {
  const cases: [number, boolean][] = [
    ...SEEDS.map((s): [number, boolean] => [s, true]),
    [1, false],
    [2, false],
  ];
  for (const [seed, withL3] of cases) {
    it(`l2full, l2 (top 5), l1${withL3 ? ' and l3 (order by order, FIFO)' : ' (l3 off)'} rebuilt from the feed equal matching's book, seed ${seed}`, () => {
      const depthTop = 5;
      // Seeds 4 and 5 find orders by scanning their level (a BookSource without order lookup).
      const r = new FeedReplica(depthTop, withL3, seed < 4);
      const full = new Map<number, L2Book>();
      const top = new Map<number, L2Book>();
      const l1 = new Map<number, FeedMessage>();
      const l3 = new Map<number, L3Book>();
      const lastSeq = new Map<string, number>();
      let lateJoined = false;
      let maxDepth = 0;
      const cmds = randomCommands(seed, COMMANDS);
      cmds.forEach((cmd, i) => {
        // Late joiner: the consumer starts from in-band snapshots once the market is going.
        if (!lateJoined && i > 300) {
          lateJoined = true;
          for (const [id] of TRADED) {
            const f = new L2Book(id, 'l2full');
            const t = new L2Book(id, 'l2');
            expect(f.apply(r.feed.snapshot(id, 'l2full')!)).toBe('applied');
            expect(t.apply(r.feed.snapshot(id, 'l2')!)).toBe('applied');
            full.set(id, f);
            if (withL3) {
              const o = new L3Book(id);
              expect(o.apply(r.feed.snapshot(id, 'l3')!)).toBe('applied');
              l3.set(id, o);
            } else expect(r.feed.snapshot(id, 'l3')).toBeUndefined();
            top.set(id, t);
            l1.set(id, r.feed.snapshot(id, 'l1')!);
          }
        }
        const msgs = r.apply(cmd);
        for (const m of msgs) {
          // Gap-free per (instrument, channel) stream.
          const key = `${m.instrumentId}/${m.channel}`;
          expect(m.seq, key).toBe((lastSeq.get(key) ?? 0) + 1);
          lastSeq.set(key, m.seq);
          expect(m.logPosition).toBe(r.position);
          expect(m.timestampMs).toBe(cmd.timestampMs);
          // Every message survives both encodings unchanged.
          expect(decodeSbe(encodeSbe(m))).toEqual(m);
          expect(decodeJson(encodeJson(m))).toEqual(m);
          if (!lateJoined) continue;
          if (m.channel === 'l2full') expect(full.get(m.instrumentId)!.apply(m)).toBe('applied');
          if (m.channel === 'l2') expect(top.get(m.instrumentId)!.apply(m)).toBe('applied');
          if (m.channel === 'l1') l1.set(m.instrumentId, m);
          if (m.channel === 'l3') expect(l3.get(m.instrumentId)!.apply(m)).toBe('applied');
        }
        if (!lateJoined) return;
        for (const [id] of TRADED) {
          const view = r.engine.book(id);
          maxDepth = Math.max(maxDepth, view?.depth(1) ?? 0, view?.depth(2) ?? 0);
          for (const side of [1, 2] as const) {
            expect(full.get(id)!.levels(side), `pos ${r.position} full side ${side}`).toEqual(
              bookLevels(view, side),
            );
            expect(top.get(id)!.levels(side), `pos ${r.position} top side ${side}`).toEqual(
              bookLevels(view, side, depthTop),
            );
            if (withL3) {
              expect(l3.get(id)!.side(side), `pos ${r.position} l3 side ${side}`).toEqual(
                bookOrders(view, side),
              );
            }
          }
          const bbo = l1.get(id)!;
          if (bbo.type !== 'bbo') throw new Error('l1 snapshot is a bbo message');
          const bid = view?.bestBid();
          const ask = view?.bestAsk();
          expect(bbo.bidPriceTicks).toBe(bid?.priceTicks ?? null);
          expect(bbo.bidQtyLots).toBe(bid?.visibleLots ?? 0);
          expect(bbo.askPriceTicks).toBe(ask?.priceTicks ?? null);
          expect(bbo.askOrderCount).toBe(ask?.orderCount ?? 0);
        }
      });
      // Deep enough that top-N truncation was exercised.
      expect(maxDepth).toBeGreaterThan(depthTop);
      // Trades, bars and stats were produced too.
      const channels = new Set([...lastSeq.keys()].map((k) => k.split('/')[1]));
      // status only publishes on phase changes (these streams have none; see auction.test.ts).
      for (const c of CHANNELS) expect(channels.has(c), c).toBe(c !== 'status' && (withL3 || c !== 'l3'));
    });
  }
});

describe('trades, bars and statistics', () => {
  it('trade prints carry id, aggressor side and order ids, equal to matching', () => {
    const r = new FeedReplica();
    const trades: FeedMessage[] = [];
    for (const cmd of randomCommands(11, 800)) {
      for (const m of r.apply(cmd)) if (m.type === 'trade') trades.push(m);
    }
    expect(trades.length).toBeGreaterThan(20);
    const ids = trades.map((t) => (t.type === 'trade' ? t.tradeId : 0));
    // Trade ids strictly increase across instruments (matching's counter).
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    const last = trades[trades.length - 1]!;
    if (last.type !== 'trade') throw new Error('unreachable');
    const lt = r.engine.book(last.instrumentId)!.lastTrade();
    expect(lt.tradeId).toBe(last.tradeId);
    expect(lt.priceTicks).toBe(last.priceTicks);
    expect(lt.aggressorSide).toBe(last.aggressorSide);
  });

  it('bars equal OHLCV recomputed from the trade prints, closed by log time only', () => {
    const r = new FeedReplica();
    const trades: { ts: number; px: number; qty: number; inst: number }[] = [];
    const bars: FeedMessage[] = [];
    const cmds = randomCommands(12, 2_000);
    for (const cmd of cmds) {
      for (const m of r.apply(cmd)) {
        if (m.type === 'trade')
          trades.push({ ts: m.timestampMs, px: m.priceTicks, qty: m.qtyLots, inst: m.instrumentId });
        if (m.type === 'bar') bars.push(m);
      }
    }
    expect(bars.length).toBeGreaterThan(10);
    for (const b of bars) {
      if (b.type !== 'bar') continue;
      const inBar = trades.filter(
        (t) => t.inst === b.instrumentId && t.ts >= b.startMs && t.ts < b.startMs + b.intervalMs,
      );
      expect(inBar.length).toBe(b.tradeCount);
      expect(b.openTicks).toBe(inBar[0]!.px);
      expect(b.closeTicks).toBe(inBar[inBar.length - 1]!.px);
      expect(b.highTicks).toBe(Math.max(...inBar.map((t) => t.px)));
      expect(b.lowTicks).toBe(Math.min(...inBar.map((t) => t.px)));
      expect(b.volumeLots).toBe(inBar.reduce((n, t) => n + t.qty, 0));
      expect(b.notional).toBe(inBar.reduce((n, t) => n + t.qty * t.px, 0));
      // Published by the first entry at or after the bar's end (log time, never wall time).
      expect(b.timestampMs).toBeGreaterThanOrEqual(b.startMs + b.intervalMs);
      const before = cmds.filter((c) => c.timestampMs >= b.startMs + b.intervalMs)[0]!;
      expect(b.timestampMs).toBe(before.timestampMs);
    }
  });

  it('24 h statistics equal the trades of the window that ends at the log time', () => {
    const r = new FeedReplica();
    const trades: { ts: number; px: number; qty: number; inst: number }[] = [];
    let stats = 0;
    for (const cmd of randomCommands(13, 3_000)) {
      for (const m of r.apply(cmd)) {
        if (m.type === 'trade')
          trades.push({ ts: m.timestampMs, px: m.priceTicks, qty: m.qtyLots, inst: m.instrumentId });
        if (m.type !== 'stats') continue;
        stats++;
        const now = m.timestampMs;
        const from = now - (now % 60_000) - 86_400_000 + 60_000;
        const w = trades.filter((t) => t.inst === m.instrumentId && t.ts >= from && t.ts <= now);
        expect(m.tradeCount).toBe(w.length);
        expect(m.volumeLots).toBe(w.reduce((n, t) => n + t.qty, 0));
        expect(m.highTicks).toBe(w.length === 0 ? null : Math.max(...w.map((t) => t.px)));
        expect(m.lowTicks).toBe(w.length === 0 ? null : Math.min(...w.map((t) => t.px)));
        expect(m.openTicks).toBe(w.length === 0 ? null : w[0]!.px);
        const all = trades.filter((t) => t.inst === m.instrumentId);
        expect(m.lastTicks).toBe(all[all.length - 1]!.px);
      }
    }
    expect(stats).toBeGreaterThan(10);
  });
});

describe('feed snapshot', () => {
  it('truncated or corrupted snapshot bytes give an Error, never a crash or a hang', () => {
    const r = new FeedReplica();
    for (const cmd of randomCommands(22, 500)) r.apply(cmd);
    const bytes = writeFeedSnapshot(r.feed);
    const books = { book: () => undefined };
    let rejected = 0;
    for (let k = 0; k < 300; k++) {
      const cut = (k * 7_919) % bytes.length;
      expect(() => readFeedSnapshot(bytes.subarray(0, cut), books)).toThrow(Error);
      const flipped = bytes.slice();
      const at = (k * 104_729) % bytes.length;
      flipped[at] = flipped[at]! ^ 0xff;
      try {
        readFeedSnapshot(flipped, books);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('restores the same state; corrupt bytes give a clear error', () => {
    const r = new FeedReplica();
    for (const cmd of randomCommands(21, 600)) r.apply(cmd);
    const bytes = new Uint8Array(0);
    expect(() => readFeedSnapshot(bytes, { book: () => undefined })).toThrow(/truncated|corrupt/);
    const h = feedStateHash(r.feed);
    r.restart();
    expect(feedStateHash(r.feed)).toBe(h);
    for (const [id] of TRADED) {
      for (const c of CHANNELS as readonly ChannelName[]) {
        if (c === 'status') continue; // no phase changes in this stream
        expect(r.feed.lastSeq(id, c)).toBeGreaterThan(0);
      }
    }
  });
});
