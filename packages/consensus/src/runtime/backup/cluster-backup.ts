/**
 * The backup member (like Aeron's ClusterBackup): a non-voting copy of the cluster's log and latest
 * snapshot, kept continuously up to date from the members' admin endpoints (GET /log for committed
 * entries, GET /snapshot/latest), possibly on another machine. It never votes and never acknowledges
 * anything, so it cannot affect the cluster; its directory has the layout of a member's, so a new
 * cluster can be seeded from it (see `seedMemberFromBackup`).
 *
 * Only committed entries are copied, so the backup never holds a suffix the cluster may truncate.
 * Its lag (cluster commit position minus its own position) is the recovery point it offers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Entry } from '../../core/types.js';
import { renderScalar } from '../node/metrics.js';
import { NodeStorage } from '../storage/node-storage.js';
import { encodeEntryBody, entryKindOf } from '../wire/codec.js';
import { MemberLogError, readMemberLog, readMemberSnapshot } from './member-log.js';

export interface ClusterBackupOptions {
  readonly dataDir: string;
  /** Admin HTTP addresses (`host:port`) of the members; any one that answers is enough. */
  readonly members: readonly string[];
  /** Pause between fetches when caught up (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** Entries per fetch (default 4096, the members' bound). */
  readonly batchEntriesMax?: number;
  /** Copy a member's newer snapshot once it is this many entries past the backup's (default 10,000). */
  readonly snapshotEveryEntries?: number;
  readonly requestTimeoutMs?: number;
  /** Admin token sent as a bearer token, when the members require one. */
  readonly adminToken?: string;
  readonly log?: (line: string) => void;
}

export interface ClusterBackupStatus {
  /** Last log position copied (durably). */
  readonly position: number;
  /** The highest commit position a member reported. */
  readonly clusterCommitPosition: number;
  readonly lagEntries: number;
  readonly snapshotPosition: number;
  readonly fetches: number;
  readonly fetchErrors: number;
  readonly snapshotsCopied: number;
  /** Wall-clock time of the last successful fetch (0 = never). */
  readonly lastFetchAtMs: number;
  readonly source: string;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export class ClusterBackup {
  private readonly opts: ClusterBackupOptions;
  private readonly storage: NodeStorage;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private memberCursor = 0;
  private lastTerm: number;
  private counters = { fetches: 0, fetchErrors: 0, snapshotsCopied: 0, lastFetchAtMs: 0 };
  private clusterCommit = 0;
  private snapshotIndex: number;
  private source = '';
  private leaderCheckedAtMs = 0;

  private constructor(opts: ClusterBackupOptions, storage: NodeStorage) {
    this.opts = opts;
    this.storage = storage;
    this.lastTerm = storage.log.termAt(storage.log.lastIndex) ?? 0;
    this.snapshotIndex = storage.snapshot?.info.lastIndex ?? 0;
  }

  /** Opens (or creates) the backup directory; `start()` begins copying. */
  static async open(opts: ClusterBackupOptions): Promise<ClusterBackup> {
    if (opts.members.length === 0) throw new BackupError('backup: no member admin addresses');
    const storage = await NodeStorage.open(opts.dataDir, { durability: 'fsync', print: opts.log });
    return new ClusterBackup(opts, storage);
  }

  get position(): number {
    return this.storage.log.lastIndex;
  }

  status(): ClusterBackupStatus {
    return {
      position: this.position,
      clusterCommitPosition: this.clusterCommit,
      lagEntries: Math.max(0, this.clusterCommit - this.position),
      snapshotPosition: this.snapshotIndex,
      ...this.counters,
      source: this.source,
    };
  }

  /** Prometheus text for an operator: position, lag, snapshot, errors. */
  metricsText(): string {
    const s = this.status();
    return `${[
      renderScalar('venue_backup_position', 'Last log position the backup holds', 'gauge', s.position),
      renderScalar(
        'venue_backup_cluster_commit_position',
        'Commit position the members report',
        'gauge',
        s.clusterCommitPosition,
      ),
      renderScalar(
        'venue_backup_lag_entries',
        'Committed entries the backup does not hold yet (its recovery point)',
        'gauge',
        s.lagEntries,
      ),
      renderScalar(
        'venue_backup_snapshot_position',
        'Position of the newest snapshot copied',
        'gauge',
        s.snapshotPosition,
      ),
      renderScalar('venue_backup_fetches_total', 'Successful fetches', 'counter', s.fetches),
      renderScalar(
        'venue_backup_fetch_errors_total',
        'Failed fetches (member down, timeouts)',
        'counter',
        s.fetchErrors,
      ),
      renderScalar(
        'venue_backup_snapshots_copied_total',
        'Snapshots copied from members',
        'counter',
        s.snapshotsCopied,
      ),
    ].join('\n')}\n`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops copying and closes the directory (everything copied so far is durable). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.catch(() => {});
    await this.storage.log.flushed();
    await this.storage.close();
  }

  /** Copies until `position >= target` (or the timeout); for tests and `venue backup --once`. */
  async waitFor(target: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < target && Date.now() < deadline) await sleep(20);
    return this.position >= target;
  }

