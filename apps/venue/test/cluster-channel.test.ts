import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandType, encodeCommand } from '@venue/matching';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterChannel, openClusterChannel } from '../src/cluster/cluster-channel.js';
import { type RunningVenue, startCluster } from '../src/start.js';
import { freeMembers, memberLauncher, testConfig } from './helpers.js';

/**
 * The gateway's cluster channel reports back-pressure before its window is full, so the FIX
 * transports stop reading instead of rejecting orders "venue busy" while requests wait (e.g. for a
 * new leader), and the back-pressure ends once responses free the window.
 */
describe('cluster channel back-pressure', () => {
  let dataDir = '';
  let venue: RunningVenue | undefined;
  let channel: ClusterChannel | undefined;
  let addresses: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-channel-'));
    const members = await freeMembers();
    addresses = members.map((m) => `${m.host}:${m.clientPort}`);
    const launcher = memberLauncher(dataDir, members);
    venue = await startCluster(testConfig(dataDir, members), launcher.memberArgs, () => {});
  }, 60_000);

  afterAll(async () => {
    await channel?.close();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is backed up from 75% of the window until responses free it; a full window refuses', async () => {
    const answered = new Set<number>();
    channel = await openClusterChannel({
      members: addresses,
      principal: 'test-channel-backpressure',
      windowMax: 8,
      onReply: (tag) => {
        if (tag !== 0) answered.add(tag);
      },
      onFailed: (tag) => answered.add(tag),
    });
    const ch = channel;
    const command = (n: number) =>
      encodeCommand({
        type: CommandType.MassCancel,
        timestampMs: 0,
        accountId: 1,
        instrumentId: 0,
        side: 0,
        clOrdId: `BP${n}`,
      });
    expect(ch.isBackedUp()).toBe(false);
    // Offered in one turn: no response can have arrived in between.
    const tags: (number | undefined)[] = [];
    for (let n = 0; n < 5; n++) tags.push(ch.offer(command(n)));
    expect(ch.isBackedUp()).toBe(false); // 5 of 8 in flight
    tags.push(ch.offer(command(5)));
    expect(ch.isBackedUp()).toBe(true); // 6 = 75% of 8
    tags.push(ch.offer(command(6)), ch.offer(command(7)));
    expect(tags.every((t) => t !== undefined)).toBe(true); // the rest of the window still takes requests
    expect(ch.offer(command(8))).toBeUndefined(); // full: refused
    const deadline = Date.now() + 20_000;
    while (answered.size < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answered.size).toBe(8);
    expect(ch.isBackedUp()).toBe(false);
  }, 40_000);
});
