import {
  DEFAULT_SECURITY_CONFIG,
  DEMO_INSTRUMENTS,
  decodeFix,
  demoCredentials,
  encodeFix,
  type FixField,
  FixGateway,
  type FixMessage,
  FixTcpServer,
  FixWebSocketServer,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  LogonGuard,
  MemorySessionStoreFactory,
  type SecurityConfig,
  type SessionConfig,
} from '@venue/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpFixClient, until, WsFixClient } from './fakes/net-clients.js';
import { FakeClock } from './fakes/session-harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('LogonGuard: failed logons slow further attempts, with bounded memory', () => {
  const config: SecurityConfig = {
    ...DEFAULT_SECURITY_CONFIG,
    logonFailuresFreePerLogin: 3,
    logonFailuresFreePerAddress: 10,
  };

  it('locks a login after the free failures, doubling the lock up to the maximum', () => {
    const g = new LogonGuard({ ...config, logonLockBaseMs: 1_000, logonLockMaxMs: 4_000 });
    let t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(g.refusal('CLIENT1', undefined, t)).toBeUndefined();
      g.failure('CLIENT1', undefined, t);
    }
    expect(g.refusal('CLIENT1', undefined, t)).toBeUndefined(); // 3 free failures: no lock yet
    g.failure('CLIENT1', undefined, t); // 4th: locked 1 s
    expect(g.refusal('CLIENT1', undefined, t)).toBe('Too many failed logons for this login: retry in 1 s');
    expect(g.refusal('CLIENT2', undefined, t)).toBeUndefined(); // other logins are not affected
    t += 1_000;
    expect(g.refusal('CLIENT1', undefined, t)).toBeUndefined();
    g.failure('CLIENT1', undefined, t); // 5th: 2 s
    expect(g.refusal('CLIENT1', undefined, t + 1_999)).toMatch(/retry in 1 s/);
    expect(g.refusal('CLIENT1', undefined, t + 2_000)).toBeUndefined();
    t += 2_000;
    g.failure('CLIENT1', undefined, t); // 6th: 4 s
    t += 4_000;
    g.failure('CLIENT1', undefined, t); // 7th: 8 s capped at 4 s
    expect(g.refusal('CLIENT1', undefined, t)).toMatch(/retry in 4 s/);
    g.success('CLIENT1');
    expect(g.refusal('CLIENT1', undefined, t)).toBeUndefined();
  });

  it('locks a remote address that fails across many logins (no per-login lock reached)', () => {
    const g = new LogonGuard(config);
    const t = 5_000_000;
    for (let i = 0; i < 10; i++) g.failure(`USER${i}`, '10.0.0.7', t);
    expect(g.refusal('USER99', '10.0.0.7', t)).toBeUndefined();
    g.failure('USER10', '10.0.0.7', t);
    expect(g.refusal('USER99', '10.0.0.7', t)).toBe('Too many failed logons for this address: retry in 1 s');
    expect(g.refusal('USER99', '10.0.0.8', t)).toBeUndefined();
  });

  it('forgets failures after the memory window and never tracks more than logonTrackedMax entries', () => {
    const g = new LogonGuard({ ...config, logonTrackedMax: 100, logonFailureMemoryMs: 60_000 });
    let t = 0;
    for (let i = 0; i < 5_000; i++) g.failure(`U${i}`, `10.1.${i >> 8}.${i & 255}`, t++);
    expect(g.tracked).toEqual({ logins: 100, addresses: 100 });
    for (let i = 0; i < 4; i++) g.failure('X', undefined, t);
    expect(g.refusal('X', undefined, t)).toBeDefined();
    expect(g.refusal('X', undefined, t + 60_000)).toBeUndefined(); // forgotten, not just unlocked
    g.failure('X', undefined, t + 60_000);
    expect(g.refusal('X', undefined, t + 60_000)).toBeUndefined(); // count restarted at 1
  });

  it('refuses a bad configuration with the key name', () => {
    expect(() => new LogonGuard({ ...config, logonTrackedMax: 0 })).toThrow(/security.logonTrackedMax/);
    expect(() => new LogonGuard({ ...config, logonLockMaxMs: 10, logonLockBaseMs: 100 })).toThrow(
      /logonLockMaxMs/,
    );
  });
});

