/**
 * Shadow (canary) runs: a candidate build of the services applies the same log as production, and
 * every entry's outputs are compared: the replies and events the services send to clients, the
 * market-data messages they publish, and (every `hashEveryEntries` entries and at the end) the state
 * hash. The first divergence is reported with its log position, the input entry decoded, and both
 * outputs side by side; the run goes on and counts every divergent entry.
 *
 * Because every input is in the log, this proves a new version on real traffic before it takes over:
 * a divergence is either the intended behaviour change (the report says exactly where it shows) or a
 * bug. It runs over a stopped member's data directory, or a copy of a live member's.
 */
import { type ClusteredService, type Entry, ServiceHost } from '@venue/consensus';
import { MemberLogError, openOfflineLog, readMemberLog, readMemberSnapshot } from '@venue/consensus/runtime';
import type { FeedListener, FeedMessage } from '@venue/marketdata';
import { decodeCommand, decodeReply } from '@venue/matching';
import { venueHostConfig } from '../upgrade/upgrade-command.js';

/** What a services build provides (the production build: `createVenueServices`). */
export interface ServicesBuild {
  /** A fresh set of services, in log order (called at start and at every snapshot restore). */
  createServices(): {
    readonly list: readonly ClusteredService[];
    /** Its market-data publisher, when the build has one (its messages are compared too). */
    readonly marketdata?: { subscribe(listener: FeedListener): () => void };
  };
  /** Highest service version the build runs (default: this build's). */
  readonly serviceVersionMax?: number;
}

export interface ShadowOptions {
  /** Where the log comes from: a stopped member's data directory (or a copy of a live one's)... */
  readonly dataDir?: string;
  /**
   * ...or a live member's admin address (host:port): the run follows the cluster like a non-voting
   * member (committed entries over GET /log, starting from its snapshot if the log was compacted).
   */
  readonly member?: string;
  readonly production: ServicesBuild;
  readonly candidate: ServicesBuild;
  /** Last position to apply (default: the end of the log). */
  readonly toPosition?: number;
  /** Compare state hashes every this many entries (and at the end); 1 = every entry. Default 1000. */
  readonly hashEveryEntries?: number;
  readonly onProgress?: (applied: number, total: number) => void;
}

export type DivergenceKind = 'client-output' | 'market-data' | 'state-hash';

export interface Divergence {
  readonly position: number;
  readonly kinds: readonly DivergenceKind[];
  /** The input entry, decoded (type, session, the matching command when it is one). */
  readonly input: string;
  readonly production: readonly string[];
  readonly candidate: readonly string[];
  /** The output lines that differ, aligned by position (undefined: that side has no such line). */
  readonly differences: readonly { readonly production?: string; readonly candidate?: string }[];
}

export interface ShadowReport {
  readonly fromPosition: number;
  readonly toPosition: number;
  readonly entriesApplied: number;
  /** Entries whose client outputs or market-data messages differ. */
  readonly divergentEntries: number;
  readonly hashChecks: number;
  readonly hashMismatches: number;
  readonly first: Divergence | undefined;
  readonly finalHashes: { readonly production: string; readonly candidate: string };
  readonly durationMs: number;
}

const READ_BATCH_ENTRIES = 4096;
const OUTPUT_LINES_MAX = 64;

/** JSON that survives bigint and byte arrays (for side-by-side output only). */
function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return Buffer.from(x).toString('hex');
    return x;
  });
}

function describeInput(e: Entry): string {
  const head = `#${e.index} ${e.type} t=${e.timestampMs} session=${e.sessionId} seq=${e.requestSeq}`;
  if (e.type === 'session-message') {
    try {
      return `${head} ${show(decodeCommand(e.payload, e.timestampMs, e.sessionId))}`;
    } catch {
      return `${head} (not a matching command: ${e.payload.length} bytes)`;
    }
  }
  if (e.type === 'session-open') return `${head} principal=${new TextDecoder().decode(e.payload)}`;
  return head;
}

/** One line per reply message, so that a difference shows as the lines that differ. */
function describeEgress(kind: string, sessionId: number, requestSeq: number, payload: Uint8Array): string[] {
  const head = `${kind} session=${sessionId} seq=${requestSeq}`;
  if (payload.length === 0) return [head];
  try {
    return decodeReply(payload).map((m) => `${head} ${show(m)}`);
  } catch {
    return [`${head} ${Buffer.from(payload).toString('hex')}`];
  }
}

