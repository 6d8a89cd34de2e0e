import websocket from '@fastify/websocket';
import {
  CloseCode,
  decodeJson,
  decodeSbe,
  type FeedMessage,
  L2Book,
  MarketDataClient,
  type MarketDataServer,
  marketDataPlugin,
  startMarketDataServer,
} from '@venue/marketdata';
import { CommandType, genesisCommands, Side } from '@venue/matching';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { limitOrder, randomCommands, ServiceReplica } from './harness.js';

type Frame =
  | { kind: 'control'; body: Record<string, unknown> }
  | { kind: 'feed'; m: FeedMessage; binary: boolean };

/** A raw ws client that queues frames and lets a test await them. */
class RawClient {
  readonly frames: Frame[] = [];
  readonly heartbeats: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.frames.push({ kind: 'feed', m: decodeSbe(new Uint8Array(data)), binary: true });
      } else {
        const body = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        const t = body.type;
        if (t === 'heartbeat') this.heartbeats.push(body);
        else if (t === 'subscribed' || t === 'unsubscribed' || t === 'error')
          this.frames.push({ kind: 'control', body });
        else this.frames.push({ kind: 'feed', m: decodeJson(data.toString('utf8')), binary: false });
      }
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const c = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }
  send(req: unknown): void {
    this.ws.send(typeof req === 'string' ? req : JSON.stringify(req));
  }
  /** Waits until `n` frames have arrived (or the socket closed); bounded by timeoutMs. */
  async waitFor(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.closed !== undefined) return;
      if (Date.now() > deadline) throw new Error(`timed out; ${this.frames.length} frames`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  async take(n: number): Promise<Frame[]> {
    await this.waitFor(() => this.frames.length >= n);
    return this.frames.splice(0, n);
  }
  feed(): FeedMessage[] {
    return this.frames.flatMap((f) => (f.kind === 'feed' ? [f.m] : []));
  }
}

const servers: MarketDataServer[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of servers.splice(0)) await s.close();
});

async function setup(ring = 1024, limits = {}) {
  const r = new ServiceReplica(ring);
  let ts = 1_000;
  for (const c of genesisCommands(ts)) r.apply(c);
  // A few resting levels on instrument 3.
  for (let i = 0; i < 5; i++) {
    r.apply(limitOrder(1, Side.Buy, 4_990 - i, 10, ++ts));
    r.apply(limitOrder(2, Side.Sell, 5_010 + i, 10, ++ts));
  }
  const server = await startMarketDataServer({ source: r.md, limits });
  servers.push(server);
  return { r, server, now: () => ++ts };
}

async function raw(url: string): Promise<RawClient> {
  const c = await RawClient.open(url);
  clients.push(c.ws);
  return c;
}

function bookOf(r: ServiceReplica, side: 1 | 2) {
  const out: { priceTicks: number; qtyLots: number; orderCount: number }[] = [];
  r.engine.book(3)?.forEachLevel(side, (l) => {
    out.push({ priceTicks: l.priceTicks, qtyLots: l.visibleLots, orderCount: l.orderCount });
    return true;
  });
  return out;
}

