import { defaultRaftTuning } from '@venue/consensus';
import { type TradingSpec, tradingScheduleCommand } from '@venue/matching';
import { applyEnv, blameEnv } from './env.js';
import { ConfigError, type Json, type JsonObject, readConfigFile } from './file.js';
import { ALWAYS_OPEN_FIX_SCHEDULE, type FixScheduleConfig, parseFixSchedule } from './fix-schedule.js';

export { ConfigError } from './file.js';

import { DEFAULT_SECURITY, parseSecurity, type VenueSecurityConfig } from './security.js';

/** One instrument of the genesis reference data, in human units (decimal strings). */
export interface InstrumentConfig {
  readonly instrumentId: number;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly refPrice: string;
  readonly bandPercent: string;
  readonly description: string;
  readonly currency: string;
  /** Trading phases (UTC schedule, volatility interruption); absent: continuous all day. */
  readonly trading?: TradingSpec;
}

/** One trading login: FIX Username(553) = SenderCompID, its password and venue account id. */
export interface AccountConfig {
  readonly login: string;
  readonly password: string;
  readonly accountId: number;
  readonly admin: boolean;
  readonly cancelOnDisconnect: boolean;
  /** 'dropcopy': read-only FIX session receiving copies of `entitledAccounts`' ExecutionReports. */
  readonly role?: 'trading' | 'dropcopy';
  /** Drop copy only: logins of the accounts it sees (`*` = all). */
  readonly entitledAccounts?: readonly string[];
}

/** One cluster member: its Raft, client, admin HTTP and market-data ports. */
export interface MemberConfig {
  readonly id: number;
  readonly host: string;
  readonly peerPort: number;
  /** Where the member listens for peers if not on `peerPort` (which peers dial), e.g. behind a proxy. */
  readonly peerListenPort?: number;
  readonly clientPort: number;
  readonly adminPort: number;
  readonly mdPort: number;
}

export interface ClusterConfig {
  /** `cluster`: replicated members as separate processes; `single`: one process, no replication. */
  readonly mode: 'cluster' | 'single';
  readonly members: readonly MemberConfig[];
  /** `fsync` (an entry counts once fsynced) or `none` (benchmarks only). */
  readonly durability: 'fsync' | 'none';
  readonly snapshotEveryEntries: number;
  /** Raft: a follower that hears no leader for [T, 2T) starts an election. */
  readonly electionTimeoutMs: number;
  /** Raft: the leader's heartbeat period (at most half the election timeout). */
  readonly heartbeatIntervalMs: number;
}

export interface VenueConfig {
  /** Demo mode: demo logins, bots, the cluster panel's Kill/Restart buttons. */
  readonly demo: boolean;
  readonly host: string;
  /** Web UI, FIX over WebSocket (`/fix`), market data (`/md`), REST (`/api`). */
  readonly httpPort: number;
  readonly fixTcpPort: number;
  readonly targetCompId: string;
  /** FIX messages a session may send per second before the gateway rejects (Text names the limit). */
  readonly fixThrottleMsgsPerSec: number;
  readonly dataDir: string;
  readonly bots: { readonly enabled: boolean; readonly ratePerSecond: number };
  readonly cluster: ClusterConfig;
  readonly instruments: readonly InstrumentConfig[];
  readonly accounts: readonly AccountConfig[];
  /** Operator secret for admin actions (kill/restart/snapshot/step-down); undefined = none set. */
  readonly adminToken: string | undefined;
  /** Logon guard, connection and open-order limits (`src/config/security.ts`). */
  readonly security: VenueSecurityConfig;
  /** FIX trading-session schedules in UTC (`fixSchedule`); the demo default is always open. */
  readonly fixSchedule: FixScheduleConfig;
}

