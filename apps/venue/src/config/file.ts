import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlDate, TomlError } from 'smol-toml';

/** A configuration error: names the key (or the file) and what was expected. */
export class ConfigError extends Error {}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Files larger than this are not configuration (and would only slow the start down). */
const CONFIG_FILE_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Reads a config file: TOML when the name ends in `.toml`, JSON otherwise. Both give the same
 * object (the keys of apps/venue/README.md); TOML dates are refused (no key takes a date).
 */
export function readConfigFile(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  if (text.length > CONFIG_FILE_BYTES_MAX) {
    throw new ConfigError(`config file ${path}: larger than ${CONFIG_FILE_BYTES_MAX} bytes`);
  }
  if (path.toLowerCase().endsWith('.toml')) {
    let parsed: unknown;
    try {
      parsed = parseToml(text);
    } catch (e) {
      const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : '';
      const first = (e as Error).message.split('\n')[0] ?? '';
      throw new ConfigError(`config file ${path} is not valid TOML${where}: ${first}`);
    }
    const json = tomlToJson(parsed, '');
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new ConfigError(`config file ${path}: expected a TOML table at the top level`);
    }
    return json;
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: expected a JSON object at the top level`);
  }
  return parsed;
}

/** TOML values as JSON values; `key` names the place of a value that has no JSON form. */
function tomlToJson(v: unknown, key: string): Json {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigError(`${key}: expected a finite number, got ${v}`);
    return v;
  }
  if (v instanceof TomlDate) throw new ConfigError(`${key}: no key takes a date, got ${v.toISOString()}`);
  if (Array.isArray(v)) return v.map((item, i) => tomlToJson(item, `${key}[${i}]`));
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, item] of Object.entries(v)) out[k] = tomlToJson(item, key === '' ? k : `${key}.${k}`);
    return out;
  }
  throw new ConfigError(`${key}: unsupported value ${String(v)}`);
}
