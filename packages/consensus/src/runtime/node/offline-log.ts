/**
 * Read-only access to a stopped member's data directory, for audits and "why did this happen":
 * the newest valid snapshot and the log entries after it, decoded as the core's entries.
 */

import type { Entry, Snapshot } from '../../core/types.js';
import { NodeStorage } from '../storage/node-storage.js';
import type { LoadedSnapshot } from '../storage/snapshot-store.js';
import { decodeEntryBody } from '../wire/codec.js';

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
