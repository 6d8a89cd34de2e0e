import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../src/cli.js';
import { ConfigError, DEMO_ACCOUNTS, loadConfig, type VenueConfig } from '../src/config/config.js';
import { adminTokenOf, memberAdminToken } from '../src/config/security.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startSingleProcess } from '../src/start.js';
import { SECURITY_HEADERS } from '../src/web/security.js';
import { freePort, testConfig } from './helpers.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
// Distinctive passwords, so that a log line that prints one is found.
const ACCOUNTS = DEMO_ACCOUNTS.map((a) => ({ ...a, password: `pw-${a.login}-${process.pid}-x` }));
const pw = (login: string) => ACCOUNTS.find((a) => a.login === login)!.password;
const basic = (login: string, password: string) =>
  `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const isExec = (clOrdId: string, execType?: string) => (m: FixMessage) =>
  m.msgType === '8' && m.get(11) === clOrdId && (execType === undefined || m.get(150) === execType);

describe('venue security (one process): web, admin API, FIX authorization and limits, logs', () => {
  let venue: RunningVenue;
  let config: VenueConfig;
  let dataDir: string;
  const logs: string[] = [];
  const clients: FixClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-security-'));
    const base = testConfig(dataDir);
    config = {
      ...base,
      accounts: ACCOUNTS,
      adminToken: ADMIN_TOKEN,
      security: {
        ...base.security,
        maxOpenOrdersPerAccount: 3,
        logonFailuresFreePerLogin: 2,
        logonLockBaseMs: 60_000,
      },
    };
    venue = await startSingleProcess(config, (line) => {
      if (logs.length < 50_000) logs.push(line);
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const client = async (username: string, password = pw(username)) => {
    const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password });
    clients.push(c);
    return c;
  };
  const http = (path: string, init?: RequestInit) =>
    fetch(`${venue.httpUrl}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });

  describe('HTTP', () => {
    it('sends the security headers on the UI page, the API, metrics and errors', async () => {
      for (const path of [
        '/',
        '/api/config',
        '/api/instruments',
        '/api/cluster',
        '/status',
        '/metrics',
        '/nope',
      ]) {
        const res = await http(path);
        for (const [k, v] of Object.entries(SECURITY_HEADERS))
          expect(res.headers.get(k), `${path} ${k}`).toBe(v);
      }
      expect(SECURITY_HEADERS['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect((await http('/api/config')).headers.get('cache-control')).toBe('no-store');
    });

    it('answers bad input with 400 JSON that names the problem and never echoes the input', async () => {
      const probe = '<script>alert(1)</script>';
      const cases: Array<[string, RequestInit | undefined]> = [
        [`/api/config?${encodeURIComponent(probe)}=1`, undefined],
        [`/api/instruments?x=${encodeURIComponent(probe)}`, undefined],
        ['/api/cluster?verbose=1', undefined],
        ['/status?a=b', undefined],
        ['/metrics?x=1', undefined],
        [`/api/cluster/nodes/${encodeURIComponent(probe)}/kill`, { method: 'POST' }],
        ['/api/cluster/nodes/0/kill', { method: 'POST' }],
        ['/api/cluster/nodes/1.5/restart', { method: 'POST' }],
        ['/api/cluster/nodes/99999/restart', { method: 'POST' }],
        [
          '/api/cluster/nodes/1/kill',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x": "${probe}"` },
        ],
      ];
      for (const [path, init] of cases) {
        const res = await http(path, init);
        const text = await res.text();
        expect(res.status, `${path}: ${text}`).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const body = JSON.parse(text) as { error: string };
        expect(body.error.length).toBeGreaterThan(0);
        expect(text).not.toContain('<script>');
        expect(text).not.toContain('alert');
      }
      const big = await http('/api/cluster/nodes/1/kill', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(20_000) }),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ error: 'request body too large' });
    });

    it('does not reflect an unknown path in the 404', async () => {
      const res = await http('/%3Cimg%20src=x%20onerror=alert(1)%3E');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe('{"error":"not found"}');
    });

    it('admin actions need credentials: 401 without, 403 when wrong or not admin, then lockout (429)', async () => {
      for (const action of ['kill', 'restart']) {
        const path = `/api/cluster/nodes/1/${action}`;
        const none = await http(path, { method: 'POST' });
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
        expect(await none.json()).toEqual({ error: expect.stringMatching(/admin credentials required/) });
        const client1 = await http(path, {
          method: 'POST',
          headers: { authorization: basic('CLIENT1', pw('CLIENT1')) },
        });
        expect(client1.status).toBe(403); // a trading login is not an admin
        // Right credentials (token or the admin login): authorized; single mode has no members to kill.
        for (const auth of [`Bearer ${ADMIN_TOKEN}`, basic('ADMIN', pw('ADMIN'))]) {
          const ok = await http(path, { method: 'POST', headers: { authorization: auth } });
          expect(ok.status).toBe(409);
          expect(await ok.json()).toEqual({ error: `${action} is not available in this mode` });
        }
      }
      const wrong = await http('/api/cluster/nodes/1/kill', {
        method: 'POST',
        headers: { authorization: 'Bearer not-the-token' },
      });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toEqual({ error: 'admin credentials refused' });
      // 3 failures so far from this address (free: 2): locked, even with the right token.
      const locked = await http('/api/cluster/nodes/1/kill', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await locked.json()).toEqual({ error: expect.stringMatching(/^Too many failed logons/) });
    });

    it('refuses a WebSocket frame over 256 KiB on /fix (close 1009)', async () => {
      const ws = new WebSocket(`${venue.httpUrl.replace(/^http/, 'ws')}/fix`);
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
      ws.send(Buffer.alloc(300 * 1024, 0x41));
      expect(await closed).toBe(1009);
    });
  });

  describe('FIX', () => {
    it('refuses a wrong password with Logout and Text, and locks the login after repeated failures', async () => {
      for (let i = 0; i < 3; i++) {
        const c = await client('CLIENT4', 'wrong-guess-password');
        const r = await c.logon();
        expect(r.msgType).toBe('5');
        expect(r.get(58)).toBe('Invalid username or password');
      }
      const c = await client('CLIENT4'); // the right password, but locked now
      const r = await c.logon();
      expect(r.msgType).toBe('5');
      expect(r.get(58)).toMatch(/^Too many failed logons for this login: retry in \d+ s$/);
    });

    it("one account cannot see, cancel or replace another's order; the owner's order is untouched", async () => {
      const owner = await client('CLIENT1');
      expect((await owner.logon()).msgType).toBe('A');
      const other = await client('CLIENT2');
      expect((await other.logon()).msgType).toBe('A');
      const ack = owner.waitFor(isExec('OWN1', '0'));
      owner.send('D', [
        [11, 'OWN1'],
        [55, 'ZVZZT'],
        [54, 1],
        [38, '5'],
        [40, 2],
        [44, '95.00'],
        [59, 1],
        [60, '20261126-12:00:00.000'],
      ]);
      const orderId = (await ack).get(37)!;
      const ref = (clOrdId: string): Array<[number, string]> => [
        [37, orderId],
        [41, 'OWN1'],
        [11, clOrdId],
        [55, 'ZVZZT'],
        [54, '1'],
        [60, '20261126-12:00:00.000'],
        [38, '5'],
      ];
      const cxl = other.waitFor((m) => m.msgType === '9' && m.get(11) === 'X1');
      other.send('F', ref('X1'));
      expect((await cxl).get(58)).toMatch(/unknown order/i);
      const byClOrdId = other.waitFor((m) => m.msgType === '9' && m.get(11) === 'X2');
      other.send(
        'F',
        ref('X2').filter(([t]) => t !== 37),
      );
      expect((await byClOrdId).get(434)).toBe('1');
      const rpl = other.waitFor((m) => m.msgType === '9' && m.get(11) === 'X3');
      other.send('G', [...ref('X3'), [40, '2'], [44, '96.00']]);
      expect((await rpl).get(58)).toMatch(/unknown order/i);
      const st = other.waitFor((m) => m.msgType === '8' && m.get(11) === 'X4');
      other.send('H', [
        [37, orderId],
        [11, 'X4'],
        [55, 'ZVZZT'],
        [54, '1'],
      ]);
      const status = await st;
      expect(status.get(150)).toBe('8');
      expect(status.get(58)).toMatch(/unknown order/i);
      expect(status.get(151) ?? '0').toBe('0'); // nothing about the order leaks
      const acct = other.waitFor((m) => m.msgType === '9' && m.get(11) === 'X5');
      other.send('F', [...ref('X5'), [1, 'CLIENT1']]);
      expect((await acct).get(58)).toBe("Account CLIENT1 is not this session's account");
      const mc = other.waitFor((m) => m.msgType === 'r' && m.get(11) === 'X6');
      other.send('q', [
        [11, 'X6'],
        [530, 7],
        [60, '20261126-12:00:00.000'],
      ]);
      expect((await mc).get(533)).toBe('0'); // its own orders only: none
      // The owner still sees its order live and unfilled.
      const mine = owner.waitFor((m) => m.msgType === '8' && m.get(150) === 'I' && m.get(11) === 'OWN1');
      owner.send('H', [
        [37, orderId],
        [11, 'OWN1'],
        [55, 'ZVZZT'],
        [54, '1'],
      ]);
      const s = await mine;
      expect(s.get(39)).toBe('0');
      expect(s.get(151)).toBe('5');
    });

    it('limits open orders per account (security.maxOpenOrdersPerAccount) with a reason in Text', async () => {
      const c = await client('CLIENT3');
      expect((await c.logon()).msgType).toBe('A');
      const place = async (id: string) => {
        const r = c.waitFor(isExec(id));
        c.send('D', [
          [11, id],
          [55, 'ZVZZT'],
          [54, 2],
          [38, '1'],
          [40, 2],
          [44, '105.00'],
          [59, 1],
          [60, '20261126-12:00:00.000'],
        ]);
        return r;
      };
      for (const id of ['L1', 'L2', 'L3']) expect((await place(id)).get(150)).toBe('0');
      const fourth = await place('L4');
      expect(fourth.get(150)).toBe('8');
      expect(fourth.get(58)).toBe('risk: too many open orders');
      expect(fourth.get(103)).toBe('3');
      const canceled = c.waitFor(isExec('C1', '4'));
      c.send('F', [
        [41, 'L1'],
        [11, 'C1'],
        [55, 'ZVZZT'],
        [54, '2'],
        [60, '20261126-12:00:00.000'],
        [38, '1'],
      ]);
      await canceled;
      expect((await place('L5')).get(150)).toBe('0'); // a slot freed by the cancel
    });

    it('prints no password in the log of a failed and a successful logon', () => {
      expect(logs.some((l) => /logon refused: Invalid username or password/.test(l))).toBe(true);
      expect(logs.some((l) => /logged on/.test(l))).toBe(true);
      const secrets = [...ACCOUNTS.map((a) => a.password), 'wrong-guess-password', ADMIN_TOKEN];
      expect(logs.filter((l) => secrets.some((s) => l.includes(s)) || /554=/.test(l))).toEqual([]);
    });
  });
});

