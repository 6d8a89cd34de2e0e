import {
  closeSync,
  existsSync,
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

/** 'always': fsync every write; 'batch': fsync on sync(); 'never': leave it to the OS. */
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
 */
export class FileSessionStore implements SessionStore {
  nextSenderSeq = 1;
  nextTargetSeq = 1;
  private journal: OutboundRecord[] = [];
  private readonly seqFd: number;
  private journalFd: number;
  private dirty = false;
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
    this.writeSeqnums();
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
    const rec = `${this.nextSenderSeq} ${this.nextTargetSeq}\n`.padEnd(SEQNUM_FILE_BYTES, ' ');
    writeSync(this.seqFd, rec, 0, 'latin1');
    if (durable || this.fsync !== 'always') this.afterWrite(this.seqFd);
  }

  private afterWrite(fd: number): void {
    if (this.fsync === 'always') fsyncSync(fd);
    else if (this.fsync === 'batch') this.dirty = true;
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
    this.journalBytes += writeSync(this.journalFd, rec, this.journalBytes, 'latin1');
    this.afterWrite(this.journalFd);
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
    closeSync(this.journalFd);
    renameSync(tmp, this.journalPath);
    this.journalFd = openSync(this.journalPath, 'r+');
    fsyncDir(this.dir);
  }

  range(begin: number, end: number): OutboundRecord[] {
    return rangeOf(this.journal, begin, end, this.max);
  }

  reset(): void {
    ftruncateSync(this.journalFd, 0);
    this.journalBytes = 0;
    this.afterWrite(this.journalFd);
    this.journal = [];
    this.nextSenderSeq = 1;
    this.nextTargetSeq = 1;
    this.writeSeqnums();
  }

  sync(): void {
    if (!this.dirty) return;
    fsyncSync(this.journalFd);
    fsyncSync(this.seqFd);
    this.dirty = false;
  }

  close(): void {
    this.sync();
    closeSync(this.journalFd);
    closeSync(this.seqFd);
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

  /** fsyncs every store written since the last call ('batch' policy). */
  syncAll(): void {
    for (const s of this.stores.values()) s.sync();
  }

  closeAll(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