describe('market-data WebSocket', () => {
  for (const format of ['json', 'sbe'] as const) {
    it(`subscribe gives the snapshot in-band, then increments that rebuild the book (${format})`, async () => {
      const { r, server, now } = await setup();
      const c = await raw(server.url);
      c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2full', format });
      const [ack, snap] = await c.take(2);
      expect(ack).toEqual({
        kind: 'control',
        body: { type: 'subscribed', instrumentId: 3, channel: 'l2full', format, mode: 'snapshot' },
      });
      if (snap?.kind !== 'feed' || snap.m.type !== 'snapshot') throw new Error('expected a snapshot');
      expect(snap.binary).toBe(format === 'sbe');
      // Stamped with the last seq it includes and the feed's log position.
      expect(snap.m.seq).toBe(r.md.feed.lastSeq(3, 'l2full'));
      expect(snap.m.logPosition).toBe(r.position);
      expect(snap.m.levels).toHaveLength(10);
      const book = new L2Book(3, 'l2full');
      expect(book.apply(snap.m)).toBe('applied');
      // Increments: a trade at the best ask, a new bid level, a cancel by replace.
      r.apply(limitOrder(1, Side.Buy, 5_010, 4, now()));
      r.apply(limitOrder(3, Side.Buy, 4_995, 7, now()));
      r.apply(limitOrder(4, Side.Sell, 5_020, 3, now()));
      await c.waitFor(() => c.feed().length >= 3);
      await new Promise((res) => setTimeout(res, 50));
      const incs = c.feed();
      expect(incs[0]!.seq).toBe(snap.m.seq + 1);
      for (const m of incs) expect(book.apply(m)).toBe('applied');
      expect(book.levels(1)).toEqual(bookOf(r, 1));
      expect(book.levels(2)).toEqual(bookOf(r, 2));
    });
  }

  it('coalesced delivery (frames held up to coalesceMs) keeps every message, in order', async () => {
    const { r, server, now } = await setup(1024, { coalesceMs: 20 });
    const c = await raw(server.url);
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l3', format: 'sbe' });
    await c.take(2);
    for (let i = 0; i < 50; i++) r.apply(limitOrder(3, Side.Buy, 4_950 + (i % 20), 1, now()));
    const last = r.md.feed.lastSeq(3, 'l3')!;
    await c.waitFor(() => c.feed().some((m) => m.seq === last));
    const seqs = c.feed().map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => last - seqs.length + 1 + k));
    expect(seqs.length).toBe(50);
    await expect(startMarketDataServer({ source: r.md, limits: { coalesceMs: -1 } })).rejects.toThrow(
      /coalesceMs/,
    );
  });

  it('mounts as a plugin on a fastify server that already serves its own routes and WebSockets', async () => {
    const { r } = await setup();
    const app = Fastify();
    await app.register(websocket);
    app.get('/status', async () => ({ ok: true }));
    app.get('/other', { websocket: true }, (socket) => socket.send('other'));
    await app.register(marketDataPlugin, { source: r.md, path: '/feed' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no address');
      const base = `127.0.0.1:${address.port}`;
      const status = await fetch(`http://${base}/status`);
      expect(await status.json()).toEqual({ ok: true });
      const c = await raw(`ws://${base}/feed`);
      c.send({ op: 'subscribe', instrumentId: 3, channel: 'l1' });
      const [ack, bbo] = await c.take(2);
      expect(ack?.kind === 'control' && ack.body.type).toBe('subscribed');
      expect(bbo?.kind === 'feed' && bbo.m.type).toBe('bbo');
    } finally {
      for (const ws of clients.splice(0)) ws.terminate();
      await app.close();
    }
  });

  it('heartbeats carry the last seq of each subscribed stream', async () => {
    const { r, server, now } = await setup(1024, { heartbeatMs: 30 });
    const c = await raw(server.url);
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2' });
    c.send({ op: 'subscribe', instrumentId: 4, channel: 'trades' });
    await c.take(4);
    await c.waitFor(() => c.heartbeats.length > 0);
    expect(c.heartbeats[0]).toEqual({
      type: 'heartbeat',
      streams: [
        [3, 'l2', r.md.feed.lastSeq(3, 'l2')],
        [4, 'trades', 0],
      ],
    });
    r.apply(limitOrder(3, Side.Buy, 4_996, 1, now()));
    c.heartbeats.length = 0;
    await c.waitFor(() => c.heartbeats.length > 0);
    const streams = c.heartbeats[0]!.streams as [number, string, number][];
    expect(streams[0]![2]).toBe(r.md.feed.lastSeq(3, 'l2'));
    expect(streams[0]![2]).toBeGreaterThan(0);
  });

  it('unsubscribe stops the stream; other streams continue', async () => {
    const { r, server, now } = await setup();
    const c = await raw(server.url);
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2' });
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'trades' });
    await c.take(4);
    c.send({ op: 'unsubscribe', instrumentId: 3, channel: 'l2' });
    const [un] = await c.take(1);
    expect(un).toEqual({ kind: 'control', body: { type: 'unsubscribed', instrumentId: 3, channel: 'l2' } });
    r.apply(limitOrder(1, Side.Buy, 5_010, 4, now()));
    await c.waitFor(() => c.frames.length >= 1);
    await new Promise((res) => setTimeout(res, 50));
    const channels = c.feed().map((m) => m.channel);
    expect(channels).toEqual(['trades']);
  });

  it('invalid requests get a clear JSON error frame and the connection stays up', async () => {
    const { server } = await setup();
    const c = await raw(server.url);
    const bad: [unknown, string, RegExp][] = [
      ['not json', 'bad-request', /not valid JSON/],
      [[1, 2], 'bad-request', /JSON object/],
      [{ op: 'watch', instrumentId: 3, channel: 'l2' }, 'bad-request', /op must be/],
      [{ op: 'subscribe', instrumentId: -1, channel: 'l2' }, 'bad-request', /instrumentId/],
      [{ op: 'subscribe', instrumentId: 3, channel: 'l9' }, 'bad-request', /channel must be one of l1, l2/],
      [{ op: 'subscribe', instrumentId: 3, channel: 'l2', format: 'xml' }, 'bad-request', /format/],
      [{ op: 'subscribe', instrumentId: 999, channel: 'l2' }, 'unknown-instrument', /999/],
      [{ op: 'replay', instrumentId: 3, channel: 'l2', fromSeq: 1 }, 'not-subscribed', /not subscribed/],
    ];
    for (const [req, code, text] of bad) {
      c.send(req);
      const [f] = await c.take(1);
      if (f?.kind !== 'control') throw new Error('expected an error frame');
      expect(f.body.type).toBe('error');
      expect(f.body.code).toBe(code);
      expect(String(f.body.message)).toMatch(text);
    }
    c.ws.send(new Uint8Array([1, 2, 3]));
    const [bin] = await c.take(1);
    expect(bin?.kind === 'control' && bin.body.code).toBe('bad-request');
    // Still connected and serving.
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l1' });
    const [ack, l1] = await c.take(2);
    expect(ack?.kind === 'control' && ack.body.type).toBe('subscribed');
    expect(l1?.kind === 'feed' && l1.m.type).toBe('bbo');
    expect(c.closed).toBeUndefined();
  });

  it('gap recovery: replay from a seq out of the ring, or replay-unavailable when it is gone', async () => {
    const { r, server, now } = await setup(8);
    const c = await raw(server.url);
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2full', format: 'sbe' });
    const [, snap] = await c.take(2);
    if (snap?.kind !== 'feed') throw new Error('expected a snapshot');
    for (let i = 0; i < 3; i++) r.apply(limitOrder(3, Side.Buy, 4_980 - i, 1, now()));
    await c.waitFor(() => c.frames.length >= 3);
    const live = c.feed();
    c.frames.length = 0;
    // The client pretends it lost the first two and asks for them again.
    c.send({ op: 'replay', instrumentId: 3, channel: 'l2full', fromSeq: live[0]!.seq });
    await c.waitFor(() => c.frames.length >= 3);
    expect(c.feed()).toEqual(live);
    c.frames.length = 0;
    // Older than the 8 messages the ring holds: the client must take a snapshot instead.
    for (let i = 0; i < 10; i++) r.apply(limitOrder(3, Side.Buy, 4_970 - i, 1, now()));
    await c.waitFor(() => c.frames.length >= 10);
    c.frames.length = 0;
    c.send({ op: 'replay', instrumentId: 3, channel: 'l2full', fromSeq: live[0]!.seq });
    const [err] = await c.take(1);
    expect(err?.kind === 'control' && err.body.code).toBe('replay-unavailable');
    c.send({ op: 'snapshot', instrumentId: 3, channel: 'l2full' });
    const [fresh] = await c.take(1);
    expect(fresh?.kind === 'feed' && fresh.m.type === 'snapshot' && fresh.m.seq).toBe(
      r.md.feed.lastSeq(3, 'l2full'),
    );
  });

  it('the TS client switches replica and continues from its seq (identical feeds on every replica)', async () => {
    const a = await setup();
    const b = await setup();
    const seen: FeedMessage[] = [];
    const client = new MarketDataClient(a.server.url, { format: 'sbe', onMessage: (m) => seen.push(m) });
    await client.ready();
    const stream = client.subscribe(3, 'l2full');
    const trades = client.subscribe(3, 'trades');
    const l3 = client.subscribe(3, 'l3');
    const cmds = randomCommands(41, 400).filter((c) => c.type !== 10 && c.type !== 12);
    let i = 0;
    const step = async (n: number) => {
      for (const end = i + n; i < end; i++) {
        a.r.apply(cmds[i]!);
        b.r.apply(cmds[i]!);
      }
      await new Promise((res) => setTimeout(res, 30));
    };
    await step(150);
    await client.switchTo(b.server.url);
    await step(150);
    // Replica A keeps going, but nobody listens there any more.
    await new Promise((res) => setTimeout(res, 100));
    expect(stream.lastSeq).toBe(b.r.md.feed.lastSeq(3, 'l2full'));
    expect(trades.lastSeq).toBe(b.r.md.feed.lastSeq(3, 'trades'));
    expect(stream.book!.levels(1)).toEqual(bookOf(b.r, 1));
    expect(stream.book!.levels(2)).toEqual(bookOf(b.r, 2));
    expect(l3.lastSeq).toBe(b.r.md.feed.lastSeq(3, 'l3'));
    const ordersB: number[] = [];
    b.r.engine.book(3)?.forEachOrder(1, (o) => {
      ordersB.push(o.id);
      return true;
    });
    expect(l3.orders!.side(1).map((o) => o.orderId)).toEqual(ordersB);
    // No trade was lost or repeated across the switch.
    const tradeSeqs = seen.filter((m) => m.type === 'trade').map((m) => m.seq);
    for (let k = 1; k < tradeSeqs.length; k++) expect(tradeSeqs[k]).toBe(tradeSeqs[k - 1]! + 1);
    client.close();
  });

  it('a slow consumer is dropped with a close reason; memory stays bounded; others keep receiving', async () => {
    const { r, server, now } = await setup(1024, { sendQueueBytesMax: 64 * 1024, conflateBytes: 32 * 1024 });
    const slow = await raw(server.url);
    const fast = await raw(server.url);
    for (const c of [slow, fast]) {
      c.send({ op: 'subscribe', instrumentId: 3, channel: 'trades' });
      c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2full' });
    }
    await slow.take(4);
    await fast.take(4);
    slow.ws.pause();
    // Trades cannot be conflated: the slow client's queue grows until the hub drops it.
    let n = 0;
    while (server.hub.stats.droppedSlow === 0 && n < 200_000) {
      r.apply(limitOrder(1, Side.Buy, 5_000, 1, now()));
      r.apply(limitOrder(2, Side.Sell, 5_000, 1, now()));
      n++;
      if (n % 200 === 0) {
        fast.frames.length = 0;
        await new Promise((res) => setImmediate(res));
      }
    }
    expect(server.hub.stats.droppedSlow).toBe(1);
    slow.ws.resume();
    await slow.waitFor(() => false, 5_000).catch(() => {});
    expect(slow.closed?.code).toBe(CloseCode.SlowConsumer);
    expect(slow.closed?.reason).toMatch(/^slow consumer: \d+ bytes queued \(max 65536\)$/);
    // The fast client is still subscribed and receiving.
    fast.frames.length = 0;
    r.apply(limitOrder(1, Side.Buy, 5_000, 1, now()));
    r.apply(limitOrder(2, Side.Sell, 5_000, 1, now()));
    await fast.waitFor(() => fast.feed().some((m) => m.type === 'trade'));
    expect(fast.closed).toBeUndefined();
    expect(server.hub.stats.connections).toBe(1);
  });

  it('a lagging consumer of a book stream is conflated and resumes with a fresh snapshot', async () => {
    const { r, server, now } = await setup(1024, { sendQueueBytesMax: 64 << 20, conflateBytes: 16 * 1024 });
    const c = await raw(server.url);
    c.send({ op: 'subscribe', instrumentId: 3, channel: 'l2full' });
    const [, snap] = await c.take(2);
    if (snap?.kind !== 'feed') throw new Error('expected a snapshot');
    const book = new L2Book(3, 'l2full');
    book.apply(snap.m);
    c.ws.pause();
    let n = 0;
    while (server.hub.stats.conflations === 0 && n < 200_000) {
      // Add and cancel (open orders stay bounded by the account's risk limit).
      r.apply(limitOrder(3, Side.Buy, 4_900 + (n % 80), 1, now()));
      r.apply({
        type: CommandType.Cancel,
        timestampMs: now(),
        accountId: 3,
        orderId: r.engine.orderSeq,
        origClOrdId: '',
        clOrdId: '',
      });
      n++;
      if (n % 200 === 0) await new Promise((res) => setImmediate(res));
    }
    expect(server.hub.stats.conflations).toBe(1);
    const skippedFrom = r.md.feed.lastSeq(3, 'l2full')!;
    c.ws.resume();
    // Keep the book moving: once the queue has drained the hub resyncs at the end of an entry.
    for (let k = 0; k < 400 && !c.feed().some((m) => m.type === 'snapshot'); k++) {
      r.apply(limitOrder(3, Side.Buy, 4_900 + (k % 80), 1, now()));
      await new Promise((res) => setTimeout(res, 5));
    }
    await new Promise((res) => setTimeout(res, 100));
    const got = c.feed();
    const resync = got.find((m) => m.type === 'snapshot');
    expect(resync).toBeDefined();
    // Increments were skipped while lagging (conflated into the snapshot), never delivered out of order.
    expect(resync!.seq).toBeGreaterThan(skippedFrom);
    for (const m of got) expect(book.apply(m)).toBe('applied');
    expect(book.levels(1)).toEqual(bookOf(r, 1));
    expect(book.lastSeq).toBe(r.md.feed.lastSeq(3, 'l2full'));
  });
});
