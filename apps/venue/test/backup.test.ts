/**
 * Disaster recovery end to end: a backup member copies a live 3-member venue's log while clients
 * trade over FIX; all three members' data is destroyed; `venue restore` seeds a new cluster from the
 * backup. Every order acknowledged up to the backup's position is there; the orders acknowledged
 * after it stopped are the recovery point lost (counted and reported); restore time is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBackup } from '../src/backup/backup-command.js';
import { runCli } from '../src/cli.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster } from '../src/start.js';
import { freeMembers, freePort, memberLauncher, testConfig } from './helpers.js';

const order = (clOrdId: string, price: string) =>
  [
    [11, clOrdId],
    [55, 'ZVZZT'],
    [54, 2],
    [38, '1'],
    [40, 2],
    [44, price],
    [59, 1],
    [60, '20261126-12:00:00.000'],
  ] as const;

async function placeResting(venue: RunningVenue, prefix: string, count: number, priceFrom: number) {
  const trader = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT1', password: 'demo' });
  try {
    expect((await trader.logon()).msgType).toBe('A');
    for (let i = 0; i < count; i++) {
      const acked = trader.waitFor(
        (m) => m.msgType === '8' && m.get(11) === `${prefix}${i}` && m.get(150) === '0',
        15_000,
      );
      trader.send('D', order(`${prefix}${i}`, (priceFrom + i / 100).toFixed(2)));
      await acked;
    }
  } finally {
    trader.close();
  }
}

describe('venue backup and venue restore', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'venue-dr-'));
  const toStop: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of toStop.reverse()) await s().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restores a destroyed cluster from the backup: every order acknowledged up to its position is there', async () => {
    const members = await freeMembers();
    const launcher = memberLauncher(dataDir, members);
    const config = testConfig(dataDir, members);
    let venue = await startCluster(config, launcher.memberArgs, () => {});
    let venueStopped = false;
    toStop.push(async () => {
      if (!venueStopped) await venue.stop();
    });
    const backupPort = await freePort();
    const running = await startBackup(config, { port: backupPort }, () => {});
    let backupStopped = false;
    toStop.push(async () => {
      if (!backupStopped) await running.stop();
    });

    await placeResting(venue, 'B', 30, 100.0); // 100.00 .. 100.29
    // The backup catches up with the cluster's commit position; its lag is on /metrics.
    // Every acknowledged order is committed at or below the leader's commit position now.
    // (The highest commit position any member reports: the supervisor's view of who leads may lag.)
    const commits = await Promise.all(
      members.map(async (m) => {
        try {
          const r = await fetch(`http://127.0.0.1:${m.adminPort}/status`, {
            signal: AbortSignal.timeout(2_000),
          });
          return ((await r.json()) as { commitIndex: number }).commitIndex;
        } catch {
          return 0;
        }
      }),
    );
    const committed = Math.max(...commits);
    const deadline = Date.now() + 20_000;
    let status = { position: 0, lagEntries: 1, clusterCommitPosition: 0 };
    while (Date.now() < deadline) {
      status = (await (await fetch(`${running.url}/status`)).json()) as typeof status;
      if (status.position >= committed && status.lagEntries === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status.position).toBeGreaterThanOrEqual(committed);
    expect(status.lagEntries).toBe(0);
    expect(await (await fetch(`${running.url}/metrics`)).text()).toMatch(/^venue_backup_lag_entries 0$/m);
    await running.stop();
    backupStopped = true;

    await placeResting(venue, 'L', 10, 101.0); // acknowledged after the backup stopped
    await venue.stop();
    venueStopped = true;
    for (const m of members) rmSync(join(dataDir, `node-${m.id}`), { recursive: true, force: true });

    const t0 = performance.now();
    const restored = await runCli([
      'restore',
      '--from',
      join(dataDir, 'backup'),
      '--config',
      launcher.configFile,
      '--data',
      dataDir,
    ]);
    expect(restored.exitCode, restored.output).toBe(0);
    expect(restored.output).toMatch(/restored 3 members/);
    // Restoring over existing data is refused.
    const again = await runCli([
      'restore',
      '--from',
      join(dataDir, 'backup'),
      '--config',
      launcher.configFile,
      '--data',
      dataDir,
    ]);
    expect(again.exitCode).toBe(2);
    expect(again.output).toMatch(/not empty/);

    venue = await startCluster(config, launcher.memberArgs, () => {});
    venueStopped = false;
    const restoreMs = performance.now() - t0;
    // The restored venue trades: a new order is acknowledged.
    await placeResting(venue, 'N', 1, 102.0);
    await venue.stop();
    venueStopped = true;

    // Replayed offline: the 30 backed-up orders and the new one rest; the 10 after the backup do not.
    const replay = await runCli(['replay', '--data', join(dataDir, 'node-1')], { out: { write: () => {} } });
    expect(replay.exitCode, replay.output).toBe(0);
    expect(replay.output, replay.output).toMatch(/ZVZZT: 31 resting orders/);
    console.log(
      `disaster recovery: backup at position ${status.position}; restore + start until a leader serves: ${restoreMs.toFixed(0)} ms; ` +
        '10 orders acknowledged after the backup stopped were lost (the recovery point)',
    );
  }, 120_000);
});
