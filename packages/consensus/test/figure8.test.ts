import type { Mutations } from '@venue/consensus';
import { describe, expect, it } from 'vitest';
import { Harness, HEARTBEAT_MS, msg } from './harness.js';

/**
 * Raft paper Figure 8 on three nodes: an entry of an old term, stored on a majority by a later
 * leader, must not count as committed; a node holding a newer-term entry at that index can still win.
 */
function figure8(mutations: Mutations | undefined): { committedOld: boolean; overwritten: boolean } {
  const h = new Harness({
    size: 3,
    entriesPerAppendMax: 1,
    checkQuorum: false,
    preVote: false,
    ...(mutations ? { mutations } : {}),
  });
  h.elect(1); // term 1, noop at 1 everywhere
  // S1 appends index 2 (term 1) alone, then crashes.
  expect(h.raft(1).propose(msg(2)).ok).toBe(true);
  h.process(1);
  h.net = [];
  h.crash(1);
  // S3 wins term 2 with S2's vote, appends its noop at index 2 (term 2) alone, then crashes.
  h.raft(3).campaign('election');
  h.stabilize((m) => m.type !== 'append');
  expect(h.raft(3).role).toBe('leader');
  expect(h.raft(3).termAt(2)).toBe(2);
  h.net = [];
  h.crash(3);
  // S1 returns and wins term 3 with S2's vote (its last term 1 at index 2 beats S2's index 1).
  h.restart(1);
  h.raft(1).campaign('election');
  h.stabilize((m) => m.type === 'vote' || m.type === 'vote-response');
  if (h.raft(1).role !== 'leader') {
    h.raft(1).campaign('election');
    h.stabilize((m) => m.type === 'vote' || m.type === 'vote-response');
  }
  expect(h.raft(1).role).toBe('leader');
  // Replicate one entry at a time until S2 holds index 2 (term 1), but never S1's own-term noop.
  const holdsOld = () => h.raft(2).termAt(2) === 1;
  h.advance(HEARTBEAT_MS, [1]); // the first probe was dropped with the election traffic: probe again
  for (let i = 0; i < 20; i++) {
    h.processAll();
    const batch = h.net;
    h.net = [];
    for (const m of batch) {
      const carriesNoop = m.type === 'append' && m.entries.some((e) => e.index === 3);
      if (m.to === 3 || (carriesNoop && holdsOld())) continue;
      h.raft(m.to).step(m);
    }
  }
  h.processAll();
  const committedOld = h.raft(1).commitIndex >= 2;
  h.crash(1);
  // S3 returns and wins (its last term 2 beats S2's last term 1), overwriting index 2.
  h.restart(3);
  for (let i = 0; i < 4 && h.raft(3).role !== 'leader'; i++) {
    h.raft(3).campaign('election');
    h.stabilize();
  }
  expect(h.raft(3).role).toBe('leader');
  h.stabilize();
  // The new leader commits its own index-2 entry (term 2): whatever S1 reported committed there is lost.
  return { committedOld, overwritten: h.raft(3).termAt(2) === 2 && h.raft(3).commitIndex >= 2 };
}

describe('Figure 8: commit only current-term entries by counting', () => {
  it('the correct rule does not commit the old-term entry, so overwriting it is safe', () => {
    const r = figure8(undefined);
    expect(r.committedOld).toBe(false);
    expect(r.overwritten).toBe(true);
  });

  it('the broken rule (mutation) commits it and then loses it', () => {
    const r = figure8({ commitOldTermByCounting: true });
    expect(r.committedOld).toBe(true);
    expect(r.overwritten).toBe(true);
  });
});
