/**
 * A member whose data was lost rejoins marked as recovering (`venue node --rejoin`, ClusterNodeOptions
 * .rejoin), on real node processes: while it has not caught up it neither votes nor campaigns, so with
 * the leader down it cannot help the other follower (which may lack acknowledged entries) win an
 * election; once a leader is back it catches up, votes again, and every acknowledged request is there.
 */
import * as fs from 'node:fs';
import { ClusterClient } from '@venue/consensus/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster, until } from './harness.js';

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

describe('a member rejoining after losing its data', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('does not vote until it has caught up, then holds every acknowledged request', async () => {
    const cluster = await TestCluster.create(3);
    cleanup.push(async () => fs.rmSync(cluster.dataRoot, { recursive: true, force: true }));
    cleanup.push(() => cluster.stopAll());
    for (const m of cluster.members) cluster.start(m.id);
    const first = await cluster.leader(20_000);
    const client = await ClusterClient.connect({
      members: cluster.clientAddresses,
      principal: 'rejoin-test',
    });
    cleanup.push(() => client.close());
    for (let id = 1; id <= 50; id++)
      expect((await client.request(json({ op: 'inc', id }))).status).toBe('applied');

    // A follower loses its disk; then the leader dies. Only the other follower and the blank one remain.
    const lost = cluster.members.map((m) => m.id).find((id) => id !== first.id) as number;
    const other = cluster.members.map((m) => m.id).find((id) => id !== first.id && id !== lost) as number;
    await cluster.kill(lost);
    fs.rmSync(cluster.dataDir(lost), { recursive: true, force: true });
    await cluster.kill(first.id);

    // A rejoin on a directory that holds data is refused with the reason.
    const refused = cluster.start(first.id, { rejoin: true });
    expect(await refused.exited).not.toBe(0);
    expect(refused.output.join('\n')).toMatch(/rejoin refused: .* holds this member's data/);

    cluster.start(lost, { rejoin: true });
    await until('the blank member reports recovering', async () =>
      (await cluster.status(lost))?.recovering === true ? true : undefined,
    );
    // Several election timeouts: the blank member refuses its vote, so nobody leads.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const id of [other, lost]) {
      const s = await cluster.status(id);
      expect(s?.role).not.toBe('leader');
    }
    expect((await cluster.status(lost))?.recovering).toBe(true);
    expect(cluster.output(lost).join('\n')).toMatch(/recovering lost data: no vote/);

    // The old leader returns: a leader is elected, the blank member catches up and votes again.
    cluster.start(first.id);
    const next = await cluster.leader(20_000);
    await until(
      'the blank member to catch up and vote again',
      async () => {
        const s = await cluster.status(lost);
        // The log line follows the durable write of the cleared flag (status shows it a little earlier).
        const logged = /recovered: this member holds a committed entry/.test(cluster.output(lost).join('\n'));
        return s !== undefined && s.recovering === false && s.commitIndex >= next.commitIndex && logged
          ? s
          : undefined;
      },
      20_000,
    );
    expect(cluster.output(lost).join('\n')).toMatch(/recovered: this member holds a committed entry/);
    const agreed = await cluster.converged(20_000);
    expect(new Set(agreed.map((s) => s.stateHash)).size).toBe(1);
    const reply = await client.request(json({ op: 'get' }));
    expect(reply.status).toBe('applied');
    const body = JSON.parse(new TextDecoder().decode(reply.replies[0])) as { ids: number[]; dups: number };
    expect(body.ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(body.dups).toBe(0);
  }, 90_000);
});
