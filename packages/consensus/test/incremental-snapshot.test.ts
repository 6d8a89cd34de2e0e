import {
  assembleSnapshot,
  type ClientSession,
  type ClusteredService,
  type Entry,
  layoutPieces,
  RegisterService,
  ServiceHost,
  type SnapshotCursor,
  type SnapshotWriter,
} from '@venue/consensus';
import { describe, expect, it } from 'vitest';

/**
 * A service with an incremental snapshot: a list of applied payload bytes; the cursor captures the
 * list length at its start (its state there) and writes one byte per budget unit in many chunks.
 */
class ListService implements ClusteredService {
  values: number[] = [];
  stepsTaken = 0;
  /** `streams`: the cursor hands its chunks out as they are written (`takeChunks`). */
  constructor(
    readonly name = 'list',
    private readonly streams = false,
  ) {}
  onStart(_ctx: unknown, snapshot: Uint8Array | undefined): void {
    this.values = snapshot === undefined ? [] : [...snapshot];
  }
  onSessionOpen(): void {}
  onSessionMessage(_s: ClientSession, _ts: number, _pos: number, payload: Uint8Array): void {
    this.values.push(payload[0] ?? 0);
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(writer: SnapshotWriter): void {
    writer.write(Uint8Array.from(this.values));
  }
  beginSnapshot(): SnapshotCursor {
    const length = this.values.length; // append-only state: the prefix is the state at the start
    let chunks: Uint8Array[] = [];
    let at = 0;
    let aborted = false;
    const takeChunks = () => {
      const out = chunks;
      chunks = [];
      return out;
    };
    return {
      ...(this.streams ? { takeChunks } : {}),
      step: (budget) => {
        if (aborted) throw new Error('aborted');
        this.stepsTaken++;
        const end = Math.min(length, at + budget);
        if (end > at) chunks.push(Uint8Array.from(this.values.slice(at, end)));
        at = end;
        return at === length;
      },
      chunks: () => chunks,
      abort: () => {
        aborted = true;
      },
    };
  }
  onRoleChange(): void {}
  stateHash(): string {
    return this.values.join(',');
  }
}

function makeHost(list: ListService): ServiceHost {
  return new ServiceHost(() => [new RegisterService(), list]);
}

/**
 * Entries numbered from 1 (timestamps 1,000 + index) for `serviceIndex`, starting with a session open
 * applied to `host`; returns the entry maker and the session id (the open entry's index).
 */
function openSession(host: ServiceHost, serviceIndex: number) {
  let index = 0;
  const entry = (p: Partial<Entry> & Pick<Entry, 'type'>): Entry => ({
    term: 1,
    index: ++index,
    timestampMs: 1_000 + index,
    sessionId: 0,
    requestSeq: 0,
    correlationId: 0,
    serviceIndex,
    payload: new Uint8Array(0),
    ...p,
  });
  host.apply(entry({ type: 'session-open', payload: new TextEncoder().encode('c'), correlationId: 1 }));
  return { entry, session: index };
}

describe('ServiceHost.beginSnapshot', () => {
  it('gives takeSnapshot bytes at its start for sync and incremental services, entries applied meanwhile', () => {
    const list = new ListService();
    const host = makeHost(list);
    host.start(undefined);
    const { entry, session } = openSession(host, 1);
    let seq = 0;
    const message = () =>
      host.apply(
        entry({
          type: 'session-message',
          sessionId: session,
          requestSeq: ++seq,
          payload: Uint8Array.of(seq & 0xff),
        }),
      );
    for (let i = 0; i < 300; i++) message();
    const atP = host.takeSnapshot();
    const position = host.appliedIndex;
    const cursor = host.beginSnapshot();
    let steps = 0;
    while (!cursor.step(3)) {
      message();
      steps++;
    }
    expect(steps).toBeGreaterThan(50);
    expect(list.stepsTaken).toBeGreaterThan(50);
    expect(cursor.index).toBe(position);
    expect(Buffer.from(cursor.result()).equals(Buffer.from(atP))).toBe(true);
    const restored = makeHost(new ListService());
    restored.start(cursor.result());
    expect(restored.appliedIndex).toBe(position);
    expect(host.appliedIndex).toBeGreaterThan(position);
  });

  it('one at a time; a restart aborts the one in progress; a bad budget is refused', () => {
    const host = makeHost(new ListService());
    host.start(undefined);
    const a = host.beginSnapshot();
    expect(() => host.beginSnapshot()).toThrow(/in progress/);
    expect(() => a.step(0)).toThrow(/budget/);
    host.start(undefined);
    expect(() => a.step(1)).toThrow(/aborted/);
    const b = host.beginSnapshot();
    while (!b.step(1)) {}
    expect(b.result()).toEqual(host.takeSnapshot());
  });

  it('streams pieces while it is written; layout + streamed pieces give takeSnapshot bytes', () => {
    const a = new ListService('list-a', true);
    const b = new ListService('list-b', true);
    const host = new ServiceHost(() => [a, new RegisterService(), b, new ListService('list-c')]);
    host.start(undefined);
    let seq = 0;
    const { entry, session } = openSession(host, 0);
    const message = (serviceIndex: number) =>
      host.apply(
        entry({
          type: 'session-message',
          sessionId: session,
          requestSeq: ++seq,
          serviceIndex,
          payload: Uint8Array.of(seq & 0xff),
        }),
      );
    for (let i = 0; i < 200; i++) for (const s of [0, 2, 3]) message(s);
    const atP = host.takeSnapshot();
    const cursor = host.beginSnapshot();
    const streamed: Uint8Array[] = [];
    let takes = 0;
    while (!cursor.step(7)) {
      message(0);
      message(2);
      const got = cursor.takeChunks();
      if (got.length > 0) takes++;
      streamed.push(...got);
    }
    expect(takes).toBeGreaterThan(20); // both streaming services handed pieces out as they went
    expect(cursor.takeChunks()).toEqual([]); // done: the rest is in the layout
    expect(() => cursor.chunks()).toThrow(/streamed/);
    const layout = cursor.layout();
    expect(layout.filter((x) => typeof x === 'number').length).toBe(2);
    expect(Buffer.from(assembleSnapshot(layout, streamed)).equals(Buffer.from(atP))).toBe(true);
    expect(() => layoutPieces(layout, streamed.slice(1))).toThrow(/not streamed/);
    expect(() => layoutPieces(layout, [...streamed, new Uint8Array(1)])).toThrow(/unused/);
  });
});
