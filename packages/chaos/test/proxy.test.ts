import * as net from 'node:net';
import { FaultProxy } from '@venue/chaos';
import { FrameReader, frame } from '@venue/consensus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two fake members on loopback: each collects the frames it receives (first byte = sender id, as
// the test's `identify` reads it; the payload's second byte is a sequence number).

interface Member {
  readonly server: net.Server;
  readonly port: number;
  readonly received: { from: number; seq: number; atMs: number }[];
}

async function member(): Promise<Member> {
  const received: Member['received'] = [];
  const server = net.createServer((s) => {
    const reader = new FrameReader();
    let first = true;
    s.on('data', (chunk: Buffer) =>
      reader.push(chunk, (body) => {
        if (first) {
          first = false;
          return;
        }
        received.push({ from: body[0] ?? -1, seq: (body[1] ?? 0) + 256 * (body[2] ?? 0), atMs: Date.now() });
      }),
    );
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address() as net.AddressInfo;
  return { server, port: a.port, received };
}

async function dial(port: number, from: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(frame(Uint8Array.of(from)));
  return s;
}

const send = (s: net.Socket, from: number, seq: number) =>
  s.write(frame(Uint8Array.of(from, seq % 256, Math.floor(seq / 256))));

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

describe('fault proxy between members (frame-aware, per directed link)', () => {
  let m1: Member;
  let m2: Member;
  let proxy: FaultProxy;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    m1 = await member();
    m2 = await member();
    proxy = await FaultProxy.start(
      {
        targets: [
          { id: 1, host: '127.0.0.1', port: m1.port },
          { id: 2, host: '127.0.0.1', port: m2.port },
        ],
        seed: 5,
        identify: (f) => f[0] ?? 0,
      },
      new Map(),
    );
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await Promise.all([m1, m2].map((m) => new Promise<void>((r) => m.server.close(() => r()))));
  });

  it('forwards frames in order when healthy, and drops one direction only (one-way loss)', async () => {
    const a = await dial(proxy.port(2), 1); // member 1 -> member 2
    const b = await dial(proxy.port(1), 2); // member 2 -> member 1
    sockets.push(a, b);
    for (let i = 0; i < 20; i++) send(a, 1, i);
    expect(await until(() => m2.received.length === 20, 5_000)).toBe(true);
    expect(m2.received.map((r) => r.seq)).toEqual([...Array(20).keys()]);

    proxy.setFault(1, 2, { drop: true });
    m1.received.length = 0;
    m2.received.length = 0;
    for (let i = 0; i < 20; i++) {
      send(a, 1, i);
      send(b, 2, i);
    }
    expect(await until(() => m1.received.length === 20, 5_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(m2.received).toEqual([]); // 1 -> 2 dropped
    expect(proxy.linkStats(1, 2).dropped).toBe(20);
    expect(proxy.linkStats(2, 1).dropped).toBe(0);

    proxy.heal();
    send(a, 1, 99);
    expect(await until(() => m2.received.length === 1, 5_000)).toBe(true);
    expect(m2.received[0]?.seq).toBe(99); // the same connection carries frames again
  });

  it('drops about the configured share of frames and keeps the rest in order', async () => {
    const a = await dial(proxy.port(2), 1);
    sockets.push(a);
    m2.received.length = 0;
    proxy.setFault(1, 2, { lossRate: 0.5 });
    for (let i = 0; i < 400; i++) send(a, 1, i);
    const stats = () => proxy.linkStats(1, 2);
    const before = stats();
    expect(await until(() => m2.received.length + (stats().dropped - before.dropped) >= 400, 5_000)).toBe(
      true,
    );
    await new Promise((r) => setTimeout(r, 50));
    const got = m2.received.map((r) => r.seq);
    expect(got.length).toBeGreaterThan(100);
    expect(got.length).toBeLessThan(300);
    expect([...got].sort((x, y) => x - y)).toEqual(got);
    proxy.heal();
  });

  it('delays frames by the configured time, in order', async () => {
    const a = await dial(proxy.port(2), 1);
    sockets.push(a);
    m2.received.length = 0;
    proxy.setFault(1, 2, { delayMs: 200 });
    const sentMs = Date.now();
    for (let i = 0; i < 10; i++) send(a, 1, i);
    expect(await until(() => m2.received.length === 10, 5_000)).toBe(true);
    expect(m2.received.map((r) => r.seq)).toEqual([...Array(10).keys()]);
    expect(Math.min(...m2.received.map((r) => r.atMs)) - sentMs).toBeGreaterThanOrEqual(195);
    expect(() => proxy.setFault(1, 2, { lossRate: 2 })).toThrow(/lossRate/);
    proxy.heal();
  });
});
