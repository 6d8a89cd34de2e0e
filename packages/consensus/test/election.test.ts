import { describe, expect, it } from 'vitest';
import { ELECTION_MS, Harness, msg } from './harness.js';

describe('leader election (Raft 5.2)', () => {
  it('elects exactly one leader from randomized timeouts, and all agree on it', () => {
    const h = new Harness({ size: 5 });
    h.run(ELECTION_MS * 4);
    const leaders = h.leaders();
    expect(leaders).toHaveLength(1);
    const leader = leaders[0] as number;
    for (const id of [1, 2, 3, 4, 5]) {
      expect(h.raft(id).leaderId).toBe(leader);
      expect(h.raft(id).term).toBe(h.raft(leader).term);
    }
  });

  it('a candidate with a less up-to-date log is refused (5.4.1)', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.elect(1);
    h.raft(1).propose(msg(1));
    h.stabilize((m) => m.to !== 3 && m.from !== 3); // node 3 misses the entry
    h.raft(3).campaign('election');
    h.stabilize();
    expect(h.raft(3).role).not.toBe('leader');
  });

  it('grants at most one vote per term', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.raft(1).campaign('election');
    h.raft(2).campaign('election');
    h.processAll();
    h.deliver((m) => m.type === 'vote' && m.to === 3);
    h.process(3);
    const grants = h.net.filter((m) => m.type === 'vote-response' && m.from === 3 && m.granted);
    expect(grants).toHaveLength(1);
    expect(h.raft(3).vote === 1 || h.raft(3).vote === 2).toBe(true);
  });
});

describe('pre-vote', () => {
  it('a partitioned node rejoining does not depose a healthy leader', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    const term = h.raft(1).term;
    const isolated = (m: { from: number; to: number }) => m.from !== 3 && m.to !== 3;
    h.run(ELECTION_MS * 10, isolated);
    // Node 3 kept timing out but never raised its term (pre-vote found no majority).
    expect(h.raft(3).term).toBe(term);
    expect(h.raft(3).role).toBe('pre-candidate');
    h.run(ELECTION_MS * 2);
    expect(h.raft(1).role).toBe('leader');
    expect(h.raft(1).term).toBe(term);
    expect(h.raft(3).leaderId).toBe(1);
  });

  it('without pre-vote the same rejoin bumps the term and deposes the leader (the problem pre-vote solves)', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.elect(1);
    const term = h.raft(1).term;
    h.run(ELECTION_MS * 10, (m) => m.from !== 3 && m.to !== 3);
    expect(h.raft(3).term).toBeGreaterThan(term + 1);
    h.run(ELECTION_MS * 4);
    expect(h.raft(1).term).toBeGreaterThan(term);
  });
});

describe('check-quorum', () => {
  it('a leader that cannot reach a majority steps down within an election timeout window', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.run(ELECTION_MS * 3, (m) => m.from !== 1 && m.to !== 1);
    expect(h.raft(1).role).not.toBe('leader');
    // The majority side elected a new leader in a higher term.
    const others = h.leaders().filter((id) => id !== 1);
    expect(others).toHaveLength(1);
  });

  it('a leader in contact with a majority stays leader', () => {
    const h = new Harness({ size: 5 });
    h.elect(1);
    const term = h.raft(1).term;
    h.run(ELECTION_MS * 6, (m) => m.from !== 5 && m.to !== 5 && m.from !== 4 && m.to !== 4);
    expect(h.raft(1).role).toBe('leader');
    expect(h.raft(1).term).toBe(term);
  });
});
