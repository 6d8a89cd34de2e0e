import { FixTcpServer, FixWebSocketServer, formatUtcTimestamp, SOH } from '@venue/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGateway, TcpFixClient, until, WsFixClient } from './fakes/net-clients.js';

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fuzz: malformed and random input at a live TCP acceptor', () => {
  it('stays up, never delivers an order from bad input, and still serves a good client', async () => {
    const seed = 20260105;
    const rnd = prng(seed);
    const int = (n: number) => Math.floor(rnd() * n);
    const { gateway, handler } = makeGateway({ throttleMsgsPerSec: 100_000 });
    gateway.start();
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    await server.listen();
    cleanups.push(async () => {
      gateway.stop();
      await server.close();
    });

    // 1. Connections that never log on: random bytes and mutated Logons.
    for (let c = 0; c < 4; c++) {
      const cl = await TcpFixClient.connect(server.port, 'CLIENT1');
      cleanups.push(() => cl.close());
      for (let i = 0; i < 100; i++) {
        const len = int(300);
        const buf = Buffer.alloc(len);
        for (let j = 0; j < len; j++) buf[j] = int(256);
        if (i % 7 === 0) buf.write('8=FIX.4.4\x019=', int(Math.max(1, len - 12)), 'latin1');
        cl.raw(buf);
      }
    }

    // 2. A logged-on session sending single-byte mutations, insertions and deletions of valid
    //    orders (the checksum or BodyLength catches every one), plus well-framed but invalid ones.
    const fz = await TcpFixClient.connect(server.port, 'CLIENT2');
    cleanups.push(() => fz.close());
    expect((await fz.logon()).msgType).toBe('A');
    const order = (id: string): Array<[number, string]> => [
      [11, id],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, formatUtcTimestamp(Date.now())],
      [38, '1'],
      [40, '2'],
      [44, '100'],
    ];
    let sent = 0;
    for (let i = 0; i < 600; i++) {
      const seqBefore = fz.seq;
      const wire = Buffer.from(fz.build('D', order(`f${i}`)), 'latin1');
      fz.seq = seqBefore; // garbled messages do not consume a seq
      const kind = i % 4;
      let out: Buffer;
      if (kind === 0) {
        out = Buffer.from(wire);
        const at = int(out.length);
        out[at] = ((out[at] ?? 0) + 1 + int(255)) & 0xff;
      } else if (kind === 1) {
        const at = 12 + int(wire.length - 12);
        out = Buffer.concat([wire.subarray(0, at), Buffer.from([int(256)]), wire.subarray(at)]);
      } else if (kind === 2) {
        const at = 12 + int(wire.length - 13);
        out = Buffer.concat([wire.subarray(0, at), wire.subarray(at + 1)]);
      } else {
        // Well-framed (correct checksum) but invalid: a required tag dropped or a bad value.
        const body = order(`g${i}`);
        // Any non-empty ClOrdID is valid, so only the other fields get invalid values.
        const victim = 1 + int(body.length - 1);
        const mutated: Array<[number, string]> =
          int(2) === 0
            ? body.filter((_, j) => j !== victim)
            : body.map(([t, v], j) => [t, j === victim ? ['x', '', '-', '1e3', '0.0000001'][int(5)]! : v]);
        out = Buffer.from(fz.build('D', mutated), 'latin1');
      }
      fz.raw(out);
      sent++;
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    // Oversized message and a huge BodyLength announcement.
    fz.raw(Buffer.from(`8=FIX.4.4\x019=999999999\x0135=D\x01`, 'latin1'));
    await until(() => fz.closed, 5000, 'oversized logout');
    expect(fz.received.some((m) => m.msgType === '5' && /exceeds the limit/.test(m.get(58) ?? ''))).toBe(
      true,
    );

    // 3. The acceptor is still up: a fresh client logs on and trades.
    const good = await TcpFixClient.connect(server.port, 'CLIENT3');
    cleanups.push(() => good.close());
    expect((await good.logon()).msgType).toBe('A');
    good.send('D', order('ok1'));
    await good.waitFor((m) => m.get(150) === '0' && m.get(11) === 'ok1');

    // The handler saw exactly the good order; every fuzz order was dropped or rejected.
    const orders = handler().received.filter((r) => r.kind === 'new');
    expect(orders.map((r) => r.ctx.username)).toEqual(['CLIENT3']);
    expect(sent).toBe(600);
    // And the garbage produced session-level answers, not crashes: the fuzzing session got rejects.
    expect(
      fz.received.filter((m) => m.msgType === '3' || (m.msgType === '8' && m.get(150) === '8')).length,
    ).toBeGreaterThan(0);
  });

  it('WebSocket: random and mutated frames never deliver an order; the server keeps serving', async () => {
    const rnd = prng(777);
    const int = (n: number) => Math.floor(rnd() * n);
    const { gateway, handler } = makeGateway({ throttleMsgsPerSec: 100_000 });
    const ws = new FixWebSocketServer({ gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const anon = await WsFixClient.connect(ws.port, 'CLIENT1');
    cleanups.push(() => anon.close());
    for (let i = 0; i < 100; i++) {
      const len = int(200);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = int(256);
      anon.raw(buf);
    }
    const fz = await WsFixClient.connect(ws.port, 'CLIENT2', '|');
    cleanups.push(() => fz.close());
    expect((await fz.logon()).msgType).toBe('A');
    for (let i = 0; i < 300; i++) {
      const seq = fz.seq;
      const wire = Buffer.from(
        fz.build('D', [
          [11, `w${i}`],
          [55, 'BTC-USD'],
          [54, '1'],
          [60, formatUtcTimestamp(Date.now())],
          [38, '1'],
          [40, '2'],
          [44, '100'],
        ]),
        'latin1',
      );
      fz.seq = seq;
      // One byte changed, never to or from a delimiter (SOH and '|' map onto each other here).
      let at = int(wire.length);
      while (wire[at] === 1) at = int(wire.length);
      let v = int(256);
      while (v === 1 || v === 0x7c || v === wire[at]) v = int(256);
      wire[at] = v;
      fz.raw(wire.toString('latin1'));
    }
    await new Promise((r) => setTimeout(r, 200));
    const good = await WsFixClient.connect(ws.port, 'CLIENT3');
    cleanups.push(() => good.close());
    expect((await good.logon()).msgType).toBe('A');
    good.send('D', [
      [11, 'ok'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, formatUtcTimestamp(Date.now())],
      [38, '1'],
      [40, '2'],
      [44, '100'],
    ]);
    await good.waitFor((m) => m.get(11) === 'ok' && m.get(150) === '0');
    expect(
      handler()
        .received.filter((r) => r.kind === 'new')
        .map((r) => r.ctx.username),
    ).toEqual(['CLIENT3']);
    expect(fz.closed).toBe(false);
    expect(SOH).toBe('\x01');
  });
});
