/**
 * A node's whole data directory: log + hard state + snapshots, opened together and reconciled so that
 * start-up is "newest valid snapshot + replay of the log after it".
 *
 *   <dataDir>/log/        segment files, log.lock, hardstate
 *   <dataDir>/snapshots/  snap-<index>-<term>.snap
 */

import * as path from 'node:path';
import { LogGapError, StorageInputError } from './errors.js';
import { type HardState, HardStateStore } from './hard-state.js';
import { type Durability, type RecoveryReport, SegmentLog, type SegmentLogOptions } from './segment-log.js';
import {
  type LoadedSnapshot,
  parseSnapshotFileName,
  type SnapshotInfo,
  type SnapshotMeta,
  SnapshotStore,
  type SnapshotStoreOptions,
} from './snapshot-store.js';

export interface NodeStorageOptions {
  readonly durability?: Durability;
  readonly log?: Omit<SegmentLogOptions, 'durability' | 'log'>;
  readonly snapshots?: Omit<SnapshotStoreOptions, 'durability' | 'log'>;
  /** Receives the human-readable start-up lines. */
  readonly print?: (line: string) => void;
}

export interface StartupReport {
  readonly snapshot: SnapshotInfo | null;
  readonly skippedSnapshots: readonly { readonly file: string; readonly reason: string }[];
  readonly log: RecoveryReport;
  /** The log disagreed with (was behind or conflicted with) the snapshot and was reset to follow it. */
  readonly logResetToSnapshot: boolean;
  /** Entries to replay into the services after loading the snapshot: [replayFrom, replayTo] (may be empty). */
  readonly replayFrom: number;
  readonly replayTo: number;
  readonly hardState: HardState;
  readonly durationMs: number;
}

export function formatStartupReport(r: StartupReport): string {
  const snap =
    r.snapshot === null
      ? 'no snapshot'
      : `snapshot ${r.snapshot.file} (index ${r.snapshot.lastIndex}, term ${r.snapshot.lastTerm}, ` +
        `${r.snapshot.lengthBytes} bytes)`;
  const skipped =
    r.skippedSnapshots.length > 0 ? `, skipped ${r.skippedSnapshots.length} invalid snapshot(s)` : '';
  const replay =
    r.replayTo >= r.replayFrom ? `replay entries ${r.replayFrom}..${r.replayTo}` : 'nothing to replay';
  return (
    `storage: ${snap}${skipped}; log ${r.log.firstIndex}..${r.log.lastIndex}` +
    `${r.log.tornTail !== null ? ' (torn tail truncated)' : ''}` +
    `${r.logResetToSnapshot ? ' (reset to follow the snapshot)' : ''}; ${replay}; ` +
    `term ${r.hardState.term}, voted for ${r.hardState.votedFor ?? 'nobody'}; ready in ${r.durationMs.toFixed(1)} ms`
  );
}

export class NodeStorage {
  readonly log: SegmentLog;
  readonly hardState: HardStateStore;
  readonly snapshots: SnapshotStore;
  /** The snapshot start-up loaded (its bytes are for the services' restore), or null. */
  readonly snapshot: LoadedSnapshot | null;
  readonly startup: StartupReport;

  private constructor(
    log: SegmentLog,
    hardState: HardStateStore,
    snapshots: SnapshotStore,
    snapshot: LoadedSnapshot | null,
    startup: StartupReport,
  ) {
    this.log = log;
    this.hardState = hardState;
    this.snapshots = snapshots;
    this.snapshot = snapshot;
    this.startup = startup;
  }

