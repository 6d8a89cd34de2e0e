import {
  clusterStatus,
  formatClusterStatus,
  type MemberAddress,
  requestSnapshot,
  requestStepDown,
} from '@venue/consensus/runtime';
import type { VenueConfig } from '../config/config.js';
import { adminTokenOf } from '../config/security.js';

/** The configured members as the consensus runtime addresses them (id, host, peer/client/admin ports). */
export function memberAddresses(config: VenueConfig): MemberAddress[] {
  return config.cluster.members.map((m) => ({
    id: m.id,
    host: m.host,
    peerPort: m.peerPort,
    clientPort: m.clientPort,
    adminPort: m.adminPort,
  }));
}

/** `venue cluster status|snapshot|step-down [--to N]`: the members' admin HTTP, through the runtime's helpers. */
export async function runClusterCommand(
  config: VenueConfig,
  sub: string | undefined,
  to?: number,
): Promise<{ exitCode: number; output: string }> {
  const members = memberAddresses(config);
  if (sub === 'status') {
    const rows = await clusterStatus(members);
    const up = rows.filter((r) => r.status !== null).length;
    // nondeterminism-ok: a CLI prints ages against the wall clock
    const table = formatClusterStatus(rows, Date.now());
    const hashes = rows
      .filter((r) => r.status !== null)
      .map(
        (r) =>
          `node ${r.member.id}: state hash ${(r.status?.stateHash ?? '-').slice(0, 16)} @ ${r.status?.hashIndex}`,
      );
    return { exitCode: up > members.length / 2 ? 0 : 1, output: `${table}\n${hashes.join('\n')}\n` };
  }
  if (sub === 'snapshot') {
    const out: string[] = [];
    let ok = true;
    for (const m of members) {
      try {
        const r = await requestSnapshot(m, 60_000, adminTokenOf(config));
        ok &&= r.ok;
        out.push(`node ${m.id}: ${r.ok ? 'ok' : 'refused'} ${JSON.stringify(r.body)}`);
      } catch (e) {
        ok = false;
        out.push(`node ${m.id}: ${(e as Error).message}`);
      }
    }
    return { exitCode: ok ? 0 : 1, output: `${out.join('\n')}\n` };
  }
  if (sub === 'step-down') {
    const r = await requestStepDown(members, to, 5_000, adminTokenOf(config));
    return {
      exitCode: r.ok ? 0 : 1,
      output: `${r.ok ? `leader ${r.leaderId} is handing over` : 'step-down refused'}: ${JSON.stringify(r.body)}\n`,
    };
  }
  return {
    exitCode: 2,
    output: `venue cluster needs a subcommand: status, snapshot or step-down (got '${sub ?? ''}')\n`,
  };
}
