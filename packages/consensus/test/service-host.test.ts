import {
  type ClientSession,
  type ClusteredService,
  defaultServiceHostConfig,
  type Entry,
  encodeRegisterInput,
  RegisterService,
  type ServiceContext,
  ServiceHost,
} from '@venue/consensus';
import { describe, expect, it } from 'vitest';
import { openSession, ReplicaCluster } from './replica-harness.js';

/** Records every callback (with its order across services) for assertions. */
class Recorder implements ClusteredService {
  ctx: ServiceContext | undefined;
  applied: string[] = [];
  constructor(
    readonly name: string,
    private readonly log: string[],
  ) {}
  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    this.ctx = ctx;
    if (snapshot) this.applied = JSON.parse(new TextDecoder().decode(snapshot)) as string[];
  }
  onSessionOpen(s: ClientSession): void {
    this.log.push(`${this.name}:open:${s.id}`);
  }
  onSessionMessage(s: ClientSession, ts: number, pos: number, payload: Uint8Array): void {
    this.log.push(`${this.name}:msg:${pos}`);
    this.applied.push(`${pos}@${ts}`);
    if (this.name === 'a') this.ctx?.reply(s.id, payload);
    if (payload[0] === 9) this.ctx?.scheduleTimer(1, ts + 500);
  }
  onTimerEvent(id: number, ts: number): void {
    this.log.push(`${this.name}:timer:${id}@${ts}`);
  }
  onSessionClose(s: ClientSession, _ts: number, reason: string): void {
    this.log.push(`${this.name}:close:${s.id}:${reason}`);
  }
  onTakeSnapshot(w: { write(b: Uint8Array): void }): void {
    w.write(new TextEncoder().encode(JSON.stringify(this.applied)));
  }
  onRoleChange(): void {}
  stateHash(): string {
    return this.applied.join(',');
  }
}

function entry(index: number, type: Entry['type'], fields: Partial<Entry> = {}): Entry {
  return {
    term: 1,
    index,
    timestampMs: index * 10,
    type,
    sessionId: 0,
    requestSeq: 0,
    correlationId: 0,
    serviceIndex: 0,
    payload: new Uint8Array(0),
    ...fields,
  };
}

