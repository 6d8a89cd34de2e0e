import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@venue/consensus/runtime';
import type { VenueConfig } from '../config/config.js';
import { memberAdminToken } from '../config/security.js';
import { createProcessLogger, runtimeLogger } from '../logging/logger.js';
import { secretsOf } from '../logging/secrets.js';
import { showRecoveryProgress } from '../progress/recovery-progress.js';
import { venueHostConfig } from '../upgrade/upgrade-command.js';
import { memberAddresses } from './cluster-command.js';
import { MD_HOST_ENV, MD_PORT_ENV, MEMBER_ID_ENV } from './services-module.js';

const SERVICES_MODULE = fileURLToPath(new URL('./services-module.js', import.meta.url));

/**
 * `venue node --id N`: runs one cluster member with the venue's services (matching, then market
 * data) on its service thread, its market-data WebSocket, and its admin HTTP (/status, /metrics).
 */
export async function runMember(
  config: VenueConfig,
  id: number,
  options: { readonly rejoin?: boolean } = {},
): Promise<void> {
  const self = config.cluster.members.find((m) => m.id === id);
  if (self === undefined) {
    throw new Error(
      `no member ${id} in the configuration (members: ${config.cluster.members.map((m) => m.id).join(', ')})`,
    );
  }
  process.env[MD_PORT_ENV] = String(self.mdPort);
  process.env[MD_HOST_ENV] = self.host;
  process.env[MEMBER_ID_ENV] = String(id);
  const logger = createProcessLogger({ process: 'node', nodeId: id, secrets: secretsOf(config) });
  const node = await runNode({
    id,
    members: memberAddresses(config),
    ...(self.peerListenPort === undefined ? {} : { peerListenPort: self.peerListenPort }),
    dataDir: join(resolve(config.dataDir), `node-${id}`),
    ...(options.rejoin === true ? { rejoin: true } : {}),
    serviceModule: SERVICES_MODULE,
    durability: config.cluster.durability,
    // The service version is decided through the log; this build runs up to serviceVersionMax().
    host: venueHostConfig(),
    snapshotEveryEntries: config.cluster.snapshotEveryEntries,
    adminToken: memberAdminToken(config),
    raft: {
      electionTimeoutMs: config.cluster.electionTimeoutMs,
      heartbeatIntervalMs: config.cluster.heartbeatIntervalMs,
    },
    logger: runtimeLogger(logger),
  });
  // On a terminal: how far the re-application of the log since the snapshot has come.
  showRecoveryProgress(node, process.stderr).catch(() => {}); // a bar is never worth a crash
}
