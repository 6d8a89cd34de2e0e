import { ConfigError, type Json, type JsonObject } from './file.js';

/** How an environment variable's text becomes a config value. */
type EnvKind = 'scalar' | 'members' | 'json-array' | 'json-or-text';

/**
 * Every environment override: VENUE_* names the config key it replaces. Scalars are validated like
 * the file's values (so "8080" and 8080 are the same); lists are JSON text, members a short spec.
 */
export const ENV_OVERRIDES: readonly {
  readonly name: string;
  readonly key: string;
  readonly kind: EnvKind;
}[] = [
  { name: 'VENUE_DEMO', key: 'demo', kind: 'scalar' },
  { name: 'VENUE_HOST', key: 'host', kind: 'scalar' },
  { name: 'VENUE_HTTP_PORT', key: 'httpPort', kind: 'scalar' },
  { name: 'VENUE_FIX_PORT', key: 'fixTcpPort', kind: 'scalar' },
  { name: 'VENUE_TARGET_COMP_ID', key: 'targetCompId', kind: 'scalar' },
  { name: 'VENUE_FIX_THROTTLE', key: 'fixThrottleMsgsPerSec', kind: 'scalar' },
  { name: 'VENUE_DATA_DIR', key: 'dataDir', kind: 'scalar' },
  { name: 'VENUE_ADMIN_TOKEN', key: 'adminToken', kind: 'scalar' },
  { name: 'VENUE_BOTS', key: 'bots.enabled', kind: 'scalar' },
  { name: 'VENUE_BOTS_RATE', key: 'bots.ratePerSecond', kind: 'scalar' },
  { name: 'VENUE_MODE', key: 'cluster.mode', kind: 'scalar' },
  { name: 'VENUE_MEMBERS', key: 'cluster.members', kind: 'members' },
  { name: 'VENUE_DURABILITY', key: 'cluster.durability', kind: 'scalar' },
  { name: 'VENUE_SNAPSHOT_EVERY', key: 'cluster.snapshotEveryEntries', kind: 'scalar' },
  { name: 'VENUE_ELECTION_TIMEOUT_MS', key: 'cluster.electionTimeoutMs', kind: 'scalar' },
  { name: 'VENUE_HEARTBEAT_INTERVAL_MS', key: 'cluster.heartbeatIntervalMs', kind: 'scalar' },
  { name: 'VENUE_INSTRUMENTS', key: 'instruments', kind: 'json-array' },
  { name: 'VENUE_ACCOUNTS', key: 'accounts', kind: 'json-array' },
  // JSON such as {"startTime":"08:00:00","endTime":"17:00:00"}, or the word always.
  { name: 'VENUE_FIX_SCHEDULE', key: 'fixSchedule', kind: 'json-or-text' },
];

/**
 * Returns a copy of the file's object with the environment's values put in place. The result maps
 * each key set from the environment to its variable, so an error can name both.
 */
export function applyEnv(
  raw: JsonObject,
  env: NodeJS.ProcessEnv,
): { raw: JsonObject; sources: Map<string, string> } {
  const out = structuredClone(raw);
  const sources = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const text = env[o.name];
    if (text === undefined) continue;
    let value: Json;
    if (o.kind === 'members') value = parseMembersSpec(o.name, text);
    else if (o.kind === 'json-array') {
      try {
        value = JSON.parse(text) as Json;
      } catch (e) {
        throw new ConfigError(`${o.name} (${o.key}): expected a JSON array: ${(e as Error).message}`);
      }
    } else if (o.kind === 'json-or-text') {
      try {
        value = JSON.parse(text) as Json;
      } catch {
        value = text; // not JSON: the validator reports what it expected
      }
    } else value = text;
    const path = o.key.split('.');
    let target = out;
    for (const part of path.slice(0, -1)) {
      const next = target[part];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
        const created: JsonObject = {};
        // A non-object here is reported by the validator; the environment wins either way.
        target[part] = created;
        target = created;
      } else target = next;
    }
    target[path[path.length - 1] as string] = value;
    sources.set(o.key, o.name);
  }
  return { raw: out, sources };
}

/** Adds "(from VENUE_X)" to an error about a key the environment set. */
export function blameEnv(e: ConfigError, sources: ReadonlyMap<string, string>): ConfigError {
  let best = '';
  for (const key of sources.keys()) {
    if ((e.message.startsWith(`${key}:`) || e.message.startsWith(`${key}[`)) && key.length > best.length)
      best = key;
  }
  return best === '' ? e : new ConfigError(`${e.message} (from ${sources.get(best)})`);
}

const MEMBER_SPEC = /^(\d+)=([^:\s]+)(?::(\d+):(\d+):(\d+):(\d+))?$/;

/**
 * `1=10.0.0.1,2=10.0.0.2,3=10.0.0.3` (the demo ports of each id: Raft 9100+N, client 9120+N,
 * admin 8100+N, feed 8110+N) or `id=host:peer:client:admin:feed` per member.
 */
function parseMembersSpec(name: string, spec: string): Json {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return parts.map((part) => {
    const m = MEMBER_SPEC.exec(part);
    if (m === null) {
      throw new ConfigError(
        `${name} (cluster.members): '${part}' is not id=host or id=host:peerPort:clientPort:adminPort:mdPort`,
      );
    }
    const member: JsonObject = { id: Number(m[1]), host: m[2] as string };
    if (m[3] !== undefined) {
      member['peerPort'] = Number(m[3]);
      member['clientPort'] = Number(m[4]);
      member['adminPort'] = Number(m[5]);
      member['mdPort'] = Number(m[6]);
    }
    return member;
  });
}
