/**
 * The backup member against real node processes: it copies committed entries (and a snapshot once
 * the members compacted their logs) from the admin endpoints, reports its lag, and a new cluster
 * seeded from it holds every request acknowledged up to the backup's position.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterBackup, ClusterClient, seedMemberFromBackup } from '@venue/consensus/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster } from './harness.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

async function incs(client: ClusterClient, from: number, count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, (_, i) => from + i);
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(ids.slice(i, i + 20).map((id) => client.request(json({ op: 'inc', id }))));
  }
  return ids;
}

describe('backup member and restore', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('copies the log continuously, and a cluster seeded from it holds everything up to its position', async () => {
    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-backup-'));
    cleanup.push(async () => fs.rmSync(backupDir, { recursive: true, force: true }));
    const first = await TestCluster.create(3, { snapshotEveryEntries: 200 });
    cleanup.push(() => first.stopAll());
    for (const m of first.members) first.start(m.id);
    await first.leader(20_000);
    const client = await ClusterClient.connect({ members: first.clientAddresses, principal: 'backup-test' });
    cleanup.push(() => client.close());

    // Members snapshot every 200 entries and compact: a backup started now finds the start of the log
    // gone and begins from a snapshot.
    const early = await incs(client, 1, 600);
    await Promise.all(first.members.map((m) => first.admin(m.id, 'snapshot')));
    await incs(client, 601, 50);
    const backup = await ClusterBackup.open({
      dataDir: backupDir,
      members: first.members.map((m) => `${m.host}:${m.adminPort}`),
      pollIntervalMs: 20,
      snapshotEveryEntries: 150,
    });
    backup.start();
    const late = await incs(client, 651, 200);
    const leader = await first.leader();
    expect(await backup.waitFor(leader.commitIndex, 15_000)).toBe(true);
    const s = backup.status();
    expect(s.snapshotsCopied).toBeGreaterThanOrEqual(1);
    expect(s.snapshotPosition).toBeGreaterThan(0);
    expect(s.lagEntries).toBe(0);
    expect(backup.metricsText()).toMatch(/^venue_backup_lag_entries 0$/m);
    const backedUp = backup.position;
    await backup.stop();

    // Acknowledged after the backup stopped: what its lag costs (the recovery point).
    const afterBackup = await incs(client, 2001, 30);
    await client.close();
    await first.stopAll(); // all three members' data destroyed

    const second = await TestCluster.create(3, { snapshotEveryEntries: 200 });
    cleanup.push(() => second.stopAll());
    const t0 = performance.now();
    for (const m of second.members) {
      const seeded = await seedMemberFromBackup(backupDir, second.dataDir(m.id));
      expect(seeded.position).toBe(backedUp);
    }
    for (const m of second.members) second.start(m.id);
    await second.leader(20_000);
    const c2 = await ClusterClient.connect({ members: second.clientAddresses, principal: 'after-restore' });
    cleanup.push(() => c2.close());
    const r = await c2.request(json({ op: 'get' }));
    const restoreMs = performance.now() - t0;
    const state = JSON.parse(dec.decode(r.replies[0])) as { ids: number[]; dups: number };
    const held = new Set(state.ids);
    expect([...early, ...late].filter((id) => !held.has(id))).toEqual([]);
    expect(state.dups).toBe(0);
    const lost = afterBackup.filter((id) => !held.has(id)).length;
    expect(lost).toBe(afterBackup.length); // not in the backup, so not restored
    console.log(
      `backup: position ${backedUp}, snapshot @${s.snapshotPosition}; restore to a serving cluster in ${restoreMs.toFixed(0)} ms; ` +
        `${lost} acknowledged requests after the backup stopped were lost (recovery point)`,
    );
    // The restored cluster takes new requests.
    expect((await c2.request(json({ op: 'inc', id: 5000 }))).status).toBe('applied');
  }, 90_000);

  it('refuses to seed a directory that already holds data, and a directory that is not a backup', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-seed-'));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'backup', 'log'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'member'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'member', 'x'), 'data');
    await expect(seedMemberFromBackup(path.join(dir, 'backup'), path.join(dir, 'member'))).rejects.toThrow(
      /not empty/,
    );
    await expect(seedMemberFromBackup(path.join(dir, 'nothing'), path.join(dir, 'm2'))).rejects.toThrow(
      /not a backup directory/,
    );
  });
});
