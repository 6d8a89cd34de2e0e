import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixMessage, GatewayEvents, OutboundEvent, SessionContext } from '@venue/gateway';
import type { ChannelName, FeedMessage } from '@venue/marketdata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channelForDepth,
  type FeedPort,
  type FeedPortSink,
  FixMarketData,
} from '../src/bridge/fix-market-data.js';
import { DEFAULT_CONFIG, type MemberConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster, startSingleProcess } from '../src/start.js';
import { freeMembers, memberLauncher, zvzztLimitOrder as order, testConfig } from './helpers.js';

interface Entry {
  action?: string;
  type?: string;
  symbol?: string;
  px?: string;
  size?: string;
  orders?: string;
}

/** MDEntries of a W or X in wire order (each starts at 279 in X, at 269 in W). */
function mdEntries(m: FixMessage): Entry[] {
  const out: Entry[] = [];
  const starter = m.msgType === 'X' ? 279 : 269;
  let cur: Entry | undefined;
  for (const f of m.fields) {
    if (f.tag === starter) {
      cur = {};
      out.push(cur);
    }
    if (cur === undefined) continue;
    if (f.tag === 279) cur.action = f.value;
    else if (f.tag === 269) cur.type = f.value;
    else if (f.tag === 55) cur.symbol = f.value;
    else if (f.tag === 270) cur.px = f.value;
    else if (f.tag === 271) cur.size = f.value;
    else if (f.tag === 346) cur.orders = f.value;
  }
  return out;
}

const mdRequest = (
  mdReqId: string,
  subscription: 0 | 1 | 2,
  depth: number,
  symbol: string,
  types: readonly number[] = [0, 1],
) =>
  [
    [262, mdReqId],
    [263, subscription],
    [264, depth],
    [267, types.length],
    ...types.map((t) => [269, t] as const),
    [146, 1],
    [55, symbol],
  ] as const;

const isMd = (type: string, mdReqId: string) => (m: FixMessage) =>
  m.msgType === type && m.get(262) === mdReqId;