  private async run(): Promise<void> {
    const idleMs = this.opts.pollIntervalMs ?? 100;
    while (!this.stopped) {
      let copied = 0;
      try {
        // The leader's commit position is the cluster's: a follower's may trail it by a heartbeat.
        if (Date.now() - this.leaderCheckedAtMs > LEADER_CHECK_INTERVAL_MS) await this.followLeader();
        copied = await this.step();
      } catch (err) {
        this.counters.fetchErrors++;
        this.opts.log?.(`backup: ${this.source || 'member'}: ${(err as Error).message}`);
        this.memberCursor++; // try another member next time
        this.leaderCheckedAtMs = 0;
      }
      if (copied === 0 && !this.stopped) await sleep(idleMs);
    }
  }

  /** Points the cursor at the member that says it leads (highest term); keeps it when none does. */
  private async followLeader(): Promise<void> {
    this.leaderCheckedAtMs = Date.now();
    let best = -1;
    let bestTerm = -1;
    await Promise.all(
      this.opts.members.map(async (address, i) => {
        try {
          const res = await this.fetch(`http://${address}/status`);
          const s = (await res.json()) as { role?: string; term?: number; commitIndex?: number };
          if (typeof s.commitIndex === 'number')
            this.clusterCommit = Math.max(this.clusterCommit, s.commitIndex);
          if (s.role === 'leader' && (s.term ?? 0) > bestTerm) {
            best = i;
            bestTerm = s.term ?? 0;
          }
        } catch {
          // unreachable members are skipped; the fetch loop rotates past them
        }
      }),
    );
    if (best >= 0) this.memberCursor = best;
  }

  private member(): string {
    return this.opts.members[this.memberCursor % this.opts.members.length] as string;
  }

