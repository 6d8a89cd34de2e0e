import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'venue-fixsched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (json: unknown) => {
  const path = join(dir, `c${n++}.json`);
  writeFileSync(path, JSON.stringify(json));
  return loadConfig({ file: path });
};

describe('config key fixSchedule (FIX trading sessions, UTC)', () => {
  it('defaults to always open', () => {
    expect(loadConfig({}).fixSchedule).toEqual({ default: { kind: 'always' }, logins: {} });
  });

  it('reads a weekly default and per-login overrides', () => {
    const c = load({
      fixSchedule: {
        startDay: 'Sunday',
        startTime: '22:00:00',
        endDay: 'Friday',
        endTime: '22:00:00',
        logins: { CLIENT2: { startTime: '23:00:00', endTime: '05:00:00' }, CLIENT3: 'always' },
      },
    });
    expect(c.fixSchedule.default).toEqual({
      kind: 'weekly',
      startDay: 0,
      startSec: 79_200,
      endDay: 5,
      endSec: 79_200,
    });
    expect(c.fixSchedule.logins).toEqual({
      CLIENT2: { kind: 'daily', startSec: 82_800, endSec: 18_000 },
      CLIENT3: { kind: 'always' },
    });
  });

  it('reads VENUE_FIX_SCHEDULE (JSON, or the word always) and names the variable on bad input', () => {
    expect(loadConfig({ env: { VENUE_FIX_SCHEDULE: 'always' } }).fixSchedule.default).toEqual({
      kind: 'always',
    });
    expect(() => loadConfig({ env: { VENUE_FIX_SCHEDULE: 'weekdays' } })).toThrow(
      /fixSchedule: expected "always" or an object .*\(from VENUE_FIX_SCHEDULE\)/,
    );
  });

  it('names the key on bad input', () => {
    const bad = (json: unknown) => {
      try {
        load(json);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ fixSchedule: { startTime: '8am', endTime: '17:00:00' } })).toMatch(
      /fixSchedule.startTime: expected a UTC time of day HH:MM:SS/,
    );
    expect(bad({ fixSchedule: { logins: { CLIENT1: { startTime: '08:00:00' } } } })).toMatch(
      /fixSchedule.logins.CLIENT1: startTime and endTime are both required/,
    );
    expect(bad({ fixSchedule: 3 })).toMatch(/fixSchedule: expected "always" or an object/);
    expect(bad({ fixSchedule: { start: '08:00:00' } })).toMatch(
      /fixSchedule: unknown key 'start' \(known: startTime, endTime, startDay, endDay, logins\)/,
    );
  });
});
