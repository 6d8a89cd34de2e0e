import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALWAYS_OPEN, nextOpenMs, parseSchedule } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startSingleProcess } from '../src/start.js';
import { testConfig } from './helpers.js';

// The venue passes `fixSchedule` to its gateway: a login whose schedule is closed now is refused
// with the next open time, another login (its own schedule: always open) logs on.
describe('venue: fixSchedule reaches the FIX gateway', () => {
  let venue: RunningVenue;
  let dataDir: string;
  const clients: FixClient[] = [];
  // A one-hour daily window starting six hours from now: closed for the duration of the test.
  const startMs = Date.now() + 6 * 3600_000;
  const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const closed = parseSchedule('fixSchedule', { startTime: hms(startMs), endTime: hms(startMs + 3600_000) });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-fixsched-'));
    const config = {
      ...testConfig(dataDir),
      fixSchedule: { default: closed, logins: { CLIENT2: ALWAYS_OPEN } },
    };
    venue = await startSingleProcess(config, () => {});
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const logon = async (username: string) => {
    const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password: 'demo' });
    clients.push(c);
    return c.logon();
  };

  it('refuses CLIENT1 outside its schedule, saying when it opens; CLIENT2 is always open', async () => {
    const refused = await logon('CLIENT1');
    expect(refused.msgType).toBe('5');
    const next = nextOpenMs(closed, Date.now());
    expect(next).toBeDefined();
    const iso = new Date(next ?? 0).toISOString().replace('.000Z', 'Z');
    expect(refused.get(58)).toBe(
      `Session is closed (schedule: daily ${hms(startMs)}-${hms(startMs + 3600_000)} UTC); it opens next at ${iso}`,
    );
    const accepted = await logon('CLIENT2');
    expect(accepted.msgType).toBe('A');
  });
});
