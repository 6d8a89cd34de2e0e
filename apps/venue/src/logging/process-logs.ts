/** The CLI commands' loggers: which process name, file and options each one uses. */

import { join, resolve } from 'node:path';
import type { VenueConfig } from '../config/config.js';
import { createProcessLogger, lineLog, logFileFor, type ProcessName, type VenueLogger } from './logger.js';
import { secretsOf } from './secrets.js';

export interface CommandLog {
  readonly logger: VenueLogger;
  /** Plain-line sink for the parts that log text (gateway, supervisor, bots). */
  readonly log: (line: string) => void;
  /** Where the JSON lines go, for the banner. */
  readonly where: string;
}

/**
 * `venue start`: JSON lines to <data>/logs/venue.log (members: node-N.log beside it) unless
 * VENUE_LOG_DIR / VENUE_LOG_FILE say otherwise; warnings and errors also as short lines on stderr.
 * The banner stays on stdout, alone.
 */
export function startCommandLog(config: VenueConfig, env: NodeJS.ProcessEnv = process.env): CommandLog {
  const chosen = logFileFor('venue', env) !== undefined;
  const logEnv = chosen ? env : { ...env, VENUE_LOG_DIR: join(resolve(config.dataDir), 'logs') };
  const logger = createProcessLogger({
    process: 'start',
    fileStem: 'venue',
    secrets: secretsOf(config),
    echoWarningsToStderr: true,
    env: logEnv,
  });
  const file = logFileFor('venue', logEnv) ?? 'stderr';
  return { logger, log: lineLog(logger, 'venue'), where: file };
}

/** `venue gateway` / `venue bots` (and others): JSON lines to stderr unless VENUE_LOG_DIR / VENUE_LOG_FILE. */
export function commandLog(
  config: VenueConfig,
  processName: ProcessName,
  fileStem: string = processName,
  env: NodeJS.ProcessEnv = process.env,
): CommandLog {
  const logger = createProcessLogger({ process: processName, fileStem, secrets: secretsOf(config), env });
  return { logger, log: lineLog(logger, processName), where: logFileFor(fileStem, env) ?? 'stderr' };
}
