import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  JOURNAL_MESSAGES_MAX_DEFAULT,
  type OutboundRecord,
  rangeOf,
  type SessionStore,
  type SessionStoreFactory,
} from './store.js';

/**
 * 'always': fsync every write; 'batch': group commit (writes are buffered and written, then
 * fdatasync'ed, once per sync round: `sync()`, `syncAll()` or `syncAllAsync()`); 'never': write at
 * once, leave the flushing to the OS.
 */
export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface FileStoreOptions {
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  /** Messages kept for resends; the file is compacted when it holds twice as many. */
  readonly journalMessagesMax?: number;
}

const SEQNUM_FILE_BYTES = 48;

/**
 * File-backed session store. Per session directory:
 * - `seqnums`: fixed-size text record `<nextSenderSeq> <nextTargetSeq>\n`, overwritten in place;
 * - `journal`: append-only records `<seq> <byteLength>\n<wire>\n` (wire is latin1 FIX text).
 * On open the journal is scanned; a torn last record (crash mid-write) is truncated away.
 * The journal is compacted (rewrite + rename) to the newest `journalMessagesMax` records when it
 * reaches twice that many, so disk and memory stay bounded.
 *
 * With the 'batch' policy nothing is written by `append`/`setNextTargetSeq`: the records wait in
 * memory (`range` already sees them) and a sync round writes them with one `write` per file, then
 * makes them durable. The gateway sends a message only after the round that covers it completed
 * (`ConnectionPump`), so a MsgSeqNum the counterparty has seen is never reused after a crash.
 */
export class FileSessionStore implements SessionStore {
  nextSenderSeq = 1;
  nextTargetSeq = 1;
  private journal: OutboundRecord[] = [];
  private readonly seqFd: number;
  private journalFd: number;
  /** Written (page cache) and not yet made durable ('batch'). */
  private dirty = false;
  /** 'batch': journal records appended and not yet written to the file. */
  private unwritten: string[] = [];
  /** 'batch': the seqnum record changed and is not yet written. */
  private seqnumsUnwritten = false;
  /** Asynchronous fdatasyncs running on this store's files (their fds must stay open). */
  private syncsInFlight = 0;
  /** Descriptors replaced (compaction) or closed while a sync was in flight: closed afterwards. */
  private retired: number[] = [];
  private closed = false;
  private journalBytes = 0;
  private readonly max: number;
  private readonly journalPath: string;

  constructor(
    private readonly dir: string,
    private readonly fsync: FsyncPolicy,
    journalMessagesMax = JOURNAL_MESSAGES_MAX_DEFAULT,
  ) {
    if (!(journalMessagesMax >= 1)) throw new Error('journalMessagesMax must be >= 1');
    this.max = journalMessagesMax;
    mkdirSync(dir, { recursive: true });
    const seqPath = join(dir, 'seqnums');
    this.journalPath = join(dir, 'journal');
    this.seqFd = openSync(seqPath, existsSync(seqPath) ? 'r+' : 'w+');
    const seqText = readFileSync(seqPath, 'latin1');
    const m = /^(\d+) (\d+)\n/.exec(seqText);
    if (m !== null) {
      this.nextSenderSeq = Number(m[1]);
      this.nextTargetSeq = Number(m[2]);
    }
    this.journalFd = openSync(this.journalPath, existsSync(this.journalPath) ? 'r+' : 'w+');
    this.loadJournal();
    const last = this.journal[this.journal.length - 1];
    // The journal is written before the seqnum file: trust whichever is further ahead.
    if (last !== undefined && last.seq + 1 > this.nextSenderSeq) this.nextSenderSeq = last.seq + 1;
    this.writeSeqnumsNow();
    if (this.fsync !== 'never') fsyncSync(this.seqFd);
  }

  get oldestRetainedSeq(): number {
    const first = Math.max(0, this.journal.length - this.max);
    return this.journal[first]?.seq ?? this.nextSenderSeq;
  }