export const DEMO_INSTRUMENTS: readonly InstrumentConfig[] = [
  {
    instrumentId: 1,
    symbol: 'BTC-USD',
    tickSize: '0.01',
    lotSize: '0.0001',
    minQty: '0.0001',
    maxQty: '100',
    refPrice: '60000.00',
    bandPercent: '10',
    description: 'Bitcoin / US dollar',
    currency: 'USD',
  },
  {
    instrumentId: 2,
    symbol: 'ETH-USD',
    tickSize: '0.01',
    lotSize: '0.001',
    minQty: '0.001',
    maxQty: '1000',
    refPrice: '3000.00',
    bandPercent: '10',
    description: 'Ether / US dollar',
    currency: 'USD',
  },
  {
    instrumentId: 3,
    symbol: 'ACME',
    tickSize: '0.01',
    lotSize: '1',
    minQty: '1',
    maxQty: '1000000',
    refPrice: '50.00',
    bandPercent: '10',
    description: 'ACME Corp. common stock (equity-like)',
    currency: 'USD',
  },
  {
    instrumentId: 4,
    symbol: 'ZVZZT',
    tickSize: '0.01',
    lotSize: '1',
    minQty: '1',
    maxQty: '1000000',
    refPrice: '100.00',
    bandPercent: '10',
    description: 'Quiet test symbol: never traded by the bots',
    currency: 'USD',
  },
];

export const DEMO_ACCOUNTS: readonly AccountConfig[] = [
  ...[1, 2, 3, 4].map((n) => ({
    login: `CLIENT${n}`,
    password: 'demo',
    accountId: n,
    admin: false,
    cancelOnDisconnect: false,
  })),
  { login: 'BOTMM', password: 'demo-bot', accountId: 90, admin: false, cancelOnDisconnect: true },
  { login: 'BOTTAKER', password: 'demo-bot', accountId: 91, admin: false, cancelOnDisconnect: true },
  { login: 'ADMIN', password: 'admin', accountId: 99, admin: true, cancelOnDisconnect: false },
  {
    login: 'DROPCOPY',
    password: 'demo',
    accountId: 98,
    admin: false,
    cancelOnDisconnect: false,
    role: 'dropcopy',
    entitledAccounts: ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'],
  },
];

/** Member N: Raft 9100+N, client 9120+N, admin HTTP 8100+N, market data 8110+N. */
export const DEMO_MEMBERS: readonly MemberConfig[] = [1, 2, 3].map((id) => ({
  id,
  host: '127.0.0.1',
  peerPort: 9100 + id,
  clientPort: 9120 + id,
  adminPort: 8100 + id,
  mdPort: 8110 + id,
}));

export const DEFAULT_CONFIG: VenueConfig = {
  demo: true,
  host: '127.0.0.1',
  httpPort: 8080,
  fixTcpPort: 9878,
  targetCompId: 'VENUE',
  fixThrottleMsgsPerSec: 200,
  dataDir: './data',
  bots: { enabled: true, ratePerSecond: 5 },
  cluster: {
    mode: 'cluster',
    members: DEMO_MEMBERS,
    durability: 'fsync',
    snapshotEveryEntries: 50_000,
    electionTimeoutMs: defaultRaftTuning.electionTimeoutMs,
    heartbeatIntervalMs: defaultRaftTuning.heartbeatIntervalMs,
  },
  instruments: DEMO_INSTRUMENTS,
  accounts: DEMO_ACCOUNTS,
  adminToken: undefined,
  security: DEFAULT_SECURITY,
  fixSchedule: ALWAYS_OPEN_FIX_SCHEDULE,
};

/**
 * Builds the config: defaults, then the file (JSON, or TOML if it ends in .toml), then environment
 * variables (`ENV_OVERRIDES` in env.ts: every key has a VENUE_* override), then CLI overrides. Every
 * value is validated; the first problem throws a ConfigError naming the key (and the variable).
 */
export function loadConfig(options: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: Partial<Record<'host' | 'httpPort' | 'fixTcpPort' | 'dataDir' | 'bots' | 'mode', string>>;
}): VenueConfig {
  // VENUE_CONFIG names the file when no --config is given (e.g. in a service unit).
  const path = options.file ?? options.env?.['VENUE_CONFIG'];
  const file: JsonObject = path === undefined || path === '' ? {} : readConfigFile(path);
  const known = new Set([
    'demo',
    'host',
    'httpPort',
    'fixTcpPort',
    'targetCompId',
    'fixThrottleMsgsPerSec',
    'dataDir',
    'bots',
    'cluster',
    'instruments',
    'accounts',
    'adminToken',
    'security',
    'fixSchedule',
  ]);
  for (const key of Object.keys(file)) {
    if (!known.has(key))
      throw new ConfigError(`unknown config key '${key}' (known: ${[...known].join(', ')})`);
  }
  const { raw, sources } = applyEnv(file, options.env ?? {});
  try {
    return validate(raw, options.overrides ?? {});
  } catch (e) {
    throw e instanceof ConfigError ? blameEnv(e, sources) : e;
  }
}