describe('FIX market data in one process (V -> W, X, Y from the in-process feed)', () => {
  let venue: RunningVenue;
  let dataDir: string;
  const clients: FixClient[] = [];
  let md4: FixClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-fixmd-'));
    venue = await startSingleProcess(testConfig(dataDir), () => {});
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const client = async (username: string) => {
    const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password: 'demo' });
    clients.push(c);
    expect((await c.logon()).msgType).toBe('A');
    return c;
  };
  const ack = (c: FixClient, clOrdId: string) =>
    c.waitFor((m) => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === '0');

  it('snapshot then incrementals for ZVZZT depth 5; trades; unsubscribe stops updates', async () => {
    const trader = await client('CLIENT1');
    const md = await client('CLIENT2');
    let a = ack(trader, 'S1');
    trader.send('D', order('S1', 2, '10', '100.00'));
    await a;
    a = ack(trader, 'B1');
    trader.send('D', order('B1', 1, '5', '99.00'));
    await a;

    const w = md.waitFor(isMd('W', 'MD1'));
    md.send('V', mdRequest('MD1', 1, 5, 'ZVZZT', [0, 1, 2]));
    const snap = await w;
    expect(snap.get(55)).toBe('ZVZZT');
    expect(Number(snap.get(369))).toBeGreaterThan(0);
    expect(mdEntries(snap)).toEqual([
      { type: '0', px: '99', size: '5', orders: '1' },
      { type: '1', px: '100', size: '10', orders: '1' },
    ]);

    // A new bid level arrives as one X with a `new` entry.
    let x = md.waitFor(isMd('X', 'MD1'));
    trader.send('D', order('B2', 1, '3', '99.50'));
    expect(mdEntries(await x)).toEqual([
      { action: '0', type: '0', symbol: 'ZVZZT', px: '99.5', size: '3', orders: '1' },
    ]);

    // A cross: the trade and the reduced offer.
    x = md.waitFor(isMd('X', 'MD1'));
    const taker = await client('CLIENT3');
    taker.send('D', order('T1', 1, '4', '100.00'));
    const cross = mdEntries(await x);
    expect(cross).toContainEqual({
      action: '1',
      type: '1',
      symbol: 'ZVZZT',
      px: '100',
      size: '6',
      orders: '1',
    });
    expect(cross).toContainEqual({ action: '0', type: '2', symbol: 'ZVZZT', px: '100', size: '4' });

    // Unsubscribe MD1, subscribe MD2: the next change reaches MD2 only.
    md.send('V', mdRequest('MD1', 2, 5, 'ZVZZT'));
    const w2 = md.waitFor(isMd('W', 'MD2'));
    md.send('V', mdRequest('MD2', 1, 5, 'ZVZZT'));
    expect(mdEntries(await w2)).toEqual([
      { type: '0', px: '99.5', size: '3', orders: '1' },
      { type: '0', px: '99', size: '5', orders: '1' },
      { type: '1', px: '100', size: '6', orders: '1' },
    ]);
    const md1Before = md.received.filter(isMd('X', 'MD1')).length;
    const x2 = md.waitFor(isMd('X', 'MD2'));
    trader.send('D', order('S2', 2, '2', '101.00'));
    expect(mdEntries(await x2)).toEqual([
      { action: '0', type: '1', symbol: 'ZVZZT', px: '101', size: '2', orders: '1' },
    ]);
    expect(md.received.filter(isMd('X', 'MD1')).length).toBe(md1Before);
    // A second unsubscribe of MD1 is refused: nothing is subscribed under that id any more.
    const y = md.waitFor(isMd('Y', 'MD1'));
    md.send('V', mdRequest('MD1', 2, 5, 'ZVZZT'));
    expect((await y).get(58)).toMatch(/no active subscription/);
  });

  it('depth 1 is top of book; snapshot-only (0) holds no subscription', async () => {
    const md = await client('CLIENT4');
    md4 = md;
    const w = md.waitFor(isMd('W', 'TOP'));
    md.send('V', mdRequest('TOP', 0, 1, 'ZVZZT'));
    expect(mdEntries(await w)).toEqual([
      { type: '0', px: '99.5', size: '3', orders: '1' },
      { type: '1', px: '100', size: '6', orders: '1' },
    ]);
    const y = md.waitFor(isMd('Y', 'TOP'));
    md.send('V', mdRequest('TOP', 2, 1, 'ZVZZT'));
    expect((await y).get(281)).toBe('4');
  });

  it('rejects an unknown symbol with MDReqRejReason 0, a duplicate MDReqID with 1, and bounds subscriptions', async () => {
    const md = md4; // the demo config has four client logins
    const y = md.waitFor(isMd('Y', 'BAD'));
    md.send('V', mdRequest('BAD', 1, 5, 'NOPE'));
    const rej = await y;
    expect(rej.get(281)).toBe('0');
    expect(rej.get(58)).toMatch(/NOPE/);

    const w = md.waitFor(isMd('W', 'D1'));
    md.send('V', mdRequest('D1', 1, 0, 'ZVZZT'));
    await w;
    const dup = md.waitFor(isMd('Y', 'D1'));
    md.send('V', mdRequest('D1', 1, 0, 'ZVZZT'));
    expect((await dup).get(281)).toBe('1');

    // 32 per session: D1 plus 31 more are accepted, the next is refused with the limit in Text.
    for (let i = 0; i < 31; i++) md.send('V', mdRequest(`L${i}`, 1, 2, 'ACME'));
    const over = md.waitFor(isMd('Y', 'OVER'));
    md.send('V', mdRequest('OVER', 1, 2, 'ACME'));
    const o = await over;
    expect(o.get(281)).toBe('2');
    expect(o.get(58)).toMatch(/max 32 per session/);
    const ws = md.received.filter((m) => m.msgType === 'W' && /^(D1|L\d+)$/.test(m.get(262) ?? ''));
    expect(ws.length).toBe(32);
  });
});

/** A port the test drives by hand. */
class FakePort implements FeedPort {
  sink!: FeedPortSink;
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  open(instrumentId: number, channel: ChannelName): void {
    this.opened.push(`${instrumentId}/${channel}`);
  }
  close(instrumentId: number, channel: ChannelName): void {
    this.closed.push(`${instrumentId}/${channel}`);
  }
  stop(): void {}
}

const stamp = { instrumentId: 4, logPosition: 1, timestampMs: 0 };
const level = (
  seq: number,
  side: 1 | 2,
  action: 0 | 1 | 2,
  priceTicks: number,
  qtyLots: number,
): FeedMessage => ({
  ...stamp,
  type: 'level',
  channel: 'l2full',
  seq,
  side,
  action,
  priceTicks,
  qtyLots,
  orderCount: action === 2 ? 0 : 1,
});

