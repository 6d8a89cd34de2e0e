import { describe, expect, it } from 'vitest';
import { Harness, msg } from './harness.js';

// Outside Raft's model but inside ours (runtime/storage: a torn tail is truncated at start, an
// operator deletes a corrupt member's data): a follower comes back WITHOUT entries it acknowledged.
// The same leader must repair it; its stale match index must not keep every probe above the
// follower's log end (found by the chaos suite: the member stayed behind until the next election).

function setup() {
  const h = new Harness({ size: 3 });
  h.elect(1);
  for (let i = 1; i <= 10; i++) h.raft(1).propose(msg(i));
  h.stabilize();
  expect(h.raft(3).commitIndex).toBe(h.raft(1).lastIndex());
  return h;
}

function expectRepairedBySameLeader(h: Harness): void {
  h.restart(3);
  h.run(300);
  h.raft(1).propose(msg(99));
  h.run(300);
  expect(h.leaders()).toEqual([1]);
  expect(h.raft(1).term).toBe(h.raft(3).term);
  expect(h.raft(3).lastIndex()).toBe(h.raft(1).lastIndex());
  expect(h.raft(3).commitIndex).toBe(h.raft(1).commitIndex);
  for (let i = 1; i <= h.raft(1).lastIndex(); i++) expect(h.raft(3).termAt(i)).toBe(h.raft(1).termAt(i));
}

describe('a follower that lost acknowledged entries', () => {
  it('is repaired by the same leader after its tail was cut (torn tail truncated at start)', () => {
    const h = setup();
    h.crash(3);
    const n = h.node(3);
    n.durable.entries = n.durable.entries.slice(0, n.durable.entries.length - 3);
    expectRepairedBySameLeader(h);
  });

  it('is rebuilt by the same leader after its data was deleted', () => {
    const h = setup();
    h.crash(3);
    const n = h.node(3);
    n.durable = { hardState: { term: 0, vote: 0 }, snapshot: undefined, entries: [] };
    expectRepairedBySameLeader(h);
  });
});

// The dangerous case: entry 12 is committed on {1, 3} only (2 was cut off), then 3 loses its data and
// 1 dies. If 3 came back voting, 2 (without entry 12) could win with 3's vote and the acknowledged
// entry would be gone. Marked as recovering (`venue node --rejoin`), 3 neither votes nor campaigns
// until it durably holds a committed entry of a current leader's term.
function lostCommittedEntry(recovering: boolean) {
  const h = setup();
  const cut = (m: { from: number; to: number }) => m.from !== 2 && m.to !== 2;
  h.raft(1).propose(msg(12));
  h.stabilize(cut);
  const committed = h.raft(1).commitIndex;
  expect(h.raft(3).lastIndex()).toBe(committed);
  expect(h.raft(2).lastIndex()).toBeLessThan(committed);
  h.crash(3);
  h.crash(1);
  const n = h.node(3);
  n.durable = {
    hardState: recovering ? { term: 0, vote: 0, recovering: true } : { term: 0, vote: 0 },
    snapshot: undefined,
    entries: [],
  };
  h.restart(3);
  h.run(2_000);
  return { h, committed };
}

describe('a member that lost its data', () => {
  it('without the recovering mark, helps elect a leader that lacks a committed entry (the hazard)', () => {
    const { h, committed } = lostCommittedEntry(false);
    expect(h.leaders()).toEqual([2]);
    expect(h.raft(2).termAt(committed)).not.toBe(h.node(1).durable.entries.at(-1)?.term);
  });

  it('marked recovering, neither votes nor campaigns: the cluster waits for the member that has the entry', () => {
    const { h, committed } = lostCommittedEntry(true);
    expect(h.leaders()).toEqual([]);
    expect(h.raft(3).recovering).toBe(true);
    expect(h.raft(3).lastIndex()).toBe(0);
    // 1 comes back: a leader is elected with it, 3 catches up and may vote again.
    const lost = h.node(1).durable.entries.find((e) => e.index === committed);
    h.restart(1);
    h.run(2_000);
    expect(h.leaders()).toHaveLength(1);
    const leader = h.leaders()[0] as number;
    expect(h.raft(leader).termAt(committed)).toBe(lost?.term);
    expect(h.raft(3).termAt(committed)).toBe(lost?.term);
    expect(h.raft(3).recovering).toBe(false);
    expect(h.node(3).durable.hardState.recovering).toBeUndefined();
  });
});
