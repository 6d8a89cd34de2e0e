import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type MemberConfig, type VenueConfig } from '../src/config/config.js';
import type { MemberArgs } from '../src/start.js';

// Members run the built CLI (the test command builds it with `tsc -b` before vitest).
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * A free loopback port below the kernel's ephemeral range (32768+ on Linux): a port picked there can
 * be taken by an outgoing connection (members dial each other) before the member binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port found in 20000..31999 after 50 attempts');
}

/** Three members on free loopback ports. */
export async function freeMembers(): Promise<MemberConfig[]> {
  const members: MemberConfig[] = [];
  for (const id of [1, 2, 3]) {
    members.push({
      id,
      host: '127.0.0.1',
      peerPort: await freePort(),
      clientPort: await freePort(),
      adminPort: await freePort(),
      mdPort: await freePort(),
    });
  }
  return members;
}

/** A test venue: free HTTP and FIX ports, no bots, data in `dataDir`, optionally these members. */
export function testConfig(
  dataDir: string,
  members?: readonly MemberConfig[],
  durability: 'fsync' | 'none' = 'fsync',
): VenueConfig {
  return {
    ...DEFAULT_CONFIG,
    httpPort: 0,
    fixTcpPort: 0,
    dataDir,
    bots: { enabled: false, ratePerSecond: 0 },
    cluster: { ...DEFAULT_CONFIG.cluster, members: members ?? DEFAULT_CONFIG.cluster.members, durability },
  };
}

/** Writes the members' config file and returns how `startCluster` launches each member with it. */
export function memberLauncher(
  dataDir: string,
  members: readonly MemberConfig[],
  durability: 'fsync' | 'none' = 'fsync',
): { configFile: string; memberArgs: MemberArgs } {
  const configFile = join(dataDir, 'venue.json');
  writeFileSync(configFile, JSON.stringify({ cluster: { members, durability } }));
  return {
    configFile,
    memberArgs: (id) => [MAIN_JS, 'node', '--id', String(id), '--config', configFile, '--data', dataDir],
  };
}

/** FIX NewOrderSingle fields of a ZVZZT limit order (GTC): the quiet test symbol, never traded by the bots. */
export const zvzztLimitOrder = (clOrdId: string, side: 1 | 2, qty: string, price: string) =>
  [
    [11, clOrdId],
    [55, 'ZVZZT'],
    [54, side],
    [38, qty],
    [40, 2],
    [44, price],
    [59, 1],
    [60, '20261126-12:00:00.000'],
  ] as const;