function validate(
  raw: JsonObject,
  o: NonNullable<Parameters<typeof loadConfig>[0]['overrides']>,
): VenueConfig {
  const pick = (key: string, override: string | undefined): Json | undefined => override ?? raw[key];

  const demo = bool('demo', raw['demo'] ?? DEFAULT_CONFIG.demo);
  const botsRaw = raw['bots'];
  let bots = DEFAULT_CONFIG.bots;
  if (botsRaw !== undefined) {
    const b = object('bots', botsRaw);
    bots = {
      enabled: bool('bots.enabled', b['enabled'] ?? bots.enabled),
      ratePerSecond: int('bots.ratePerSecond', b['ratePerSecond'] ?? bots.ratePerSecond, 0, 10_000),
    };
  }
  if (o.bots !== undefined) bots = { ...bots, enabled: bool('bots', o.bots) };

  const config: VenueConfig = {
    demo,
    host: str('host', pick('host', o.host) ?? DEFAULT_CONFIG.host),
    httpPort: int('httpPort', pick('httpPort', o.httpPort) ?? DEFAULT_CONFIG.httpPort, 0, 65535),
    fixTcpPort: int('fixTcpPort', pick('fixTcpPort', o.fixTcpPort) ?? DEFAULT_CONFIG.fixTcpPort, 0, 65535),
    targetCompId: str('targetCompId', raw['targetCompId'] ?? DEFAULT_CONFIG.targetCompId),
    fixThrottleMsgsPerSec: int(
      'fixThrottleMsgsPerSec',
      raw['fixThrottleMsgsPerSec'] ?? DEFAULT_CONFIG.fixThrottleMsgsPerSec,
      1,
      1_000_000,
    ),
    dataDir: str('dataDir', pick('dataDir', o.dataDir) ?? DEFAULT_CONFIG.dataDir),
    bots: demo ? bots : { ...bots, enabled: false },
    cluster: cluster(raw['cluster'], o.mode),
    instruments:
      raw['instruments'] === undefined ? DEFAULT_CONFIG.instruments : instruments(raw['instruments']),
    accounts: raw['accounts'] === undefined ? DEFAULT_CONFIG.accounts : accounts(raw['accounts']),
    security: DEFAULT_CONFIG.security,
    adminToken: raw['adminToken'] === undefined ? undefined : adminToken(raw['adminToken']),
    fixSchedule: fixSchedule(raw['fixSchedule']),
  };
  if (!demo) {
    for (const a of config.accounts) {
      if (a.password.length < 12) {
        throw new ConfigError(
          `accounts[${a.login}].password: production (demo: false) needs at least 12 characters`,
        );
      }
    }
  }
  return { ...config, security: security(raw['security']) };
}

function security(v: Json | undefined): VenueSecurityConfig {
  try {
    return parseSecurity(v);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function fixSchedule(v: Json | undefined): FixScheduleConfig {
  try {
    return parseFixSchedule(v);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function str(key: string, v: Json): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`${key}: expected a non-empty string`);
  return v;
}

function bool(key: string, v: Json): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`${key}: expected true or false, got ${JSON.stringify(v)}`);
}

function int(key: string, v: Json, min: number, max: number): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key}: expected an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function object(key: string, v: Json): { [k: string]: Json } {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ConfigError(`${key}: expected an object`);
  return v;
}

const DECIMAL = /^\d+(\.\d+)?$/;

function decimal(key: string, v: Json): string {
  if (typeof v !== 'string' || !DECIMAL.test(v)) {
    throw new ConfigError(`${key}: expected a decimal string like "0.01", got ${JSON.stringify(v)}`);
  }
  return v;
}

