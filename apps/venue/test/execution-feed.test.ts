import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandKind, ExecType, type ExecutionReportMessage, OrdStatus, Side } from '@venue/matching';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { dropCopyEventOf, dropCopyUsers } from '../src/bridge/drop-copy.js';
import {
  type ExecutionFeedFrame,
  ExecutionRing,
  feedAccessAllowed,
  serveExecutions,
} from '../src/cluster/execution-feed.js';
import { ConfigError, DEFAULT_CONFIG, type InstrumentConfig, loadConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { startSingleProcess } from '../src/start.js';
import { testConfig } from './helpers.js';

const rec = (execId: number, over: Partial<ExecutionReportMessage> = {}): ExecutionReportMessage => ({
  type: 'execution',
  execType: ExecType.New,
  ordStatus: OrdStatus.New,
  execId,
  orderId: 100 + execId,
  clOrdId: `C${execId}`,
  origClOrdId: '',
  accountId: 1,
  instrumentId: 4,
  side: Side.Buy,
  orderType: 2,
  tif: 1,
  priceTicks: 10_000,
  stopPriceTicks: 0,
  orderQtyLots: 5,
  displayQtyLots: 0,
  lastPxTicks: 0,
  lastQtyLots: 0,
  cumQtyLots: 0,
  leavesQtyLots: 5,
  cumNotional: 0,
  tradeId: 0,
  aggressor: false,
  reason: 0,
  text: '',
  rejectedCommand: 0,
  timestampMs: Date.UTC(2026, 10, 26, 12),
  ...over,
});

describe('execution ring (member side)', () => {
  it('keeps the newest reports contiguous by ExecID; a jump starts it afresh; old ones are ignored', () => {
    const ring = new ExecutionRing(4);
    expect([ring.first, ring.last]).toEqual([0, 0]);
    for (let i = 1; i <= 3; i++) ring.push(rec(i));
    expect([ring.first, ring.last]).toEqual([1, 3]);
    for (let i = 4; i <= 6; i++) ring.push(rec(i)); // capacity 4: the oldest are overwritten
    expect([ring.first, ring.last]).toEqual([3, 6]);
    ring.push(rec(5)); // re-applied below the newest: ignored
    expect(ring.last).toBe(6);
    expect(ring.slice(4, 10).map((r) => r.execId)).toEqual([4, 5, 6]);
    expect(ring.slice(2, 10)).toEqual([]); // no longer held
    // Every field comes back as it went in (strings by reference, numbers from the columns).
    const full = rec(7, {
      execType: ExecType.Trade,
      ordStatus: OrdStatus.PartiallyFilled,
      clOrdId: 'abc',
      origClOrdId: 'prev',
      text: 'why',
      aggressor: true,
      lastPxTicks: 123,
      lastQtyLots: 2,
      cumNotional: 246,
      tradeId: 9,
      reason: 41,
      rejectedCommand: 2,
    });
    ring.push(full);
    expect(ring.slice(7, 1)).toEqual([full]);
    ring.push(rec(20)); // a snapshot install jumped ahead
    expect([ring.first, ring.last]).toEqual([20, 20]);
  });
});

describe('execution feed access (it carries every account: not public like /md)', () => {
  it('needs the shared token when one is set, else a loopback peer', () => {
    expect(feedAccessAllowed('s3cret', 's3cret', '10.0.0.7')).toBe(true);
    expect(feedAccessAllowed('s3cret', 'guess', '127.0.0.1')).toBe(false);
    expect(feedAccessAllowed('s3cret', undefined, '127.0.0.1')).toBe(false);
    expect(feedAccessAllowed(undefined, undefined, '127.0.0.1')).toBe(true);
    expect(feedAccessAllowed(undefined, undefined, '::ffff:127.0.0.1')).toBe(true);
    expect(feedAccessAllowed(undefined, 'anything', '10.0.0.7')).toBe(false);
  });
});

describe('execution feed over WebSocket (127.0.0.1)', () => {
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.terminate();
    sockets.length = 0;
    wss?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  const serve = async (ring: ExecutionRing): Promise<number> => {
    server = createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (socket, req) => {
      serveExecutions(
        socket,
        ring,
        new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? undefined,
      );
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return (server.address() as AddressInfo).port;
  };

  /** Collects frames until `until` says stop or the socket closes (bounded by time). */
  const follow = (port: number, after: string, until: (frames: ExecutionFeedFrame[]) => boolean) =>
    new Promise<{ frames: ExecutionFeedFrame[]; closed: boolean }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/executions?after=${after}`);
      sockets.push(ws);
      const frames: ExecutionFeedFrame[] = [];
      const timer = setTimeout(() => reject(new Error(`timeout; got ${JSON.stringify(frames)}`)), 5_000);
      ws.on('message', (d) => {
        frames.push(JSON.parse(String(d)) as ExecutionFeedFrame);
        if (until(frames)) {
          clearTimeout(timer);
          resolve({ frames, closed: false });
        }
      });
      ws.on('close', () => {
        clearTimeout(timer);
        resolve({ frames, closed: true });
      });
      ws.on('error', () => {});
    });

  const ids = (frames: ExecutionFeedFrame[]) =>
    frames.flatMap((f) => (f.t === 'er' ? f.r.map((r) => r.execId) : []));

  it('sends from after+1: catch-up from the ring, then live appends, in order and once', async () => {
    const ring = new ExecutionRing(10_000);
    for (let i = 1; i <= 1_200; i++) ring.push(rec(i));
    const port = await serve(ring);
    const live = setInterval(() => {
      const next = ring.last + 1;
      if (next <= 1_300) ring.push(rec(next));
    }, 1);
    try {
      const { frames } = await follow(port, '700', (f) => ids(f).at(-1) === 1_300);
      expect(frames[0]).toEqual({ t: 'hello', first: 1, last: expect.any(Number) });
      const got = ids(frames);
      expect(got).toEqual(Array.from({ length: 600 }, (_, i) => 701 + i));
    } finally {
      clearInterval(live);
    }
  });

  it('answers gap (with its oldest report) when it no longer holds after+1, and refuses a bad query', async () => {
    const ring = new ExecutionRing(4);
    for (let i = 1; i <= 10; i++) ring.push(rec(i));
    const port = await serve(ring);
    const gap = await follow(port, '2', () => false);
    expect(gap.closed).toBe(true);
    expect(gap.frames.at(-1)).toEqual({ t: 'gap', next: 3, first: ring.first });
    const bad = await follow(port, 'x', () => false);
    expect(bad.frames[0]?.t).toBe('error');
    expect(bad.closed).toBe(true);
    // A position ahead of this member: nothing until it catches up, then from there on.
    const ahead = follow(port, '12', (f) => ids(f).length > 0);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 11; i <= 13; i++) ring.push(rec(i));
    expect(ids((await ahead).frames)).toEqual([13]);
  });
});

describe('drop-copy events (gateway side)', () => {
  const instruments = new Map<number, InstrumentConfig>(
    DEFAULT_CONFIG.instruments.map((i) => [i.instrumentId, i]),
  );
  const logins = new Map<number, string>([
    [1, 'CLIENT1'],
    [2, 'CLIENT2'],
  ]);

  it('copies order events of known accounts exactly as the trading session gets them; skips status answers and cancel/replace/admin rejects', () => {
    const ev = dropCopyEventOf(
      rec(7, {
        execType: ExecType.Trade,
        ordStatus: OrdStatus.PartiallyFilled,
        lastPxTicks: 10_001,
        lastQtyLots: 2,
      }),
      instruments,
      logins,
    );
    expect(ev).toMatchObject({
      execId: '7',
      account: 'CLIENT1',
      symbol: 'ZVZZT',
      side: 'buy',
      execType: 'trade',
      lastQtyLots: 2,
    });
    const rejectedNew = dropCopyEventOf(
      rec(8, { execType: ExecType.Rejected, rejectedCommand: CommandKind.NewOrder, accountId: 2 }),
      instruments,
      logins,
    );
    expect(rejectedNew?.account).toBe('CLIENT2');
    for (const skipped of [
      rec(9, { execType: ExecType.OrderStatus }),
      rec(10, { execType: ExecType.Rejected, rejectedCommand: CommandKind.Cancel }),
      rec(11, { execType: ExecType.Rejected, rejectedCommand: CommandKind.Replace }),
      rec(12, { execType: ExecType.Rejected, rejectedCommand: CommandKind.Admin, accountId: 0 }),
      rec(13, { accountId: 77 }), // an account this gateway does not know
    ]) {
      expect(dropCopyEventOf(skipped, instruments, logins), String(skipped.execId)).toBeUndefined();
    }
  });

  it('config: the demo has a DROPCOPY login; entitlements must name trading logins', () => {
    expect(dropCopyUsers(DEFAULT_CONFIG.accounts)).toEqual([
      { username: 'DROPCOPY', entitledAccounts: ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'] },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'dropcopy-config-'));
    let n = 0;
    const load = (accounts: unknown[]) => {
      const file = join(dir, `venue-${n++}.json`);
      writeFileSync(file, JSON.stringify({ accounts }));
      return loadConfig({ file });
    };
    const trader = { login: 'T1', password: 'demo', accountId: 1 };
    const ok = [
      trader,
      { login: 'DC', password: 'demo', accountId: 2, role: 'dropcopy', entitledAccounts: ['T1'] },
    ];
    expect(() => load(ok)).not.toThrow();
    expect(() => load([trader, { login: 'DC', password: 'demo', accountId: 2, role: 'dropcopy' }])).toThrow(
      ConfigError,
    );
    expect(() =>
      load([
        trader,
        { login: 'DC', password: 'demo', accountId: 2, role: 'dropcopy', entitledAccounts: ['NOPE'] },
      ]),
    ).toThrow(/NOPE is not a trading login/);
    expect(() => load([{ ...trader, entitledAccounts: ['T1'] }])).toThrow(/only for role "dropcopy"/);
    expect(() => load([{ ...trader, role: 'viewer' }])).toThrow(/expected "trading" or "dropcopy"/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('drop copy in one process (--single)', () => {
  it('copies CLIENT1 and CLIENT2 reports with 797=Y, not CLIENT3 ones (not entitled: a narrower login)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'venue-single-dc-'));
    const base = testConfig(dir);
    const config = {
      ...base,
      accounts: base.accounts.map((a) =>
        a.role === 'dropcopy' ? { ...a, entitledAccounts: ['CLIENT1', 'CLIENT2'] } : a,
      ),
    };
    const venue = await startSingleProcess(config, () => {});
    const clients: FixClient[] = [];
    try {
      const login = async (username: string) => {
        const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password: 'demo' });
        clients.push(c);
        expect((await c.logon()).msgType).toBe('A');
        return c;
      };
      const dc = await login('DROPCOPY');
      const [c1, c2, c3] = [await login('CLIENT1'), await login('CLIENT2'), await login('CLIENT3')];
      const order = (id: string, side: 1 | 2, px: string) =>
        [
          [11, id],
          [55, 'ZVZZT'],
          [54, side],
          [38, '1'],
          [40, 2],
          [44, px],
          [59, 1],
          [60, '20261126-12:00:00.000'],
        ] as const;
      c3.send('D', order('T3', 1, '98.00'));
      await c3.waitFor((m) => m.msgType === '8' && m.get(11) === 'T3');
      c1.send('D', order('T1', 2, '100.00'));
      await c1.waitFor((m) => m.msgType === '8' && m.get(11) === 'T1');
      c2.send('D', order('T2', 1, '100.00'));
      const fill = await c2.waitFor((m) => m.msgType === '8' && m.get(11) === 'T2' && m.get(150) === 'F');
      await dc.waitFor((m) => m.msgType === '8' && m.get(17) === fill.get(17));
      const copies = dc.received.filter((m) => m.msgType === '8');
      expect(copies.every((m) => m.get(797) === 'Y')).toBe(true);
      expect(copies.map((m) => [m.get(1), m.get(11), m.get(150)])).toEqual([
        ['CLIENT1', 'T1', '0'],
        ['CLIENT2', 'T2', '0'],
        ['CLIENT1', 'T1', 'F'],
        ['CLIENT2', 'T2', 'F'],
      ]);
      const metrics = await (await fetch(`${venue.httpUrl}/metrics`)).text();
      expect(metrics).toContain('\nvenue_dropcopy_copies_total 4\n');
    } finally {
      for (const c of clients) c.close();
      await venue.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
