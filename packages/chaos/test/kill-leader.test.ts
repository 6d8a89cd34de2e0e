import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChaos } from '@venue/chaos';
import { afterAll, describe, expect, it } from 'vitest';

// Real processes: the built venue CLI (apps/venue/dist/main.js; `pnpm test` builds it with tsc -b
// before vitest) runs three members and the gateway; the leader is killed with SIGKILL once.

describe('chaos: one kill -9 of the leader under light FIX load (TCP and WebSocket clients)', () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'venue-chaos-'));
  const lines: string[] = [];
  afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('loses and doubles nothing acknowledged, and the replicas converge to one state hash', async () => {
    const report = await runChaos({
      seconds: 8,
      nemeses: ['kill-leader'],
      seed: 11,
      clients: 2,
      resultsDir,
      faultsMax: 1,
      intervalMs: 2_000,
      holdMs: 1_500,
      thinkMs: 30,
      keep: false,
      log: (line) => {
        if (lines.length < 100) lines.push(line);
      },
    });
    expect(report.result.violations, report.summary).toEqual([]);
    expect(report.result.valid).toBe(true);
    expect(report.faultsInjected).toBe(1);
    const s = report.result.stats;
    expect(s.faults).toBe(1);
    expect(s.ordersAcknowledged).toBeGreaterThan(10);
    expect(s.replicasAgreeing).toBe(3);
    // The final reads come from one member's data rebuilt offline, which must give the live hash.
    expect(report.offline?.hashMatches).toBe(true);
    expect(report.offline?.timestampRegressions).toBe(0);
    // A passing run keeps only its summary; the members' data directory is removed.
    expect(readdirSync(report.runDir).sort()).toEqual(['summary.md', 'venue.json']);
  }, 90_000);
});
