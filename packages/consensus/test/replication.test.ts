import { describe, expect, it } from 'vitest';
import { Harness, msg } from './harness.js';

describe('log replication', () => {
  it('replicates and commits entries on every node in order', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    for (let i = 1; i <= 20; i++) expect(h.raft(1).propose(msg(i)).ok).toBe(true);
    h.stabilize();
    for (const id of [1, 2, 3]) {
      expect(h.raft(id).commitIndex).toBe(h.raft(1).lastIndex());
      expect(h.node(id).applied.map((e) => e.index)).toEqual(
        Array.from({ length: h.raft(1).lastIndex() }, (_, i) => i + 1),
      );
    }
  });

  it('pipelines at most inflightMessagesMax appends per follower, each at most entriesPerAppendMax entries', () => {
    const h = new Harness({ size: 3, inflightMessagesMax: 3, entriesPerAppendMax: 2 });
    h.elect(1);
    for (let i = 1; i <= 20; i++) h.raft(1).propose(msg(i));
    h.process(1);
    const appendsTo2 = h.net.filter((m) => m.type === 'append' && m.to === 2);
    expect(appendsTo2).toHaveLength(3);
    for (const m of appendsTo2) if (m.type === 'append') expect(m.entries.length).toBeLessThanOrEqual(2);
    h.stabilize();
    expect(h.raft(2).commitIndex).toBe(h.raft(1).lastIndex());
  });

  it('truncates a divergent uncommitted suffix on a follower (5.3)', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false });
    h.elect(1);
    h.stabilize();
    const base = h.raft(1).lastIndex();
    // Leader 1 appends entries that reach only node 2... no: only itself, then loses leadership.
    for (let i = 0; i < 5; i++) h.raft(1).propose(msg(100 + i));
    h.process(1);
    h.net = [];
    h.crash(1);
    h.elect(2);
    for (let i = 0; i < 3; i++) h.raft(2).propose(msg(200 + i));
    h.stabilize();
    h.restart(1);
    h.run(200);
    // Node 1's divergent entries (term 1 after `base`) were replaced by node 2's.
    for (let i = base + 1; i <= h.raft(2).lastIndex(); i++) {
      expect(h.raft(1).termAt(i)).toBe(h.raft(2).termAt(i));
    }
    expect(h.raft(1).lastIndex()).toBe(h.raft(2).lastIndex());
    expect(h.raft(1).commitIndex).toBe(h.raft(2).commitIndex);
  });

  it('backs off nextIndex by whole terms, not one entry per round trip', () => {
    const h = new Harness({ size: 3, preVote: false, checkQuorum: false, entriesPerAppendMax: 100 });
    h.elect(1);
    h.stabilize();
    // Node 1 appends 50 entries no one else sees, then crashes; node 2 leads and appends 50 others.
    for (let i = 0; i < 50; i++) h.raft(1).propose(msg(i));
    h.process(1);
    h.net = [];
    h.crash(1);
    h.elect(2);
    for (let i = 0; i < 50; i++) h.raft(2).propose(msg(i));
    h.stabilize();
    // Node 3 (which has node 2's log) takes over without node 1: it starts probing node 1 at its log end.
    h.restart(1);
    h.raft(3).campaign('election');
    h.stabilize((m) => m.from !== 1 && m.to !== 1);
    expect(h.raft(3).role).toBe('leader');
    let rejects = 0;
    for (let round = 0; round < 50; round++) {
      h.advance(10);
      h.processAll();
      rejects += h.net.filter((m) => m.type === 'append-response' && !m.success && m.from === 1).length;
      h.deliver();
      h.processAll();
      rejects += h.net.filter((m) => m.type === 'append-response' && !m.success && m.from === 1).length;
      h.deliver();
    }
    expect(h.raft(1).lastIndex()).toBe(h.raft(3).lastIndex());
    expect(h.raft(1).termAt(h.raft(1).lastIndex())).toBe(h.raft(3).term);
    expect(rejects).toBeLessThanOrEqual(3); // one entry at a time would take ~50
  });

  it('a proposal on a follower is refused with the leader hint, nothing appended', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    const before = h.raft(2).lastIndex();
    const r = h.raft(2).propose(msg(1));
    expect(r).toMatchObject({ ok: false, reason: 'not-leader', leaderId: 1 });
    expect(h.raft(2).lastIndex()).toBe(before);
  });

  it('invalid proposals are refused without changing the log', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    const before = h.raft(1).lastIndex();
    const bad = [
      { ...msg(1), sessionId: -1 },
      { ...msg(1), payload: new Uint8Array(5000) },
      { ...msg(1), type: 'bogus' as never },
    ];
    for (const p of bad) expect(h.raft(1).propose(p)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(h.raft(1).lastIndex()).toBe(before);
  });

  it('ignores messages from non-members and addressed to others', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    const term = h.raft(2).term;
    h.raft(2).step({ type: 'heartbeat', from: 9, to: 2, term: term + 5, commitIndex: 0 });
    h.raft(2).step({ type: 'heartbeat', from: 1, to: 3, term: term + 5, commitIndex: 0 });
    expect(h.raft(2).term).toBe(term);
  });

  it('applies back-pressure once too many entries await commit', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.crash(2);
    h.crash(3);
    let refused = false;
    for (let i = 0; i < 1100 && !refused; i++) {
      const r = h.raft(1).propose(msg(i));
      if (!r.ok) {
        expect(r.reason).toBe('backpressure');
        refused = true;
      }
    }
    expect(refused).toBe(true);
  });
});

describe('status', () => {
  it('reports role, positions and per-follower lag', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.crash(3);
    for (let i = 0; i < 4; i++) h.raft(1).propose(msg(i));
    h.stabilize();
    const s = h.raft(1).status();
    expect(s).toMatchObject({
      id: 1,
      role: 'leader',
      leaderId: 1,
      commitIndex: s.lastIndex,
      stableIndex: s.lastIndex,
    });
    const f3 = s.followers.find((f) => f.id === 3);
    expect(f3?.lagEntries).toBeGreaterThanOrEqual(4);
    expect(s.followers.find((f) => f.id === 2)?.lagEntries).toBe(0);
    expect(h.raft(2).status().followers).toEqual([]);
  });
});
