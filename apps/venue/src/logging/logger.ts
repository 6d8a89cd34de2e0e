/**
 * Structured logs: every venue process writes pino JSON lines (one event per line). The consensus
 * runtime emits events through its small `RuntimeLogger` interface (it does not depend on pino);
 * here that interface, the gateway's plain text lines and the venue's own messages all become
 * pino lines with the process name (and the member id in a cluster member).
 *
 * Where lines go (first match):
 *   VENUE_LOG_FILE=path        that file
 *   VENUE_LOG_DIR=dir          dir/<name>.log: venue.log (`venue start`), node-N.log (member N, both
 *                              of its threads), gateway-G.log, bots.log; `venue start` sets <data>/logs
 *                              for itself and its members
 *   otherwise                  stderr (stdout stays for banners and command output)
 * VENUE_LOG_LEVEL: trace|debug|info|warn|error|fatal (default info).
 *
 * Secrets never reach a line: values under keys such as `password` or `authorization` are
 * redacted, and every configured password and the admin token (8+ characters) is replaced in any
 * string (messages included) by `[REDACTED]`.
 */

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogFields, LogLevel, RuntimeLogger } from '@venue/consensus/runtime';
import { type DestinationStream, type Logger, pino } from 'pino';

export type VenueLogger = Logger;

export type ProcessName = 'node' | 'gateway' | 'web' | 'start' | 'bots' | 'backup';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Keys whose values are never logged, wherever they appear (one level of nesting). */
export const REDACT_KEYS = [
  'password',
  'newPassword',
  'passwd',
  'adminToken',
  'token',
  'authorization',
  'secret',
] as const;

/** Secret values shorter than this are not scrubbed by value (they would blank ordinary words). */
export const SECRET_SCRUB_LENGTH_MIN = 8;

const REDACTED = '[REDACTED]';

export interface ProcessLoggerOptions {
  readonly process: ProcessName;
  /** Cluster member id (every line of a member carries it). */
  readonly nodeId?: number;
  /** Log file name under VENUE_LOG_DIR, without `.log` (default: `node-<id>` for a member, else the process name). */
  readonly fileStem?: string;
  /** Known secret values (passwords, admin token) to scrub from every string. */
  readonly secrets?: readonly string[];
  /** Environment to read VENUE_LOG_* from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Write here instead (tests): overrides the environment. */
  readonly destination?: DestinationStream;
  /** Also echo warn and above to stderr as short human lines (the `venue start` terminal). */
  readonly echoWarningsToStderr?: boolean;
}

/** Where a process's JSON lines go, from the environment: a file path, or undefined for stderr. */
export function logFileFor(fileStem: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env['VENUE_LOG_FILE'];
  if (file !== undefined && file !== '') return file;
  const dir = env['VENUE_LOG_DIR'];
  if (dir !== undefined && dir !== '') return join(dir, `${fileStem}.log`);
  return undefined;
}

function levelFrom(env: NodeJS.ProcessEnv): string {
  const v = env['VENUE_LOG_LEVEL'];
  if (v === undefined || v === '') return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v;
  throw new Error(`VENUE_LOG_LEVEL: expected one of ${LOG_LEVELS.join('|')}, got '${v}'`);
}

/** Replaces every known secret value in `s`. */
function scrubString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

function scrubValue(v: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof v === 'string') return scrubString(v, secrets);
  if (v instanceof Error) return { type: v.name, message: scrubString(v.message, secrets) };
  if (depth > 0 && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = scrubValue(x, secrets, depth - 1);
    return o;
  }
  return v;
}

/** Short human line for the terminal from a pino JSON line. */
function humanLine(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    const lvl = typeof o['level'] === 'number' && o['level'] >= 50 ? 'ERROR' : 'WARN';
    const who = o['nodeId'] !== undefined ? `node ${String(o['nodeId'])}` : String(o['process'] ?? '');
    return `${lvl} ${who}: ${String(o['msg'] ?? '')}\n`;
  } catch {
    return json;
  }
}

/** Member id each process logger carries in its base fields (not repeated per event). */
const boundNodeIds = new WeakMap<VenueLogger, number>();

/** The process's pino logger (see the module comment for where lines go). */
export function createProcessLogger(options: ProcessLoggerOptions): VenueLogger {
  const env = options.env ?? process.env;
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= SECRET_SCRUB_LENGTH_MIN);
  let main: DestinationStream;
  if (options.destination !== undefined) main = options.destination;
  else {
    const stem =
      options.fileStem ??
      (options.nodeId === undefined ? options.process : `${options.process}-${options.nodeId}`);
    const file = logFileFor(stem, env);
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true });
      // Synchronous appends: a line written before process.exit is on disk; log volume is events, not orders.
      main = pino.destination({ dest: file, sync: true, append: true });
    } else main = pino.destination({ dest: 2, sync: true });
  }
  const streams: { level: 'info' | 'warn' | 'trace'; stream: DestinationStream }[] = [
    { level: 'trace', stream: main },
  ];
  if (options.echoWarningsToStderr === true)
    streams.push({
      level: 'warn',
      stream: { write: (line: string) => process.stderr.write(humanLine(line)) },
    });
  const logger = pino(
    {
      level: levelFrom(env),
      base: {
        process: options.process,
        pid: process.pid,
        ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: REDACT_KEYS.flatMap((k) => [k, `*.${k}`]),
        censor: REDACTED,
      },
      hooks: {
        logMethod(args, method) {
          if (secrets.length === 0) return method.apply(this, args);
          const scrubbed = args.map((a) => scrubValue(a, secrets, 3)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
    },
    streams.length === 1 ? main : pino.multistream(streams),
  );
  if (options.nodeId !== undefined) boundNodeIds.set(logger, options.nodeId);
  return logger;
}

/** The consensus runtime's logger interface backed by pino (event name and fields on the line). */
export function runtimeLogger(logger: VenueLogger): RuntimeLogger {
  const bound = boundNodeIds.get(logger);
  return {
    log(level: LogLevel, event: string, fields: LogFields, msg: string) {
      if (bound !== undefined && fields['nodeId'] === bound) {
        // Already on every line of this process (base field): not twice in one JSON object.
        const { nodeId: _same, ...rest } = fields;
        logger[level]({ event, ...rest }, msg);
      } else logger[level]({ event, ...fields }, msg);
    },
  };
}

/** A `(line) => void` sink (gateway, bots, supervisor) writing info lines with a component name. */
export function lineLog(logger: VenueLogger, component: string): (line: string) => void {
  const child = logger.child({ component });
  return (line) => child.info(line);
}
