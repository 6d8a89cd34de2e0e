import type { Snapshot } from '@venue/consensus';
import { describe, expect, it } from 'vitest';
import { ELECTION_MS, Harness, msg } from './harness.js';

function compactLeader(h: Harness, id: number, bytes: number): Snapshot {
  const r = h.raft(id);
  const index = r.appliedIndex;
  const data = new Uint8Array(bytes).map((_, i) => (i * 7 + index) & 0xff);
  const snap: Snapshot = { index, term: r.termAt(index) as number, timestampMs: 0, data };
  r.compact(snap);
  h.node(id).durable.snapshot = snap;
  return snap;
}

describe('snapshot transfer to a follower behind the compacted log', () => {
  it('streams the snapshot in chunks, installs it and continues with the log', () => {
    const h = new Harness({ size: 3, snapshotChunkBytes: 100 });
    h.elect(1);
    h.crash(3);
    for (let i = 0; i < 30; i++) h.raft(1).propose(msg(i));
    h.stabilize();
    const snap = compactLeader(h, 1, 1050);
    expect(h.raft(1).snapshotIndex).toBe(snap.index);
    h.raft(1).propose(msg(99));
    h.stabilize();
    // Node 3 comes back empty-handed (its disk lost nothing; it just missed everything).
    h.restart(3);
    const chunks: number[] = [];
    for (let i = 0; i < 60 && h.raft(3).commitIndex < h.raft(1).commitIndex; i++) {
      h.advance(10);
      h.processAll();
      for (const m of h.net) if (m.type === 'snapshot-chunk' && m.to === 3) chunks.push(m.offsetBytes);
      h.deliver();
      h.processAll();
      for (const m of h.net) if (m.type === 'snapshot-chunk' && m.to === 3) chunks.push(m.offsetBytes);
      h.deliver();
    }
    expect(new Set(chunks).size).toBe(11); // 1050 bytes in 100-byte chunks
    expect(h.node(3).durable.snapshot?.data).toEqual(snap.data);
    expect(h.raft(3).snapshotIndex).toBe(snap.index);
    expect(h.raft(3).commitIndex).toBe(h.raft(1).commitIndex);
    expect(h.raft(3).lastIndex()).toBe(h.raft(1).lastIndex());
  });

  it('resumes from the offset the follower holds after a lost chunk', () => {
    const h = new Harness({ size: 3, snapshotChunkBytes: 100 });
    h.elect(1);
    h.crash(3);
    for (let i = 0; i < 10; i++) h.raft(1).propose(msg(i));
    h.stabilize();
    compactLeader(h, 1, 500);
    h.restart(3);
    const sent: number[] = [];
    let dropped = false;
    for (let i = 0; i < 80 && h.raft(3).snapshotIndex === 0; i++) {
      h.advance(10);
      h.processAll();
      const batch = h.net;
      h.net = [];
      for (const m of batch) {
        if (m.type === 'snapshot-chunk' && m.to === 3) {
          sent.push(m.offsetBytes);
          if (m.offsetBytes === 300 && !dropped) {
            dropped = true; // lost on the wire
            continue;
          }
        }
        h.raft(m.to).step(m);
      }
    }
    expect(dropped).toBe(true);
    // After the loss the leader re-sent 300 (not 0): the transfer resumed.
    const first300 = sent.indexOf(300);
    expect(sent.slice(first300 + 1)).toContain(300);
    expect(sent.filter((o) => o === 0)).toHaveLength(1);
    expect(h.raft(3).snapshotIndex).toBeGreaterThan(0);
  });

  it('restarts from snapshot + log and applies only entries after the snapshot', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    for (let i = 0; i < 10; i++) h.raft(1).propose(msg(i));
    h.stabilize();
    const snap = compactLeader(h, 2, 16);
    h.node(2).durable.entries = h.node(2).durable.entries.filter((e) => e.index > snap.index);
    for (let i = 0; i < 3; i++) h.raft(1).propose(msg(50 + i));
    h.stabilize();
    h.crash(2);
    h.restart(2);
    expect(h.raft(2).appliedIndex).toBe(snap.index);
    h.run(ELECTION_MS);
    expect(h.node(2).applied[0]?.index).toBe(snap.index + 1);
    expect(h.raft(2).commitIndex).toBe(h.raft(1).commitIndex);
  });
});

describe('restart robustness', () => {
  it('a snapshot stored ahead of the hard state adopts the snapshot term with no vote', () => {
    const h = new Harness({ size: 3 });
    h.elect(1);
    h.stabilize();
    const n = h.node(2);
    const snap: Snapshot = {
      index: h.raft(2).appliedIndex,
      term: h.raft(2).term,
      timestampMs: 0,
      data: new Uint8Array(1),
    };
    n.durable = { hardState: { term: 0, vote: 0 }, snapshot: snap, entries: [] };
    h.restart(2);
    expect(h.raft(2).term).toBe(snap.term);
    expect(h.raft(2).vote).toBe(0);
  });
});

describe('regression: snapshot install over a stale log (simulator seed 110622)', () => {
  it('acknowledges nothing of the discarded log before the snapshot is durable', () => {
    const stale = Array.from({ length: 4 }, (_, i) => ({
      term: 1,
      index: i + 1,
      timestampMs: 0,
      type: 'noop' as const,
      sessionId: 0,
      requestSeq: 0,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array(0),
    }));
    const h = new Harness({ size: 3 });
    const n = h.node(3);
    n.durable = { hardState: { term: 1, vote: 0 }, snapshot: undefined, entries: stale };
    h.restart(3);
    h.autoSync = false;
    const r = h.raft(3);
    r.step({
      type: 'snapshot-chunk',
      from: 1,
      to: 3,
      term: 2,
      snapshotIndex: 10,
      snapshotTerm: 2,
      snapshotTimestampMs: 0,
      offsetBytes: 0,
      totalBytes: 3,
      data: new Uint8Array([1, 2, 3]),
    });
    r.step({ type: 'heartbeat', from: 1, to: 3, term: 2, commitIndex: 0 });
    const rd = r.ready();
    expect(rd.snapshot?.index).toBe(10);
    r.hardStatePersisted(rd.hardState as { term: number; vote: number });
    const acks = r.ready().messages.filter((m) => m.type === 'append-response');
    expect(acks.length).toBeGreaterThan(0);
    for (const m of acks) if (m.type === 'append-response') expect(m.matchIndex).toBe(0);
    r.appendPersisted(10, 2);
    const after = r.ready().messages.filter((m) => m.type === 'append-response');
    expect(after.some((m) => m.type === 'append-response' && m.matchIndex === 10)).toBe(true);
  });
});
