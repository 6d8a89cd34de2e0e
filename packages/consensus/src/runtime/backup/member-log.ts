/**
 * Reading a live member's committed log and latest snapshot over its admin HTTP (GET /log, GET
 * /snapshot/latest): what the backup member and shadow runs use to follow a cluster without voting.
 */
import type { Entry } from '../../core/types.js';
import { decodePeerFrame } from '../wire/codec.js';

export interface MemberLogChunk {
  /** Committed entries from the requested index (empty when there is nothing newer). */
  readonly entries: readonly Entry[];
  readonly prevIndex: number;
  readonly prevTerm: number;
  /** The member's commit position when it answered. */
  readonly commitIndex: number;
}

export interface MemberSnapshot {
  readonly index: number;
  readonly term: number;
  readonly timestampMs: number;
  readonly data: Uint8Array;
}

export interface MemberRequestOptions {
  readonly timeoutMs?: number;
  /** Sent as a bearer token when the members require one. */
  readonly adminToken?: string;
}

export class MemberLogError extends Error {
  constructor(
    message: string,
    /** The entries asked for were compacted into a snapshot (HTTP 410): fetch the snapshot first. */
    readonly compacted = false,
  ) {
    super(message);
    this.name = 'MemberLogError';
  }
}

function get(address: string, pathAndQuery: string, o: MemberRequestOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  if (o.adminToken !== undefined) headers.authorization = `Bearer ${o.adminToken}`;
  return fetch(`http://${address}${pathAndQuery}`, {
    headers,
    signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
  });
}

/** Committed entries of the member at `address` (host:adminPort) from `from`, at most `max`. */
export async function readMemberLog(
  address: string,
  from: number,
  max: number,
  o: MemberRequestOptions = {},
): Promise<MemberLogChunk> {
  const res = await get(address, `/log?from=${from}&max=${max}`, o);
  if (res.status === 410) {
    await res.body?.cancel();
    throw new MemberLogError(`${address}: entries from ${from} were compacted into a snapshot`, true);
  }
  if (res.status !== 200) throw new MemberLogError(`${address}: GET /log answered ${res.status}`);
  const m = decodePeerFrame(new Uint8Array(await res.arrayBuffer()));
  if (m.type !== 'append')
    throw new MemberLogError(`${address}: GET /log returned ${m.type}, expected append`);
  return { entries: m.entries, prevIndex: m.prevIndex, prevTerm: m.prevTerm, commitIndex: m.commitIndex };
}

/** The member's newest valid snapshot, or undefined when it has none. */
export async function readMemberSnapshot(
  address: string,
  o: MemberRequestOptions = {},
): Promise<MemberSnapshot | undefined> {
  const res = await get(address, '/snapshot/latest', o);
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 200) throw new MemberLogError(`${address}: GET /snapshot/latest answered ${res.status}`);
  const index = Number(res.headers.get('x-snapshot-index'));
  const term = Number(res.headers.get('x-snapshot-term'));
  const timestampMs = Number(res.headers.get('x-snapshot-timestamp-ms'));
  if (!Number.isSafeInteger(index) || index < 1 || !Number.isSafeInteger(term))
    throw new MemberLogError(`${address}: snapshot without a valid x-snapshot-index/term`);
  return { index, term, timestampMs, data: new Uint8Array(await res.arrayBuffer()) };
}