/** A gateway with a fake clock and in-process connections that carry a remote address. */
function harness(session: Partial<SessionConfig> = {}, security: Partial<SecurityConfig> = {}) {
  const clock = new FakeClock();
  const gateway = new FixGateway({
    clock,
    credentials: demoCredentials(),
    stores: new MemorySessionStoreFactory(),
    instruments: DEMO_INSTRUMENTS,
    session,
    security,
    createHandler: (events) => new InMemoryOrderEntry(events, DEMO_INSTRUMENTS),
  });
  const connect = (address: string) => {
    const received: FixMessage[] = [];
    const state = { closed: false };
    const s = gateway.acceptor.openConnection({
      remoteAddress: address,
      send: (wire) => {
        const r = decodeFix(wire);
        if (r.kind === 'ok') received.push(r.msg);
      },
      close: () => {
        state.closed = true;
      },
    });
    return { session: s, received, state };
  };
  const logon = (address: string, user: string, password: string) => {
    const c = connect(address);
    const fields: FixField[] = [
      { tag: 35, value: 'A' },
      { tag: 49, value: user },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: '1' },
      { tag: 52, value: formatUtcTimestamp(clock.nowMs()) },
      { tag: 98, value: '0' },
      { tag: 108, value: '30' },
      { tag: 141, value: 'Y' },
      { tag: 553, value: user },
      { tag: 554, value: password },
    ];
    c.session?.onFrame(encodeFix(fields));
    const answer = c.received[0];
    if (answer?.msgType === 'A') c.session?.logout('test done');
    gateway.acceptor.connectionClosed(c.session!, 'test');
    return { type: answer?.msgType, text: answer?.get(58) };
  };
  return { clock, gateway, connect, logon };
}