describe('service host', () => {
  it('applies each entry to every service in the fixed order', () => {
    const log: string[] = [];
    const host = new ServiceHost(() => [new Recorder('a', log), new Recorder('b', log)]);
    host.start(undefined);
    host.apply(entry(1, 'session-open', { correlationId: 5, payload: new TextEncoder().encode('gw') }));
    host.apply(entry(2, 'session-message', { sessionId: 1, requestSeq: 1, payload: new Uint8Array([1]) }));
    expect(log).toEqual(['a:open:1', 'b:open:1', 'a:msg:2', 'b:msg:2']);
  });

  it('applies a request once and answers a retry from the recorded response (exactly-once)', () => {
    const log: string[] = [];
    const host = new ServiceHost(() => [new Recorder('a', log)]);
    host.start(undefined);
    host.apply(entry(1, 'session-open', { correlationId: 5, payload: new TextEncoder().encode('gw') }));
    const first = host.apply(
      entry(2, 'session-message', { sessionId: 1, requestSeq: 1, payload: new Uint8Array([7]) }),
    );
    const retry = host.apply(
      entry(3, 'session-message', { sessionId: 1, requestSeq: 1, payload: new Uint8Array([7]) }),
    );
    expect(log.filter((l) => l.startsWith('a:msg'))).toEqual(['a:msg:2']);
    expect(first).toMatchObject([{ kind: 'response', requestSeq: 1, duplicate: false }]);
    expect(retry).toMatchObject([{ kind: 'response', requestSeq: 1, duplicate: true }]);
    expect(retry[0]?.payload).toEqual(new Uint8Array([7]));
    // An older request whose answer is no longer kept is not applied; the client learns that.
    expect(host.apply(entry(4, 'session-message', { sessionId: 1, requestSeq: 0 }))).toMatchObject([
      { kind: 'request-expired', requestSeq: 0 },
    ]);
    expect(log.filter((l) => l.startsWith('a:msg'))).toEqual(['a:msg:2']);
  });

  it('keeps the replies of the last N requests, so a pipelining client can resubmit them all', () => {
    const log: string[] = [];
    const host = new ServiceHost(() => [new Recorder('a', log)], {
      ...defaultServiceHostConfig,
      responsesRetainedPerSession: 3,
    });
    host.start(undefined);
    host.apply(entry(1, 'session-open', { correlationId: 5, payload: new TextEncoder().encode('gw') }));
    for (let seq = 1; seq <= 5; seq++) {
      host.apply(
        entry(1 + seq, 'session-message', { sessionId: 1, requestSeq: seq, payload: new Uint8Array([seq]) }),
      );
    }
    // After a failover the client resubmits 3, 4, 5 (retained) and 2 (too old): nothing is re-applied.
    let index = 7;
    for (const seq of [3, 4, 5]) {
      const out = host.apply(entry(index++, 'session-message', { sessionId: 1, requestSeq: seq }));
      expect(out).toMatchObject([{ kind: 'response', requestSeq: seq, duplicate: true }]);
      expect(out[0]?.payload).toEqual(new Uint8Array([seq]));
    }
    expect(host.apply(entry(index++, 'session-message', { sessionId: 1, requestSeq: 2 }))).toMatchObject([
      { kind: 'request-expired', requestSeq: 2 },
    ]);
    expect(log.filter((l) => l.startsWith('a:msg'))).toHaveLength(5);
    // The retained replies survive a snapshot.
    const restored = new ServiceHost(() => [new Recorder('a', [])], {
      ...defaultServiceHostConfig,
      responsesRetainedPerSession: 3,
    });
    restored.start(host.takeSnapshot());
    expect(restored.stateHash()).toBe(host.stateHash());
    expect(restored.apply(entry(index, 'session-message', { sessionId: 1, requestSeq: 4 }))).toMatchObject([
      { kind: 'response', requestSeq: 4, duplicate: true },
    ]);
  });

  it('refuses a bad configuration with a clear error', () => {
    expect(
      () => new ServiceHost(() => [], { ...defaultServiceHostConfig, responsesRetainedPerSession: 0 }),
    ).toThrow(/responsesRetainedPerSession/);
  });

  it('a retried session-open returns the same session', () => {
    const host = new ServiceHost(() => [new RegisterService()]);
    host.start(undefined);
    const open = entry(1, 'session-open', { correlationId: 5, payload: new TextEncoder().encode('gw') });
    const a = host.apply(open);
    const b = host.apply({ ...open, index: 2 });
    expect(a[0]?.sessionId).toBe(1);
    expect(b[0]).toMatchObject({ kind: 'session-opened', sessionId: 1, duplicate: true });
    expect(host.sessionCount).toBe(1);
  });

  it('requests on an unknown session are refused, not applied', () => {
    const log: string[] = [];
    const host = new ServiceHost(() => [new Recorder('a', log)]);
    host.start(undefined);
    const out = host.apply(entry(1, 'session-message', { sessionId: 42, requestSeq: 1 }));
    expect(out).toMatchObject([{ kind: 'session-unknown', sessionId: 42 }]);
    expect(log).toEqual([]);
  });

  it('rejects out-of-order entries and time going backwards with a clear error, state unchanged', () => {
    const host = new ServiceHost(() => [new RegisterService()]);
    host.start(undefined);
    host.apply(entry(1, 'noop'));
    const hash = host.stateHash();
    expect(() => host.apply(entry(3, 'noop'))).toThrow(/expected index 2/);
    expect(() => host.apply({ ...entry(2, 'noop'), timestampMs: 1 })).toThrow(/backwards/);
    expect(host.stateHash()).toBe(hash);
  });

  it('snapshot + restore reproduces the state hash (sessions, timers, services)', () => {
    const log: string[] = [];
    const a = new ServiceHost(() => [new Recorder('a', log), new Recorder('b', log)]);
    a.start(undefined);
    a.apply(entry(1, 'session-open', { correlationId: 5, payload: new TextEncoder().encode('gw') }));
    a.apply(entry(2, 'session-message', { sessionId: 1, requestSeq: 1, payload: new Uint8Array([9]) }));
    const snap = a.takeSnapshot();
    const b = new ServiceHost(() => [new Recorder('a', []), new Recorder('b', [])]);
    b.start(snap);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.appliedIndex).toBe(2);
    expect(b.timerCount).toBe(2); // one per service: timers are namespaced by service
    // Both continue identically.
    a.apply(entry(3, 'session-message', { sessionId: 1, requestSeq: 1 }));
    b.apply(entry(3, 'session-message', { sessionId: 1, requestSeq: 1 }));
    expect(b.stateHash()).toBe(a.stateHash());
    // A snapshot from other services is refused with a clear message.
    const c = new ServiceHost(() => [new RegisterService()]);
    expect(() => c.start(snap)).toThrow(/services|service 0/);
  });
});

