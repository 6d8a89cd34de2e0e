import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig, type VenueConfig } from '../src/config/config.js';
import { ENV_OVERRIDES } from '../src/config/env.js';

const dir = mkdtempSync(join(tmpdir(), 'venue-config-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(name: string, content: string): string {
  files += 1;
  const path = join(dir, `${files}-${name}`);
  writeFileSync(path, content);
  return path;
}

const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

/** The value at a dotted key of the loaded config. */
function at(config: VenueConfig, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = (v as Record<string, unknown>)[part];
  return v;
}

const PRODUCTION_ACCOUNTS = JSON.stringify([
  { login: 'OPS', password: 'a-long-enough-password', accountId: 7, admin: true },
]);

/** A valid non-default text for every environment override, and the value it must give. */
const SAMPLES: Record<string, { text: string; value: unknown }> = {
  VENUE_DEMO: { text: 'false', value: false },
  VENUE_HOST: { text: '10.1.2.3', value: '10.1.2.3' },
  VENUE_HTTP_PORT: { text: '18080', value: 18080 },
  VENUE_FIX_PORT: { text: '19878', value: 19878 },
  VENUE_TARGET_COMP_ID: { text: 'EXCH', value: 'EXCH' },
  VENUE_FIX_THROTTLE: { text: '77', value: 77 },
  VENUE_DATA_DIR: { text: '/var/lib/venue', value: '/var/lib/venue' },
  VENUE_ADMIN_TOKEN: { text: 'x'.repeat(24), value: 'x'.repeat(24) },
  VENUE_BOTS: { text: 'false', value: false },
  VENUE_BOTS_RATE: { text: '42', value: 42 },
  VENUE_MODE: { text: 'single', value: 'single' },
  VENUE_MEMBERS: {
    text: '1=10.0.0.1,2=10.0.0.2:7001:7002:7003:7004,3=10.0.0.3',
    value: [
      { id: 1, host: '10.0.0.1', peerPort: 9101, clientPort: 9121, adminPort: 8101, mdPort: 8111 },
      { id: 2, host: '10.0.0.2', peerPort: 7001, clientPort: 7002, adminPort: 7003, mdPort: 7004 },
      { id: 3, host: '10.0.0.3', peerPort: 9103, clientPort: 9123, adminPort: 8103, mdPort: 8113 },
    ],
  },
  VENUE_DURABILITY: { text: 'none', value: 'none' },
  VENUE_SNAPSHOT_EVERY: { text: '1234', value: 1234 },
  VENUE_ELECTION_TIMEOUT_MS: { text: '1500', value: 1500 },
  VENUE_HEARTBEAT_INTERVAL_MS: { text: '120', value: 120 },
  VENUE_INSTRUMENTS: {
    text: JSON.stringify([
      {
        instrumentId: 9,
        symbol: 'XYZ',
        tickSize: '0.5',
        lotSize: '1',
        minQty: '1',
        maxQty: '10',
        refPrice: '10',
        bandPercent: '5',
      },
    ]),
    value: [
      {
        instrumentId: 9,
        symbol: 'XYZ',
        tickSize: '0.5',
        lotSize: '1',
        minQty: '1',
        maxQty: '10',
        refPrice: '10',
        bandPercent: '5',
        description: '',
        currency: 'USD',
      },
    ],
  },
  VENUE_FIX_SCHEDULE: {
    text: '{"startTime": "08:00:00", "endTime": "17:00:00"}',
    value: { default: { kind: 'daily', startSec: 28_800, endSec: 61_200 }, logins: {} },
  },
  VENUE_ACCOUNTS: {
    text: PRODUCTION_ACCOUNTS,
    value: [
      {
        login: 'OPS',
        password: 'a-long-enough-password',
        accountId: 7,
        admin: true,
        cancelOnDisconnect: false,
      },
    ],
  },
};

describe('venue configuration: every key, TOML, environment overrides', () => {
  it('every VENUE_* override sets its key (and only the table lists them)', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(ENV_OVERRIDES.map((o) => o.name).sort());
    for (const o of ENV_OVERRIDES) {
      const sample = SAMPLES[o.name];
      if (sample === undefined) throw new Error(`no sample for ${o.name}`);
      // Production needs long passwords: give it the production accounts.
      const env: NodeJS.ProcessEnv = { [o.name]: sample.text };
      if (o.name === 'VENUE_DEMO') env['VENUE_ACCOUNTS'] = PRODUCTION_ACCOUNTS;
      const c = loadConfig({ env });
      expect(at(c, o.key), o.name).toEqual(sample.value);
      expect(at(DEFAULT_CONFIG, o.key), `${o.name} must differ from the default`).not.toEqual(sample.value);
    }
  });

  it('names the key and the variable when an environment value is wrong', () => {
    expect(problem(() => loadConfig({ env: { VENUE_ELECTION_TIMEOUT_MS: 'soon' } }))).toBe(
      'cluster.electionTimeoutMs: expected an integer 50..60000, got "soon" (from VENUE_ELECTION_TIMEOUT_MS)',
    );
    expect(problem(() => loadConfig({ env: { VENUE_DURABILITY: 'maybe' } }))).toMatch(
      /^cluster\.durability: expected "fsync" or "none", got "maybe" \(from VENUE_DURABILITY\)$/,
    );
    expect(problem(() => loadConfig({ env: { VENUE_MEMBERS: '1=a,2' } }))).toMatch(
      /VENUE_MEMBERS \(cluster\.members\): '2' is not id=host/,
    );
    expect(problem(() => loadConfig({ env: { VENUE_MEMBERS: '1=a,2=b' } }))).toMatch(
      /cluster\.members: expected an odd number.*\(from VENUE_MEMBERS\)/,
    );
    expect(problem(() => loadConfig({ env: { VENUE_ACCOUNTS: '[{' } }))).toMatch(
      /VENUE_ACCOUNTS \(accounts\): expected a JSON array/,
    );
    expect(problem(() => loadConfig({ env: { VENUE_INSTRUMENTS: '[{"symbol": "X"}]' } }))).toMatch(
      /^instruments\[0\]\.instrumentId: expected an integer .* \(from VENUE_INSTRUMENTS\)$/,
    );
  });

  it('the environment overrides the file, options override the environment', () => {
    const f = file(
      'c.json',
      JSON.stringify({ cluster: { electionTimeoutMs: 900, heartbeatIntervalMs: 90 } }),
    );
    expect(loadConfig({ file: f }).cluster).toMatchObject({
      electionTimeoutMs: 900,
      heartbeatIntervalMs: 90,
    });
    expect(
      loadConfig({ file: f, env: { VENUE_ELECTION_TIMEOUT_MS: '2000' } }).cluster.electionTimeoutMs,
    ).toBe(2000);
    expect(loadConfig({ file: f, env: { VENUE_DATA_DIR: '/a' }, overrides: { dataDir: '/b' } }).dataDir).toBe(
      '/b',
    );
  });

  it('checks the timeouts against each other and names unknown nested keys', () => {
    expect(
      problem(() => loadConfig({ file: file('t.json', '{"cluster": {"electionTimeoutMs": 90}}') })),
    ).toBe('cluster.electionTimeoutMs: expected at least 2 x cluster.heartbeatIntervalMs (100), got 90');
    expect(
      problem(() =>
        loadConfig({
          file: file('t.json', '{"cluster": {"heartbeatIntervalMs": 200, "electionTimeoutMs": 300}}'),
        }),
      ),
    ).toMatch(
      /cluster\.electionTimeoutMs: expected at least 2 x cluster\.heartbeatIntervalMs \(400\), got 300/,
    );
    expect(
      problem(() => loadConfig({ file: file('t.json', '{"cluster": {"electionTimeout": 1}}') })),
    ).toMatch(/^cluster: unknown key 'electionTimeout' \(known: .*electionTimeoutMs/);
    expect(
      problem(() =>
        loadConfig({ file: file('t.json', '{"cluster": {"members": [{"id": 1, "host": "h", "port": 1}]}}') }),
      ),
    ).toMatch(/^cluster\.members\[0\]: unknown key 'port'/);
  });

  it('VENUE_CONFIG names the file when no --config is given', () => {
    const f = file('env.toml', 'httpPort = 8282\n');
    expect(loadConfig({ env: { VENUE_CONFIG: f } }).httpPort).toBe(8282);
    const other = file('other.json', '{"httpPort": 8383}');
    expect(loadConfig({ file: other, env: { VENUE_CONFIG: f } }).httpPort).toBe(8383);
    expect(problem(() => loadConfig({ env: { VENUE_CONFIG: '/nonexistent/venue.toml' } }))).toMatch(
      /^cannot read config file \/nonexistent\/venue\.toml/,
    );
  });

  it('members need only id and host: the ports follow the id', () => {
    const c = loadConfig({
      file: file('m.json', JSON.stringify({ cluster: { members: [{ id: 2, host: '10.9.0.2' }] } })),
    });
    expect(c.cluster.members).toEqual([
      { id: 2, host: '10.9.0.2', peerPort: 9102, clientPort: 9122, adminPort: 8102, mdPort: 8112 },
    ]);
  });

  it('an admin token must be long enough, and the error never shows it', () => {
    const msg = problem(() => loadConfig({ env: { VENUE_ADMIN_TOKEN: 'short secret' } }));
    expect(msg).toBe(
      'adminToken: expected 16..256 printable characters without spaces (from VENUE_ADMIN_TOKEN)',
    );
    expect(msg).not.toContain('short secret');
    expect(loadConfig({}).adminToken).toBeUndefined();
  });

  it('reads TOML: the same keys as JSON give the same config', () => {
    const json = {
      demo: true,
      httpPort: 8181,
      adminToken: 'tok-0123456789abcdef',
      bots: { enabled: false, ratePerSecond: 3 },
      cluster: {
        durability: 'none',
        snapshotEveryEntries: 1000,
        electionTimeoutMs: 600,
        heartbeatIntervalMs: 60,
        members: [
          { id: 1, host: '10.0.0.1' },
          { id: 2, host: '10.0.0.2' },
          { id: 3, host: '10.0.0.3', peerPort: 9999 },
        ],
      },
      accounts: [{ login: 'A1', password: 'pw', accountId: 1 }],
    };
    const toml = `
# venue.toml
demo = true
httpPort = 8181
adminToken = "tok-0123456789abcdef"

[bots]
enabled = false
ratePerSecond = 3

[cluster]
durability = "none"
snapshotEveryEntries = 1_000
electionTimeoutMs = 600
heartbeatIntervalMs = 60

[[cluster.members]]
id = 1
host = "10.0.0.1"

[[cluster.members]]
id = 2
host = "10.0.0.2"

[[cluster.members]]
id = 3
host = "10.0.0.3"
peerPort = 9999

[[accounts]]
login = "A1"
password = "pw"
accountId = 1
`;
    const fromToml = loadConfig({ file: file('venue.toml', toml) });
    expect(fromToml).toEqual(loadConfig({ file: file('venue.json', JSON.stringify(json)) }));
    expect(fromToml.cluster.members[2]).toMatchObject({ peerPort: 9999, clientPort: 9123 });
    expect(fromToml.cluster.electionTimeoutMs).toBe(600);
  });

  it('TOML errors name the line, and the key of a value no key takes', () => {
    expect(problem(() => loadConfig({ file: file('bad.toml', 'demo = true\nhttpPort = = 1\n') }))).toMatch(
      /is not valid TOML \(line 2, column \d+\)/,
    );
    expect(
      problem(() =>
        loadConfig({ file: file('date.toml', '[cluster]\nsnapshotEveryEntries = 2026-11-26\n') }),
      ),
    ).toMatch(/^cluster\.snapshotEveryEntries: no key takes a date/);
    expect(problem(() => loadConfig({ file: file('k.toml', 'httpPrt = 1\n') }))).toMatch(
      /unknown config key 'httpPrt'/,
    );
    expect(problem(() => loadConfig({ file: file('p.toml', 'httpPort = "x"\n') }))).toBe(
      'httpPort: expected an integer 0..65535, got "x"',
    );
  });
});
