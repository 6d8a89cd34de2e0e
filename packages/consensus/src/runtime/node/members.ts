/** Static cluster membership as given on the command line. Nothing assumes loopback. */

export interface MemberAddress {
  readonly id: number;
  readonly host: string;
  /** Member-to-member (Raft) port. */
  readonly peerPort: number;
  /** Client protocol port (gateways connect here). */
  readonly clientPort: number;
  /** Admin HTTP port (/status, /metrics, POST /snapshot, POST /step-down). */
  readonly adminPort: number;
}

/**
 * Parses `1=10.0.0.1:9101,2=10.0.0.2:9101,...` or with explicit ports `id=host:peer:client:admin`.
 * Defaults: client port = peer port + 100, admin port = peer port + 200. Throws with the bad part.
 */
export function parseMembers(spec: string): MemberAddress[] {
  const out: MemberAddress[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const m = /^(\d+)=([^:]+):(\d+)(?::(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) throw new Error(`members: '${part}' is not id=host:peerPort[:clientPort[:adminPort]]`);
    const peerPort = Number(m[3]);
    const member: MemberAddress = {
      id: Number(m[1]),
      host: m[2] as string,
      peerPort,
      clientPort: m[4] !== undefined ? Number(m[4]) : peerPort + 100,
      adminPort: m[5] !== undefined ? Number(m[5]) : peerPort + 200,
    };
    for (const p of [member.peerPort, member.clientPort, member.adminPort]) {
      if (!(p > 0 && p < 65536)) throw new Error(`members: '${part}' has port ${p} out of range`);
    }
    if (!(member.id > 0)) throw new Error(`members: '${part}' needs a positive id`);
    if (out.some((o) => o.id === member.id)) throw new Error(`members: id ${member.id} appears twice`);
    out.push(member);
  }
  if (out.length === 0 || out.length % 2 === 0) {
    throw new Error(`members: need an odd number of members, got ${out.length}`);
  }
  return out;
}

export function formatMembers(members: readonly MemberAddress[]): string {
  return members.map((m) => `${m.id}=${m.host}:${m.peerPort}:${m.clientPort}:${m.adminPort}`).join(',');
}