function instruments(v: Json): InstrumentConfig[] {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError('instruments: expected a non-empty array');
  const ids = new Set<number>();
  const symbols = new Set<string>();
  return v.map((item, i) => {
    const o = object(`instruments[${i}]`, item);
    const k = (name: string) => `instruments[${i}].${name}`;
    const inst: InstrumentConfig = {
      instrumentId: int(k('instrumentId'), o['instrumentId'] ?? null, 1, 65_535),
      symbol: str(k('symbol'), o['symbol'] ?? null),
      tickSize: decimal(k('tickSize'), o['tickSize'] ?? null),
      lotSize: decimal(k('lotSize'), o['lotSize'] ?? null),
      minQty: decimal(k('minQty'), o['minQty'] ?? null),
      maxQty: decimal(k('maxQty'), o['maxQty'] ?? null),
      refPrice: decimal(k('refPrice'), o['refPrice'] ?? null),
      bandPercent: decimal(k('bandPercent'), o['bandPercent'] ?? null),
      description: typeof o['description'] === 'string' ? o['description'] : '',
      currency: typeof o['currency'] === 'string' ? o['currency'] : 'USD',
      ...(o['trading'] === undefined ? {} : { trading: trading(k('trading'), o['trading'] ?? null) }),
    };
    if (ids.has(inst.instrumentId))
      throw new ConfigError(`${k('instrumentId')}: duplicate ${inst.instrumentId}`);
    if (symbols.has(inst.symbol)) throw new ConfigError(`${k('symbol')}: duplicate ${inst.symbol}`);
    ids.add(inst.instrumentId);
    symbols.add(inst.symbol);
    return inst;
  });
}

