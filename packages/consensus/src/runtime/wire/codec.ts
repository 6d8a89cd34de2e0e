/**
 * Core objects <-> SBE bytes (schema packages/consensus/schema/consensus.xml). Every encoded message
 * carries the SBE header; framing (the u32 length prefix) is in frames.ts. Decoding bad bytes throws
 * WireError and never anything else, so a socket handler can drop the connection cleanly.
 */

import type { Entry, EntryType, Message } from '../../core/types.js';
import {
  AppendEncoder,
  AppendResponseEncoder,
  EgressEventEncoder,
  EgressResponseEncoder,
  EntryBodyDecoder,
  EntryBodyEncoder,
  EntryKind,
  HeartbeatEncoder,
  IngressRequestEncoder,
  KeepAliveAckEncoder,
  KeepAliveEncoder,
  MESSAGE_HEADER_LENGTH,
  MessageDispatcher,
  NotLeaderEncoder,
  OpenStatus,
  PeerHelloEncoder,
  PreVoteEncoder,
  PreVoteResponseEncoder,
  type RejectCode,
  RequestRejectedEncoder,
  type ResponseStatus,
  SessionClosedEncoder,
  SessionCloseRequestEncoder,
  SessionOpenRequestEncoder,
  SessionOpenResponseEncoder,
  SnapshotChunkEncoder,
  SnapshotResponseEncoder,
  TimeoutNowEncoder,
  VoteEncoder,
  VoteResponseEncoder,
} from '../../generated/consensus/index.js';

export class WireError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WireError';
  }
}

const KIND_OF: Record<EntryType, EntryKind> = {
  noop: EntryKind.Noop,
  'session-open': EntryKind.SessionOpen,
  'session-message': EntryKind.SessionMessage,
  'session-keepalive': EntryKind.SessionKeepAlive,
  'session-close': EntryKind.SessionClose,
  'session-timeout': EntryKind.SessionTimeout,
  timer: EntryKind.Timer,
};
const TYPE_OF: readonly EntryType[] = [
  'noop',
  'session-open',
  'session-message',
  'session-keepalive',
  'session-close',
  'session-timeout',
  'timer',
];

/** Entry type <-> the u16 `type` of a storage frame (same numbers as the SBE EntryKind). */
export function entryKindOf(type: EntryType): number {
  return KIND_OF[type];
}
export function entryTypeOf(kind: number): EntryType {
  const t = TYPE_OF[kind];
  if (t === undefined) throw new WireError(`unknown entry kind ${kind}`);
  return t;
}

// ---- Member messages ---------------------------------------------------------------------------------

const APPEND_BLOCK = 40;
const ENTRY_BLOCK = 53;
const HEADER = MESSAGE_HEADER_LENGTH;

const enc = {
  preVote: new PreVoteEncoder(),
  preVoteResponse: new PreVoteResponseEncoder(),
  vote: new VoteEncoder(),
  voteResponse: new VoteResponseEncoder(),
  append: new AppendEncoder(),
  appendResponse: new AppendResponseEncoder(),
  heartbeat: new HeartbeatEncoder(),
  snapshotChunk: new SnapshotChunkEncoder(),
  snapshotResponse: new SnapshotResponseEncoder(),
  timeoutNow: new TimeoutNowEncoder(),
  peerHello: new PeerHelloEncoder(),
  entryBody: new EntryBodyEncoder(),
  sessionOpenRequest: new SessionOpenRequestEncoder(),
  sessionOpenResponse: new SessionOpenResponseEncoder(),
  ingressRequest: new IngressRequestEncoder(),
  egressResponse: new EgressResponseEncoder(),
  egressEvent: new EgressEventEncoder(),
  keepAlive: new KeepAliveEncoder(),
  keepAliveAck: new KeepAliveAckEncoder(),
  sessionCloseRequest: new SessionCloseRequestEncoder(),
  notLeader: new NotLeaderEncoder(),
  requestRejected: new RequestRejectedEncoder(),
  sessionClosed: new SessionClosedEncoder(),
};
const dispatcher = new MessageDispatcher();
const entryBodyDecoder = new EntryBodyDecoder();
const utf8 = new TextEncoder();

