import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRONG_PASSWORD } from '../src/fuzz/corpus.js';
import { type FuzzReport, runFuzz } from '../src/fuzz/fuzzer.js';
import { FUZZ_VENUE_CONFIG, formatFuzzReport } from '../src/fuzz/run-fuzz.js';
import { fuzzAccounts, fuzzAdminToken, linesWithSecrets } from '../src/fuzz/secrets.js';
import { SingleVenue } from '../src/fuzz/venue.js';

// A live single-process venue (the built CLI, `pnpm exec tsc -b` first) fuzzed over FIX/TCP and
// FIX/WebSocket: the corpus of malformed messages, then seeded random mutations. Bounded: 1,000
// mutations or 8 s of mutations, whichever comes first.
const MUTATIONS = 1_000;
const SEED = 20261126;

describe('FIX fuzzing of a live venue (TCP and WebSocket)', () => {
  let work: string;
  let venue: SingleVenue;
  let report: FuzzReport;
  const accounts = fuzzAccounts();
  const adminToken = fuzzAdminToken();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'venue-fuzz-test-'));
    venue = await SingleVenue.start(work, { ...FUZZ_VENUE_CONFIG, accounts, adminToken });
    report = await runFuzz({
      endpoint: {
        host: '127.0.0.1',
        fixPort: venue.fixPort,
        fixWsUrl: `${venue.httpUrl.replace(/^http/, 'ws')}/fix`,
      },
      httpUrl: venue.httpUrl,
      seed: SEED,
      mutations: MUTATIONS,
      mutationBudgetMs: 8_000,
      alive: () => venue.alive,
      password: (login) => accounts.find((a) => a.login === login)?.password ?? '',
    });
  }, 30_000);

  afterAll(async () => {
    await venue?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('answers every corpus case as FIX 4.4 requires, on both transports', () => {
    const failed = report.cases.filter((c) => c.problem !== undefined);
    expect(failed, formatFuzzReport(report)).toEqual([]);
    for (const transport of ['tcp', 'ws'] as const) {
      const names = report.cases.filter((c) => c.transport === transport).map((c) => c.name);
      expect(names.length).toBeGreaterThan(50);
      expect(names).toContain('checksum off by one');
      expect(names).toContain("cancel another account's order by OrderID");
      expect(names).toContain('Logon with a wrong password');
    }
  });

  it('survives the random mutations: no violation, the process alive, books and witness orders unchanged', () => {
    expect(report.violations, formatFuzzReport(report)).toEqual([]);
    expect(venue.alive, venue.exitDescription).toBe(true);
    expect(report.mutationsSent).toBeGreaterThanOrEqual(200);
    // The mutations exercised the different paths: ignored (garbled), Reject(3), order answers, logouts.
    const o = report.mutationOutcomes;
    expect(o['ignored'] ?? 0).toBeGreaterThan(0);
    expect(o['3'] ?? 0).toBeGreaterThan(0);
    expect(o['logout+close'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(report.mutationKinds).length).toBe(10);
  });

  it('a valid client still trades after the fuzzing', async () => {
    const { openSession, utcTimestamp } = await import('../src/fuzz/connection.js');
    const c = await openSession(
      { host: '127.0.0.1', fixPort: venue.fixPort, fixWsUrl: '' },
      'tcp',
      'CLIENT3',
      accounts.find((a) => a.login === 'CLIENT3')!.password,
    );
    c.send('D', [
      ['11', 'after-fuzz'],
      ['55', 'ZVZZT'],
      ['54', '1'],
      ['60', utcTimestamp(Date.now())],
      ['38', '1'],
      ['40', '2'],
      ['44', '90.00'],
      ['59', '3'],
    ]);
    const ack = await c.waitFor((m) => m.msgType === '8' && m.get(11) === 'after-fuzz', 3_000);
    c.close();
    expect(ack?.get(150)).toBe('0');
  });

  it("prints no password (right or wrong) in the venue's output", () => {
    const output = venue.allOutput();
    expect(output).toMatch(/logon refused/);
    expect(output).toMatch(/logged on/);
    const leaks = linesWithSecrets(output, [...accounts.map((a) => a.password), WRONG_PASSWORD, adminToken]);
    expect(leaks).toEqual([]);
  });
});