describe('FixMarketData (unit, hand-driven feed)', () => {
  const ctx = (sessionKey: string): SessionContext => ({
    sessionKey,
    username: sessionKey,
    account: sessionKey,
    admin: false,
    msgSeqNum: 1,
  });
  const setup = () => {
    const port = new FakePort();
    const md = new FixMarketData(DEFAULT_CONFIG.instruments, (sink) => {
      port.sink = sink;
      return port;
    });
    const out: OutboundEvent[] = [];
    const events: GatewayEvents = { emit: (_u, e) => out.push(e) };
    md.attach(events);
    return { port, md, out };
  };

  it('maps MarketDepth to the feed channel', () => {
    expect(channelForDepth(1)).toBe('l1');
    expect(channelForDepth(5)).toBe('l2');
    expect(channelForDepth(10)).toBe('l2');
    expect(channelForDepth(0)).toBe('l2full');
    expect(channelForDepth(50)).toBe('l2full');
  });

  it('waits for the snapshot, cuts to depth, sends top-N changes, resyncs on a gap, ends on disconnect', () => {
    const { port, md, out } = setup();
    md.onMarketDataRequest(ctx('S'), {
      mdReqId: 'R',
      subscription: 'subscribe',
      depth: 20,
      entryTypes: ['bid', 'offer'],
      symbols: ['ZVZZT'],
    });
    expect(port.opened).toEqual(['4/l2full']);
    expect(out).toEqual([]); // no snapshot yet
    const levels = [];
    for (let i = 0; i < 25; i++)
      levels.push({ side: 1 as const, priceTicks: 1000 - i, qtyLots: 1, orderCount: 1 });
    port.sink.message({ ...stamp, type: 'snapshot', channel: 'l2full', seq: 7, levels });
    port.sink.flush();
    expect(out).toHaveLength(1);
    const w = out[0];
    expect(w?.kind).toBe('marketDataSnapshot');
    if (w?.kind !== 'marketDataSnapshot') return;
    expect(w.entries).toHaveLength(20);
    expect(w.lastSeqProcessed).toBe(7);
    expect(w.entries[19]?.priceTicks).toBe(981);

    // The best bid leaves: the 21st level enters the top 20.
    port.sink.message(level(8, 1, 2, 1000, 0));
    port.sink.flush();
    expect(out[1]).toEqual({
      kind: 'marketDataIncremental',
      mdReqId: 'R',
      entries: [
        { action: 'delete', type: 'bid', symbol: 'ZVZZT', priceTicks: 1000, sizeLots: 0, numberOfOrders: 1 },
        { action: 'new', type: 'bid', symbol: 'ZVZZT', priceTicks: 980, sizeLots: 1, numberOfOrders: 1 },
      ],
    });
    // A change below the top 20 sends nothing.
    port.sink.message(level(9, 1, 1, 970, 5));
    port.sink.flush();
    expect(out).toHaveLength(2);
    // A gap reopens the stream; the next snapshot yields only the real differences.
    port.sink.message(level(11, 1, 1, 999, 5));
    expect(port.opened).toEqual(['4/l2full', '4/l2full']);
    port.sink.message({
      ...stamp,
      type: 'snapshot',
      channel: 'l2full',
      seq: 11,
      levels: levels.slice(1).map((l) => (l.priceTicks === 999 ? { ...l, qtyLots: 5 } : l)),
    });
    port.sink.flush();
    expect(out[2]).toEqual({
      kind: 'marketDataIncremental',
      mdReqId: 'R',
      entries: [
        { action: 'change', type: 'bid', symbol: 'ZVZZT', priceTicks: 999, sizeLots: 5, numberOfOrders: 1 },
      ],
    });
    expect(md.subscriptionCount).toBe(1);
    md.onDisconnect({ sessionKey: 'S' });
    expect(md.subscriptionCount).toBe(0);
    expect(port.closed).toEqual(['4/l2full', '4/l2full']); // the gap, then the last subscriber gone
  });

  it('rejects a request whose snapshot the feed cannot produce in time, and frees its slot', async () => {
    const port = new FakePort();
    const md = new FixMarketData(
      DEFAULT_CONFIG.instruments,
      (sink) => {
        port.sink = sink;
        return port;
      },
      { snapshotWaitMs: 20 },
    );
    const out: OutboundEvent[] = [];
    md.attach({ emit: (_u, e) => out.push(e) });
    md.onMarketDataRequest(ctx('S'), {
      mdReqId: 'LATE',
      subscription: 'subscribe',
      depth: 5,
      entryTypes: ['bid'],
      symbols: ['ZVZZT'],
    });
    expect(md.subscriptionCount).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'marketDataReject', mdReqId: 'LATE', reason: 2 });
    expect(md.subscriptionCount).toBe(0);
    expect(port.closed).toEqual(['4/l2']);
  });

  it('serves a second subscriber of a followed stream its own snapshot at once', () => {
    const { port, md, out } = setup();
    const req = {
      subscription: 'subscribe' as const,
      depth: 1,
      entryTypes: ['bid', 'offer'] as const,
      symbols: ['ZVZZT'],
    };
    md.onMarketDataRequest(ctx('A'), { ...req, mdReqId: 'A1' });
    port.sink.empty(4, 'l1');
    port.sink.flush();
    expect(out).toEqual([
      { kind: 'marketDataSnapshot', mdReqId: 'A1', symbol: 'ZVZZT', entries: [], lastSeqProcessed: 0 },
    ]);
    port.sink.message({
      ...stamp,
      type: 'bbo',
      channel: 'l1',
      seq: 1,
      bidPriceTicks: 500,
      bidQtyLots: 2,
      bidOrderCount: 1,
      askPriceTicks: null,
      askQtyLots: 0,
      askOrderCount: 0,
    });
    port.sink.flush();
    expect(out).toHaveLength(2);
    md.onMarketDataRequest(ctx('B'), { ...req, mdReqId: 'B1' });
    expect(port.opened).toEqual(['4/l1']);
    expect(out[2]).toEqual({
      kind: 'marketDataSnapshot',
      mdReqId: 'B1',
      symbol: 'ZVZZT',
      entries: [{ type: 'bid', priceTicks: 500, sizeLots: 2, numberOfOrders: 1 }],
      lastSeqProcessed: 1,
    });
    expect(out).toHaveLength(3); // A1 got no empty X
  });
});

