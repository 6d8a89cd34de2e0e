import { describe, expect, it } from 'vitest';
import { Harness, msg } from './harness.js';

describe('term and vote are durable before any vote is answered', () => {
  it('holds the vote response until storage confirms the vote', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false, autoSync: false });
    h.raft(1).campaign('election');
    h.process(1);
    h.deliver((m) => m.type === 'vote' && m.to === 2);
    h.process(2);
    expect(h.raft(2).vote).toBe(1);
    expect(h.net.some((m) => m.type === 'vote-response' && m.from === 2)).toBe(false);
    expect(h.node(2).unsynced.some((w) => w.hardState?.vote === 1)).toBe(true);
    h.sync(2);
    h.process(2);
    expect(h.net.filter((m) => m.type === 'vote-response' && m.from === 2 && m.granted)).toHaveLength(1);
  });

  it('a crash before the vote is durable loses the vote, and the held response is never sent', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false, autoSync: false });
    h.raft(1).campaign('election');
    h.process(1);
    h.deliver((m) => m.type === 'vote' && m.to === 2);
    h.process(2);
    h.crash(2);
    h.restart(2);
    h.process(2);
    expect(h.raft(2).vote).toBe(0);
    expect(h.net.some((m) => m.type === 'vote-response' && m.from === 2)).toBe(false);
  });

  it('the mutation voteBeforePersist sends it at once', () => {
    const h = new Harness({
      size: 3,
      preVote: false,
      checkQuorum: false,
      autoSync: false,
      mutations: { voteBeforePersist: true },
    });
    h.raft(1).campaign('election');
    h.process(1);
    h.deliver((m) => m.type === 'vote' && m.to === 2);
    h.process(2);
    expect(h.net.some((m) => m.type === 'vote-response' && m.from === 2)).toBe(true);
  });

  it('a candidate counts its own vote only once it is durable', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false, autoSync: false });
    h.raft(1).campaign('election');
    h.process(1);
    h.deliver((m) => m.type === 'vote' && m.to === 2);
    h.process(2);
    h.sync(2);
    h.process(2);
    h.deliver((m) => m.type === 'vote-response');
    expect(h.raft(1).role).toBe('candidate'); // one durable grant + an unconfirmed self vote
    h.sync(1);
    expect(h.raft(1).role).toBe('leader');
  });
});

describe('commit needs a majority of DURABLE appends', () => {
  it("the leader's own entry counts only after its storage acknowledges it", () => {
    const h = new Harness({ size: 3, autoSync: true });
    h.elect(1);
    h.autoSync = false;
    const r = h.raft(1).propose(msg(7));
    expect(r.ok).toBe(true);
    const index = r.ok ? r.index : 0;
    h.process(1);
    // Only node 2 gets it and makes it durable; node 3 is cut off; the leader has not synced.
    h.deliver((m) => m.to === 2, true);
    h.process(2);
    h.sync(2);
    h.process(2);
    h.deliver((m) => m.to === 1 && m.from === 2);
    expect(h.raft(1).commitIndex).toBeLessThan(index);
    h.sync(1);
    expect(h.raft(1).commitIndex).toBe(index);
  });

  it('a follower acknowledges appended entries only after they are durable', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.autoSync = false;
    const r = h.raft(1).propose(msg(8));
    const index = r.ok ? r.index : 0;
    h.process(1);
    h.deliver((m) => m.to === 2, true);
    h.process(2);
    const acks = h.net.filter((m) => m.type === 'append-response' && m.from === 2);
    expect(acks.every((m) => m.type === 'append-response' && m.matchIndex < index)).toBe(true);
    h.net = [];
    h.sync(2);
    h.process(2);
    expect(h.net.some((m) => m.type === 'append-response' && m.from === 2 && m.matchIndex === index)).toBe(
      true,
    );
  });

  it('acknowledgements from an older term do not count', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.elect(1);
    const oldTerm = h.raft(1).term;
    h.elect(2);
    h.elect(1);
    const r = h.raft(1).propose(msg(9));
    const index = r.ok ? r.index : 0;
    h.processAll();
    h.net = []; // nobody receives it
    // A delayed acknowledgement sent by node 2 in an older term claims the entry.
    h.raft(1).step({
      type: 'append-response',
      from: 2,
      to: 1,
      term: oldTerm,
      success: true,
      matchIndex: index,
      lastIndex: index,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
    });
    expect(h.raft(1).commitIndex).toBeLessThan(index);
    // The same acknowledgement in the current term commits it (so the check above could fail).
    h.raft(1).step({
      type: 'append-response',
      from: 2,
      to: 1,
      term: h.raft(1).term,
      success: true,
      matchIndex: index,
      lastIndex: index,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
    });
    expect(h.raft(1).commitIndex).toBe(index);
  });
});