/** One replica of a build: its service host and what it output for the current entry. */
class Replica {
  readonly host: ServiceHost;
  private feedLines: string[] = [];

  constructor(build: ServicesBuild) {
    const listener: FeedListener = { message: (m: FeedMessage) => this.feedLines.push(`md ${show(m)}`) };
    let unsubscribe: (() => void) | undefined;
    this.host = new ServiceHost(
      () => {
        unsubscribe?.();
        const s = build.createServices();
        unsubscribe = s.marketdata?.subscribe(listener);
        return s.list;
      },
      {
        ...venueHostConfig(),
        ...(build.serviceVersionMax === undefined ? {} : { serviceVersionMax: build.serviceVersionMax }),
      },
    );
  }

  /** Applies one entry; returns its client outputs and its market-data messages. */
  apply(e: Entry): { client: string[]; md: string[] } {
    this.feedLines = [];
    const egress = this.host.apply(e);
    const client = egress.flatMap((x) => describeEgress(x.kind, x.sessionId, x.requestSeq, x.payload));
    return { client, md: this.feedLines };
  }
}

function equalLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

interface Pass {
  first: Divergence | undefined;
  divergent: number;
  hashChecks: number;
  hashMismatches: number;
  /** Last position where the hashes were checked and equal (before any mismatch). */
  lastEqualHashAt: number;
  firstHashMismatchAt: number;
  applied: number;
  finalHashes: { production: string; candidate: string };
}

/** Committed entries and the snapshot to start from: a data directory or a live member. */
interface EntrySource {
  readonly snapshot: { readonly index: number; readonly data: Uint8Array } | undefined;
  /** Last position available (a live member: its commit position when the run started). */
  readonly lastIndex: number;
  read(from: number, max: number): Promise<readonly Entry[]>;
  close(): Promise<void>;
}

async function openSource(o: ShadowOptions): Promise<EntrySource> {
  if (o.dataDir !== undefined) {
    const log = await openOfflineLog(o.dataDir);
    return {
      snapshot: log.snapshot,
      lastIndex: log.lastIndex,
      read: async (from, max) => log.read(from, max),
      close: () => log.close(),
    };
  }
  const member = o.member;
  if (member === undefined) throw new Error('shadow: give a data directory or a live member');
  let snapshot: EntrySource['snapshot'];
  let commit: number;
  try {
    commit = (await readMemberLog(member, 1, 1)).commitIndex;
  } catch (err) {
    if (!(err instanceof MemberLogError && err.compacted)) throw err;
    const snap = await readMemberSnapshot(member);
    if (snap === undefined) throw new Error(`${member} compacted its log but serves no snapshot`);
    snapshot = { index: snap.index, data: snap.data };
    commit = (await readMemberLog(member, snap.index + 1, 1)).commitIndex;
  }
  return {
    snapshot,
    lastIndex: commit,
    read: async (from, max) => (await readMemberLog(member, from, max)).entries,
    close: async () => {},
  };
}