describe('timers and sessions through the log (replicated)', () => {
  it('the leader appends a timer event once its clock passes the deadline; every replica fires it at the same position', () => {
    const logs = new Map<number, string[]>();
    let next = 1;
    const c = new ReplicaCluster(3, () => {
      const log: string[] = [];
      logs.set(next++, log);
      return [new Recorder('a', log)];
    });
    c.run(400);
    const leader = c.leader();
    expect(leader).toBeGreaterThan(0);
    const sid = openSession(c, 'gw', 1);
    c.submit({
      type: 'session-message',
      sessionId: sid,
      requestSeq: 1,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array([9]),
    });
    const timerEntries = () =>
      Array.from({ length: c.replica(leader).node.lastIndex() }, (_, i) =>
        c.replica(leader).node.entryAt(i + 1),
      ).filter((e) => e?.type === 'timer');
    c.run(300);
    expect(timerEntries()).toHaveLength(0); // not due yet
    c.run(400);
    expect(timerEntries()).toHaveLength(1);
    const fired = [...logs.values()].map((l) => l.filter((x) => x.includes('timer')));
    expect(fired.every((f) => f.length === 1 && f[0] === fired[0]?.[0])).toBe(true);
    c.run(1000);
    expect(timerEntries()).toHaveLength(1); // fired once, never again
  });

  it('followers never fire timers themselves, even when their clocks run ahead', () => {
    const c = new ReplicaCluster(3, () => [new RegisterService()]);
    c.run(400);
    const leader = c.leader();
    const sid = openSession(c, 'gw', 1);
    c.submit({
      type: 'session-message',
      sessionId: sid,
      requestSeq: 1,
      correlationId: 0,
      serviceIndex: 0,
      payload: encodeRegisterInput({ op: 'schedule', value: 1000 }),
    });
    const skew = new Map(
      [...c.replicas.keys()].filter((id) => id !== leader).map((id) => [id, 100_000] as const),
    );
    c.run(200, skew);
    for (const id of c.replicas.keys()) {
      const n = c.replica(id).node;
      for (let i = 1; i <= n.lastIndex(); i++) expect(n.entryAt(i)?.type).not.toBe('timer');
      expect(c.replica(id).host.timerCount).toBe(1);
    }
  });

  it('an idle session times out through the log on every replica; a keep-alive prevents it', () => {
    const c = new ReplicaCluster(3, () => [new RegisterService()], 0, 500);
    c.run(400);
    const idle = openSession(c, 'idle', 1);
    const alive = openSession(c, 'alive', 2);
    for (let i = 0; i < 8; i++) {
      c.run(100);
      c.submit({
        type: 'session-keepalive',
        sessionId: alive,
        requestSeq: 0,
        correlationId: 0,
        serviceIndex: 0,
        payload: new Uint8Array(0),
      });
    }
    for (const r of c.replicas.values()) {
      expect(r.host.session(idle)).toBeUndefined();
      expect(r.host.session(alive)).toBeDefined();
    }
    const leader = c.leader();
    expect(
      (c.egress.get(leader) ?? []).some((e) => e.kind === 'session-closed' && e.sessionId === idle),
    ).toBe(true);
  });

  it('exactly-once across failover: a request retried on the new leader is answered, not re-applied', () => {
    const c = new ReplicaCluster(3, () => [new RegisterService()]);
    c.run(400);
    const sid = openSession(c, 'gw', 1);
    const incr = {
      type: 'session-message' as const,
      sessionId: sid,
      requestSeq: 1,
      correlationId: 0,
      serviceIndex: 0,
      payload: encodeRegisterInput({ op: 'incr', value: 0 }),
    };
    c.submit(incr);
    const old = c.leader();
    c.crash(old);
    c.run(600);
    const fresh = c.leader();
    expect(fresh).not.toBe(old);
    c.egress.set(fresh, []);
    c.submit(incr); // the client never saw the answer and retries
    const answers = (c.egress.get(fresh) ?? []).filter((e) => e.kind === 'response');
    expect(answers).toMatchObject([{ requestSeq: 1, duplicate: true }]);
    expect(new DataView(answers[0]?.payload.buffer as ArrayBuffer).getInt32(0, true)).toBe(1);
    const hashes = [...c.replicas.entries()].filter(([id]) => id !== old).map(([, r]) => r.host.stateHash());
    expect(new Set(hashes).size).toBe(1);
  });

  it('snapshots every N entries, compacts the log, and a restarted replica recovers the same state', () => {
    const c = new ReplicaCluster(3, () => [new RegisterService()], 5);
    c.run(400);
    const sid = openSession(c, 'gw', 1);
    for (let i = 1; i <= 12; i++) {
      c.submit({
        type: 'session-message',
        sessionId: sid,
        requestSeq: i,
        correlationId: 0,
        serviceIndex: 0,
        payload: encodeRegisterInput({ op: 'incr', value: 0 }),
      });
    }
    const follower = [...c.replicas.keys()].find((id) => id !== c.leader()) as number;
    expect(c.replica(follower).node.snapshotIndex).toBeGreaterThan(0);
    const before = c.replica(follower).host.stateHash();
    c.crash(follower);
    c.start(follower);
    c.run(200);
    expect(c.replica(follower).host.stateHash()).toBe(before);
    expect(c.replica(follower).host.appliedIndex).toBe(c.replica(c.leader()).host.appliedIndex);
  });
});
