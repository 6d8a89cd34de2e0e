import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/types.js';
import { PeerTransport } from '../../../src/runtime/transport/peer-transport.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const hb = (from: number, to: number, commitIndex: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 1,
  commitIndex,
});

const open: PeerTransport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

describe('PeerTransport', () => {
  it('delivers messages in order both ways and reconnects after the peer restarts', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const got1: Message[] = [];
    const got2: Message[] = [];
    const mk = (id: number, port: number, peer: { id: number; port: number }, sink: Message[]) => {
      const t = new PeerTransport({
        selfId: id,
        listenHost: '127.0.0.1',
        listenPort: port,
        peers: [{ id: peer.id, host: '127.0.0.1', port: peer.port }],
        onMessage: (m) => sink.push(m),
        reconnectMinMs: 5,
        reconnectMaxMs: 40,
      });
      open.push(t);
      return t;
    };
    const t1 = mk(1, p1, { id: 2, port: p2 }, got1);
    let t2 = mk(2, p2, { id: 1, port: p1 }, got2);
    await t1.start();
    await t2.start();
    for (let i = 1; i <= 500; i++) t1.send(hb(1, 2, i));
    t2.send(hb(2, 1, 7));
    await until(() => got2.length === 500 && got1.length === 1);
    expect(got2.map((m) => (m.type === 'heartbeat' ? m.commitIndex : -1))).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(got1[0]).toEqual(hb(2, 1, 7));

    await t2.close();
    await until(() => !t1.isConnected(2));
    got2.length = 0;
    t2 = mk(2, p2, { id: 1, port: p1 }, got2);
    await t2.start();
    await until(() => t1.isConnected(2));
    t1.send(hb(1, 2, 1000));
    await until(() => got2.some((m) => m.type === 'heartbeat' && m.commitIndex === 1000));
    expect(t1.stats.connects).toBeGreaterThanOrEqual(2);
  });

  it('bounds the queue for a dead peer by dropping the oldest frames', async () => {
    const t = new PeerTransport({
      selfId: 1,
      listenHost: '127.0.0.1',
      listenPort: 0,
      peers: [{ id: 2, host: '127.0.0.1', port: await freePort() }],
      onMessage: () => {},
      queueFramesMax: 100,
      reconnectMinMs: 1000,
    });
    open.push(t);
    await t.start();
    for (let i = 0; i < 1000; i++) t.send(hb(1, 2, i));
    expect(t.queuedFrames(2)).toBe(100);
    expect(t.stats.framesDropped).toBe(900);
  });

  it('closes a connection that sends garbage or claims another identity', async () => {
    const got: Message[] = [];
    const t = new PeerTransport({
      selfId: 1,
      listenHost: '127.0.0.1',
      listenPort: 0,
      peers: [{ id: 2, host: '127.0.0.1', port: await freePort() }],
      onMessage: (m) => got.push(m),
      reconnectMinMs: 1000,
    });
    open.push(t);
    await t.start();
    const s = net.connect({ host: '127.0.0.1', port: t.listenPort });
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([5, 0, 0, 0, 1, 2, 3, 4, 5]));
    await new Promise((r) => s.once('close', r));
    expect(t.stats.badFrames).toBe(1);
    expect(got).toEqual([]);
  });
});