/** Upper bound of the encoded size of `m` (header included). */
export function messageSizeBound(m: Message): number {
  if (m.type === 'append') {
    let n = HEADER + APPEND_BLOCK + 4;
    for (const e of m.entries) n += ENTRY_BLOCK + 4 + e.payload.length;
    return n;
  }
  if (m.type === 'snapshot-chunk') return HEADER + 64 + 4 + m.data.length;
  return HEADER + 64;
}

/**
 * Encodes a core message into `buf` at `offset` (buf must hold messageSizeBound(m) bytes from there);
 * returns the number of bytes written.
 */
export function encodeMessageInto(m: Message, buf: Uint8Array, offset: number): number {
  switch (m.type) {
    case 'pre-vote': {
      const e = enc.preVote.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .lastIndexAsNumber(m.lastIndex)
        .lastTermAsNumber(m.lastTerm);
      return HEADER + e.encodedLength();
    }
    case 'pre-vote-response': {
      const e = enc.preVoteResponse.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .granted(m.granted ? 1 : 0);
      return HEADER + e.encodedLength();
    }
    case 'vote': {
      const e = enc.vote.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .lastIndexAsNumber(m.lastIndex)
        .lastTermAsNumber(m.lastTerm);
      e.transfer(m.transfer ? 1 : 0);
      return HEADER + e.encodedLength();
    }
    case 'vote-response': {
      const e = enc.voteResponse.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .granted(m.granted ? 1 : 0);
      return HEADER + e.encodedLength();
    }
    case 'append': {
      const e = enc.append.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .prevIndexAsNumber(m.prevIndex)
        .prevTermAsNumber(m.prevTerm);
      e.commitIndexAsNumber(m.commitIndex);
      const g = e.entriesCount(m.entries.length);
      for (const x of m.entries) {
        g.next()
          .termAsNumber(x.term)
          .entryIndexAsNumber(x.index)
          .timestampMsAsNumber(x.timestampMs)
          .sessionIdAsNumber(x.sessionId)
          .requestSeqAsNumber(x.requestSeq)
          .correlationIdAsNumber(x.correlationId)
          .serviceIndex(x.serviceIndex)
          .kind(KIND_OF[x.type])
          .putPayload(x.payload);
      }
      return HEADER + e.encodedLength();
    }
    case 'append-response': {
      const e = enc.appendResponse.wrapAndApplyHeader(buf, offset);
      e.from(m.from)
        .to(m.to)
        .termAsNumber(m.term)
        .matchIndexAsNumber(m.matchIndex)
        .lastIndexAsNumber(m.lastIndex);
      e.rejectedIndexAsNumber(m.rejectedIndex).hintIndexAsNumber(m.hintIndex).hintTermAsNumber(m.hintTerm);
      e.success(m.success ? 1 : 0);
      return HEADER + e.encodedLength();
    }
    case 'heartbeat': {
      const e = enc.heartbeat.wrapAndApplyHeader(buf, offset);
      e.from(m.from).to(m.to).termAsNumber(m.term).commitIndexAsNumber(m.commitIndex);
      return HEADER + e.encodedLength();
    }
    case 'snapshot-chunk': {
      const e = enc.snapshotChunk.wrapAndApplyHeader(buf, offset);
      e.from(m.from).to(m.to).termAsNumber(m.term).snapshotIndexAsNumber(m.snapshotIndex);
      e.snapshotTermAsNumber(m.snapshotTerm).snapshotTimestampMsAsNumber(m.snapshotTimestampMs);
      e.offsetBytesAsNumber(m.offsetBytes).totalBytesAsNumber(m.totalBytes).putData(m.data);
      return HEADER + e.encodedLength();
    }
    case 'snapshot-response': {
      const e = enc.snapshotResponse.wrapAndApplyHeader(buf, offset);
      e.from(m.from).to(m.to).termAsNumber(m.term).snapshotIndexAsNumber(m.snapshotIndex);
      e.nextOffsetBytesAsNumber(m.nextOffsetBytes).done(m.done ? 1 : 0);
      return HEADER + e.encodedLength();
    }
    case 'timeout-now': {
      const e = enc.timeoutNow.wrapAndApplyHeader(buf, offset);
      e.from(m.from).to(m.to).termAsNumber(m.term);
      return HEADER + e.encodedLength();
    }
  }
}