describe('config: the security block', () => {
  it('validates keys and values; the admin token in force: configured, demo default, none in production', () => {
    expect(adminTokenOf(loadConfig({}))).toBe('demo-admin-token');
    const fromEnv = 'from-env-token-0123456789';
    expect(adminTokenOf(loadConfig({ env: { VENUE_ADMIN_TOKEN: fromEnv } }))).toBe(fromEnv);
    expect(memberAdminToken(loadConfig({ env: { VENUE_ADMIN_TOKEN: fromEnv } }))).toBe(fromEnv);
    const dir = mkdtempSync(join(tmpdir(), 'venue-sec-config-'));
    const file = (v: unknown) => {
      const f = join(dir, 'c.json');
      writeFileSync(f, JSON.stringify(v));
      return f;
    };
    try {
      expect(
        loadConfig({ file: file({ security: { fixConnectionsPerAddressMax: 3 } }) }).security
          .fixConnectionsPerAddressMax,
      ).toBe(3);
      expect(() => loadConfig({ file: file({ security: { nope: 1 } }) })).toThrow(
        /unknown config key 'security.nope'/,
      );
      expect(() => loadConfig({ file: file({ security: { maxOpenOrdersPerAccount: -1 } }) })).toThrow(
        ConfigError,
      );
      expect(() =>
        loadConfig({ file: file({ security: { logonLockBaseMs: 10, logonLockMaxMs: 5 } }) }),
      ).toThrow(/logonLockMaxMs/);
      const prodAccounts = DEMO_ACCOUNTS.map((a) => ({ ...a, password: 'a-long-password-123' }));
      // Production without a token: none in force, and members require a random one (locked).
      const prod = loadConfig({ file: file({ demo: false, accounts: prodAccounts }) });
      expect(adminTokenOf(prod)).toBeUndefined();
      const a = memberAdminToken(prod);
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(memberAdminToken(prod)).not.toBe(a);
      expect(adminTokenOf({ ...prod, adminToken: 'x'.repeat(24) })).toBe('x'.repeat(24));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The members' admin HTTP (built CLI: `pnpm exec tsc -b` first): snapshot and step-down need the token.
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('member admin HTTP: snapshot, step-down and the backup reads need the admin token', () => {
  let dir: string;
  let configFile: string;
  let adminPort: number;
  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'venue-sec-member-'));
    adminPort = await freePort();
    const member = {
      id: 1,
      host: '127.0.0.1',
      peerPort: await freePort(),
      clientPort: await freePort(),
      adminPort,
      mdPort: await freePort(),
    };
    configFile = join(dir, 'venue.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        cluster: { members: [member], durability: 'none' },
        adminToken: ADMIN_TOKEN,
      }),
    );
    child = spawn(process.execPath, [MAIN_JS, 'node', '--id', '1', '--config', configFile, '--data', dir], {
      stdio: 'ignore',
    });
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const r = await fetch(`http://127.0.0.1:${adminPort}/status`).catch(() => undefined);
      if (r?.ok && ((await r.json()) as { role: string }).role === 'leader') return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the member did not become leader');
  }, 30_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('401 without a token, 403 with a wrong one, allowed with the right one; GET /status stays open', async () => {
    const post = (path: string, authorization?: string) =>
      fetch(`http://127.0.0.1:${adminPort}${path}`, {
        method: 'POST',
        headers: authorization === undefined ? {} : { authorization },
        signal: AbortSignal.timeout(10_000),
      });
    for (const path of ['/snapshot', '/step-down']) {
      const none = await post(path);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toBe('application/json');
      expect(await none.json()).toEqual({ error: expect.stringMatching(/admin token required/) });
      const wrong = await post(path, 'Bearer wrong');
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toEqual({ error: 'wrong admin token' });
      const right = await post(path, `Bearer ${ADMIN_TOKEN}`);
      expect([200, 409]).toContain(right.status); // 409: nothing new to snapshot / no follower to hand over to
      expect(await right.json()).not.toHaveProperty('error', 'wrong admin token');
    }
    // The backup reads (every account's orders) need it too.
    for (const path of ['/log?from=1&max=10', '/snapshot/latest']) {
      const get = (authorization?: string) =>
        fetch(`http://127.0.0.1:${adminPort}${path}`, {
          headers: authorization === undefined ? {} : { authorization },
          signal: AbortSignal.timeout(10_000),
        });
      expect((await get()).status).toBe(401);
      expect((await get('Bearer wrong')).status).toBe(403);
      expect([200, 404]).toContain((await get(`Bearer ${ADMIN_TOKEN}`)).status);
    }
    expect((await fetch(`http://127.0.0.1:${adminPort}/status`)).status).toBe(200);
    // The CLI sends the configured token.
    const snap = await runCli(['cluster', 'snapshot', '--config', configFile]);
    expect(snap.output).not.toMatch(/401|403|token/);
  });
});