  private loadJournal(): void {
    const text = readFileSync(this.journalPath, 'latin1');
    let pos = 0;
    let good = 0;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const m = /^(\d+) (\d+)$/.exec(text.slice(pos, nl));
      if (m === null) break;
      const seq = Number(m[1]);
      const len = Number(m[2]);
      const end = nl + 1 + len;
      if (end >= text.length || text[end] !== '\n') break;
      const prev = this.journal[this.journal.length - 1];
      if (prev !== undefined && seq !== prev.seq + 1) this.journal = []; // not contiguous: keep the newest run
      this.journal.push({ seq, wire: text.slice(nl + 1, end) });
      pos = end + 1;
      good = pos;
    }
    if (good < Buffer.byteLength(text, 'latin1')) ftruncateSync(this.journalFd, good);
    this.journalBytes = good;
    if (this.journal.length > this.max) this.journal = this.journal.slice(this.journal.length - this.max);
  }

  /**
   * `durable` = false when only nextSenderSeq changed: the (fsynced) journal already proves it, so
   * 'always' skips a second fsync per sent message. Target changes are always made durable.
   */
  private writeSeqnums(durable = true): void {
    if (this.fsync === 'batch') {
      this.seqnumsUnwritten = true; // written by the next sync round
      return;
    }
    this.writeSeqnumsNow();
    if (durable) this.afterWrite(this.seqFd);
  }

  private writeSeqnumsNow(): void {
    const rec = `${this.nextSenderSeq} ${this.nextTargetSeq}\n`.padEnd(SEQNUM_FILE_BYTES, ' ');
    writeSync(this.seqFd, rec, 0, 'latin1');
  }

  private afterWrite(fd: number): void {
    if (this.fsync === 'always') fsyncSync(fd);
    else if (this.fsync === 'batch') this.dirty = true;
  }

  /** 'batch': writes the buffered journal records (one write) and the seqnum record. */
  private writeBuffered(): void {
    if (this.unwritten.length > 0) {
      const text = this.unwritten.length === 1 ? (this.unwritten[0] as string) : this.unwritten.join('');
      this.unwritten = [];
      this.journalBytes += writeSync(this.journalFd, text, this.journalBytes, 'latin1');
      this.dirty = true;
    }
    if (this.seqnumsUnwritten) {
      this.seqnumsUnwritten = false;
      this.writeSeqnumsNow();
      this.dirty = true;
    }
  }

  /**
   * Starts an asynchronous sync round on this store (`FileSessionStoreFactory.syncAllAsync`):
   * writes what is buffered and returns the descriptors to fdatasync (none when already durable).
   * `endSync` must follow once they are done.
   */
  beginSync(): number[] {
    if (this.closed) return [];
    this.writeBuffered();
    if (!this.dirty) return [];
    this.dirty = false;
    this.syncsInFlight++;
    return [this.journalFd, this.seqFd];
  }

  endSync(err: Error | undefined): void {
    this.syncsInFlight--;
    if (err !== undefined) this.dirty = true; // not known durable: the next round tries again
    if (this.syncsInFlight === 0) for (const fd of this.retired.splice(0)) closeSync(fd);
  }

  /** Closes `fd` now, or after the asynchronous syncs that use it. */
  private retire(fd: number): void {
    if (this.syncsInFlight > 0) this.retired.push(fd);
    else closeSync(fd);
  }

  setNextTargetSeq(seq: number): void {
    if (!(Number.isSafeInteger(seq) && seq >= 1)) throw new Error(`bad target seq ${seq}`);
    if (seq === this.nextTargetSeq) return;
    this.nextTargetSeq = seq;
    this.writeSeqnums();
  }

  append(seq: number, wire: string): void {
    if (seq !== this.nextSenderSeq) throw new Error(`append seq ${seq} != next ${this.nextSenderSeq}`);
    const rec = `${seq} ${Buffer.byteLength(wire, 'latin1')}\n${wire}\n`;
    if (this.fsync === 'batch') this.unwritten.push(rec);
    else {
      this.journalBytes += writeSync(this.journalFd, rec, this.journalBytes, 'latin1');
      this.afterWrite(this.journalFd);
    }
    this.journal.push({ seq, wire });
    this.nextSenderSeq = seq + 1;
    this.writeSeqnums(false);
    if (this.journal.length >= this.max * 2) this.compact();
  }

  private compact(): void {
    this.journal = this.journal.slice(this.journal.length - this.max);
    const tmp = `${this.journalPath}.tmp`;
    const fd = openSync(tmp, 'w');
    let text = '';
    for (const r of this.journal) text += `${r.seq} ${Buffer.byteLength(r.wire, 'latin1')}\n${r.wire}\n`;
    this.journalBytes = writeSync(fd, text, 0, 'latin1');
    fsyncSync(fd);
    closeSync(fd);
    this.unwritten = []; // the rewritten file holds them
    this.retire(this.journalFd);
    renameSync(tmp, this.journalPath);
    this.journalFd = openSync(this.journalPath, 'r+');
    fsyncDir(this.dir);
  }

  range(begin: number, end: number): OutboundRecord[] {
    return rangeOf(this.journal, begin, end, this.max);
  }

  reset(): void {
    this.unwritten = [];
    ftruncateSync(this.journalFd, 0);
    this.journalBytes = 0;
    this.afterWrite(this.journalFd);
    this.journal = [];
    this.nextSenderSeq = 1;
    this.nextTargetSeq = 1;
    this.writeSeqnums();
  }

  sync(): void {
    if (this.closed) return;
    this.writeBuffered();
    if (!this.dirty) return;
    fdatasyncSync(this.journalFd);
    fdatasyncSync(this.seqFd);
    this.dirty = false;
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    this.retire(this.journalFd);
    this.retire(this.seqFd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

export class FileSessionStoreFactory implements SessionStoreFactory {
  private readonly stores = new Map<string, FileSessionStore>();
  constructor(private readonly options: FileStoreOptions) {}

  open(sessionKey: string): SessionStore {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(sessionKey)) throw new Error(`unsafe session key '${sessionKey}'`);
    let s = this.stores.get(sessionKey);
    if (s === undefined) {
      s = new FileSessionStore(
        join(this.options.dir, sessionKey),
        this.options.fsync,
        this.options.journalMessagesMax ?? JOURNAL_MESSAGES_MAX_DEFAULT,
      );
      this.stores.set(sessionKey, s);
    }
    return s;
  }

  /** Callers waiting for the next asynchronous round. */
  private waiting: ((err?: Error) => void)[] = [];
  private roundInFlight = false;
  private roundScheduled = false;
  /** Asynchronous rounds run and fdatasyncs issued (tests, metrics). */
  readonly syncStats = { rounds: 0, fdatasyncs: 0, callers: 0 };

  /** Writes and fsyncs every store written since the last call ('batch' policy), blocking. */
  syncAll(): void {
    for (const s of this.stores.values()) s.sync();
  }

  /**
   * Group commit ('batch'): `done` runs once everything written before this call is durable. One
   * round is in flight at a time; callers arriving meanwhile share the next round, which starts
   * when the current one ends, so under load each round covers everything that accumulated during
   * the previous fsync. The fdatasyncs run on libuv's thread pool, not on the event loop.
   */
  syncAllAsync(done: (err?: Error) => void): void {
    if (this.options.fsync !== 'batch') {
      queueMicrotask(() => done()); // 'always': durable already; 'never': nothing to wait for
      return;
    }
    this.syncStats.callers++;
    this.waiting.push(done);
    this.scheduleRound();
  }

  private scheduleRound(): void {
    if (this.roundInFlight || this.roundScheduled || this.waiting.length === 0) return;
    this.roundScheduled = true;
    // One loop turn later, so that every connection flushing in this turn joins the same round.
    setImmediate(() => {
      this.roundScheduled = false;
      this.startRound();
    });
  }

  private startRound(): void {
    const waiters = this.waiting;
    this.waiting = [];
    const jobs: { store: FileSessionStore; fds: number[] }[] = [];
    let error: Error | undefined;
    try {
      for (const store of this.stores.values()) {
        const fds = store.beginSync();
        if (fds.length > 0) jobs.push({ store, fds });
      }
    } catch (e) {
      error = e as Error; // a write failed: nothing of this round is known durable
    }
    const finish = () => {
      for (const j of jobs) j.store.endSync(error);
      this.roundInFlight = false;
      for (const w of waiters) w(error);
      this.scheduleRound();
    };
    let left = 0;
    for (const j of jobs) left += j.fds.length;
    if (left === 0 || error !== undefined) {
      this.roundInFlight = true;
      queueMicrotask(finish);
      return;
    }
    this.roundInFlight = true;
    this.syncStats.rounds++;
    this.syncStats.fdatasyncs += left;
    for (const j of jobs) {
      for (const fd of j.fds) {
        fdatasync(fd, (e) => {
          if (e !== null && error === undefined) error = e;
          if (--left === 0) finish();
        });
      }
    }
  }

  closeAll(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
