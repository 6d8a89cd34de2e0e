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