  private async fetch(url: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.opts.adminToken !== undefined) headers.authorization = `Bearer ${this.opts.adminToken}`;
    return fetch(url, { headers, signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 5_000) });
  }

  /** One fetch: entries after our position (or a snapshot when they were compacted). Returns entries copied. */
  private async step(): Promise<number> {
    const member = this.member();
    this.source = member;
    const from = this.position + 1;
    const max = this.opts.batchEntriesMax ?? 4096;
    let m: Awaited<ReturnType<typeof readMemberLog>>;
    try {
      m = await readMemberLog(member, from, max, this.requestOptions());
    } catch (err) {
      if (!(err instanceof MemberLogError && err.compacted)) throw err;
      await this.copySnapshot(member, true);
      return 1;
    }
    this.counters.fetches++;
    this.counters.lastFetchAtMs = Date.now();
    this.clusterCommit = Math.max(this.clusterCommit, m.commitIndex);
    if (m.entries.length > 0) {
      if (m.prevIndex !== this.position || (m.prevIndex > 0 && m.prevTerm !== this.lastTerm)) {
        // Committed entries never change, so this is a different cluster or a corrupt copy.
        throw new BackupError(
          `continuity: the member's entry ${m.prevIndex} has term ${m.prevTerm}, the backup's ${this.position} term ${this.lastTerm}`,
        );
      }
      await this.append(m.entries);
    }
    const behindSnapshot = this.position - this.snapshotIndex;
    if (behindSnapshot >= (this.opts.snapshotEveryEntries ?? 10_000)) await this.copySnapshot(member, false);
    return m.entries.length;
  }

  private requestOptions(): { timeoutMs?: number; adminToken?: string } {
    return {
      ...(this.opts.requestTimeoutMs === undefined ? {} : { timeoutMs: this.opts.requestTimeoutMs }),
      ...(this.opts.adminToken === undefined ? {} : { adminToken: this.opts.adminToken }),
    };
  }

  private async append(entries: readonly Entry[]): Promise<void> {
    const batch = entries.map((e) => ({
      index: e.index,
      term: e.term,
      timestampMs: e.timestampMs,
      type: entryKindOf(e.type),
      payload: encodeEntryBody(e),
    }));
    for (;;) {
      const r = this.storage.log.append(batch);
      if (r !== false) {
        await r;
        break;
      }
      await this.storage.log.whenWritable(batch.length);
    }
    this.lastTerm = (entries[entries.length - 1] as Entry).term;
  }

  /**
   * Copies the member's newest snapshot. `replaceLog`: the entries we need were compacted on the
   * member, so our log restarts after the snapshot. Otherwise the snapshot is stored beside our log
   * (and compacts it) only when we hold its position.
   */
  private async copySnapshot(member: string, replaceLog: boolean): Promise<void> {
    const snap = await readMemberSnapshot(member, this.requestOptions());
    if (snap === undefined) {
      if (replaceLog) throw new BackupError('the member compacted its log but has no snapshot');
      this.snapshotIndex = this.position; // nothing to copy yet; look again later
      return;
    }
    const meta = { lastIndex: snap.index, lastTerm: snap.term, timestampMs: snap.timestampMs };
    const data = snap.data;
    if (meta.lastIndex <= this.snapshotIndex) {
      this.snapshotIndex = Math.max(this.snapshotIndex, this.position - 1); // member has nothing newer
      return;
    }
    if (replaceLog || meta.lastIndex > this.position) {
      if (!replaceLog) return; // we will hold its position soon; copy it then
      await this.storage.snapshots.write(meta, data);
      await this.storage.log.reset(meta.lastIndex + 1, meta.lastTerm);
      this.lastTerm = meta.lastTerm;
    } else {
      await this.storage.saveSnapshot(meta, data);
    }
    this.snapshotIndex = meta.lastIndex;
    this.counters.snapshotsCopied++;
    this.opts.log?.(`backup: copied snapshot @${meta.lastIndex} (${data.length} bytes) from ${member}`);
  }
}

const LEADER_CHECK_INTERVAL_MS = 1_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Seeds a member's (empty) data directory from a backup directory: the snapshots and the log
 * segments are copied, and the hard state starts at the last entry's term with no vote. Every member
 * of the new cluster is seeded from the same backup, so they start with the same log and elect a
 * leader among themselves. Refuses a non-empty destination.
 */
export async function seedMemberFromBackup(
  backupDir: string,
  memberDir: string,
): Promise<{ position: number; snapshotPosition: number; bytes: number }> {
  if (!fs.existsSync(path.join(backupDir, 'log')))
    throw new BackupError(`${backupDir} is not a backup directory (no log/)`);
  if (fs.existsSync(memberDir) && fs.readdirSync(memberDir).length > 0)
    throw new BackupError(`${memberDir} is not empty: move it away first (restore never overwrites data)`);
  fs.mkdirSync(memberDir, { recursive: true });
  let bytes = 0;
  for (const sub of ['log', 'snapshots']) {
    const src = path.join(backupDir, sub);
    if (!fs.existsSync(src)) continue;
    fs.mkdirSync(path.join(memberDir, sub), { recursive: true });
    for (const name of fs.readdirSync(src)) {
      // The backup's own lock and hard state are not the new member's.
      if (
        name.endsWith('.lock') ||
        name.startsWith('hardstate') ||
        name.startsWith('.') ||
        name.endsWith('.tmp')
      )
        continue;
      const from = path.join(src, name);
      if (!fs.statSync(from).isFile()) continue;
      fs.copyFileSync(from, path.join(memberDir, sub, name));
      bytes += fs.statSync(from).size;
    }
  }
  const storage = await NodeStorage.open(memberDir, { durability: 'fsync' });
  try {
    const lastTerm = storage.log.termAt(storage.log.lastIndex) ?? 0;
    if (storage.hardState.current.term < lastTerm)
      await storage.hardState.save({ term: lastTerm, votedFor: null });
    return {
      position: storage.log.lastIndex,
      snapshotPosition: storage.snapshot?.info.lastIndex ?? 0,
      bytes,
    };
  } finally {
    await storage.close();
  }
}