  /**
   * Opens and reconciles a node's data directory. Refuses (LogGapError) when the log was compacted
   * past what the newest valid snapshot covers: the entries in between are gone, so the node must re-sync.
   */
  static async open(dataDir: string, options: NodeStorageOptions = {}): Promise<NodeStorage> {
    const started = performance.now();
    const print = options.print ?? (() => {});
    const durability = options.durability ?? 'fsync';
    const logDir = path.join(dataDir, 'log');
    const snapshots = SnapshotStore.open(path.join(dataDir, 'snapshots'), {
      ...options.snapshots,
      durability,
      log: print,
    });
    const loaded = await snapshots.loadNewest();
    const log = await SegmentLog.open(logDir, { ...options.log, durability, log: print });
    try {
      const hardState = HardStateStore.open(logDir, { durability });
      const snap = loaded.snapshot?.info ?? null;
      const covered = snap === null ? 0 : snap.lastIndex;
      if (log.firstIndex > covered + 1) {
        const skipped = loaded.skipped.map((x) => `${x.file} (${x.reason})`).join(', ');
        throw new LogGapError(
          logDir,
          log.firstIndex,
          covered,
          skipped.length > 0 ? `; invalid: ${skipped}` : '',
        );
      }
      let reset = false;
      if (snap !== null && log.termAt(snap.lastIndex) !== snap.lastTerm) {
        // The log is behind the snapshot or holds a different (uncommitted, superseded) history there.
        await log.reset(snap.lastIndex + 1, snap.lastTerm);
        reset = true;
      }
      const startup: StartupReport = {
        snapshot: snap,
        skippedSnapshots: loaded.skipped,
        log: log.recovery,
        logResetToSnapshot: reset,
        replayFrom: covered + 1,
        replayTo: log.lastIndex,
        hardState: hardState.current,
        durationMs: performance.now() - started,
      };
      print(formatStartupReport(startup));
      return new NodeStorage(log, hardState, snapshots, loaded.snapshot, startup);
    } catch (err) {
      await log.close().catch(() => {});
      throw err;
    }
  }

  /**
   * Stores a snapshot the services took at `meta.lastIndex` (which must be in the log, or be the current
   * snapshot boundary), then compacts the log up to the OLDEST snapshot still kept, so that falling back to
   * it (if the newest turns out invalid) can still replay. Returns the snapshot and the segments deleted.
   */
  async saveSnapshot(
    meta: SnapshotMeta,
    data: Uint8Array | readonly Uint8Array[],
  ): Promise<{ info: SnapshotInfo; segmentsDeleted: number }> {
    const term = this.log.termAt(meta.lastIndex);
    if (term !== meta.lastTerm) {
      throw new StorageInputError(
        `snapshot at index ${meta.lastIndex} term ${meta.lastTerm}: the log has term ${term ?? 'none'} there`,
      );
    }
    const info = await this.snapshots.write(meta, data);
    const oldest = this.snapshots.list().at(-1);
    const oldestIndex = oldest === undefined ? 0 : (parseSnapshotFileName(oldest)?.lastIndex ?? 0);
    const segmentsDeleted = await this.log.compactPrefix(Math.min(oldestIndex, meta.lastIndex));
    return { info, segmentsDeleted };
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}

/**
 * Marks a member's storage as holding lost data (see ClusterNodeOptions.rejoin): the member votes
 * again only once it durably holds a committed entry of the current term. For blank storage (a
 * replaced disk, a deleted corrupt log); refused, naming the directory, when it holds a log or a vote.
 * Idempotent while the member is still recovering.
 */
export async function markRejoin(storage: NodeStorage, dataDir: string): Promise<void> {
  const hs = storage.hardState.current;
  if (hs.recovering === true) return;
  if (hs.term !== 0 || hs.votedFor !== null || storage.log.lastIndex > 0 || storage.snapshot !== null) {
    throw new StorageInputError(
      `rejoin refused: ${dataDir} holds this member's data (term ${hs.term}, log up to ${storage.log.lastIndex}); ` +
        'rejoin is for a member whose data was lost: start it without rejoin, or empty the directory first',
    );
  }
  await storage.hardState.save({ term: 0, votedFor: null, recovering: true });
}

/** `markRejoin` on a stopped member's data directory (created if absent). */
export async function markDataDirRejoin(dataDir: string): Promise<void> {
  const storage = await NodeStorage.open(dataDir, { durability: 'fsync' });
  try {
    await markRejoin(storage, dataDir);
  } finally {
    await storage.close();
  }
}
