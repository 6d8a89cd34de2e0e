import { randomBytes } from 'node:crypto';

/**
 * The `security` block of the venue config: FIX logon guard and connection limits (passed to the
 * gateway) and the open-orders limit per account (a matching risk limit, applied through the log).
 * The admin token is the top-level `adminToken` key (see `adminTokenOf`).
 */
export interface VenueSecurityConfig {
  /** FIX connections per gateway process (TCP and WebSocket together). */
  readonly fixConnectionsMax: number;
  /** FIX connections from one remote address. */
  readonly fixConnectionsPerAddressMax: number;
  /** Failed FIX logons per login before it is locked (the lock then doubles per failure). */
  readonly logonFailuresFreePerLogin: number;
  /** Failed FIX logons (any login) per remote address before the address is locked. */
  readonly logonFailuresFreePerAddress: number;
  readonly logonLockBaseMs: number;
  readonly logonLockMaxMs: number;
  /** Open orders per account (matching rejects more with "risk: too many open orders"); 0 = no limit. */
  readonly maxOpenOrdersPerAccount: number;
}

/** The demo's admin token when none is configured (like the demo passwords: public, for a laptop). */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

/**
 * The admin token in force: the configured `adminToken` (env VENUE_ADMIN_TOKEN), else in demo mode
 * the public demo token, else (production without one) none: admin actions are then refused.
 */
export function adminTokenOf(config: {
  readonly demo: boolean;
  readonly adminToken: string | undefined;
}): string | undefined {
  return config.adminToken ?? (config.demo ? DEMO_ADMIN_TOKEN : undefined);
}

/**
 * What a member requires on its admin actions and backup reads: the token in force, or in
 * production without one a random token nobody knows (the actions stay locked, not open).
 */
export function memberAdminToken(config: {
  readonly demo: boolean;
  readonly adminToken: string | undefined;
}): string {
  return adminTokenOf(config) ?? randomBytes(32).toString('hex');
}

export const DEFAULT_SECURITY: VenueSecurityConfig = {
  fixConnectionsMax: 10_000,
  fixConnectionsPerAddressMax: 256,
  logonFailuresFreePerLogin: 5,
  logonFailuresFreePerAddress: 20,
  logonLockBaseMs: 1_000,
  logonLockMaxMs: 60_000,
  maxOpenOrdersPerAccount: 10_000,
};

const INT_KEYS: ReadonlyArray<readonly [keyof VenueSecurityConfig, number, number]> = [
  ['fixConnectionsMax', 1, 1_000_000],
  ['fixConnectionsPerAddressMax', 0, 1_000_000],
  ['logonFailuresFreePerLogin', 0, 1_000_000],
  ['logonFailuresFreePerAddress', 0, 1_000_000],
  ['logonLockBaseMs', 1, 86_400_000],
  ['logonLockMaxMs', 1, 86_400_000],
  ['maxOpenOrdersPerAccount', 0, 1_000_000_000],
];

/** Parses `security` (unknown keys and bad values throw an Error naming the key). */
export function parseSecurity(raw: unknown): VenueSecurityConfig {
  const o: Record<string, unknown> =
    raw === undefined
      ? {}
      : raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? (raw as Record<string, unknown>)
        : fail('security: expected an object');
  const known = new Set<string>(INT_KEYS.map(([k]) => k));
  for (const k of Object.keys(o)) {
    if (!known.has(k)) fail(`unknown config key 'security.${k}' (known: ${[...known].join(', ')})`);
  }
  const out: Record<string, unknown> = { ...DEFAULT_SECURITY };
  for (const [k, min, max] of INT_KEYS) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(`security.${k}: expected an integer ${min}..${max}, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  const config = out as unknown as VenueSecurityConfig;
  if (config.logonLockMaxMs < config.logonLockBaseMs) {
    fail('security.logonLockMaxMs: must be >= security.logonLockBaseMs');
  }
  return config;
}

function fail(text: string): never {
  throw new Error(text);
}