export function encodeMessage(m: Message): Uint8Array {
  const buf = new Uint8Array(messageSizeBound(m));
  return buf.subarray(0, encodeMessageInto(m, buf, 0));
}

function flag(v: number, name: string): boolean {
  if (v !== 0 && v !== 1) throw new WireError(`${name}: flag ${v} is not 0 or 1`);
  return v === 1;
}

/** First frame of a member connection: who is calling (checked against the configuration). */
export interface PeerHello {
  readonly from: number;
  readonly to: number;
  readonly clusterMembers: number;
}

export function encodePeerHello(h: PeerHello): Uint8Array {
  const buf = new Uint8Array(HEADER + 16);
  const e = enc.peerHello.wrapAndApplyHeader(buf, 0);
  e.from(h.from).to(h.to).clusterMembers(h.clusterMembers);
  return buf.subarray(0, HEADER + e.encodedLength());
}

/** Decodes a member frame: a core Message or the connection hello. Throws WireError on bad bytes. */
export function decodePeerFrame(bytes: Uint8Array): Message | ({ readonly type: 'hello' } & PeerHello) {
  try {
    return decodePeerFrameUnchecked(bytes);
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`malformed member message: ${(err as Error).message}`, { cause: err });
  }
}

function decodePeerFrameUnchecked(bytes: Uint8Array): Message | ({ readonly type: 'hello' } & PeerHello) {
  const d = dispatcher.wrap(bytes, 0);
  if (d === null) throw new WireError('not a consensus message (schema or template unknown)');
  switch (d.sbeName) {
    case 'PreVote':
      return {
        type: 'pre-vote',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        lastIndex: d.lastIndexAsNumber(),
        lastTerm: d.lastTermAsNumber(),
      };
    case 'PreVoteResponse':
      return {
        type: 'pre-vote-response',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        granted: flag(d.granted(), 'granted'),
      };
    case 'Vote':
      return {
        type: 'vote',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        lastIndex: d.lastIndexAsNumber(),
        lastTerm: d.lastTermAsNumber(),
        transfer: flag(d.transfer(), 'transfer'),
      };
    case 'VoteResponse':
      return {
        type: 'vote-response',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        granted: flag(d.granted(), 'granted'),
      };
    case 'Append': {
      const from = d.from();
      const to = d.to();
      const term = d.termAsNumber();
      const prevIndex = d.prevIndexAsNumber();
      const prevTerm = d.prevTermAsNumber();
      const commitIndex = d.commitIndexAsNumber();
      const entries: Entry[] = [];
      for (const g of d.entries()) {
        const kind = g.kindRaw();
        entries.push({
          term: g.termAsNumber(),
          index: g.entryIndexAsNumber(),
          timestampMs: g.timestampMsAsNumber(),
          sessionId: g.sessionIdAsNumber(),
          requestSeq: g.requestSeqAsNumber(),
          correlationId: g.correlationIdAsNumber(),
          serviceIndex: g.serviceIndex(),
          type: entryTypeOf(kind),
          payload: g.payloadBytes().slice(),
        });
      }
      return { type: 'append', from, to, term, prevIndex, prevTerm, entries, commitIndex };
    }
    case 'AppendResponse':
      return {
        type: 'append-response',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        matchIndex: d.matchIndexAsNumber(),
        lastIndex: d.lastIndexAsNumber(),
        rejectedIndex: d.rejectedIndexAsNumber(),
        hintIndex: d.hintIndexAsNumber(),
        hintTerm: d.hintTermAsNumber(),
        success: flag(d.success(), 'success'),
      };
    case 'Heartbeat':
      return {
        type: 'heartbeat',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        commitIndex: d.commitIndexAsNumber(),
      };
    case 'SnapshotChunk':
      return {
        type: 'snapshot-chunk',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        snapshotIndex: d.snapshotIndexAsNumber(),
        snapshotTerm: d.snapshotTermAsNumber(),
        snapshotTimestampMs: d.snapshotTimestampMsAsNumber(),
        offsetBytes: d.offsetBytesAsNumber(),
        totalBytes: d.totalBytesAsNumber(),
        data: d.dataBytes().slice(),
      };
    case 'SnapshotResponse':
      return {
        type: 'snapshot-response',
        from: d.from(),
        to: d.to(),
        term: d.termAsNumber(),
        snapshotIndex: d.snapshotIndexAsNumber(),
        nextOffsetBytes: d.nextOffsetBytesAsNumber(),
        done: flag(d.done(), 'done'),
      };
    case 'TimeoutNow':
      return { type: 'timeout-now', from: d.from(), to: d.to(), term: d.termAsNumber() };
    case 'PeerHello':
      return { type: 'hello', from: d.from(), to: d.to(), clusterMembers: d.clusterMembers() };
    default:
      throw new WireError(`${d.sbeName} is not a member message`);
  }
}

