import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attachFixWebSocket,
  FileSessionStoreFactory,
  FixTcpServer,
  FixWebSocketServer,
  SOH,
  Tag,
} from '@venue/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGateway, TcpFixClient, until, WsFixClient } from './fakes/net-clients.js';

const T = '20260105-09:00:00';
const nos = (id: string, side: string, qty: string, px: string) =>
  [
    [11, id],
    [55, 'BTC-USD'],
    [54, side],
    [60, T],
    [38, qty],
    [40, '2'],
    [44, px],
  ] as Array<[number, string]>;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tcpGateway(...args: Parameters<typeof makeGateway>) {
  const g = makeGateway(...args);
  g.gateway.start();
  const server = new FixTcpServer({ gateway: g.gateway, port: 0, host: '127.0.0.1' });
  await server.listen();
  cleanups.push(async () => {
    g.gateway.stop();
    await server.close();
  });
  return { ...g, server };
}

describe('FIX over TCP', () => {
  it('logs on, trades between two sessions, cancels, replaces, logs out', async () => {
    const { server, handler } = await tcpGateway();
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    const b = await TcpFixClient.connect(server.port, 'CLIENT2');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    expect((await a.logon()).msgType).toBe('A');
    expect((await b.logon()).msgType).toBe('A');
    a.send('D', nos('a1', '2', '1', '100'));
    await a.waitFor((m) => m.get(150) === '0');
    b.send('D', nos('b1', '1', '0.4', '101'));
    const fill = await b.waitFor((m) => m.get(150) === 'F');
    expect([fill.get(31), fill.get(32), fill.get(39)]).toEqual(['100', '0.4', '2']);
    await a.waitFor((m) => m.get(150) === 'F' && m.get(39) === '1');
    a.send('G', [
      [41, 'a1'],
      [11, 'a2'],
      [55, 'BTC-USD'],
      [54, '2'],
      [60, T],
      [38, '2'],
      [40, '2'],
      [44, '102'],
    ]);
    const rep = await a.waitFor((m) => m.get(150) === '5');
    expect([rep.get(11), rep.get(41), rep.get(151)]).toEqual(['a2', 'a1', '1.6']);
    a.send('F', [
      [41, 'a2'],
      [11, 'a3'],
      [55, 'BTC-USD'],
      [54, '2'],
      [60, T],
      [38, '2'],
    ]);
    const cx = await a.waitFor((m) => m.get(150) === '4');
    expect(cx.get(39)).toBe('4');
    a.send('5');
    await a.waitFor((m) => m.msgType === '5');
    await until(() => a.closed, 3000, 'socket close');
    expect(handler().received.map((r) => r.kind)).toEqual(['new', 'new', 'replace', 'cancel']);
  });

  it('handles coalesced and split writes on one socket', async () => {
    const { server } = await tcpGateway();
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => a.close());
    await a.logon();
    const batch = [a.build('D', nos('c1', '1', '1', '90')), a.build('D', nos('c2', '1', '1', '91'))].join('');
    a.raw(batch.slice(0, 50));
    await new Promise((r) => setTimeout(r, 20));
    a.raw(`${batch.slice(50)}noise`);
    await a.waitFor((m) => m.get(11) === 'c2' && m.get(150) === '0');
    expect(a.received.filter((m) => m.get(150) === '0').map((m) => m.get(11))).toEqual(['c1', 'c2']);
  });

  it('sends TestRequest to a silent peer, then logs out and closes', async () => {
    const { server } = await tcpGateway();
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => a.close());
    a.send('A', [
      [98, 0],
      [108, 1],
      [553, 'CLIENT1'],
      [554, 'demo'],
    ]);
    await a.waitFor((m) => m.msgType === '1', 'TestRequest');
    const lo = await a.waitFor((m) => m.msgType === '5', 'Logout');
    expect(lo.get(Tag.Text)).toMatch(/No response to TestRequest/);
    await until(() => a.closed, 3000, 'close');
  });

  it('a client reconnects after a gateway restart and resumes its sequence numbers (file store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tcp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const stores1 = new FileSessionStoreFactory({ dir, fsync: 'batch' });
    const g1 = await tcpGateway({}, stores1);
    const a = await TcpFixClient.connect(g1.server.port, 'CLIENT1');
    await a.logon();
    a.send('D', nos('r1', '1', '1', '90'));
    await a.waitFor((m) => m.get(150) === '0');
    a.close();
    g1.gateway.stop();
    await g1.server.close();
    stores1.closeAll();

    const stores2 = new FileSessionStoreFactory({ dir, fsync: 'batch' });
    cleanups.push(() => stores2.closeAll());
    const g2 = await tcpGateway({}, stores2);
    const a2 = await TcpFixClient.connect(g2.server.port, 'CLIENT1');
    cleanups.push(() => a2.close());
    a2.seq = a.seq;
    const logon = await a2.logon();
    expect(logon.msgType).toBe('A');
    expect(logon.getInt(Tag.MsgSeqNum)).toBe(3); // 1 Logon, 2 ExecutionReport, 3 this Logon
    a2.send('2', [
      [7, 2],
      [16, 2],
    ]);
    const replay = await a2.waitFor((m) => m.get(Tag.PossDupFlag) === 'Y');
    expect([replay.get(150), replay.get(11)]).toEqual(['0', 'r1']);
  });

  it('stops reading a socket while the handler is backed up, and resumes', async () => {
    const { server, handler, gateway } = await tcpGateway();
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => a.close());
    await a.logon();
    handler().backedUp = true;
    a.send('D', nos('p1', '1', '1', '90')); // read before the pause takes effect
    await a.waitFor((m) => m.get(11) === 'p1');
    a.send('D', nos('p2', '1', '1', '90'));
    await new Promise((r) => setTimeout(r, 100));
    expect(handler().received.map((r) => (r.req as { clOrdId: string }).clOrdId)).toEqual(['p1']);
    handler().backedUp = false;
    await a.waitFor((m) => m.get(11) === 'p2');
    expect(gateway.acceptor.connectionCount).toBe(1);
  });
});

