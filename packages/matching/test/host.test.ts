import { type Egress, type Entry, ServiceHost } from '@venue/consensus';
import {
  decodeReply,
  ExecType,
  encodeCommand,
  MatchingService,
  OrdStatus,
  Reason,
  Side,
  TimeInForce,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, order } from './helpers.js';

/** Drives the real consensus ServiceHost with hand-made committed entries (no network, no Raft). */
class Log {
  index = 0;
  constructor(readonly host: ServiceHost) {}
  append(p: Partial<Entry> & Pick<Entry, 'type' | 'timestampMs'>): Egress[] {
    this.index++;
    return this.host.apply({
      term: 1,
      index: this.index,
      sessionId: 0,
      requestSeq: 0,
      correlationId: 0,
      serviceIndex: 0,
      payload: new Uint8Array(0),
      ...p,
    });
  }
  open(principal: string, ts: number): number {
    const out = this.append({
      type: 'session-open',
      timestampMs: ts,
      payload: new TextEncoder().encode(principal),
      correlationId: ts,
    });
    const opened = out.find((e) => e.kind === 'session-opened');
    if (opened === undefined) throw new Error('session not opened');
    return opened.sessionId;
  }
}

function makeHost(): ServiceHost {
  return new ServiceHost(() => [new MatchingService({ adminPrincipals: ['admin'] })]);
}

describe('MatchingService on the consensus ServiceHost', () => {
  it('applies orders, answers each session, fires the expiry timer, dedups retries, snapshots', () => {
    const host = makeHost();
    host.start(undefined);
    const log = new Log(host);
    const s1 = log.open('gw-a', 1_000);
    const s2 = log.open('gw-b', 1_000);

    let out = log.append({
      type: 'session-message',
      timestampMs: 1_100,
      sessionId: s1,
      requestSeq: 1,
      payload: encodeCommand(
        order({ accountId: ALICE, side: Side.Sell, tif: TimeInForce.GTD, expireAtMs: 9_000, qtyLots: 5 }),
      ),
    });
    expect(out).toHaveLength(1);
    expect(decodeReply(out[0]!.payload)).toMatchObject([
      { type: 'execution', execType: ExecType.New, orderId: 1 },
    ]);
    expect(host.timerCount).toBe(1);

    out = log.append({
      type: 'session-message',
      timestampMs: 1_200,
      sessionId: s2,
      requestSeq: 1,
      payload: encodeCommand(order({ accountId: BOB, qtyLots: 2 })),
    });
    expect(out.map((e) => e.sessionId)).toEqual([s2, s1]);
    expect(decodeReply(out[1]!.payload).at(-1)).toMatchObject({
      orderId: 1,
      ordStatus: OrdStatus.PartiallyFilled,
      leavesQtyLots: 3,
    });

    // A retried request is answered from the recorded response, not applied twice.
    const retry = log.append({
      type: 'session-message',
      timestampMs: 1_300,
      sessionId: s2,
      requestSeq: 1,
      payload: encodeCommand(order({ accountId: BOB, qtyLots: 2 })),
    });
    expect(retry.every((e) => e.duplicate)).toBe(true);
    const hashBefore = host.stateHash();

    // Snapshot + restore on a second host gives the same hash and the same future.
    const snap = host.takeSnapshot();
    const host2 = makeHost();
    host2.start(snap);
    expect(host2.stateHash()).toBe(hashBefore);

    expect(host.dueTimers(8_999)).toHaveLength(0);
    const due = host.dueTimers(9_000);
    expect(due).toHaveLength(1);
    const timerEntry = { type: 'timer' as const, timestampMs: 9_000, correlationId: due[0]!.correlationId };
    out = log.append(timerEntry);
    const log2 = new Log(host2);
    log2.index = log.index - 1;
    const out2 = log2.append(timerEntry);
    expect(out.map((e) => e.sessionId)).toEqual([s1]);
    expect(decodeReply(out[0]!.payload)).toMatchObject([
      { execType: ExecType.Expired, reason: Reason.GtdExpired, orderId: 1 },
    ]);
    expect(out2.map((e) => [e.sessionId, [...e.payload]])).toEqual(
      out.map((e) => [e.sessionId, [...e.payload]]),
    );
    expect(host2.stateHash()).toBe(host.stateHash());
    expect(host.timerCount).toBe(0);
  });
});
