import type { MemberConfig, VenueConfig } from '../config/config.js';

/** The fields of a member's admin `/status` that the cluster tool prints. */
interface MemberStatusJson {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leaderId: number;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly serviceAppliedIndex: number;
  readonly snapshotIndex: number;
  readonly followers: readonly {
    readonly id: number;
    readonly lagEntries: number;
    readonly connected: boolean;
  }[];
  readonly lastElectionMs: number;
  readonly elections: number;
  readonly sessions: number;
  readonly stateHash: string | null;
  readonly hashIndex: number;
}

const TIMEOUT_MS = 2_000;

async function admin(
  m: MemberConfig,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ code: number; body: unknown }> {
  const res = await fetch(`http://${m.host}:${m.adminPort}${path}`, {
    method,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { code: res.status, body: await res.json() };
}

async function statuses(
  config: VenueConfig,
): Promise<{ member: MemberConfig; status?: MemberStatusJson; error?: string }[]> {
  return Promise.all(
    config.cluster.members.map(async (member) => {
      try {
        const r = await admin(member, 'GET', '/status');
        return { member, status: r.body as MemberStatusJson };
      } catch (e) {
        return { member, error: (e as Error).message };
      }
    }),
  );
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

/** `venue cluster status|snapshot|step-down`: talks to the members' admin HTTP. */
export async function runClusterCommand(
  config: VenueConfig,
  sub: string | undefined,
): Promise<{ exitCode: number; output: string }> {
  if (sub === 'status') {
    const rows = await statuses(config);
    const lines = [
      ' id  role       term  leader   log-pos  commit  applied  snapshot  sessions  elections  last-election  state-hash@pos',
    ];
    // nondeterminism-ok: a CLI prints ages against the wall clock
    const now = Date.now();
    for (const r of rows) {
      const s = r.status;
      if (s === undefined) {
        lines.push(
          `${pad(r.member.id, 3)}  down       (admin http://${r.member.host}:${r.member.adminPort}: ${r.error})`,
        );
        continue;
      }
      lines.push(
        `${pad(s.id, 3)}  ${s.role.padEnd(9)} ${pad(s.term, 5)} ${pad(s.leaderId, 7)} ${pad(s.lastIndex, 9)} ${pad(s.commitIndex, 7)} ${pad(s.serviceAppliedIndex, 8)} ${pad(s.snapshotIndex, 9)} ${pad(s.sessions, 9)} ${pad(s.elections, 10)} ${pad(s.lastElectionMs > 0 ? `${Math.round((now - s.lastElectionMs) / 1000)}s ago` : 'never', 14)}  ${(s.stateHash ?? '-').slice(0, 12)}@${s.hashIndex}`,
      );
      for (const f of s.followers) {
        lines.push(
          `       follower ${f.id}: lag ${f.lagEntries} entries${f.connected ? '' : ' (not connected)'}`,
        );
      }
    }
    const up = rows.filter((r) => r.status !== undefined).length;
    return { exitCode: up > config.cluster.members.length / 2 ? 0 : 1, output: `${lines.join('\n')}\n` };
  }
  if (sub === 'snapshot' || sub === 'step-down') {
    const rows = await statuses(config);
    const leader = rows.find((r) => r.status?.role === 'leader');
    const targets =
      sub === 'step-down'
        ? leader === undefined
          ? []
          : [leader]
        : rows.filter((r) => r.status !== undefined);
    if (targets.length === 0) {
      return {
        exitCode: 1,
        output: `no ${sub === 'step-down' ? 'leader' : 'member'} reachable: is the cluster running?\n`,
      };
    }
    const out: string[] = [];
    let ok = true;
    for (const t of targets) {
      try {
        const r = await admin(t.member, 'POST', `/${sub}`);
        ok &&= r.code === 200;
        out.push(`node ${t.member.id}: ${r.code === 200 ? 'ok' : 'refused'} ${JSON.stringify(r.body)}`);
      } catch (e) {
        ok = false;
        out.push(`node ${t.member.id}: ${(e as Error).message}`);
      }
    }
    return { exitCode: ok ? 0 : 1, output: `${out.join('\n')}\n` };
  }
  return {
    exitCode: 2,
    output: `venue cluster needs a subcommand: status, snapshot or step-down (got '${sub ?? ''}')\n`,
  };
}