describe('authentication through the session layer', () => {
  it('refuses a wrong password with Logout and Text, then locks the login; the right password works after the lock', () => {
    const h = harness({}, { logonFailuresFreePerLogin: 2, logonLockBaseMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      expect(h.logon('192.0.2.1', 'CLIENT1', 'guess')).toEqual({
        type: '5',
        text: 'Invalid username or password',
      });
    }
    // Locked: even the right password is refused (guessing cannot continue), with a clear Text.
    expect(h.logon('192.0.2.1', 'CLIENT1', 'demo')).toEqual({
      type: '5',
      text: 'Too many failed logons for this login: retry in 5 s',
    });
    expect(h.logon('192.0.2.2', 'CLIENT1', 'demo').type).toBe('5'); // per login, from any address
    expect(h.logon('192.0.2.1', 'CLIENT2', 'demo').type).toBe('A'); // other logins unaffected
    expect(h.gateway.acceptor.counters().loggedOn).toBe(0);
    h.clock.advance(5_000);
    expect(h.logon('192.0.2.1', 'CLIENT1', 'demo').type).toBe('A');
    // The success cleared the count: the next wrong password is a plain refusal again.
    expect(h.logon('192.0.2.1', 'CLIENT1', 'guess').text).toBe('Invalid username or password');
  });

  it('an unknown login gets the same answer as a wrong password and is throttled the same way', () => {
    const h = harness({}, { logonFailuresFreePerLogin: 1 });
    expect(h.logon('192.0.2.9', 'NOBODY', 'x').text).toBe('Invalid username or password');
    expect(h.logon('192.0.2.9', 'NOBODY', 'x').text).toBe('Invalid username or password');
    expect(h.logon('192.0.2.9', 'NOBODY', 'x').text).toMatch(/^Too many failed logons for this login/);
  });

  it('locks an address that guesses across logins', () => {
    const h = harness({}, { logonFailuresFreePerLogin: 100, logonFailuresFreePerAddress: 3 });
    for (const u of ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4']) h.logon('198.51.100.5', u, 'guess');
    expect(h.logon('198.51.100.5', 'ADMIN', 'admin').text).toBe(
      'Too many failed logons for this address: retry in 1 s',
    );
    expect(h.logon('198.51.100.6', 'ADMIN', 'admin').type).toBe('A');
  });

  it('rejects a duplicated tag with Reject 373=13 (Tag appears more than once)', () => {
    const h = harness();
    const c = h.connect('192.0.2.1');
    const send = (fields: Array<[number, string]>) =>
      c.session?.onFrame(encodeFix(fields.map(([tag, value]) => ({ tag, value }))));
    const hdr = (type: string, seq: number): Array<[number, string]> => [
      [35, type],
      [49, 'CLIENT1'],
      [56, 'VENUE'],
      [34, String(seq)],
      [52, formatUtcTimestamp(h.clock.nowMs())],
    ];
    send([...hdr('A', 1), [98, '0'], [108, '30'], [553, 'CLIENT1'], [554, 'demo']]);
    send([
      ...hdr('D', 2),
      [11, 'd1'],
      [55, 'BTC-USD'],
      [54, '1'],
      [54, '2'],
      [60, formatUtcTimestamp(0)],
      [38, '1'],
      [40, '2'],
      [44, '100'],
    ]);
    const rej = c.received.find((m) => m.msgType === '3');
    expect(rej?.get(373)).toBe('13');
    expect(rej?.get(371)).toBe('54');
    expect(rej?.get(58)).toBe('Tag appears more than once: Side(54)');
    expect(c.received.some((m) => m.msgType === '8')).toBe(false);
  });
});

function liveGateway(
  session: Partial<SessionConfig> = {},
  security: Partial<SecurityConfig> = {},
  connectionsMax?: number,
) {
  const logs: string[] = [];
  const gateway = new FixGateway({
    credentials: demoCredentials(),
    stores: new MemorySessionStoreFactory(),
    instruments: DEMO_INSTRUMENTS,
    session,
    security,
    ...(connectionsMax === undefined ? {} : { connectionsMax }),
    log: (t) => {
      if (logs.length < 1_000) logs.push(t);
    },
    createHandler: (events) => new InMemoryOrderEntry(events, DEMO_INSTRUMENTS),
  });
  return { gateway, logs };
}

describe('resource limits on live transports (127.0.0.1)', () => {
  it('TCP: connections per address over the limit get a Logout with Text and are closed', async () => {
    const { gateway, logs } = liveGateway({}, { connectionsPerAddressMax: 2 });
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    await server.listen();
    cleanups.push(() => server.close());
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    const b = await TcpFixClient.connect(server.port, 'CLIENT2');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await until(() => gateway.acceptor.connectionCount === 2, 2_000, 'two connections');
    const c = await TcpFixClient.connect(server.port, 'CLIENT3');
    cleanups.push(() => c.close());
    await until(() => c.closed, 2_000, 'refused connection closed');
    expect(c.received[0]?.msgType).toBe('5');
    expect(c.received[0]?.get(58)).toBe('connection limit reached: at most 2 connections per address');
    expect(
      logs.some((l) => /refused, connection limit reached: at most 2 connections per address/.test(l)),
    ).toBe(true);
    // A freed slot can be used again, and the existing connections still work.
    a.close();
    await until(() => gateway.acceptor.connectionCount === 1, 2_000, 'slot freed');
    const d = await TcpFixClient.connect(server.port, 'CLIENT4');
    cleanups.push(() => d.close());
    expect((await d.logon()).msgType).toBe('A');
    expect((await b.logon()).msgType).toBe('A');
  });

  it('TCP: the gateway-wide connection limit refuses with its own Text', async () => {
    const { gateway } = liveGateway({}, {}, 1);
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    await server.listen();
    cleanups.push(() => server.close());
    const a = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => a.close());
    await until(() => gateway.acceptor.connectionCount === 1, 2_000, 'one connection');
    const b = await TcpFixClient.connect(server.port, 'CLIENT2');
    cleanups.push(() => b.close());
    await until(() => b.closed, 2_000, 'refused');
    expect(b.received[0]?.get(58)).toBe('connection limit reached: at most 1 connections per gateway');
  });

  it('WebSocket: over the per-address limit the upgrade is closed with 1013 and the reason', async () => {
    const { gateway } = liveGateway({}, { connectionsPerAddressMax: 1 });
    const ws = new FixWebSocketServer({ gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const a = await WsFixClient.connect(ws.port, 'CLIENT1');
    cleanups.push(() => a.close());
    const WebSocket = (await import('ws')).default;
    const b = new WebSocket(`ws://127.0.0.1:${ws.port}/fix`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      b.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    expect(closed).toEqual({
      code: 1013,
      reason: 'connection limit reached: at most 1 connections per address',
    });
    expect((await a.logon()).msgType).toBe('A');
  });

  it('TCP: application messages over throttleMsgsPerSec get BusinessMessageReject 380=0 with the limit in Text', async () => {
    const { gateway } = liveGateway({ throttleMsgsPerSec: 3 });
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    await server.listen();
    cleanups.push(() => server.close());
    const c = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => c.close());
    expect((await c.logon()).msgType).toBe('A');
    for (let i = 0; i < 10; i++)
      c.send('x', [
        [320, `sl${i}`],
        [559, 4],
      ]);
    await c.waitFor((m) => m.msgType === 'j');
    await until(
      () => c.received.filter((m) => m.msgType === 'y' || m.msgType === 'j').length >= 10,
      3_000,
      'answers',
    );
    const rejects = c.received.filter((m) => m.msgType === 'j');
    expect(rejects.length).toBeGreaterThanOrEqual(5); // a burst of 10 within well under a second
    expect(rejects[0]?.get(380)).toBe('0');
    expect(rejects[0]?.get(58)).toBe('Throttle limit exceeded: at most 3 messages per second');
    expect(c.closed).toBe(false);
  });

  it('WebSocket: a frame over 4 x frameBytesMax is refused by ws itself with close code 1009', async () => {
    const { gateway } = liveGateway({ frameBytesMax: 1024 });
    const ws = new FixWebSocketServer({ gateway });
    await ws.listen();
    cleanups.push(() => ws.close());
    const WebSocket = (await import('ws')).default;
    const b = new WebSocket(`ws://127.0.0.1:${ws.port}/fix`);
    await new Promise((r) => b.once('open', r));
    const closed = new Promise<number>((resolve) => b.on('close', (code: number) => resolve(code)));
    b.send('8=FIX.4.4\x01'.padEnd(5_000, 'x'));
    expect(await closed).toBe(1009);
  });
});

describe('log lines quote peer text safely', () => {
  it('a Logout Text with a newline and a terminal escape cannot forge or colour a log line', async () => {
    const { gateway, logs } = liveGateway();
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    await server.listen();
    cleanups.push(() => server.close());
    const c = await TcpFixClient.connect(server.port, 'CLIENT1');
    cleanups.push(() => c.close());
    expect((await c.logon()).msgType).toBe('A');
    c.send('5', [[58, 'bye\ngateway: ADMIN logged on\x1b[31m']]);
    await until(() => logs.some((l) => l.includes('peer logged out')), 2_000, 'logout logged');
    const line = logs.find((l) => l.includes('peer logged out'))!;
    expect(line).toContain('bye\\x0agateway: ADMIN logged on\\x1b[31m');
    expect(logs.every((l) => !l.includes('\n') && !l.includes('\x1b'))).toBe(true);
  });
});

describe('ResendRequest amplification', () => {
  it('ResendRequests count against the throttle: a flood gets Reject 373=99, not a journal replay each', () => {
    const h = harness({ throttleMsgsPerSec: 5 });
    const c = h.connect('192.0.2.1');
    let seq = 1;
    const send = (type: string, body: Array<[number, string]>) =>
      c.session?.onFrame(
        encodeFix(
          [
            [35, type],
            [49, 'CLIENT1'],
            [56, 'VENUE'],
            [34, String(seq++)],
            [52, formatUtcTimestamp(h.clock.nowMs())],
            ...body,
          ].map(([tag, value]) => ({ tag: Number(tag), value: String(value) })),
        ),
      );
    send('A', [
      [98, '0'],
      [108, '30'],
      [553, 'CLIENT1'],
      [554, 'demo'],
    ]);
    // 50 messages in the journal for this session.
    for (let i = 0; i < 50; i++)
      h.gateway.acceptor.sendToSession('CLIENT1', 'j', [
        { tag: 45, value: '1' },
        { tag: 372, value: 'D' },
        { tag: 380, value: '0' },
        { tag: 58, value: `m${i}` },
      ]);
    c.received.length = 0;
    for (let i = 0; i < 20; i++)
      send('2', [
        [7, '1'],
        [16, '0'],
      ]);
    const replays = c.received.filter((m) => m.get(43) === 'Y').length;
    const rejects = c.received.filter((m) => m.msgType === '3');
    // 5 tokens: at most 5 replays of the journal (each up to ~52 messages), the rest rejected.
    expect(rejects.length).toBe(15);
    expect(rejects[0]?.get(373)).toBe('99');
    expect(rejects[0]?.get(58)).toBe('Throttle limit exceeded: at most 5 messages per second');
    expect(replays).toBeLessThanOrEqual(5 * 52);
    expect(replays).toBeGreaterThan(0);
  });
});
