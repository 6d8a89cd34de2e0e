import { describe, expect, it } from 'vitest';
import { ELECTION_MS, Harness, msg } from './harness.js';

describe('leadership transfer (TimeoutNow)', () => {
  it('hands leadership to a chosen, caught-up follower in the next term', () => {
    const h = new Harness({ size: 5 });
    h.elect(1);
    for (let i = 0; i < 5; i++) h.raft(1).propose(msg(i));
    h.stabilize();
    const term = h.raft(1).term;
    expect(h.raft(1).transferLeadership(4).ok).toBe(true);
    h.stabilize();
    expect(h.raft(4).role).toBe('leader');
    expect(h.raft(4).term).toBe(term + 1);
    expect(h.raft(1).role).toBe('follower');
    expect(h.raft(1).leaderId).toBe(4);
    expect(h.leaders()).toEqual([4]);
  });

  it('first catches the target up, and refuses proposals while transferring', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.raft(1).propose(msg(1));
    h.stabilize((m) => m.to !== 3 && m.from !== 3); // node 3 is behind
    const behind = h.raft(3).lastIndex();
    expect(behind).toBeLessThan(h.raft(1).lastIndex());
    expect(h.raft(1).transferLeadership(3).ok).toBe(true);
    expect(h.raft(1).propose(msg(2))).toMatchObject({ ok: false, reason: 'transferring' });
    h.stabilize();
    expect(h.raft(3).role).toBe('leader');
    expect(h.raft(3).lastIndex()).toBeGreaterThan(behind);
  });

  it('gives up after an election timeout if the target does not respond', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.crash(3);
    h.raft(1).transferLeadership(3);
    h.run(ELECTION_MS * 2);
    expect(h.raft(1).role).toBe('leader');
    expect(h.raft(1).transferTarget).toBe(0);
    expect(h.raft(1).propose(msg(1)).ok).toBe(true);
  });

  it('refuses a transfer to a non-member', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    expect(h.raft(1).transferLeadership(9).ok).toBe(false);
    expect(h.raft(2).transferLeadership(3).ok).toBe(false);
  });
});

describe('entry timestamps: the leader clock, monotonic across leaders', () => {
  it('stamps entries with the leader clock', () => {
    const h = new Harness({ size: 3 });
    h.advance(1000);
    h.elect(1);
    h.advance(5);
    const r = h.raft(1).propose(msg(1));
    expect(r.ok && h.raft(1).entryAt(r.index)?.timestampMs).toBe(1005);
  });

  it('a new leader whose clock is behind never stamps below the last entry', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.elect(1);
    // Node 1's clock runs 10 s ahead of the others.
    h.nowMs += 10_000;
    h.raft(1).tick(h.nowMs);
    const r = h.raft(1).propose(msg(1));
    h.stabilize();
    const stamped = r.ok ? (h.raft(1).entryAt(r.index)?.timestampMs ?? 0) : 0;
    expect(stamped).toBeGreaterThanOrEqual(10_000);
    h.nowMs -= 10_000; // the others' clocks
    h.elect(2);
    const r2 = h.raft(2).propose(msg(2));
    h.stabilize();
    const noop = h.raft(2).entryAt(r.ok ? r.index + 1 : 0);
    expect(noop?.type).toBe('noop');
    expect(noop?.timestampMs).toBeGreaterThanOrEqual(stamped);
    expect(r2.ok && (h.raft(2).entryAt(r2.index)?.timestampMs ?? 0)).toBeGreaterThanOrEqual(stamped);
    // Applied timestamps never decrease on any node.
    for (const id of [1, 2, 3]) {
      const ts = h.node(id).applied.map((e) => e.timestampMs);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
  });

  it('time never goes backwards inside a node', () => {
    const h = new Harness({ size: 3 });
    h.advance(100);
    expect(() => h.raft(1).tick(50)).toThrow(/backwards/);
  });
});
