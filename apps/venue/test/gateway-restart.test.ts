import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixClient, type FixSeqNums } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster } from '../src/start.js';
import { freeMembers, freePort, memberLauncher, zvzztLimitOrder as order, testConfig } from './helpers.js';

// The built CLI (the test command builds it with `tsc -b` before vitest), run as a real process.
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  readonly child: ChildProcess;
  readonly out: string[];
  readonly exited: Promise<void>;
}

/**
 * CLIENT1 trades through a `venue gateway` process that is killed (-9), paused and restarted; CLIENT2
 * trades through the in-test gateway of `startCluster` (three member processes). CLIENT1 is a
 * resume-mode FixClient (141=N, continued sequence numbers, gap detection): every ExecutionReport
 * of its orders must reach it exactly once, by ExecID, with no MsgSeqNum gap left open.
 */
describe('a gateway restart loses no ExecutionReport (own-report feed)', () => {
  let dataDir: string;
  let venue: RunningVenue;
  let configFile: string;
  let gwFixPort: number;
  let gwHttpPort: number;
  let gw: Proc | undefined;
  const clients: FixClient[] = [];
  const seqNums: FixSeqNums = { nextOut: 1, nextIn: 1 };
  /** Every ExecutionReport CLIENT1's listeners got, over all its connections (in delivery order). */
  const reports1: FixMessage[] = [];
  let client2: FixClient;

  const startGatewayProcess = async (): Promise<void> => {
    const child = spawn(
      process.execPath,
      [
        MAIN_JS,
        'gateway',
        '--name',
        'r1',
        '--config',
        configFile,
        '--data',
        dataDir,
        '--fix-port',
        String(gwFixPort),
        '--http-port',
        String(gwHttpPort),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    const out: string[] = [];
    const keep = (chunk: Buffer) => {
      if (out.length < 5_000) out.push(chunk.toString('utf8'));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    gw = { child, out, exited };
    const deadline = Date.now() + 30_000;
    while (!/venue gateway ready/.test(out.join(''))) {
      if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}:\n${out.join('')}`);
      if (Date.now() > deadline) throw new Error(`gateway not ready:\n${out.join('').slice(-3000)}`);
      await sleep(50);
    }
  };

  const killGateway = async (): Promise<void> => {
    const p = gw;
    if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill('SIGKILL');
    await p.exited;
  };

  /** CLIENT1 on the gateway process, resuming its sequence numbers. */
  const connect1 = async (): Promise<FixClient> => {
    await sleep(100); // the previous connection's Logout reaches the gateway first
    const c = await FixClient.tcp('127.0.0.1', gwFixPort, { username: 'CLIENT1', password: 'demo', seqNums });
    clients.push(c);
    c.onMessage((m) => {
      if (m.msgType === '8') reports1.push(m);
    });
    expect((await c.logon()).msgType).toBe('A');
    await c.synced(10_000);
    return c;
  };

  const reportsOf = (clOrdId: string, execType?: string) =>
    reports1.filter((m) => m.get(11) === clOrdId && (execType === undefined || m.get(150) === execType));

  const waitFor = async (what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; CLIENT1 got ${reports1.map((m) => `${m.get(11)}/${m.get(150)}/${m.get(17)}`).join(' ')}; gateway output:\n${gw?.out.join('').slice(-4000)}`,
        );
      await sleep(25);
    }
  };

  /** CLIENT2 sells `qty` at `price` on the main gateway and waits for its own fill. */
  const cross = async (clOrdId: string, qty: number, price: string): Promise<void> => {
    client2.send('D', order(clOrdId, 2, String(qty), price));
    await client2.waitFor((m) => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === 'F', 15_000);
  };

  const expectNoDuplicates = () => {
    const ids = reports1.map((m) => m.get(17));
    expect(ids.length).toBe(new Set(ids).size);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-gwrestart-'));
    const members = await freeMembers();
    const launcher = memberLauncher(dataDir, members);
    configFile = launcher.configFile;
    venue = await startCluster(testConfig(dataDir, members), launcher.memberArgs, () => {});
    gwFixPort = await freePort();
    gwHttpPort = await freePort();
    client2 = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT2', password: 'demo' });
    clients.push(client2);
    expect((await client2.logon()).msgType).toBe('A');
    await startGatewayProcess();
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    if (gw !== undefined && gw.child.signalCode === 'SIGSTOP') gw.child.kill('SIGCONT');
    await killGateway();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('a fill while the gateway is down (kill -9) reaches CLIENT1 once after the restart, gap-free', async () => {
    const c1 = await connect1();
    c1.send('D', order('R1', 1, '5', '100.00'));
    await waitFor('R1 New', () => reportsOf('R1', '0').length === 1);

    await killGateway();
    await cross('S1', 3, '100.00');
    const restartMs = performance.now();
    await startGatewayProcess();
    const readyMs = performance.now();
    const c1b = await connect1();

    await waitFor('R1 fill', () => reportsOf('R1', 'F').length >= 1);
    const fillMs = performance.now();
    console.log(
      `gateway restart: ready ${(readyMs - restartMs).toFixed(0)} ms after spawn; the fill made while it was down reached CLIENT1 ${(fillMs - readyMs).toFixed(0)} ms after ready (Logon + resend included)`,
    );
    // The fill came through the feed (this gateway's new cluster session never saw the order).
    const metrics = await (await fetch(`http://127.0.0.1:${gwHttpPort}/metrics`)).text();
    expect(
      Number(/^venue_own_reports_feed_delivered_total (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(1);
    await sleep(500); // a second copy would arrive within this
    await c1b.synced();
    const fills = reportsOf('R1', 'F');
    expect(fills.length).toBe(1);
    expect(fills[0]?.get(32)).toBe('3');
    expect(fills[0]?.get(14)).toBe('3');
    expect(fills[0]?.get(151)).toBe('2');
    expect(fills[0]?.get(39)).toBe('1');
    expect(c1b.gapOpen).toBe(false);
    expect(c1b.seqError).toBeUndefined();
    expectNoDuplicates();
    c1b.close();
  }, 50_000);

  it('a fill while CLIENT1 is logged off (gateway up) reaches it after its next Logon', async () => {
    const c = await connect1();
    c.send('D', order('R2', 1, '4', '101.00'));
    await waitFor('R2 New', () => reportsOf('R2', '0').length === 1);
    c.close();
    await sleep(200);
    await cross('S2', 4, '101.00');
    await sleep(300); // the gateway journals the fill for the offline session
    expect(reportsOf('R2', 'F')).toHaveLength(0);
    const c2 = await connect1();
    await waitFor('R2 fill', () => reportsOf('R2', 'F').length >= 1);
    await c2.synced();
    const fills = reportsOf('R2', 'F');
    expect(fills).toHaveLength(1);
    expect(fills[0]?.get(14)).toBe('4');
    expect(fills[0]?.get(151)).toBe('0');
    expect(fills[0]?.get(39)).toBe('2');
    expect(c2.gapOpen).toBe(false);
    expectNoDuplicates();
    c2.close();
  }, 40_000);

  it('a fill delivered live is not delivered again by the feed, also across a kill -9 right after it', async () => {
    const c = await connect1();
    c.send('D', order('R3', 1, '2', '102.00'));
    await waitFor('R3 New', () => reportsOf('R3', '0').length === 1);
    await cross('S3', 2, '102.00');
    await waitFor('R3 fill', () => reportsOf('R3', 'F').length === 1);
    await killGateway(); // within milliseconds of the fill: the stored feed position is likely behind it
    await startGatewayProcess();
    const c2 = await connect1();
    // One more order and fill after the restart: the feed is past R3's reports by then.
    c2.send('D', order('R4', 1, '1', '103.00'));
    await cross('S4', 1, '103.00');
    await waitFor('R4 fill', () => reportsOf('R4', 'F').length === 1);
    await sleep(500);
    await c2.synced();
    expect(reportsOf('R3', 'F')).toHaveLength(1);
    expect(reportsOf('R3', '0')).toHaveLength(1);
    expect(reportsOf('R4', '0')).toHaveLength(1);
    expect(reportsOf('R4', 'F')).toHaveLength(1);
    expectNoDuplicates();
    // Every report of every CLIENT1 order, in ExecID order per order.
    for (const id of ['R1', 'R2', 'R3', 'R4']) {
      const execIds = reportsOf(id).map((m) => Number(m.get(17)));
      expect(
        execIds,
        `${id}: ${reportsOf(id)
          .map((m) => `${m.get(17)}/${m.get(150)}/seq ${m.get(34)}${m.get(43) === 'Y' ? '/PossDup' : ''}`)
          .join(' ')}\n${gw?.out.join('').slice(-5000)}`,
      ).toEqual([...execIds].sort((a, b) => a - b));
    }
    c2.close();
  }, 50_000);

  it('after a restart, OrderStatusRequest and OrderCancelRequest of a pre-restart order get exactly their answers, no reject', async () => {
    const c = await connect1();
    c.send('D', order('R7', 1, '1', '98.00'));
    await waitFor('R7 New', () => reportsOf('R7', '0').length === 1);
    // The order belongs to this gateway's old cluster session, which dies with the process.
    await killGateway();
    await startGatewayProcess();
    const c2 = await connect1();
    const seen: FixMessage[] = [];
    c2.onMessage((m) => {
      if (m.msgType === '8' || m.msgType === '9') seen.push(m);
    });
    const describeSeen = () =>
      seen.map((m) => `${m.msgType}/${m.get(11)}/${m.get(150) ?? ''}/${m.get(58) ?? ''}`).join(' | ');

    c2.send('H', [
      [11, 'R7'],
      [55, 'ZVZZT'],
      [54, 1],
    ]);
    await waitFor('R7 OrderStatus', () => seen.some((m) => m.get(11) === 'R7'));
    c2.send('F', [
      [11, 'R7X'],
      [41, 'R7'],
      [55, 'ZVZZT'],
      [54, 1],
      [60, '20261126-12:00:00.000'],
    ]);
    await waitFor('R7X answer', () => seen.some((m) => m.get(11) === 'R7X'));
    await sleep(1_000); // a late reject, or the feed's copy of the Canceled report, would arrive within this
    await c2.synced();

    const status = seen.filter((m) => m.msgType === '8' && m.get(11) === 'R7');
    expect(
      status.map((m) => m.get(150)),
      describeSeen(),
    ).toEqual(['I']);
    expect(status[0]?.get(39)).toBe('0');
    expect(status[0]?.get(151)).toBe('1');
    const canceled = seen.filter((m) => m.msgType === '8' && m.get(11) === 'R7X');
    expect(
      canceled.map((m) => m.get(150)),
      describeSeen(),
    ).toEqual(['4']);
    expect(canceled[0]?.get(41)).toBe('R7');
    expect(
      seen.filter((m) => m.msgType === '9'),
      describeSeen(),
    ).toEqual([]);
    expect(
      seen.filter((m) => m.get(150) === '8'),
      describeSeen(),
    ).toEqual([]);
    expect(reportsOf('R7X', '4')).toHaveLength(1); // over every connection of CLIENT1
    expectNoDuplicates();
    c2.close();
  }, 50_000);

  it('a cluster session closed under the gateway (paused past the session timeout) is replaced; orders flow again', async () => {
    const p = gw;
    if (p === undefined) throw new Error('no gateway process');
    const before = p.out.join('').length;
    // Paused longer than the cluster's session timeout (10 s): the leader closes the session in the log.
    p.child.kill('SIGSTOP');
    await sleep(12_500);
    p.child.kill('SIGCONT');
    const c = await connect1();
    // Every order gets an answer: a reject with a clear text while the session is being reopened,
    // then New once it is open again (never silence).
    let accepted = false;
    const rejects: string[] = [];
    for (let i = 0; i < 40 && !accepted; i++) {
      const id = `R5-${i}`;
      c.send('D', order(id, 1, '1', '99.00'));
      const m = await c.waitFor((x) => x.msgType === '8' && x.get(11) === id, 10_000);
      if (m.get(150) === '0') accepted = true;
      else {
        rejects.push(m.get(58) ?? '');
        await sleep(250);
      }
    }
    expect(accepted, `rejects: ${rejects.join(' | ')}`).toBe(true);
    for (const text of rejects) expect(text).toMatch(/venue unavailable/);
    const log = p.out.join('').slice(before);
    expect(log).toMatch(/cluster session \d+ ended \(session closed by the cluster/);
    expect(log).toMatch(/cluster session \d+ opened \(attempt \d+\)/);
    const metrics = await (await fetch(`http://127.0.0.1:${gwHttpPort}/metrics`)).text();
    expect(metrics).toMatch(/^venue_cluster_sessions_lost_total 1$/m);
    expect(metrics).toMatch(/^venue_cluster_sessions_reopened_total 1$/m);
    expectNoDuplicates();
    c.close();
  }, 50_000);

  it('a client that logs on with ResetSeqNumFlag=Y after the restart still gets the fill made while it was away', async () => {
    const c = await connect1();
    c.send('D', order('R6', 1, '1', '104.00'));
    await waitFor('R6 New', () => reportsOf('R6', '0').length === 1);
    c.close();
    await sleep(100);
    await killGateway();
    await cross('S6', 1, '104.00');
    await startGatewayProcess();
    await sleep(300); // the restarted gateway journals the fill for the away session
    const reset = await FixClient.tcp('127.0.0.1', gwFixPort, { username: 'CLIENT1', password: 'demo' });
    clients.push(reset);
    const fill = reset.waitFor((m) => m.msgType === '8' && m.get(11) === 'R6' && m.get(150) === 'F', 10_000);
    const logon = await reset.logon();
    expect(logon.get(141)).toBe('Y');
    const m = await fill;
    expect(m.get(14)).toBe('1');
    expect(m.get(39)).toBe('2');
    expect(reportsOf('R6', 'F')).toHaveLength(0); // not delivered before (CLIENT1 was away)
    reset.close();
  }, 40_000);
});
