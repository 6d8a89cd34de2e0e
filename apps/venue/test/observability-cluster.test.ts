import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberConfig } from '../src/config/config.js';
import { DEMO_ADMIN_TOKEN } from '../src/config/security.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster } from '../src/start.js';
import { freeMembers, memberLauncher, zvzztLimitOrder as order, testConfig } from './helpers.js';

const isExec = (clOrdId: string, execType: string) => (m: FixMessage) =>
  m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === execType;

function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n'))
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}

type LogLine = Record<string, unknown>;

describe('observability of the replicated venue: member and gateway /metrics, member JSON logs', () => {
  let venue: RunningVenue;
  let dataDir: string;
  let members: MemberConfig[];
  const clients: FixClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-obs-cluster-'));
    members = await freeMembers();
    const launcher = memberLauncher(dataDir, members, 'none');
    venue = await startCluster(testConfig(dataDir, members, 'none'), launcher.memberArgs, () => {});
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const adminGet = async (m: MemberConfig, path: string): Promise<string> =>
    (await fetch(`http://127.0.0.1:${m.adminPort}${path}`, { signal: AbortSignal.timeout(3_000) })).text();

  const leader = async (): Promise<MemberConfig> => {
    for (let i = 0; i < 50; i++) {
      for (const m of members) {
        const s = JSON.parse(await adminGet(m, '/status')) as { role: string };
        if (s.role === 'leader') return m;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no leader');
  };

  const readLog = (id: number): LogLine[] => {
    const file = join(dataDir, 'logs', `node-${id}.log`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as LogLine);
  };

  it('after trading: consensus, follower lag, matching, market data and cluster round trip on /metrics', async () => {
    const seller = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT1', password: 'demo' });
    const buyer = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT2', password: 'demo' });
    clients.push(seller, buyer);
    expect((await seller.logon()).msgType).toBe('A');
    expect((await buyer.logon()).msgType).toBe('A');
    const sellAck = seller.waitFor(isExec('CS1', '0'));
    seller.send('D', order('CS1', 2, '10', '100.00'));
    await sellAck;
    const fill = buyer.waitFor(isExec('CB1', 'F'));
    buyer.send('D', order('CB1', 1, '3', '100.00'));
    await fill;

    // Per-follower lag is small on a healthy cluster, but a follower the leader has not heard from
    // yet (just after an election, or a slow ack on a loaded machine) shows the whole log: read the
    // leader's metrics until every follower has acknowledged something (bounded: 15 s; a clean-clone
    // CI run at load ~9 once needed more than the former 5 s for a member started last).
    let lead = await leader();
    let text = await adminGet(lead, '/metrics');
    for (let i = 0; i < 150; i++) {
      const c = sample(text, 'venue_commit_index') ?? 0;
      const behind = members
        .filter((x) => x.id !== lead.id)
        .some((m) => (sample(text, `venue_follower_lag_entries{follower="${m.id}"}`) ?? c) >= c);
      if (!behind) break;
      await new Promise((r) => setTimeout(r, 100));
      lead = await leader();
      text = await adminGet(lead, '/metrics');
    }
    expect(sample(text, `venue_node_id`)).toBe(lead.id);
    expect(sample(text, 'venue_raft_role{role="leader"}')).toBe(1);
    expect(sample(text, 'venue_raft_role{role="follower"}')).toBe(0);
    expect(sample(text, 'venue_raft_term')).toBeGreaterThanOrEqual(1);
    const commit = sample(text, 'venue_commit_index') ?? 0;
    expect(commit).toBeGreaterThan(0);
    expect(sample(text, 'venue_commit_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'venue_elections_total')).toBeGreaterThanOrEqual(1);
    // Per-follower lag on the leader: a label per follower, small and non-negative on a healthy cluster.
    for (const m of members.filter((x) => x.id !== lead.id)) {
      const lag = sample(text, `venue_follower_lag_entries{follower="${m.id}"}`);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(commit);
    }
    expect(sample(text, 'venue_service_backlog_entries')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'venue_service_backlog_growing')).toBe(0);
    expect(sample(text, 'venue_service_entry_seconds_count')).toBeGreaterThan(0);
    // The services' series come from the service thread of the member.
    expect(sample(text, 'venue_matching_orders_accepted_total')).toBe(2);
    expect(sample(text, 'venue_matching_trades_total')).toBe(1);
    expect(sample(text, 'venue_matching_resting_orders{symbol="ZVZZT"}')).toBe(1);
    expect(sample(text, 'venue_md_published_position')).toBeGreaterThan(0);
    expect(sample(text, 'venue_md_lag_entries')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'venue_md_subscribers')).toBeGreaterThanOrEqual(0);

    // A follower: its role, no follower series, the same matching counters (it applied the same log).
    const follower = members.find((m) => m.id !== lead.id) as MemberConfig;
    let ftext = '';
    for (let i = 0; i < 30; i++) {
      ftext = await adminGet(follower, '/metrics');
      if (sample(ftext, 'venue_matching_trades_total') === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sample(ftext, 'venue_raft_role{role="follower"}')).toBe(1);
    expect(ftext).not.toMatch(/^venue_follower_lag_entries\{/m);
    expect(sample(ftext, 'venue_matching_trades_total')).toBe(1);

    // The gateway measures its own round trip through the cluster.
    const gw = await (await fetch(`${venue.httpUrl}/metrics`)).text();
    expect(sample(gw, 'venue_cluster_round_trip_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(gw, 'venue_cluster_round_trip_seconds_sum')).toBeGreaterThan(0);
    expect(sample(gw, 'venue_cluster_responses_total{status="applied"}')).toBeGreaterThanOrEqual(2);
    expect(sample(gw, 'venue_gateway_sessions_logged_on')).toBe(2);
  });

  it('member logs are JSON lines; log events carry nodeId, term and log position', async () => {
    const lead = await leader();
    // Admin actions need the members' admin token (the demo's here).
    const snap = await fetch(`http://127.0.0.1:${lead.adminPort}/snapshot`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` },
    });
    expect(snap.status).toBe(200);
    const taken = (await snap.json()) as { index: number };
    let lines: LogLine[] = [];
    for (let i = 0; i < 30; i++) {
      lines = readLog(lead.id);
      if (lines.some((l) => l['event'] === 'snapshot-taken')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const byEvent = (e: string) => lines.filter((l) => l['event'] === e);
    const roleChange = byEvent('role-change').find((l) => l['role'] === 'leader');
    expect(roleChange).toMatchObject({ process: 'node', nodeId: lead.id, level: 30 });
    expect(roleChange?.['term']).toBeGreaterThanOrEqual(1);
    expect(typeof roleChange?.['logPosition']).toBe('number');
    expect(typeof roleChange?.['commitPosition']).toBe('number');
    expect(byEvent('recovery')[0]).toMatchObject({ nodeId: lead.id, snapshotPosition: 0 });
    const snapLine = byEvent('snapshot-taken').at(-1);
    expect(snapLine).toMatchObject({ nodeId: lead.id, snapshotPosition: taken.index });
    expect(snapLine?.['logPosition']).toBeGreaterThanOrEqual(taken.index);
    // Session opens are logged by every member at the position of the session-open entry.
    const opens = byEvent('session-open');
    expect(opens.map((l) => l['principal'])).toContain('gateway-1');
    for (const o of opens) {
      expect(o['entryPosition']).toBeGreaterThan(0);
      expect(o['term']).toBeGreaterThanOrEqual(1);
    }
    // Every line of a member says which member it is.
    for (const l of lines) expect(l['nodeId']).toBe(lead.id);
    // The service thread's lines go to the same file (market-data server).
    expect(lines.some((l) => l['component'] === 'services' && l['event'] === 'md-listening')).toBe(true);
  });
});