async function runPass(
  o: ShadowOptions,
  hashAt: (position: number) => boolean,
  stopAt: number | undefined,
): Promise<Pass & { from: number; to: number }> {
  const log = await openSource(o);
  try {
    const snap = log.snapshot;
    const to = Math.min(stopAt ?? o.toPosition ?? log.lastIndex, log.lastIndex);
    const prod = new Replica(o.production);
    const cand = new Replica(o.candidate);
    // Both start from the same snapshot: the candidate must read production's snapshot format.
    prod.host.start(snap?.data);
    cand.host.start(snap?.data);
    const from = (snap?.index ?? 0) + 1;
    const p: Pass = {
      first: undefined,
      divergent: 0,
      hashChecks: 0,
      hashMismatches: 0,
      lastEqualHashAt: from - 1,
      firstHashMismatchAt: 0,
      applied: 0,
      finalHashes: { production: '', candidate: '' },
    };
    let next = from;
    while (next <= to) {
      const batch = await log.read(next, Math.min(READ_BATCH_ENTRIES, to - next + 1));
      if (batch.length === 0) break;
      for (const e of batch) {
        const a = prod.apply(e);
        const b = cand.apply(e);
        const kinds: DivergenceKind[] = [];
        if (!equalLines(a.client, b.client)) kinds.push('client-output');
        if (!equalLines(a.md, b.md)) kinds.push('market-data');
        if (hashAt(e.index) || e.index === to) {
          p.hashChecks++;
          const hp = prod.host.stateHash();
          const hc = cand.host.stateHash();
          if (hp !== hc) {
            p.hashMismatches++;
            if (p.firstHashMismatchAt === 0) p.firstHashMismatchAt = e.index;
            kinds.push('state-hash');
          } else if (p.firstHashMismatchAt === 0) p.lastEqualHashAt = e.index;
        }
        if (kinds.length > 0) {
          if (kinds.some((k) => k !== 'state-hash')) p.divergent++;
          if (p.first === undefined) {
            const out = (r: { client: string[]; md: string[] }, h: ServiceHost) =>
              [...r.client, ...r.md, `state hash ${h.stateHash()}`].slice(0, OUTPUT_LINES_MAX);
            const production = out(a, prod.host);
            const candidate = out(b, cand.host);
            const differences: { production?: string; candidate?: string }[] = [];
            for (let i = 0; i < Math.max(production.length, candidate.length); i++) {
              const x = production[i];
              const y = candidate[i];
              if (x !== y)
                differences.push({
                  ...(x === undefined ? {} : { production: x }),
                  ...(y === undefined ? {} : { candidate: y }),
                });
            }
            p.first = {
              position: e.index,
              kinds,
              input: describeInput(e),
              production,
              candidate,
              differences,
            };
          }
        }
        p.applied++;
      }
      next += batch.length;
      o.onProgress?.(next - from, to - from + 1);
    }
    p.finalHashes = { production: prod.host.stateHash(), candidate: cand.host.stateHash() };
    return { ...p, from, to };
  } finally {
    await log.close();
  }
}

/**
 * Runs the candidate beside production over the log. When the first sign of divergence is a state
 * hash mismatch at a checkpoint (no output differed before it), a second pass hashes every entry
 * between the last equal checkpoint and that one, so the report names the exact entry.
 */
export async function runShadow(o: ShadowOptions): Promise<ShadowReport> {
  const every = o.hashEveryEntries ?? 1000;
  if (!Number.isSafeInteger(every) || every < 1)
    throw new Error('hashEveryEntries must be a positive integer');
  const started = performance.now();
  const pass = await runPass(o, (i) => i % every === 0, undefined);
  let first = pass.first;
  if (first !== undefined && first.kinds.length === 1 && first.kinds[0] === 'state-hash' && every > 1) {
    const lo = pass.lastEqualHashAt;
    const hi = pass.firstHashMismatchAt;
    const exact = await runPass({ ...o, onProgress: undefined }, (i) => i > lo && i <= hi, hi);
    first = exact.first ?? first;
  }
  return {
    fromPosition: pass.from,
    toPosition: pass.to,
    entriesApplied: pass.applied,
    divergentEntries: pass.divergent,
    hashChecks: pass.hashChecks,
    hashMismatches: pass.hashMismatches,
    first,
    finalHashes: pass.finalHashes,
    durationMs: performance.now() - started,
  };
}

/** The report as text for the terminal. */
export function formatShadowReport(r: ShadowReport): string {
  const lines = [
    `shadow: applied entries ${r.fromPosition}..${r.toPosition} (${r.entriesApplied}) in ${r.durationMs.toFixed(0)} ms`,
    `divergent entries (client output or market data): ${r.divergentEntries}`,
    `state hash checks: ${r.hashChecks}, mismatches: ${r.hashMismatches}`,
    `final state hash: production ${r.finalHashes.production}, candidate ${r.finalHashes.candidate}`,
  ];
  const f = r.first;
  if (f === undefined) {
    lines.push('no divergence: the candidate behaves exactly as production on this log');
  } else {
    lines.push(
      '',
      `FIRST DIVERGENCE at log position ${f.position} (${f.kinds.join(', ')})`,
      `input: ${f.input}`,
      `outputs that differ (${f.differences.length} of ${Math.max(f.production.length, f.candidate.length)} lines):`,
      ...f.differences.flatMap((d) => [
        `  - production: ${d.production ?? '(none)'}`,
        `  + candidate:  ${d.candidate ?? '(none)'}`,
      ]),
      `all outputs of production at ${f.position}:`,
      ...f.production.map((l) => `    ${l}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
