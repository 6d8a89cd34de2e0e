/**
 * `venue upgrade status | activate --version V`: the service version of the venue's state machines
 * is decided through the log. A rolling upgrade first replaces every member's build (one at a time:
 * `venue cluster step-down` if it leads, stop it, start the new build, wait until it caught up),
 * then activates the new version with one log entry, so every replica switches behaviour at the
 * same position. `activate` refuses while any member runs a build that cannot run the version (that
 * member would stop at the entry rather than diverge).
 */
import {
  decodeServiceControlResponse,
  defaultServiceHostConfig,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
  type ServiceHostConfig,
} from '@venue/consensus';
import { ClusterClient, clusterStatus } from '@venue/consensus/runtime';
import { memberAddresses } from '../cluster/cluster-command.js';
import type { VenueConfig } from '../config/config.js';

/**
 * The highest service version this build of the venue's services runs. Version 2 added the trading
 * schedules (auctions, phases) and the account orders query: below it, matching answers those
 * commands as a build without them did (see `newCommandsFromVersion`).
 */
export const VENUE_SERVICE_VERSION_MAX = 2;
/**
 * Overrides VENUE_SERVICE_VERSION_MAX for a member: rehearsing an upgrade with one binary (a test or
 * a staging run "pretends" to be the newer build). Never set in production.
 */
export const SERVICE_VERSION_MAX_ENV = 'VENUE_SERVICE_VERSION_MAX';
/** The principal allowed to send service-control requests through the log. */
export const ADMIN_PRINCIPAL = 'venue-admin';

export function serviceVersionMax(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SERVICE_VERSION_MAX_ENV];
  if (raw === undefined || raw === '') return VENUE_SERVICE_VERSION_MAX;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${SERVICE_VERSION_MAX_ENV} must be a positive integer, got '${raw}'`);
  return n;
}

/** The service host configuration of this build (members, replay, shadow, single-process mode). */
export function venueHostConfig(env: NodeJS.ProcessEnv = process.env): ServiceHostConfig {
  return {
    ...defaultServiceHostConfig,
    serviceVersionMax: serviceVersionMax(env),
    controlPrincipals: [ADMIN_PRINCIPAL],
  };
}

interface VersionStatus {
  serviceVersion: number | null;
  serviceVersionSince: number;
  serviceVersionMax: number;
}

export async function runUpgradeCommand(
  config: VenueConfig,
  sub: string | undefined,
  version: number | undefined,
): Promise<{ exitCode: number; output: string }> {
  const members = memberAddresses(config);
  const rows = await clusterStatus(members);
  const lines = rows.map((r) => {
    const s = r.status as unknown as VersionStatus | null;
    return s === null
      ? `node ${r.member.id}: unreachable`
      : `node ${r.member.id}: service version ${s.serviceVersion ?? '?'} (since log position ${s.serviceVersionSince}), build runs 1..${s.serviceVersionMax}`;
  });
  if (sub === 'status') return { exitCode: 0, output: `${lines.join('\n')}\n` };
  if (sub !== 'activate')
    return {
      exitCode: 2,
      output: `venue upgrade needs a subcommand: status or activate --version V (got '${sub ?? ''}')\n`,
    };
  if (version === undefined)
    return { exitCode: 2, output: 'venue upgrade activate needs --version V (a positive integer)\n' };
  const blockers: string[] = [];
  for (const r of rows) {
    const s = r.status as unknown as VersionStatus | null;
    if (s === null)
      blockers.push(`node ${r.member.id} is unreachable (every member must run a build that supports it)`);
    else if (s.serviceVersionMax < version)
      blockers.push(
        `node ${r.member.id} runs a build that supports service versions up to ${s.serviceVersionMax}: replace it first ` +
          `(venue cluster step-down if it leads, stop it, start the new build, wait until it caught up)`,
      );
  }
  if (blockers.length > 0)
    return { exitCode: 1, output: `${lines.join('\n')}\nrefused: ${blockers.join('; ')}\n` };
  const client = await ClusterClient.connect({
    members: members.map((m) => `${m.host}:${m.clientPort}`),
    principal: ADMIN_PRINCIPAL,
    failoverTimeoutMs: 10_000,
  });
  try {
    const r = await client.request(encodeActivateServiceVersion(version), SERVICE_CONTROL_INDEX);
    const reply = r.replies[0];
    if (reply === undefined) return { exitCode: 1, output: `no answer recorded (status ${r.status})\n` };
    const o = decodeServiceControlResponse(reply);
    return o.accepted
      ? { exitCode: 0, output: `activated: ${o.detail}\n` }
      : {
          exitCode: 1,
          output: `refused by the cluster: ${o.detail} (active: version ${o.serviceVersion})\n`,
        };
  } finally {
    await client.close();
  }
}
