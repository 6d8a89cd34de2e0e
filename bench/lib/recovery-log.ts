/**
 * Writes a member's data directory directly with the consensus runtime's offline log writer and
 * snapshot store (no replication): a log of
 * `entries` entries and, optionally, a service snapshot `afterSnapshot` entries before its end. Far
 * faster than replicating the same log through a cluster (10M entries here would take ~20 min at the
 * replicated log's ~9k/s on this box; written directly they take seconds).
 *
 * The log is what a member of a one-member cluster would have written: 1 = noop (term 1), 2 = the
 * session-open of principal 'bench' (session id 2), 3.. = session messages of that session with
 * requestSeq 1, 2, ... and a `payloadBytes` payload each, for the consensus package's no-op bench
 * service. The snapshot bytes are the real ServiceHost snapshot after applying entries 1..S with that
 * service, so a member restores from it exactly as from one it took itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusteredService, defaultServiceHostConfig, type Entry, ServiceHost } from '@venue/consensus';
import { NodeStorage, openOfflineLogWriter } from '@venue/consensus/runtime';

const NOOP_SERVICE = fileURLToPath(
  new URL('../../packages/consensus/bench/noop-service.ts', import.meta.url),
);
const BATCH = 4096;
const ENTRIES_MAX = 50_000_000;

export interface GeneratedLog {
  readonly entries: number;
  /** Index of the snapshot (0 = none). */
  readonly snapshotIndex: number;
  readonly logBytes: number;
  readonly snapshotBytes: number;
  readonly writeMs: number;
}

export async function generateLog(
  dataDir: string,
  o: { entries: number; afterSnapshot: number; payloadBytes: number },
): Promise<GeneratedLog> {
  if (!(o.entries >= 3 && o.entries <= ENTRIES_MAX)) throw new Error(`entries must be 3..${ENTRIES_MAX}`);
  if (!(o.afterSnapshot >= 0 && o.afterSnapshot <= o.entries)) throw new Error('afterSnapshot out of range');
  const t0 = performance.now();
  const snapshotIndex = o.afterSnapshot >= o.entries - 2 ? 0 : o.entries - o.afterSnapshot;
  const mod = (await import(NOOP_SERVICE)) as { createServices: () => readonly ClusteredService[] };
  const host = new ServiceHost(() => mod.createServices(), defaultServiceHostConfig);
  host.start(undefined);
  // Log time: 100 entries per ms, ending a second ago (a restarted leader's clock is later).
  const baseMs = Date.now() - Math.ceil(o.entries / 100) - 1_000;
  const payload = new Uint8Array(o.payloadBytes).fill(7);
  const principal = new TextEncoder().encode('bench');
  const entryAt = (index: number): Entry => {
    const common = { term: 1, index, timestampMs: baseMs + Math.floor(index / 100), serviceIndex: 0 };
    if (index === 1)
      return {
        ...common,
        type: 'noop',
        sessionId: 0,
        requestSeq: 0,
        correlationId: 0,
        payload: new Uint8Array(0),
      };
    if (index === 2)
      return {
        ...common,
        type: 'session-open',
        sessionId: 0,
        requestSeq: 0,
        correlationId: 1,
        payload: principal,
      };
    return {
      ...common,
      type: 'session-message',
      sessionId: 2,
      requestSeq: index - 2,
      correlationId: 0,
      payload,
    };
  };
  // The log through the runtime's offline writer (what restore tools use), then the snapshot.
  const writer = await openOfflineLogWriter(dataDir);
  let snapshot: Uint8Array | undefined;
  try {
    for (let from = 1; from <= o.entries; from += BATCH) {
      const to = Math.min(o.entries, from + BATCH - 1);
      const batch: Entry[] = [];
      for (let i = from; i <= to; i++) {
        const e = entryAt(i);
        if (i <= snapshotIndex) host.apply(e);
        batch.push(e);
      }
      await writer.append(batch);
      if (snapshotIndex >= from && snapshotIndex <= to) snapshot = host.takeSnapshot();
    }
  } finally {
    await writer.close();
  }
  let snapshotBytes = 0;
  if (snapshot !== undefined) {
    snapshotBytes = snapshot.length;
    const storage = await NodeStorage.open(dataDir, { durability: 'none' });
    try {
      // Straight to the snapshot store: saveSnapshot would compact the log we want to keep whole.
      await storage.snapshots.write(
        { lastIndex: snapshotIndex, lastTerm: 1, timestampMs: host.lastTimestampMs },
        snapshot,
      );
    } finally {
      await storage.close();
    }
  }
  return {
    entries: o.entries,
    snapshotIndex,
    logBytes: dirBytes(path.join(dataDir, 'log')),
    snapshotBytes,
    writeMs: performance.now() - t0,
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) n += fs.statSync(path.join(dir, f)).size;
  return n;
}