describe('cancel-on-disconnect over TCP', () => {
  it('a dropped socket reports cancelOnDisconnect and the resting order is canceled; the report waits in the journal', async () => {
    const { server, handler } = await tcpGateway({}, undefined, true);
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    await a.logon();
    a.send('D', nos('cod1', '1', '1', '90'));
    await a.waitFor((m) => m.get(11) === 'cod1' && m.get(150) === '0');
    const seqBefore = a.seq;
    a.close(); // no Logout: the connection just drops
    await until(() => handler().disconnects.length === 1, 3000, 'disconnect');
    expect(handler().disconnects[0]?.info.cancelOnDisconnect).toBe(true);
    const a2 = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => a2.close());
    a2.seq = seqBefore;
    const logon = await a2.logon();
    expect(logon.getInt(Tag.MsgSeqNum)).toBe(4); // 1 Logon, 2 New, 3 Canceled (journaled offline)
    a2.send('2', [
      [7, 3],
      [16, 3],
    ]);
    const cx = await a2.waitFor((m) => m.get(150) === '4');
    expect([cx.get(11), cx.get(Tag.PossDupFlag)]).toEqual(['cod1', 'Y']);
  });
});

describe('FIX over WebSocket', () => {
  it('standalone server: SOH client trades', async () => {
    const g = makeGateway();
    const ws = new FixWebSocketServer({ gateway: g.gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const c = await WsFixClient.connect(ws.port, 'CLIENT3');
    cleanups.push(() => c.close());
    expect((await c.logon()).msgType).toBe('A');
    c.send('D', nos('w1', '1', '1', '100'));
    const ack = await c.waitFor((m) => m.get(150) === '0');
    expect(ack.get(11)).toBe('w1');
    expect(c.rawReceived.every((t) => t.includes(SOH) && !t.includes('|'))).toBe(true);
  });

  it('attached to an existing http server on /fix; | client gets | answers', async () => {
    const g = makeGateway();
    const http = createServer((_q, r) => r.end('web'));
    const handle = attachFixWebSocket(http, { gateway: g.gateway });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    cleanups.push(async () => {
      await handle.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    });
    const c = await WsFixClient.connect(port, 'CLIENT4', '|');
    cleanups.push(() => c.close());
    expect((await c.logon()).msgType).toBe('A');
    expect(c.rawReceived[0]).toMatch(/^8=FIX\.4\.4\|9=\d+\|35=A\|/);
    expect(c.rawReceived[0]?.includes(SOH)).toBe(false);
    c.send('x', [
      [320, 's'],
      [559, '4'],
    ]);
    const y = await c.waitFor((m) => m.msgType === 'y');
    expect(y.get(146)).toBe('4');
    c.send('D', nos('bad', '1', '1', '1.001'));
    const rej = await c.waitFor((m) => m.get(150) === '8');
    expect(rej.get(58)).toMatch(/tick size 0.01/);
  });

  it('| client whose CheckSum sums the | bytes gets answers checksummed the same way', async () => {
    const g = makeGateway();
    const ws = new FixWebSocketServer({ gateway: g.gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const c = await WsFixClient.connect(ws.port, 'CLIENT2', '|', '/fix', true);
    cleanups.push(() => c.close());
    expect((await c.logon()).msgType).toBe('A'); // decoded with the literal basis, else it throws
    c.send('D', nos('lit', '1', '1', '100'));
    expect((await c.waitFor((m) => m.get(150) === '0')).get(11)).toBe('lit');
  });

  it('refuses wrong credentials over WebSocket with a Logout and closes', async () => {
    const g = makeGateway();
    const ws = new FixWebSocketServer({ gateway: g.gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const c = await WsFixClient.connect(ws.port, 'CLIENT1');
    cleanups.push(() => c.close());
    const lo = await c.logon('wrong');
    expect(lo.msgType).toBe('5');
    await until(() => c.closed, 3000, 'close');
  });
});
