import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { MemberConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { freeMembers, freePort, zvzztLimitOrder as order } from './helpers.js';

// The built CLI (the test command builds it with `tsc -b` before vitest), run as real processes.
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Proc {
  readonly child: ChildProcess;
  readonly out: string[];
  exited: Promise<number | null>;
}

function run(args: readonly string[]): Proc {
  const child = spawn(process.execPath, [MAIN_JS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The bots' /metrics on any free port (its default 8140 may be taken on a test machine).
    env: { ...process.env, VENUE_BOTS_METRICS_PORT: '0' },
  });
  const out: string[] = [];
  const keep = (chunk: Buffer) => {
    if (out.length < 5_000) out.push(chunk.toString('utf8'));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

/** Resolves with the output once `pattern` appears in it; rejects at the deadline or on exit. */
async function waitForOutput(p: Proc, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = pattern.exec(p.out.join(''));
    if (m !== null) return m;
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}:\n${p.out.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${p.out.join('').slice(-3000)}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process we started: SIGINT (Ctrl-C), SIGKILL after the grace period. */
async function stop(p: Proc | undefined, graceMs = 15_000): Promise<number | null> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null)
    return p?.child.exitCode ?? null;
  p.child.kill('SIGINT');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const code = await p.exited;
  clearTimeout(t);
  return code;
}

describe('venue as processes: start, orders, web, Ctrl-C, a second start resumes', () => {
  let dataDir: string;
  let configFile: string;
  let members: MemberConfig[];
  let httpPort: number;
  let fixPort: number;
  let webPort: number;
  let venue: Proc | undefined;
  let web: Proc | undefined;
  const memberPids: number[] = [];
  const clients: FixClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-procs-'));
    members = await freeMembers();
    httpPort = await freePort();
    fixPort = await freePort();
    webPort = await freePort();
    configFile = join(dataDir, 'venue.toml');
    // TOML on purpose: the same file drives `venue start`, its members and `venue orders`.
    writeFileSync(
      configFile,
      [
        `httpPort = ${httpPort}`,
        `fixTcpPort = ${fixPort}`,
        '[bots]',
        'enabled = false',
        '[cluster]',
        ...members.flatMap((m) => [
          '[[cluster.members]]',
          `id = ${m.id}`,
          `host = "${m.host}"`,
          `peerPort = ${m.peerPort}`,
          `clientPort = ${m.clientPort}`,
          `adminPort = ${m.adminPort}`,
          `mdPort = ${m.mdPort}`,
        ]),
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await stop(web);
    await stop(venue);
    // Never leak a member: kill any that survived (they are ours, by PID).
    for (const pid of memberPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startVenue = async (): Promise<void> => {
    venue = run(['start', '--config', configFile, '--data', dataDir]);
    await waitForOutput(venue, /pid \d+; Ctrl-C to stop/, 45_000);
    memberPids.length = 0;
    for (const m of venue.out.join('').matchAll(/node (\d) pid (\d+) \(client/g))
      memberPids.push(Number(m[2]));
    expect(memberPids).toHaveLength(3);
  };

  it('venue start prints the PIDs; orders rest; venue orders lists them through the cluster', async () => {
    await startVenue();
    const trader = await FixClient.tcp('127.0.0.1', fixPort, { username: 'CLIENT1', password: 'demo' });
    clients.push(trader);
    expect((await trader.logon()).msgType).toBe('A');
    for (const [id, side, px] of [
      ['R1', 2, '101.00'],
      ['R2', 2, '102.50'],
      ['R3', 1, '95.00'],
    ] as const) {
      const ack = trader.waitFor((m) => m.msgType === '8' && m.get(11) === id, 10_000);
      trader.send('D', order(id, side, '3', px));
      expect((await ack).get(150)).toBe('0');
    }
    // Acknowledged orders are visible at once: the query is an entry after them in the log.
    const r = await runCli(['orders', '--account', 'CLIENT1', '--config', configFile]);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/^CLIENT1 \(account 1\): 3 open orders\n/);
    expect(r.output).toMatch(/ORDER\s+CLORDID\s+SYMBOL\s+SIDE/);
    expect(r.output).toMatch(/\bR1\s+ZVZZT\s+sell\s+limit\s+gtc\s+101\.00\s+-\s+3\s+0\s+3\s+new/);
    expect(r.output).toMatch(/\bR3\s+ZVZZT\s+buy\s+limit\s+gtc\s+95\.00\b/);
    const byId = await runCli(['orders', '--account', '2', '--config', configFile]);
    expect(byId.output).toBe('account 2: no open orders\n');
  }, 60_000);

  it('venue orders: a bad account is a clear message and exit code 2', async () => {
    const login = await runCli(['orders', '--account', 'NOBODY', '--config', configFile]);
    expect(login.exitCode).toBe(2);
    expect(login.output).toMatch(
      /unknown account 'NOBODY': give a login of the config \(CLIENT1, .*\) or a numeric account id/,
    );
    const id = await runCli(['orders', '--account', '4242', '--config', configFile]);
    expect(id.exitCode).toBe(2);
    expect(id.output).toBe('venue orders: account 4242 is not known to the venue\n');
    const none = await runCli(['orders', '--config', configFile]);
    expect(none.exitCode).toBe(2);
    expect(none.output).toMatch(/needs --account A/);
  });

  it('venue web: its own process serves the UI, relays /fix to the gateway and /md to a member', async () => {
    const samePort = await runCli(['web', '--config', configFile], { waitForSignal: false });
    expect(samePort.exitCode).toBe(2);
    expect(samePort.output).toMatch(/is the gateway's .* give --http-port P/);

    web = run(['web', '--config', configFile, '--http-port', String(webPort)]);
    await waitForOutput(web, /venue web ready/, 20_000);
    const base = `http://127.0.0.1:${webPort}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    const cluster = (await (await fetch(`${base}/api/cluster`)).json()) as { members: { role: string }[] };
    expect(cluster.members).toHaveLength(3);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('venue_cluster_leader_id');
    expect(metrics).not.toContain('venue_gateway_connections'); // no gateway in this process
    expect(metrics).toContain('venue_process_resident_memory_bytes'); // its own health

    // Trading through the web process: FIX over its /fix reaches the gateway's session layer.
    const viaWeb = await FixClient.ws(`ws://127.0.0.1:${webPort}/fix`, {
      username: 'CLIENT2',
      password: 'demo',
    });
    clients.push(viaWeb);
    expect((await viaWeb.logon()).msgType).toBe('A');
    const ack = viaWeb.waitFor((m) => m.msgType === '8' && m.get(11) === 'W1', 10_000);
    viaWeb.send('D', order('W1', 1, '1', '90.00'));
    expect((await ack).get(150)).toBe('0');

    // /md through the web process: the first frame names the member serving the feed.
    const { default: WebSocket } = await import('ws');
    const md = new WebSocket(`ws://127.0.0.1:${webPort}/md`);
    const first = await new Promise<string>((resolve, reject) => {
      md.once('message', (d) => resolve(d.toString()));
      md.once('error', reject);
      setTimeout(() => reject(new Error('no /md frame')), 10_000);
    });
    md.close();
    expect(JSON.parse(first)).toMatchObject({ type: 'member' });

    expect(await stop(web)).toBe(0);
  }, 60_000);

  it('venue bots: its own process quotes through the gateway; on Ctrl-C its quotes are canceled', async () => {
    const bots = run(['bots', '--config', configFile, '--rate', '20']);
    try {
      await waitForOutput(bots, /bots: quoting BTC-USD, ETH-USD, ACME every/, 20_000);
      const quoted = async (): Promise<string> => {
        const deadline = Date.now() + 15_000;
        let last = '';
        while (Date.now() < deadline) {
          last = (await runCli(['orders', '--account', 'BOTMM', '--config', configFile])).output;
          if (/^BOTMM \(account 90\): \d+ open orders?/.test(last)) return last;
          await new Promise((r) => setTimeout(r, 200));
        }
        return last;
      };
      const listed = await quoted();
      expect(listed).toMatch(/^BOTMM \(account 90\): \d+ open orders?/);
      expect(listed).not.toContain('ZVZZT'); // the quiet symbol is never quoted
      // The bots process has its own /metrics, like every venue process.
      const metricsUrl = /bots: metrics at (http:\/\/[^\s"]+\/metrics)/.exec(bots.out.join(''))?.[1];
      expect(metricsUrl).toBeDefined();
      const metrics = await (await fetch(metricsUrl as string)).text();
      expect(Number(/^venue_bots_orders_sent_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(Number(/^venue_bots_execution_reports_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(metrics).toContain('venue_process_resident_memory_bytes');
      expect(await stop(bots)).toBe(0);
      expect(bots.out.join('')).toContain('venue bots stopped');
      // BOTMM has cancel-on-disconnect: its sessions closed, so its quotes are gone.
      const deadline = Date.now() + 15_000;
      let after = '';
      while (Date.now() < deadline) {
        after = (await runCli(['orders', '--account', 'BOTMM', '--config', configFile])).output;
        if (after === 'BOTMM (account 90): no open orders\n') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(after).toBe('BOTMM (account 90): no open orders\n');
    } finally {
      await stop(bots);
    }
  }, 60_000);

  it('Ctrl-C stops everything cleanly; a second start resumes with the resting orders', async () => {
    for (const c of clients.splice(0)) c.close();
    const pids = [...memberPids];
    expect(await stop(venue)).toBe(0);
    expect(venue?.out.join('')).toMatch(/venue stopped/);
    // The members exited with the venue (SIGTERM from the supervisor, snapshot, exit 0).
    expect(pids.filter(alive)).toEqual([]);

    await startVenue();
    const r = await runCli(['orders', '--account', 'CLIENT1', '--config', configFile]);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/^CLIENT1 \(account 1\): 3 open orders\n/);
    for (const id of ['R1', 'R2', 'R3']) expect(r.output).toContain(` ${id} `);
    const w = await runCli(['orders', '--account', 'CLIENT2', '--config', configFile]);
    expect(w.output).toMatch(/1 open order\n[\s\S]*\bW1\b/);
  }, 90_000);
});
