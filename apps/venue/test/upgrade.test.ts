/**
 * Rolling upgrade of a live 3-member venue while a FIX client keeps trading (this build runs
 * service versions 1..2 and starts at 2; the "new build" is the same binary told it runs 1..3 by
 * VENUE_SERVICE_VERSION_MAX, a rehearsal hook): `venue upgrade
 * activate` is refused while old builds run; the members are replaced one at a time (the leader
 * after handing over); then one log entry activates the new service version on every replica at
 * the same position. No acknowledged order is lost (checked by replaying a member's log).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { startCluster } from '../src/start.js';
import { SERVICE_VERSION_MAX_ENV } from '../src/upgrade/upgrade-command.js';
import { freeMembers, memberLauncher, testConfig } from './helpers.js';

describe('rolling upgrade of a live venue', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'venue-upgrade-'));
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('replaces every member under traffic, activates the new version at one position, loses nothing', async () => {
    const members = await freeMembers();
    const launcher = memberLauncher(dataDir, members);
    const venue = await startCluster(testConfig(dataDir, members), launcher.memberArgs, () => {});
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await venue.stop();
    });
    const trader = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT1', password: 'demo' });
    cleanup.push(async () => trader.close());
    expect((await trader.logon()).msgType).toBe('A');
    const acks = new Map<string, number>();
    trader.onMessage((m) => {
      if (m.msgType === '8' && m.get(150) === '0')
        acks.set(m.get(11) ?? '', (acks.get(m.get(11) ?? '') ?? 0) + 1);
    });
    let sent = 0;
    let trading = true;
    const flow = (async () => {
      while (trading && sent < 900) {
        // Distinct prices inside the band (100.00 .. 108.99): every order rests, none trades.
        trader.send('D', [
          [11, `U${sent}`],
          [55, 'ZVZZT'],
          [54, 2],
          [38, '1'],
          [40, 2],
          [44, (100 + sent / 100).toFixed(2)],
          [59, 1],
          [60, '20261126-12:00:00.000'],
        ]);
        sent++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const cfg = ['--config', launcher.configFile];
    // (A member busy under load may miss one status poll: ask again, bounded.)
    let status = await runCli(['upgrade', 'status', ...cfg]);
    for (let i = 0; i < 20 && (status.output.match(/build runs/g) ?? []).length < 3; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = await runCli(['upgrade', 'status', ...cfg]);
    }
    expect(status.output.match(/service version 2 .*build runs 1\.\.2/g), status.output).toHaveLength(3);
    const refused = await runCli(['upgrade', 'activate', '--version', '3', ...cfg]);
    expect(refused.exitCode).toBe(1);
    expect(refused.output).toMatch(/refused: node 1 runs a build that supports service versions up to 2/);

    const steps = await venue.cluster.rollingRestart?.({ [SERVICE_VERSION_MAX_ENV]: '3' });
    expect(steps?.filter((s) => /restarted and caught up/.test(s))).toHaveLength(3);
    expect(steps?.some((s) => /handed leadership/.test(s))).toBe(true);

    // A shadow run follows a live member (non-voting, never answering clients): same build, no divergence.
    const shadow = await runCli(
      ['shadow', '--member', `127.0.0.1:${members[0]?.adminPort}`, '--service', 'matching@current'],
      { out: { write: () => {} } },
    );
    expect(shadow.exitCode, shadow.output).toBe(0);
    expect(shadow.output).toMatch(/no divergence/);
    expect(Number(/applied entries \d+\.\.(\d+)/.exec(shadow.output)?.[1])).toBeGreaterThan(100);

    const activated = await runCli(['upgrade', 'activate', '--version', '3', ...cfg]);
    expect(activated.exitCode, activated.output).toBe(0);
    const position = Number(/from log position (\d+)/.exec(activated.output)?.[1]);
    expect(position).toBeGreaterThan(1);

    trading = false;
    await flow;
    const deadline = Date.now() + 20_000;
    while (acks.size < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(acks.size).toBe(sent);
    expect([...acks.values()].every((n) => n === 1)).toBe(true);

    // Every member switched at the same position and agrees on the state.
    let rows: {
      serviceVersion: number;
      serviceVersionSince: number;
      stateHash: string;
      hashIndex: number;
    }[] = [];
    const agreeBy = Date.now() + 15_000;
    while (Date.now() < agreeBy) {
      rows = await Promise.all(
        members.map(
          async (m) =>
            (await fetch(`http://127.0.0.1:${m.adminPort}/status`)).json() as Promise<(typeof rows)[0]>,
        ),
      );
      if (new Set(rows.map((r) => `${r.hashIndex}:${r.stateHash}`)).size === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(new Set(rows.map((r) => `${r.hashIndex}:${r.stateHash}`)).size).toBe(1);
    for (const r of rows) expect([r.serviceVersion, r.serviceVersionSince]).toEqual([3, position - 1]);

    trader.close();
    await venue.stop();
    stopped = true;
    // The old build cannot replay past the activation: it says so instead of computing another state.
    const old = await runCli(['replay', '--data', join(dataDir, 'node-1')], { out: { write: () => {} } });
    expect(old.exitCode).toBe(2);
    expect(old.output).toMatch(/activates service version 3, this build runs versions 1\.\.2/);
    process.env[SERVICE_VERSION_MAX_ENV] = '3';
    try {
      const replay = await runCli(['replay', '--data', join(dataDir, 'node-1')], {
        out: { write: () => {} },
      });
      expect(replay.output).toMatch(new RegExp(`ZVZZT: ${sent} resting orders`));
    } finally {
      delete process.env[SERVICE_VERSION_MAX_ENV];
    }
  }, 150_000);
});
