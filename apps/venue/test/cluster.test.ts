import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../src/cli.js';
import type { MemberConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster, startGateway } from '../src/start.js';
import { freeMembers, memberLauncher, zvzztLimitOrder as order, testConfig } from './helpers.js';

interface AdminStatus {
  role: string;
  stateHash: string | null;
  hashIndex: number;
  commitIndex: number;
}

describe('replicated venue: three member processes, FIX through the gateway, kill -9 of the leader', () => {
  let venue: RunningVenue;
  let dataDir: string;
  let members: MemberConfig[];
  let configFile: string;
  const clients: FixClient[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-cluster-'));
    members = await freeMembers();
    const launcher = memberLauncher(dataDir, members);
    configFile = launcher.configFile;
    venue = await startCluster(testConfig(dataDir, members), launcher.memberArgs, (line) => {
      if (lines.length < 5_000) lines.push(line);
    });
  }, 60_000);

  let stopped = false;
  afterAll(async () => {
    for (const c of clients) c.close();
    if (!stopped) await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The leader as the supervisor sees it (its poll may lag an election by a few hundred ms). */
  const waitLeader = async (notId = 0): Promise<number> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const id = venue.cluster.status().leaderId;
      if (id > 0 && id !== notId) return id;
      if (Date.now() > deadline) throw new Error(`no leader other than ${notId} within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const adminStatus = async (m: MemberConfig): Promise<AdminStatus | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${m.adminPort}/status`, {
        signal: AbortSignal.timeout(1_000),
      });
      return (await res.json()) as AdminStatus;
    } catch {
      return undefined;
    }
  };

  it('acknowledges every order exactly once across a leader kill, and replicas converge to one state hash', async () => {
    const trader = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT1', password: 'demo' });
    clients.push(trader);
    expect((await trader.logon()).msgType).toBe('A');
    const acks = new Map<string, number>();
    trader.onMessage((m: FixMessage) => {
      if (m.msgType === '8' && m.get(150) === '0')
        acks.set(m.get(11) ?? '', (acks.get(m.get(11) ?? '') ?? 0) + 1);
    });

    const leaderBefore = await waitLeader();
    const total = 40;
    for (let i = 0; i < total; i++) {
      // Distinct prices inside the band (100.00 .. 100.39): every order rests, none trades.
      trader.send('D', order(`C${i}`, 2, '1', (100 + i / 100).toFixed(2)));
      if (i === 15) {
        const killedAt = Date.now();
        expect(await venue.cluster.kill?.(leaderBefore)).toBe(true);
        lines.push(`test: killed leader ${leaderBefore} at ${killedAt}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const deadline = Date.now() + 20_000;
    while (acks.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(acks.size).toBe(total);
    expect([...acks.values()].every((n) => n === 1)).toBe(true);

    // The supervisor's view may lag the election (its poll of the members is slow on a loaded machine).
    const leaderAfter = await waitLeader(leaderBefore);
    expect(leaderAfter).not.toBe(leaderBefore);
    expect(leaderAfter).toBeGreaterThan(0);

    // The killed member restarts from its disk and catches up; all three agree on the state.
    expect(await venue.cluster.restart?.(leaderBefore)).toBe(true);
    let hashes: (AdminStatus | undefined)[] = [];
    const hashDeadline = Date.now() + 20_000;
    while (Date.now() < hashDeadline) {
      hashes = await Promise.all(members.map(adminStatus));
      const ok = hashes.every((h) => h?.stateHash != null);
      if (ok && new Set(hashes.map((h) => `${h?.hashIndex}:${h?.stateHash}`)).size === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const keys = hashes.map((h) => `${h?.hashIndex}:${h?.stateHash}`);
    expect(new Set(keys).size, keys.join(' | ')).toBe(1);
  }, 90_000);

  it('a paused (SIGSTOP) leader does not stall the gateway: orders are acknowledged during the pause', async () => {
    const trader = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT2', password: 'demo' });
    clients.push(trader);
    expect((await trader.logon()).msgType).toBe('A');
    const leader = await waitLeader();
    const pid = venue.cluster.status().members.find((m) => m.id === leader)?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGSTOP');
    try {
      const acked = trader.waitFor(
        (m) => m.msgType === '8' && m.get(11) === 'P1' && m.get(150) === '0',
        15_000,
      );
      trader.send('D', order('P1', 2, '1', '101.00'));
      await acked; // while the old leader is still stopped
    } finally {
      process.kill(pid as number, 'SIGCONT');
    }
    const canceled = trader.waitFor(
      (m) => m.msgType === '8' && m.get(11) === 'P1X' && m.get(150) === '4',
      15_000,
    );
    trader.send('F', [
      [11, 'P1X'],
      [41, 'P1'],
      [55, 'ZVZZT'],
      [54, 2],
      [60, '20261126-12:00:00.000'],
    ]);
    await canceled;
  }, 60_000);

  it('relays /md to a live member and says which one', async () => {
    const ws = new WebSocket(`${venue.httpUrl.replace('http', 'ws')}/md`);
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    ws.close();
    const m = JSON.parse(first) as { type: string; nodeId: number };
    expect(m.type).toBe('member');
    expect(venue.cluster.status().members.find((x) => x.id === m.nodeId)?.role).not.toBe('down');
  });

  it('venue cluster status, snapshot and step-down talk to the members', async () => {
    const status = await runCli(['cluster', 'status', '--config', configFile]);
    expect(status.exitCode).toBe(0);
    expect(status.output.split('\n').filter((l) => /^\d\s+\S+\s+(leader|follower)\b/.test(l))).toHaveLength(
      3,
    );
    expect(status.output.match(/state hash [0-9a-f]+ @ \d+/g)).toHaveLength(3);

    const snap = await runCli(['cluster', 'snapshot', '--config', configFile]);
    expect(snap.output).toMatch(/node \d: (ok|refused)/);

    const before = venue.cluster.status().leaderId;
    const step = await runCli(['cluster', 'step-down', '--config', configFile]);
    expect(step.exitCode, step.output).toBe(0);
    const deadline = Date.now() + 10_000;
    let after = before;
    while (Date.now() < deadline && (after === before || after === 0)) {
      await new Promise((r) => setTimeout(r, 100));
      after = venue.cluster.status().leaderId;
    }
    expect(after).not.toBe(before);
    expect(after).toBeGreaterThan(0);

    const bad = await runCli(['cluster', 'frobnicate', '--config', configFile]);
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/status, snapshot or step-down/);
  }, 30_000);

  it('a second gateway process on the same cluster: a fill reaches the maker on the other gateway', async () => {
    const gw2 = await startGateway(testConfig(dataDir, members), 'g2', () => {});
    try {
      const maker = await FixClient.tcp('127.0.0.1', gw2.fixPort, { username: 'CLIENT3', password: 'demo' });
      const taker = await FixClient.tcp('127.0.0.1', venue.fixPort, {
        username: 'CLIENT4',
        password: 'demo',
      });
      clients.push(maker, taker);
      expect((await maker.logon()).msgType).toBe('A');
      expect((await taker.logon()).msgType).toBe('A');
      const rested = maker.waitFor((m) => m.msgType === '8' && m.get(11) === 'G2B' && m.get(150) === '0');
      maker.send('D', order('G2B', 1, '1', '99.50'));
      await rested;
      const makerFill = maker.waitFor((m) => m.msgType === '8' && m.get(11) === 'G2B' && m.get(150) === 'F');
      const takerFill = taker.waitFor((m) => m.msgType === '8' && m.get(11) === 'G1S' && m.get(150) === 'F');
      taker.send('D', order('G1S', 2, '1', '99.50'));
      const [mf, tf] = await Promise.all([makerFill, takerFill]);
      expect(mf.get(31)).toBe('99.5');
      expect(tf.get(31)).toBe('99.5');
      // The cluster panel of a gateway that does not run the members cannot kill them.
      expect(await gw2.cluster.kill?.(1)).toBe(false);
    } finally {
      await gw2.stop();
    }
  }, 60_000);

  it('venue replay rebuilds stopped members offline: equal positions give equal state hashes', async () => {
    let agreed: AdminStatus | undefined;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && agreed === undefined) {
      const all = await Promise.all(members.map(adminStatus));
      const keys = new Set(all.map((h) => `${h?.hashIndex}:${h?.stateHash}`));
      if (keys.size === 1 && all[0]?.stateHash != null) agreed = all[0];
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(agreed).toBeDefined();
    await venue.stop();
    stopped = true;
    // Stopping appends a little (the gateway's session close) and snapshots each member at its own
    // applied position, so replay each member to its end and compare those at equal positions.
    const replays: { index: number; hash: string; output: string }[] = [];
    for (const m of members) {
      const r = await runCli(['replay', '--data', join(dataDir, `node-${m.id}`)], {
        out: { write: () => {} },
      });
      expect(r.exitCode, r.output).toBe(0);
      const match = /state hash @(\d+): ([0-9a-f]+)/.exec(r.output);
      expect(match, r.output).not.toBeNull();
      replays.push({ index: Number(match?.[1]), hash: match?.[2] ?? '', output: r.output });
    }
    const byIndex = new Map<number, Set<string>>();
    for (const r of replays) byIndex.set(r.index, (byIndex.get(r.index) ?? new Set()).add(r.hash));
    for (const [index, hashes] of byIndex) expect(hashes.size, `hashes at ${index}`).toBe(1);
    expect(
      Math.max(...[...byIndex.keys()].map((i) => replays.filter((r) => r.index === i).length)),
    ).toBeGreaterThan(1);
    for (const r of replays) {
      if (r.index === agreed?.hashIndex) expect(r.hash).toBe(agreed.stateHash);
      expect(r.output).toMatch(/ZVZZT: 40 resting orders/);
      expect(r.output).toMatch(/asks: 1 @ 100\.00 \(1\)/);
    }
  }, 60_000);

  it('a second start on the same data resumes: orders resting before are still there', async () => {
    // Never leak the first cluster's processes if an earlier test failed before stopping it.
    if (!stopped) await venue.stop();
    venue = await startCluster(
      testConfig(dataDir, members),
      memberLauncher(dataDir, members).memberArgs,
      () => {},
    );
    stopped = false;
    const buyer = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT2', password: 'demo' });
    clients.push(buyer);
    expect((await buyer.logon()).msgType).toBe('A');
    const fill = buyer.waitFor(
      (m) => m.msgType === '8' && m.get(11) === 'AFTER1' && m.get(150) === 'F',
      15_000,
    );
    buyer.send('D', order('AFTER1', 1, '1', '100.00'));
    const f = await fill;
    expect(f.get(31)).toBe('100');
    expect(f.get(39)).toBe('2');
  }, 60_000);
});
