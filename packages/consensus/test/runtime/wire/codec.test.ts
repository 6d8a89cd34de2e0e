import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, EntryType, Message } from '../../../src/core/types.js';
import {
  type ClientEgress,
  type ClientIngress,
  decodeClientEgress,
  decodeClientIngress,
  decodeEntryBody,
  decodePeerFrame,
  encodeClientEgress,
  encodeClientIngress,
  encodeEntryBody,
  encodeMessage,
  encodePeerHello,
  entryKindOf,
  WireError,
} from '../../../src/runtime/wire/codec.js';
import { FrameReader, FrameTooLargeError, frame } from '../../../src/runtime/wire/frames.js';

const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const id = fc.integer({ min: 1, max: 0xffff_ffff });
const bytes = fc.uint8Array({ maxLength: 300 });
const entryType = fc.constantFrom<EntryType>(
  'noop',
  'session-open',
  'session-message',
  'session-keepalive',
  'session-close',
  'session-timeout',
  'timer',
);
const entry: fc.Arbitrary<Entry> = fc.record({
  term: u53,
  index: u53,
  timestampMs: u53,
  type: entryType,
  sessionId: u53,
  requestSeq: u53,
  correlationId: u53,
  serviceIndex: fc.integer({ min: 0, max: 0xffff_ffff }),
  payload: bytes,
});
const base = { from: id, to: id, term: u53 };
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('pre-vote' as const), ...base, lastIndex: u53, lastTerm: u53 }),
  fc.record({ type: fc.constant('pre-vote-response' as const), ...base, granted: fc.boolean() }),
  fc.record({
    type: fc.constant('vote' as const),
    ...base,
    lastIndex: u53,
    lastTerm: u53,
    transfer: fc.boolean(),
  }),
  fc.record({ type: fc.constant('vote-response' as const), ...base, granted: fc.boolean() }),
  fc.record({
    type: fc.constant('append' as const),
    ...base,
    prevIndex: u53,
    prevTerm: u53,
    entries: fc.array(entry, { maxLength: 8 }),
    commitIndex: u53,
  }),
  fc.record({
    type: fc.constant('append-response' as const),
    ...base,
    success: fc.boolean(),
    matchIndex: u53,
    lastIndex: u53,
    rejectedIndex: u53,
    hintIndex: u53,
    hintTerm: u53,
  }),
  fc.record({ type: fc.constant('heartbeat' as const), ...base, commitIndex: u53 }),
  fc.record({
    type: fc.constant('snapshot-chunk' as const),
    ...base,
    snapshotIndex: u53,
    snapshotTerm: u53,
    snapshotTimestampMs: u53,
    offsetBytes: u53,
    totalBytes: u53,
    data: bytes,
  }),
  fc.record({
    type: fc.constant('snapshot-response' as const),
    ...base,
    snapshotIndex: u53,
    nextOffsetBytes: u53,
    done: fc.boolean(),
  }),
  fc.record({ type: fc.constant('timeout-now' as const), ...base }),
);

const text = fc.string({ maxLength: 200 });
const ingress: fc.Arbitrary<ClientIngress> = fc.oneof(
  fc.record({ type: fc.constant('open' as const), nonce: u53, principal: text }),
  fc.record({ type: fc.constant('request' as const), sessionId: u53, requestSeq: u53, payload: bytes }),
  fc.record({ type: fc.constant('keep-alive' as const), sessionId: u53 }),
  fc.record({ type: fc.constant('close' as const), sessionId: u53 }),
);
const egress: fc.Arbitrary<ClientEgress> = fc.oneof(
  fc.record({
    type: fc.constant('open-response' as const),
    nonce: u53,
    status: fc.constantFrom('opened' as const, 'redirect' as const, 'rejected' as const),
    sessionId: u53,
    leaderId: id,
    leaderAddress: text,
  }),
  fc.record({
    type: fc.constant('response' as const),
    sessionId: u53,
    requestSeq: u53,
    status: fc.constantFrom(
      'applied' as const,
      'duplicate' as const,
      'stale' as const,
      'unknown-session' as const,
    ),
    replies: fc.array(bytes, { maxLength: 5 }),
  }),
  fc.record({ type: fc.constant('event' as const), sessionId: u53, payload: bytes }),
  fc.record({ type: fc.constant('not-leader' as const), leaderId: id, leaderAddress: text }),
  fc.record({
    type: fc.constant('rejected' as const),
    sessionId: u53,
    requestSeq: u53,
    code: fc.constantFrom(
      'back-pressure' as const,
      'out-of-order' as const,
      'invalid' as const,
      'no-session' as const,
    ),
    detail: text,
  }),
  fc.record({ type: fc.constant('session-closed' as const), sessionId: u53, reason: text }),
  fc.record({ type: fc.constant('keep-alive-ack' as const), sessionId: u53 }),
);

describe('wire codec', () => {
  it('round-trips every core message type', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodePeerFrame(encodeMessage(m))).toEqual(m);
      }),
      {
        numRuns: 500,
      },
    );
  });

  it('round-trips the peer hello', () => {
    const h = { from: 3, to: 1, clusterMembers: 3 };
    expect(decodePeerFrame(encodePeerHello(h))).toEqual({ type: 'hello', ...h });
  });

  it('round-trips log entry bodies with the storage frame fields', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const back = decodeEntryBody(
          { index: e.index, term: e.term, timestampMs: e.timestampMs, type: entryKindOf(e.type) },
          encodeEntryBody(e),
        );
        expect(back).toEqual(e);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips the client protocol in both directions', () => {
    fc.assert(
      fc.property(ingress, (m) => {
        expect(decodeClientIngress(encodeClientIngress(m))).toEqual(m);
      }),
      {
        numRuns: 300,
      },
    );
    fc.assert(
      fc.property(egress, (m) => {
        expect(decodeClientEgress(encodeClientEgress(m))).toEqual(m);
      }),
      {
        numRuns: 300,
      },
    );
  });

  it('random bytes and truncated messages decode or fail with WireError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        for (const decode of [decodePeerFrame, decodeClientIngress, decodeClientEgress]) {
          try {
            decode(b);
          } catch (err) {
            expect(err).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const full = encodeMessage(m);
        const part = full.subarray(0, cut % full.length);
        expect(() => decodePeerFrame(part)).toThrow(WireError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a client message on the member decoder and vice versa', () => {
    const req = encodeClientIngress({ type: 'keep-alive', sessionId: 5 });
    expect(() => decodePeerFrame(req)).toThrow(/not a member message/);
    const hb = encodeMessage({ type: 'heartbeat', from: 1, to: 2, term: 3, commitIndex: 4 });
    expect(() => decodeClientIngress(hb)).toThrow(/not a client request/);
  });
});

describe('frames', () => {
  it('reassembles frames split at every byte boundary', () => {
    const bodies = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).fill(7)];
    const stream = Buffer.concat(bodies.map(frame));
    for (let cut = 0; cut <= stream.length; cut += 13) {
      const reader = new FrameReader(4096);
      const got: number[][] = [];
      reader.push(stream.subarray(0, cut), (b) => got.push([...b]));
      reader.push(stream.subarray(cut), (b) => got.push([...b]));
      expect(got).toEqual(bodies.map((b) => [...b]));
      expect(reader.bufferedBytes).toBe(0);
    }
  });

  it('refuses a frame above the limit before buffering it', () => {
    const reader = new FrameReader(100);
    const big = Buffer.alloc(4);
    big.writeUInt32LE(101, 0);
    expect(() => reader.push(big, () => {})).toThrow(FrameTooLargeError);
  });
});