// ---- Log entry bodies --------------------------------------------------------------------------------

/** The storage payload of an entry: everything the storage frame does not already hold. */
export function encodeEntryBody(e: Entry): Uint8Array {
  const buf = new Uint8Array(HEADER + 28 + 4 + e.payload.length);
  const x = enc.entryBody.wrapAndApplyHeader(buf, 0);
  x.sessionIdAsNumber(e.sessionId).requestSeqAsNumber(e.requestSeq).correlationIdAsNumber(e.correlationId);
  x.serviceIndex(e.serviceIndex).putPayload(e.payload);
  return buf.subarray(0, HEADER + x.encodedLength());
}

/** Rebuilds a core Entry from a storage frame's fields and body. */
export function decodeEntryBody(
  frame: {
    readonly index: number;
    readonly term: number;
    readonly timestampMs: number;
    readonly type: number;
  },
  body: Uint8Array,
): Entry {
  try {
    const d = entryBodyDecoder.wrapWithHeader(body, 0);
    return {
      index: frame.index,
      term: frame.term,
      timestampMs: frame.timestampMs,
      type: entryTypeOf(frame.type),
      sessionId: d.sessionIdAsNumber(),
      requestSeq: d.requestSeqAsNumber(),
      correlationId: d.correlationIdAsNumber(),
      serviceIndex: d.serviceIndex(),
      payload: d.payloadBytes().slice(),
    };
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`malformed log entry body at index ${frame.index}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

// ---- Client protocol ---------------------------------------------------------------------------------

export type ResponseStatusName = 'applied' | 'duplicate' | 'stale' | 'unknown-session';
export type RejectCodeName = 'back-pressure' | 'out-of-order' | 'invalid' | 'no-session';

const RESPONSE_STATUS: readonly ResponseStatusName[] = ['applied', 'duplicate', 'stale', 'unknown-session'];
const REJECT_CODE: readonly RejectCodeName[] = ['back-pressure', 'out-of-order', 'invalid', 'no-session'];

/** Messages from a client to a member. */
export type ClientIngress =
  | { readonly type: 'open'; readonly nonce: number; readonly principal: string }
  | {
      readonly type: 'request';
      readonly sessionId: number;
      readonly requestSeq: number;
      readonly payload: Uint8Array;
      /** 0 (default): for the services; SERVICE_CONTROL_INDEX: for the service host. */
      readonly serviceIndex?: number;
    }
  | { readonly type: 'keep-alive'; readonly sessionId: number }
  | { readonly type: 'close'; readonly sessionId: number };

/** Messages from a member to a client. */
export type ClientEgress =
  | {
      readonly type: 'open-response';
      readonly nonce: number;
      readonly status: 'opened' | 'redirect' | 'rejected';
      readonly sessionId: number;
      readonly leaderId: number;
      readonly leaderAddress: string;
    }
  | {
      readonly type: 'response';
      readonly sessionId: number;
      readonly requestSeq: number;
      readonly status: ResponseStatusName;
      readonly replies: readonly Uint8Array[];
    }
  | { readonly type: 'event'; readonly sessionId: number; readonly payload: Uint8Array }
  | { readonly type: 'not-leader'; readonly leaderId: number; readonly leaderAddress: string }
  | {
      readonly type: 'rejected';
      readonly sessionId: number;
      readonly requestSeq: number;
      readonly code: RejectCodeName;
      readonly detail: string;
    }
  | { readonly type: 'session-closed'; readonly sessionId: number; readonly reason: string }
  | { readonly type: 'keep-alive-ack'; readonly sessionId: number };

const OPEN_STATUS = {
  opened: OpenStatus.Opened,
  redirect: OpenStatus.Redirect,
  rejected: OpenStatus.Rejected,
};
const OPEN_STATUS_NAME: readonly ('opened' | 'redirect' | 'rejected')[] = ['opened', 'redirect', 'rejected'];

function textBound(s: string): number {
  return 2 + utf8.encode(s).length;
}

export function encodeClientIngress(m: ClientIngress): Uint8Array {
  switch (m.type) {
    case 'open': {
      const buf = new Uint8Array(HEADER + 8 + textBound(m.principal));
      const e = enc.sessionOpenRequest.wrapAndApplyHeader(buf, 0);
      e.nonceAsNumber(m.nonce).principal(m.principal);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'request': {
      const buf = new Uint8Array(HEADER + 20 + 4 + m.payload.length);
      const e = enc.ingressRequest.wrapAndApplyHeader(buf, 0);
      e.sessionIdAsNumber(m.sessionId)
        .requestSeqAsNumber(m.requestSeq)
        .serviceIndex(m.serviceIndex ?? 0)
        .putPayload(m.payload);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'keep-alive': {
      const buf = new Uint8Array(HEADER + 8);
      enc.keepAlive.wrapAndApplyHeader(buf, 0).sessionIdAsNumber(m.sessionId);
      return buf;
    }
    case 'close': {
      const buf = new Uint8Array(HEADER + 8);
      enc.sessionCloseRequest.wrapAndApplyHeader(buf, 0).sessionIdAsNumber(m.sessionId);
      return buf;
    }
  }
}

export function encodeClientEgress(m: ClientEgress): Uint8Array {
  switch (m.type) {
    case 'open-response': {
      const buf = new Uint8Array(HEADER + 32 + textBound(m.leaderAddress));
      const e = enc.sessionOpenResponse.wrapAndApplyHeader(buf, 0);
      e.nonceAsNumber(m.nonce).sessionIdAsNumber(m.sessionId).leaderId(m.leaderId);
      e.status(OPEN_STATUS[m.status]).lastRequestSeqAsNumber(0).leaderAddress(m.leaderAddress);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'response': {
      let n = HEADER + 17 + 4;
      for (const r of m.replies) n += 4 + r.length;
      const buf = new Uint8Array(n);
      const e = enc.egressResponse.wrapAndApplyHeader(buf, 0);
      e.sessionIdAsNumber(m.sessionId).requestSeqAsNumber(m.requestSeq);
      e.status(RESPONSE_STATUS.indexOf(m.status) as ResponseStatus);
      const g = e.repliesCount(m.replies.length);
      for (const r of m.replies) g.next().putPayload(r);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'event': {
      const buf = new Uint8Array(HEADER + 8 + 4 + m.payload.length);
      const e = enc.egressEvent.wrapAndApplyHeader(buf, 0);
      e.sessionIdAsNumber(m.sessionId).putPayload(m.payload);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'not-leader': {
      const buf = new Uint8Array(HEADER + 4 + textBound(m.leaderAddress));
      const e = enc.notLeader.wrapAndApplyHeader(buf, 0);
      e.leaderId(m.leaderId).leaderAddress(m.leaderAddress);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'rejected': {
      const buf = new Uint8Array(HEADER + 17 + textBound(m.detail));
      const e = enc.requestRejected.wrapAndApplyHeader(buf, 0);
      e.sessionIdAsNumber(m.sessionId).requestSeqAsNumber(m.requestSeq);
      e.code(REJECT_CODE.indexOf(m.code) as RejectCode).detail(m.detail);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'session-closed': {
      const buf = new Uint8Array(HEADER + 8 + textBound(m.reason));
      const e = enc.sessionClosed.wrapAndApplyHeader(buf, 0);
      e.sessionIdAsNumber(m.sessionId).reason(m.reason);
      return buf.subarray(0, HEADER + e.encodedLength());
    }
    case 'keep-alive-ack': {
      const buf = new Uint8Array(HEADER + 8);
      enc.keepAliveAck.wrapAndApplyHeader(buf, 0).sessionIdAsNumber(m.sessionId);
      return buf;
    }
  }
}

function named<T>(table: readonly T[], raw: number, what: string): T {
  const v = table[raw];
  if (v === undefined) throw new WireError(`unknown ${what} ${raw}`);
  return v;
}

export function decodeClientIngress(bytes: Uint8Array): ClientIngress {
  try {
    const d = dispatcher.wrap(bytes, 0);
    if (d === null) throw new WireError('not a consensus message (schema or template unknown)');
    switch (d.sbeName) {
      case 'SessionOpenRequest':
        return { type: 'open', nonce: d.nonceAsNumber(), principal: d.principal() };
      case 'IngressRequest': {
        const sessionId = d.sessionIdAsNumber();
        const requestSeq = d.requestSeqAsNumber();
        const serviceIndex = d.serviceIndex();
        const payload = d.payloadBytes().slice();
        return serviceIndex === 0
          ? { type: 'request', sessionId, requestSeq, payload }
          : { type: 'request', sessionId, requestSeq, payload, serviceIndex };
      }
      case 'KeepAlive':
        return { type: 'keep-alive', sessionId: d.sessionIdAsNumber() };
      case 'SessionCloseRequest':
        return { type: 'close', sessionId: d.sessionIdAsNumber() };
      default:
        throw new WireError(`${d.sbeName} is not a client request`);
    }
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`malformed client message: ${(err as Error).message}`, { cause: err });
  }
}

export function decodeClientEgress(bytes: Uint8Array): ClientEgress {
  try {
    const d = dispatcher.wrap(bytes, 0);
    if (d === null) throw new WireError('not a consensus message (schema or template unknown)');
    switch (d.sbeName) {
      case 'SessionOpenResponse': {
        const nonce = d.nonceAsNumber();
        const sessionId = d.sessionIdAsNumber();
        const leaderId = d.leaderId();
        const status = named(OPEN_STATUS_NAME, d.statusRaw(), 'open status');
        d.lastRequestSeqAsNumber();
        return {
          type: 'open-response',
          nonce,
          status,
          sessionId,
          leaderId,
          leaderAddress: d.leaderAddress(),
        };
      }
      case 'EgressResponse': {
        const sessionId = d.sessionIdAsNumber();
        const requestSeq = d.requestSeqAsNumber();
        const status = named(RESPONSE_STATUS, d.statusRaw(), 'response status');
        const replies: Uint8Array[] = [];
        for (const g of d.replies()) replies.push(g.payloadBytes().slice());
        return { type: 'response', sessionId, requestSeq, status, replies };
      }
      case 'EgressEvent':
        return { type: 'event', sessionId: d.sessionIdAsNumber(), payload: d.payloadBytes().slice() };
      case 'NotLeader':
        return { type: 'not-leader', leaderId: d.leaderId(), leaderAddress: d.leaderAddress() };
      case 'RequestRejected': {
        const sessionId = d.sessionIdAsNumber();
        const requestSeq = d.requestSeqAsNumber();
        const code = named(REJECT_CODE, d.codeRaw(), 'reject code');
        return { type: 'rejected', sessionId, requestSeq, code, detail: d.detail() };
      }
      case 'SessionClosed':
        return { type: 'session-closed', sessionId: d.sessionIdAsNumber(), reason: d.reason() };
      case 'KeepAliveAck':
        return { type: 'keep-alive-ack', sessionId: d.sessionIdAsNumber() };
      default:
        throw new WireError(`${d.sbeName} is not a client egress message`);
    }
  } catch (err) {
    if (err instanceof WireError) throw err;
    throw new WireError(`malformed client egress: ${(err as Error).message}`, { cause: err });
  }
}
