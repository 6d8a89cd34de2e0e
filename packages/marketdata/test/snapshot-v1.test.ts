import { readFileSync } from 'node:fs';
import { encodeSbe, feedStateHash, readFeedSnapshot, writeFeedSnapshot } from '@venue/marketdata';
import { readSnapshot } from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { FeedReplica, randomCommands } from './harness.js';

/**
 * Snapshots written before the status channel: matching snapshot version 1 and feed snapshot
 * "MDF1", taken by the main branch's code after randomCommands(5, 600) (test/fixtures/feed-v1.json).
 */
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/feed-v1.json', import.meta.url), 'utf8')) as {
  engine: string;
  feed: string;
  position: number;
};

describe('feed snapshot formats', () => {
  it('an MDF1 feed snapshot (with a version 1 matching snapshot) loads and continues exactly like a replica that never stopped', () => {
    const feedBytes = new Uint8Array(Buffer.from(FIXTURE.feed, 'base64'));
    expect(new DataView(feedBytes.buffer, feedBytes.byteOffset).getUint32(0, true)).toBe(0x4d444631);
    const cmds = randomCommands(5, 900);
    const live = new FeedReplica();
    for (const c of cmds.slice(0, FIXTURE.position)) live.apply(c);

    // The restored replica: both state machines from the old snapshots.
    const restored = new FeedReplica();
    restored.feed = readFeedSnapshot(feedBytes, {
      book: (id) => restored.engine.book(id),
      order: (id) => restored.engine.order(id),
    });
    restored.engine = readSnapshot(new Uint8Array(Buffer.from(FIXTURE.engine, 'base64')), restored.feed);
    restored.feed.onMessage = (m) => restored.entry.push(m);
    restored.position = FIXTURE.position;
    // Same state (the hash is over the new format, written from both).
    expect(feedStateHash(restored.feed)).toBe(feedStateHash(live.feed));
    for (const c of cmds.slice(FIXTURE.position)) {
      expect(restored.apply(c).map(encodeSbe)).toEqual(live.apply(c).map(encodeSbe));
    }
    expect(feedStateHash(restored.feed)).toBe(feedStateHash(live.feed));
    // No status message yet: the new code still writes the MDF1 bytes the old code wrote.
    const fresh = new FeedReplica();
    for (const c of cmds.slice(0, FIXTURE.position)) fresh.apply(c);
    expect(Buffer.from(writeFeedSnapshot(fresh.feed)).equals(Buffer.from(feedBytes))).toBe(true);
  });
});
