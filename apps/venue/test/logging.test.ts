import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createProcessLogger,
  lineLog,
  logFileFor,
  type ProcessLoggerOptions,
  runtimeLogger,
} from '../src/logging/logger.js';
import { commandLog, startCommandLog } from '../src/logging/process-logs.js';
import { testConfig } from './helpers.js';

/** A pino destination that keeps the JSON lines in memory. */
function capture(): { lines: string[]; write(s: string): void; parsed(): Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write(s: string) {
      lines.push(s);
    },
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const base = (dest: ReturnType<typeof capture>, extra: Partial<ProcessLoggerOptions> = {}) =>
  createProcessLogger({ process: 'node', nodeId: 2, destination: dest, env: {}, ...extra });

describe('structured logs (pino)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a runtime event becomes one JSON line with the event, nodeId, term and log positions', () => {
    const out = capture();
    runtimeLogger(base(out)).log(
      'info',
      'role-change',
      { nodeId: 2, term: 7, logPosition: 120, commitPosition: 118, appliedPosition: 117, role: 'leader' },
      'leader in term 7 (leader 2)',
    );
    expect(out.lines).toHaveLength(1);
    const line = out.parsed()[0] ?? {};
    expect(line).toMatchObject({
      level: 30,
      process: 'node',
      nodeId: 2,
      event: 'role-change',
      term: 7,
      logPosition: 120,
      commitPosition: 118,
      appliedPosition: 117,
      msg: 'leader in term 7 (leader 2)',
    });
    expect(typeof line['time']).toBe('string');
    // nodeId once per line (the member's logger carries it), not a duplicate key.
    expect(out.lines[0]?.match(/"nodeId"/g)).toHaveLength(1);
    expect(line['pid']).toBe(process.pid);
  });

  it('levels map through: warn stays warn (40), fatal is 60', () => {
    const out = capture();
    const r = runtimeLogger(base(out));
    r.log('warn', 'service-backlog-growing', { nodeId: 2, term: 1, logPosition: 5 }, 'backlog');
    r.log('fatal', 'fatal', { nodeId: 2, term: 1, logPosition: 5 }, 'FATAL x');
    expect(out.parsed().map((l) => l['level'])).toEqual([40, 60]);
  });

  it('never writes a secret: redacted keys, and configured secret values scrubbed from any string', () => {
    const out = capture();
    const logger = base(out, { secrets: ['Tr0ub4dor&3-horse', 'short'] });
    logger.info(
      { password: 'anything-at-all', user: { password: 'nested-pw', authorization: 'Basic abc' } },
      'logon',
    );
    lineLog(logger, 'gateway')('CLIENT9: logon with Tr0ub4dor&3-horse refused');
    logger.warn({ detail: 'token=Tr0ub4dor&3-horse' }, 'odd');
    logger.error(new Error('bad password Tr0ub4dor&3-horse'));
    const text = out.lines.join('');
    for (const secret of ['anything-at-all', 'nested-pw', 'Basic abc', 'Tr0ub4dor&3-horse'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
    // The line is still there and useful; a secret shorter than 8 characters is not scrubbed by value
    // (it would blank ordinary words such as "demo").
    expect(text).toContain('CLIENT9: logon with [REDACTED] refused');
    lineLog(logger, 'gateway')('a short word');
    expect(out.lines.at(-1)).toContain('a short word');
  });

  it('goes to VENUE_LOG_FILE, else VENUE_LOG_DIR/<name>.log, else stderr', () => {
    expect(logFileFor('venue', { VENUE_LOG_FILE: '/x/y.log', VENUE_LOG_DIR: '/d' })).toBe('/x/y.log');
    expect(logFileFor('node-3', { VENUE_LOG_DIR: '/d' })).toBe(join('/d', 'node-3.log'));
    expect(logFileFor('venue', {})).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'venue-logs-'));
    dirs.push(dir);
    const logger = createProcessLogger({
      process: 'node',
      nodeId: 3,
      env: { VENUE_LOG_DIR: join(dir, 'logs') },
    });
    logger.info({ event: 'x' }, 'to the file');
    const line = JSON.parse(readFileSync(join(dir, 'logs', 'node-3.log'), 'utf8').trim()) as Record<
      string,
      unknown
    >;
    expect(line).toMatchObject({ nodeId: 3, event: 'x', msg: 'to the file' });
  });

  it('venue start logs to <data>/logs/venue.log unless told otherwise; venue gateway to stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'venue-logs-'));
    dirs.push(dir);
    const start = startCommandLog(testConfig(dir), {});
    expect(start.where).toBe(join(dir, 'logs', 'venue.log'));
    start.log('cluster: leader is node 2');
    const line = JSON.parse(readFileSync(start.where, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ process: 'start', component: 'venue', msg: 'cluster: leader is node 2' });
    const chosen = startCommandLog(testConfig(dir), { VENUE_LOG_FILE: join(dir, 'chosen.log') });
    expect(chosen.where).toBe(join(dir, 'chosen.log'));
    expect(commandLog(testConfig(dir), 'gateway', 'gateway-g2', {}).where).toBe('stderr');
    expect(commandLog(testConfig(dir), 'gateway', 'gateway-g2', { VENUE_LOG_DIR: dir }).where).toBe(
      join(dir, 'gateway-g2.log'),
    );
  });

  it('VENUE_LOG_LEVEL filters, and a bad level is refused with the allowed values', () => {
    const out = capture();
    const logger = base(out, { env: { VENUE_LOG_LEVEL: 'warn' } });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.parsed().map((l) => l['msg'])).toEqual(['shown']);
    expect(() => base(capture(), { env: { VENUE_LOG_LEVEL: 'loud' } })).toThrow(/VENUE_LOG_LEVEL.*info/);
  });
});
