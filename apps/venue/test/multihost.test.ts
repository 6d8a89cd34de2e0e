import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { loadConfig, type VenueConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startGateway } from '../src/start.js';
import { zvzztLimitOrder as order } from './helpers.js';
import { NetnsLab, netnsUnavailable } from './netns.js';

// Members run the built CLI (the test command builds it with `tsc -b` before vitest).
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface AdminStatus {
  id: number;
  role: string;
  term: number;
  leaderId: number;
  commitIndex: number;
  stateHash: string | null;
  hashIndex: number;
}

/**
 * Multi-host: the same binaries, one member per "machine". Each member is `venue node --id N` in its
 * own network namespace, bound to that namespace's address; the members reach each other and the
 * gateway (root namespace) over veth pairs and a bridge, so what crosses a real network (TCP
 * connects, resets, silence) is exercised. Links are cut with iptables DROP inside a namespace.
 */
describe('multi-host: three members in three network namespaces', () => {
  const lab = new NetnsLab(3);
  let dataDir: string;
  let configFile: string;
  let config: VenueConfig;
  let gateway: RunningVenue | undefined;
  let trader: FixClient | undefined;
  const members = new Map<number, ChildProcess>();
  const output: string[] = [];
  const acks = new Map<string, number>();

  beforeAll(async () => {
    const reason = netnsUnavailable();
    // Fail loudly (never skip): the multi-host claim is only tested where this runs.
    if (reason !== undefined) throw new Error(`multi-host test cannot run: ${reason}`);
    lab.up();
    dataDir = mkdtempSync(join(tmpdir(), 'venue-multihost-'));
    configFile = join(dataDir, 'venue.json');
    // Only id and host per member: the ports follow the id (9100+N, ...), as on real machines.
    writeFileSync(
      configFile,
      JSON.stringify({
        httpPort: 0,
        fixTcpPort: 0,
        bots: { enabled: false },
        // Election timeout well above the tick jitter of a loaded 2-core machine (no spurious elections).
        cluster: {
          electionTimeoutMs: 1000,
          heartbeatIntervalMs: 100,
          members: lab.addresses.map((host, i) => ({ id: i + 1, host })),
        },
      }),
    );
    config = loadConfig({ file: configFile, overrides: { dataDir } });
    for (let id = 1; id <= 3; id++) {
      const child = spawn(
        'ip',
        [
          ...lab.exec(id),
          process.execPath,
          MAIN_JS,
          'node',
          '--id',
          String(id),
          '--config',
          configFile,
          '--data',
          dataDir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const keep = (chunk: Buffer) => {
        if (output.length < 5_000) output.push(`[node ${id}] ${chunk.toString('utf8')}`);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      members.set(id, child);
    }
    // The gateway in the root namespace: a cluster client of the members' addresses.
    gateway = await startGateway(config, 'mh', (line) => {
      if (output.length < 5_000) output.push(`[gateway] ${line}\n`);
    });
    trader = await FixClient.tcp('127.0.0.1', gateway.fixPort, { username: 'CLIENT1', password: 'demo' });
    await trader.logon();
    trader.onMessage((m: FixMessage) => {
      if (m.msgType === '8' && m.get(150) === '0')
        acks.set(m.get(11) ?? '', (acks.get(m.get(11) ?? '') ?? 0) + 1);
    });
  }, 60_000);

  afterAll(async () => {
    trader?.close();
    await gateway?.stop().catch(() => {});
    await Promise.all(
      [...members.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    const problems = lab.down();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    expect(problems, 'network namespaces and links removed').toEqual([]);
  });

  const status = async (id: number): Promise<AdminStatus | undefined> => {
    try {
      const res = await fetch(`http://${lab.addresses[id - 1]}:${8100 + id}/status`, {
        signal: AbortSignal.timeout(500),
      });
      return (await res.json()) as AdminStatus;
    } catch {
      return undefined;
    }
  };

  /** The leader (id and term) that a majority of the given members agree on, or undefined. */
  const leaderAmong = async (ids: readonly number[]): Promise<{ id: number; term: number } | undefined> => {
    const all = await Promise.all(ids.map(status));
    const leader = all.find((s) => s?.role === 'leader');
    if (leader === undefined) return undefined;
    const agree = all.filter((s) => s !== undefined && s.leaderId === leader.id && s.term === leader.term);
    return agree.length * 2 > ids.length ? { id: leader.id, term: leader.term } : undefined;
  };

  const waitFor = async <T>(
    what: string,
    fn: () => Promise<T | undefined>,
    timeoutMs: number,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const v = await fn();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what}: not within ${timeoutMs} ms\n${output.join('').slice(-4000)}`);
  };

  /** Sends an order and waits for its acknowledgement (New). */
  const trade = async (clOrdId: string, price: string, timeoutMs = 15_000): Promise<void> => {
    const t = trader;
    if (t === undefined) throw new Error('no trader');
    const ack = t.waitFor((m) => m.msgType === '8' && m.get(11) === clOrdId, timeoutMs);
    t.send('D', order(clOrdId, 2, '1', price));
    const m = await ack;
    expect(m.get(150), `${clOrdId}: ${m.get(58) ?? ''}`).toBe('0');
  };

  const currentLeader = () => waitFor('a leader', () => leaderAmong([1, 2, 3]), 20_000);

  it('elects a leader across the namespaces and trades through the gateway in the root namespace', async () => {
    await currentLeader();
    // Each member listens on its own namespace's address (not loopback).
    for (let id = 1; id <= 3; id++) expect((await status(id))?.id).toBe(id);
    for (let i = 1; i <= 3; i++) await trade(`MH${i}`, `10${i}.00`);
  }, 30_000);

  it('cut one link (leader to one follower): the cluster carries on', async () => {
    const { id: leader } = await currentLeader();
    const follower = leader === 1 ? 2 : 1;
    lab.cutLink(leader, lab.addresses[follower - 1] as string);
    try {
      // Leader and the other follower are a majority: orders still commit.
      await trade('LINK1', '104.00');
      await trade('LINK2', '105.00');
      expect(await status(follower)).toBeDefined(); // only that one link is cut
    } finally {
      lab.heal(leader);
    }
  }, 30_000);

  it('isolate the leader: a new leader is elected, new orders are acknowledged; heal: all converge', async () => {
    const { id: old, term: termBefore } = await currentLeader();
    const others = [1, 2, 3].filter((id) => id !== old);
    lab.isolate(old);
    try {
      const next = await waitFor('a new leader among the others', () => leaderAmong(others), 20_000);
      expect(others).toContain(next.id);
      expect(next.term).toBeGreaterThan(termBefore);
      // The gateway's cluster client leaves the silent leader and resubmits to the new one.
      await trade('ISO1', '106.00', 25_000);
      await trade('ISO2', '107.00');
      expect(await status(old)).toBeUndefined(); // still unreachable: the cut is real
    } finally {
      lab.heal(old);
    }
    // Healed: the old leader rejoins as a follower and every member reaches the same state.
    const agreed = await waitFor(
      'equal state hashes on all three members',
      async () => {
        const all = await Promise.all([1, 2, 3].map(status));
        const keys = new Set(
          all.map((s) => (s?.stateHash == null ? undefined : `${s.hashIndex}:${s.stateHash}`)),
        );
        return keys.size === 1 && !keys.has(undefined) ? all : undefined;
      },
      20_000,
    );
    expect(agreed.filter((s) => s?.role === 'leader')).toHaveLength(1);
    // Every order acknowledged exactly once, and all of them rest in the book (read through the cluster).
    const ids = ['MH1', 'MH2', 'MH3', 'LINK1', 'LINK2', 'ISO1', 'ISO2'];
    for (const id of ids) expect(acks.get(id), id).toBe(1);
    const r = await runCli(['orders', '--account', 'CLIENT1', '--config', configFile]);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/^CLIENT1 \(account 1\): 7 open orders\n/);
    for (const id of ids) expect(r.output).toContain(` ${id} `);
  }, 90_000);
});
