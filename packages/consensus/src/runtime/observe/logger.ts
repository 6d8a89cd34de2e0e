/**
 * The runtime's structured log events. The consensus package does not choose a logging library:
 * a process (the venue backs this with pino) passes a `RuntimeLogger`; without one, events are
 * printed as plain lines, as before. Every event of a cluster member carries `nodeId`, `term` and
 * the log positions at the moment it happened, so a line can be placed on the log.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Flat, JSON-friendly fields (no nested objects: one line per event, easy to grep and index). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

export interface RuntimeLogger {
  /** `event` is a stable kebab-case name (e.g. `role-change`), `msg` the human sentence. */
  log(level: LogLevel, event: string, fields: LogFields, msg: string): void;
}

/** A logger printing `prefix + msg` lines (the format the runtime printed before structured logs). */
export function lineLogger(print: (line: string) => void, prefix = ''): RuntimeLogger {
  return {
    log(_level, _event, _fields, msg) {
      print(`${prefix}${msg}`);
    },
  };
}
