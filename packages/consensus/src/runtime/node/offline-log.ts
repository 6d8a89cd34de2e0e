/**
 * Read-only access to a stopped member's data directory, for audits and "why did this happen":
 * the newest valid snapshot and the log entries after it, decoded as the core's entries.
 */

import type { Entry, Snapshot } from '../../core/types.js';
import { NodeStorage } from '../storage/node-storage.js';
import type { LoadedSnapshot } from '../storage/snapshot-store.js';
import { decodeEntryBody, encodeEntryBody, entryKindOf } from '../wire/codec.js';

export interface OfflineLog {
  /** Newest valid snapshot (the log before it was compacted), if any. */
  readonly snapshot: Snapshot | undefined;
  /** First and last index stored in the log (entries up to `snapshot.index` may be compacted). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Up to `maxEntries` entries from `fromIndex`, in order. */
  read(fromIndex: number, maxEntries: number): Entry[];
  close(): Promise<void>;
}

const READ_BYTES_MAX = 16 * 1024 * 1024;

/** The core's view of a snapshot storage loaded at start-up (undefined when there is none). */
export function coreSnapshot(loaded: LoadedSnapshot | null): Snapshot | undefined {
  return loaded
    ? {
        index: loaded.info.lastIndex,
        term: loaded.info.lastTerm,
        timestampMs: loaded.info.timestampMs,
        data: new Uint8Array(loaded.data.buffer, loaded.data.byteOffset, loaded.data.length),
      }
    : undefined;
}

/**
 * Opens a member's data directory the way start-up does (so a torn tail is reported and truncated);
 * refuses, like the member itself, when the directory is locked by a running member or corrupt.
 */
export async function openOfflineLog(dataDir: string, print?: (line: string) => void): Promise<OfflineLog> {
  const storage = await NodeStorage.open(dataDir, {
    durability: 'none',
    ...(print === undefined ? {} : { print }),
  });
  const loaded = storage.snapshot;
  const snapshot: Snapshot | undefined = loaded
    ? {
        index: loaded.info.lastIndex,
        term: loaded.info.lastTerm,
        timestampMs: loaded.info.timestampMs,
        data: new Uint8Array(loaded.data.buffer, loaded.data.byteOffset, loaded.data.length),
      }
    : undefined;
  return {
    snapshot,
    firstIndex: storage.log.firstIndex,
    lastIndex: storage.log.lastIndex,
    read(fromIndex, maxEntries) {
      return storage.log
        .read(fromIndex, maxEntries, READ_BYTES_MAX)
        .map((e) => decodeEntryBody(e, e.payload));
    },
    close: () => storage.close(),
  };
}

export interface OfflineLogWriter {
  /** Index the next appended entry must have. */
  readonly nextIndex: number;
  /** Appends entries (consecutive indexes from `nextIndex`, terms and timestamps non-decreasing). */
  append(entries: readonly Entry[]): Promise<void>;
  close(): Promise<void>;
}

const WRITE_BATCH_MAX = 1024;

/**
 * Appends entries to a (stopped or new) member's data directory, as a member would have: for tools
 * that seed a directory (restore, tests, benchmarks of recovery). The entries are not replicated or
 * committed by anybody: only use it on a directory no running member uses (the lock refuses otherwise).
 */
export async function openOfflineLogWriter(dataDir: string): Promise<OfflineLogWriter> {
  const storage = await NodeStorage.open(dataDir, { durability: 'fsync' });
  let nextIndex = storage.log.lastIndex + 1;
  let lastTerm = storage.log.termAt(storage.log.lastIndex) ?? 0;
  return {
    get nextIndex() {
      return nextIndex;
    },
    async append(entries) {
      for (let i = 0; i < entries.length; i += WRITE_BATCH_MAX) {
        const batch = entries.slice(i, i + WRITE_BATCH_MAX).map((e, k) => {
          if (e.index !== nextIndex + k)
            throw new Error(`offline append: expected index ${nextIndex + k}, got ${e.index}`);
          if (e.term < lastTerm)
            throw new Error(`offline append: term ${e.term} below ${lastTerm} at ${e.index}`);
          lastTerm = e.term;
          return {
            index: e.index,
            term: e.term,
            timestampMs: e.timestampMs,
            type: entryKindOf(e.type),
            payload: encodeEntryBody(e),
          };
        });
        for (;;) {
          const r = storage.log.append(batch);
          if (r !== false) {
            await r;
            break;
          }
          await storage.log.whenWritable(batch.length);
        }
        nextIndex += batch.length;
      }
    },
    async close() {
      await storage.log.flushed();
      // Raft: a member's current term is never below its last entry's term.
      const hs = storage.hardState.current;
      if (hs.term < lastTerm) await storage.hardState.save({ term: lastTerm, votedFor: null });
      await storage.close();
    },
  };
}
