/**
 * Operator helpers over the admin HTTP port of every member (what `venue cluster status|snapshot|
 * step-down` calls): query each member, format a table, trigger a snapshot or a leadership transfer.
 */

import type { NodeStatus } from '../node/cluster-node.js';
import type { MemberAddress } from '../node/members.js';

export interface MemberStatusRow {
  readonly member: MemberAddress;
  readonly status: NodeStatus | null;
  /** Why the member did not answer (down, timeout, ...), or null. */
  readonly error: string | null;
}

function url(m: MemberAddress, path: string): string {
  return `http://${m.host}:${m.adminPort}${path}`;
}

/** Every member's /status (members that do not answer within `timeoutMs` get an error). */
export async function clusterStatus(
  members: readonly MemberAddress[],
  timeoutMs = 2000,
): Promise<MemberStatusRow[]> {
  return Promise.all(
    members.map(async (member) => {
      try {
        const res = await fetch(url(member, '/status'), { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) return { member, status: null, error: `HTTP ${res.status}` };
        return { member, status: (await res.json()) as NodeStatus, error: null };
      } catch (err) {
        return { member, status: null, error: (err as Error).message };
      }
    }),
  );
}

/** A fixed-width table, one line per member, then per-follower lag as the leader sees it. */
export function formatClusterStatus(rows: readonly MemberStatusRow[], nowMs: number): string {
  const head = [
    'id',
    'address',
    'role',
    'term',
    'leader',
    'log',
    'durable',
    'commit',
    'applied',
    'snapshot',
    'last election',
  ];
  const lines: string[][] = [head];
  for (const r of rows) {
    const s = r.status;
    const address = `${r.member.host}:${r.member.peerPort}`;
    if (!s) {
      lines.push([String(r.member.id), address, `DOWN (${r.error ?? '?'})`, '', '', '', '', '', '', '', '']);
      continue;
    }
    const election =
      s.lastElectionMs > 0 ? `${((nowMs - s.lastElectionMs) / 1000).toFixed(1)} s ago` : 'never';
    lines.push([
      String(s.id),
      address,
      s.role,
      String(s.term),
      String(s.leaderId || '-'),
      String(s.lastIndex),
      String(s.durableIndex),
      String(s.commitIndex),
      String(s.serviceAppliedIndex),
      String(s.snapshotIndex),
      election,
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const out = lines.map((l) =>
    l
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd(),
  );
  const leader = rows.find((r) => r.status?.role === 'leader')?.status;
  if (leader) {
    for (const f of leader.followers) {
      out.push(
        `follower ${f.id}: match ${f.match}, lag ${f.lagEntries} entries, ${f.state}, ${f.connected ? 'connected' : 'NOT connected'}`,
      );
    }
  } else out.push('no leader');
  return out.join('\n');
}

/** POST /snapshot on one member. */
export async function requestSnapshot(
  member: MemberAddress,
  timeoutMs = 60_000,
  adminToken?: string,
): Promise<{ ok: boolean; body: unknown }> {
  const res = await fetch(url(member, '/snapshot'), {
    method: 'POST',
    signal: AbortSignal.timeout(timeoutMs),
    headers: bearer(adminToken),
  });
  return { ok: res.ok, body: await res.json() };
}

/** Finds the leader and asks it to transfer leadership (to `to`, or the most caught-up follower). */
export async function requestStepDown(
  members: readonly MemberAddress[],
  to?: number,
  timeoutMs = 5000,
  adminToken?: string,
): Promise<{ ok: boolean; leaderId: number; body: unknown }> {
  const rows = await clusterStatus(members, timeoutMs);
  const leader = rows.find((r) => r.status?.role === 'leader');
  if (!leader) return { ok: false, leaderId: 0, body: { error: 'no leader found' } };
  const query = to === undefined ? '' : `?to=${to}`;
  const res = await fetch(url(leader.member, `/step-down${query}`), {
    method: 'POST',
    signal: AbortSignal.timeout(timeoutMs),
    headers: bearer(adminToken),
  });
  return { ok: res.ok, leaderId: leader.member.id, body: await res.json() };
}

/** The admin actions' Authorization header (members started with `adminToken` require it). */
function bearer(adminToken: string | undefined): Record<string, string> {
  return adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` };
}