/** Trading rules as in `TradingSpec`; validated by building the command matching will get. */
function trading(key: string, v: Json): TradingSpec {
  const spec = object(key, v) as unknown as TradingSpec;
  try {
    tradingScheduleCommand(1, spec);
  } catch (err) {
    throw new ConfigError(`${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return spec;
}

function accounts(v: Json): AccountConfig[] {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError('accounts: expected a non-empty array');
  const logins = new Set<string>();
  const list = v.map((item, i) => {
    const o = object(`accounts[${i}]`, item);
    const k = (name: string) => `accounts[${i}].${name}`;
    const a: AccountConfig = {
      login: str(k('login'), o['login'] ?? null),
      password: str(k('password'), o['password'] ?? null),
      accountId: int(k('accountId'), o['accountId'] ?? null, 1, 2 ** 31 - 1),
      admin: bool(k('admin'), o['admin'] ?? false),
      cancelOnDisconnect: bool(k('cancelOnDisconnect'), o['cancelOnDisconnect'] ?? false),
      ...dropCopyFields(k, o),
    };
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(a.login))
      throw new ConfigError(`${k('login')}: letters, digits, _ . - (1..32)`);
    if (logins.has(a.login)) throw new ConfigError(`${k('login')}: duplicate ${a.login}`);
    logins.add(a.login);
    return a;
  });
  for (const [i, a] of list.entries()) {
    for (const e of a.entitledAccounts ?? []) {
      if (e !== '*' && (!logins.has(e) || list.some((b) => b.login === e && b.role === 'dropcopy')))
        throw new ConfigError(`accounts[${i}].entitledAccounts: ${e} is not a trading login of this config`);
    }
  }
  return list;
}

/** `role` and `entitledAccounts` of one account (drop copy); entitlements are checked against logins later. */
function dropCopyFields(
  k: (name: string) => string,
  o: { [k: string]: Json },
): Pick<AccountConfig, 'role' | 'entitledAccounts'> {
  const role = o['role'];
  if (role === undefined || role === 'trading') {
    if (o['entitledAccounts'] !== undefined)
      throw new ConfigError(`${k('entitledAccounts')}: only for role "dropcopy"`);
    return role === undefined ? {} : { role };
  }
  if (role !== 'dropcopy')
    throw new ConfigError(`${k('role')}: expected "trading" or "dropcopy", got ${JSON.stringify(role)}`);
  const list = o['entitledAccounts'];
  if (!Array.isArray(list) || list.length === 0)
    throw new ConfigError(
      `${k('entitledAccounts')}: a drop-copy login needs a non-empty array of logins (or ["*"])`,
    );
  return { role, entitledAccounts: list.map((v, j) => str(`${k('entitledAccounts')}[${j}]`, v)) };
}

function cluster(v: Json | undefined, mode: string | undefined): ClusterConfig {
  const d = DEFAULT_CONFIG.cluster;
  const o = v === undefined ? {} : object('cluster', v);
  knownKeys('cluster', o, [
    'mode',
    'members',
    'durability',
    'snapshotEveryEntries',
    'electionTimeoutMs',
    'heartbeatIntervalMs',
  ]);
  const modeValue = mode ?? o['mode'] ?? d.mode;
  if (modeValue !== 'cluster' && modeValue !== 'single') {
    throw new ConfigError(`cluster.mode: expected "cluster" or "single", got ${JSON.stringify(modeValue)}`);
  }
  const durability = o['durability'] ?? d.durability;
  if (durability !== 'fsync' && durability !== 'none') {
    throw new ConfigError(
      `cluster.durability: expected "fsync" or "none", got ${JSON.stringify(durability)}`,
    );
  }
  let members = d.members;
  if (o['members'] !== undefined) {
    const list = o['members'];
    if (!Array.isArray(list) || list.length === 0 || list.length % 2 === 0) {
      throw new ConfigError('cluster.members: expected an odd number of members (1, 3, 5, ...)');
    }
    members = list.map((item, i) => {
      const m = object(`cluster.members[${i}]`, item);
      knownKeys(`cluster.members[${i}]`, m, [
        'id',
        'host',
        'peerPort',
        'clientPort',
        'adminPort',
        'mdPort',
        'peerListenPort',
      ]);
      const k = (name: string) => `cluster.members[${i}].${name}`;
      const id = int(k('id'), m['id'] ?? null, 1, 255);
      // Ports default to the demo convention of the id, so a multi-host list needs only id and host.
      return {
        id,
        host: str(k('host'), m['host'] ?? null),
        peerPort: int(k('peerPort'), m['peerPort'] ?? 9100 + id, 1, 65535),
        clientPort: int(k('clientPort'), m['clientPort'] ?? 9120 + id, 1, 65535),
        adminPort: int(k('adminPort'), m['adminPort'] ?? 8100 + id, 1, 65535),
        mdPort: int(k('mdPort'), m['mdPort'] ?? 8110 + id, 1, 65535),
        ...(m['peerListenPort'] === undefined
          ? {}
          : { peerListenPort: int(k('peerListenPort'), m['peerListenPort'], 1, 65535) }),
      };
    });
    if (new Set(members.map((m) => m.id)).size !== members.length) {
      throw new ConfigError('cluster.members: member ids must be unique');
    }
  }
  const heartbeatIntervalMs = int(
    'cluster.heartbeatIntervalMs',
    o['heartbeatIntervalMs'] ?? d.heartbeatIntervalMs,
    5,
    10_000,
  );
  const electionTimeoutMs = int(
    'cluster.electionTimeoutMs',
    o['electionTimeoutMs'] ?? d.electionTimeoutMs,
    50,
    60_000,
  );
  if (electionTimeoutMs < 2 * heartbeatIntervalMs) {
    throw new ConfigError(
      `cluster.electionTimeoutMs: expected at least 2 x cluster.heartbeatIntervalMs (${2 * heartbeatIntervalMs}), got ${electionTimeoutMs}`,
    );
  }
  return {
    mode: modeValue,
    members,
    durability,
    snapshotEveryEntries: int(
      'cluster.snapshotEveryEntries',
      o['snapshotEveryEntries'] ?? d.snapshotEveryEntries,
      0,
      1e9,
    ),
    electionTimeoutMs,
    heartbeatIntervalMs,
  };
}

function knownKeys(key: string, o: JsonObject, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ConfigError(`${key}: unknown key '${k}' (known: ${known.join(', ')})`);
  }
}

const ADMIN_TOKEN = /^[\x21-\x7e]{16,256}$/;

function adminToken(v: Json): string {
  if (typeof v !== 'string' || !ADMIN_TOKEN.test(v)) {
    // Never echo the value: it is a secret.
    throw new ConfigError('adminToken: expected 16..256 printable characters without spaces');
  }
  return v;
}