describe('FIX market data on the replicated venue (a member feed; member loss)', () => {
  let venue: RunningVenue | undefined;
  let dataDir: string;
  let members: MemberConfig[];
  const clients: FixClient[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-fixmd-cluster-'));
    members = await freeMembers();
    // No fsync: this test is about the feed, and it runs next to the other cluster tests.
    venue = await startCluster(
      testConfig(dataDir, members, 'none'),
      memberLauncher(dataDir, members, 'none').memberArgs,
      (line) => {
        if (lines.length < 5_000) lines.push(line);
      },
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('W then X from a member feed; after that member is killed, X continues from another', async () => {
    const v = venue;
    if (v === undefined) throw new Error('no venue');
    const login = async (username: string) => {
      const c = await FixClient.tcp('127.0.0.1', v.fixPort, { username, password: 'demo' });
      clients.push(c);
      expect((await c.logon()).msgType).toBe('A');
      return c;
    };
    const trader = await login('CLIENT1');
    const md = await login('CLIENT2');
    const acked = (clOrdId: string) =>
      trader.waitFor((m) => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === '0', 15_000);
    let a = acked('S1');
    trader.send('D', order('S1', 2, '10', '100.00'));
    await a;

    const w = md.waitFor(isMd('W', 'C1'), 15_000);
    md.send('V', mdRequest('C1', 1, 5, 'ZVZZT'));
    const snap = await w;
    expect(mdEntries(snap)).toEqual([{ type: '1', px: '100', size: '10', orders: '1' }]);

    let x = md.waitFor(isMd('X', 'C1'), 15_000);
    a = acked('B1');
    trader.send('D', order('B1', 1, '2', '99.00'));
    await a;
    expect(mdEntries(await x)).toEqual([
      { action: '0', type: '0', symbol: 'ZVZZT', px: '99', size: '2', orders: '1' },
    ]);

    // Kill the member whose feed the gateway follows (a follower: quorum stays).
    const following = [...lines].reverse().find((l) => l.startsWith('fix market data: following '));
    const port = Number(/:(\d+)\/md$/.exec(following ?? '')?.[1]);
    const feedMember = members.find((m) => m.mdPort === port);
    expect(feedMember, lines.slice(-20).join('\n')).toBeDefined();
    expect(await v.cluster.kill?.(feedMember?.id ?? 0)).toBe(true);

    x = md.waitFor(isMd('X', 'C1'), 20_000);
    a = acked('B2');
    trader.send('D', order('B2', 1, '3', '99.50'));
    await a;
    expect(mdEntries(await x)).toEqual([
      { action: '0', type: '0', symbol: 'ZVZZT', px: '99.5', size: '3', orders: '1' },
    ]);
    expect(md.received.filter(isMd('W', 'C1'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('fix market data: feed connection lost'))).toBe(true);

    // A quiet instrument (no order yet): an empty W now, the first order arrives as an X.
    const wq = md.waitFor(isMd('W', 'Q1'), 15_000);
    md.send('V', mdRequest('Q1', 1, 1, 'ACME'));
    expect(mdEntries(await wq)).toEqual([]);
    const xq = md.waitFor(isMd('X', 'Q1'), 20_000);
    trader.send('D', [
      [11, 'A1'],
      [55, 'ACME'],
      [54, 2],
      [38, '7'],
      [40, 2],
      [44, '50.00'],
      [59, 1],
      [60, '20261126-12:00:00.000'],
    ]);
    expect(mdEntries(await xq)).toEqual([
      { action: '0', type: '1', symbol: 'ACME', px: '50', size: '7', orders: '1' },
    ]);
  }, 60_000);
});
