/**
 * The `security` block of the venue config: FIX logon guard and connection limits (passed to the
 * gateway), the open-orders limit per account (a matching risk limit, applied through the log) and
 * the admin token of the members' admin HTTP (POST /snapshot, /step-down) and of the web admin API.
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
  /** Bearer token for admin actions; env VENUE_ADMIN_TOKEN. Production: required, >= 24 characters. */
  readonly adminToken: string;
}

/** The demo's admin token (like the demo passwords: public, for a laptop). */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';
export const ADMIN_TOKEN_MIN_CHARS_PRODUCTION = 24;

export const DEFAULT_SECURITY: VenueSecurityConfig = {
  fixConnectionsMax: 10_000,
  fixConnectionsPerAddressMax: 256,
  logonFailuresFreePerLogin: 5,
  logonFailuresFreePerAddress: 20,
  logonLockBaseMs: 1_000,
  logonLockMaxMs: 60_000,
  maxOpenOrdersPerAccount: 10_000,
  adminToken: DEMO_ADMIN_TOKEN,
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

/**
 * Parses `security` (unknown keys and bad values throw an Error naming the key); `envToken` is
 * VENUE_ADMIN_TOKEN, which wins over the file. Production (`demo: false`) needs a real token.
 */
export function parseSecurity(
  raw: unknown,
  envToken: string | undefined,
  demo: boolean,
): VenueSecurityConfig {
  const o: Record<string, unknown> =
    raw === undefined
      ? {}
      : raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? (raw as Record<string, unknown>)
        : fail('security: expected an object');
  const known = new Set<string>([...INT_KEYS.map(([k]) => k), 'adminToken']);
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
  const token = envToken ?? o['adminToken'];
  if (token !== undefined) {
    if (typeof token !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(token)) {
      fail('security.adminToken: expected 1..256 printable ASCII characters without spaces');
    }
    out['adminToken'] = token;
  }
  const config = out as unknown as VenueSecurityConfig;
  if (config.logonLockMaxMs < config.logonLockBaseMs) {
    fail('security.logonLockMaxMs: must be >= security.logonLockBaseMs');
  }
  if (
    !demo &&
    (config.adminToken === DEMO_ADMIN_TOKEN || config.adminToken.length < ADMIN_TOKEN_MIN_CHARS_PRODUCTION)
  ) {
    fail(
      `security.adminToken: production (demo: false) needs its own token of at least ${ADMIN_TOKEN_MIN_CHARS_PRODUCTION} characters (or VENUE_ADMIN_TOKEN)`,
    );
  }
  return config;
}

function fail(text: string): never {
  throw new Error(text);
}
