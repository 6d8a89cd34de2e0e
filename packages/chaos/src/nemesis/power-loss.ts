import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DURABLE_WATERMARK_FILE, type DurableRecord, readDurableWatermarks } from '@venue/consensus/runtime';

/**
 * Power loss on a STOPPED (SIGKILLed) member's data directory: every write that was not fsynced is
 * discarded, using the durable watermarks the member recorded (`<dir>/.durable`, written by its storage
 * after each fsync and before acknowledging, when it runs with VENUE_FAULT_HOOKS=1). What a machine
 * crash does, file by file:
 *
 * - a log segment keeps its first `bytes` durable bytes; unsynced frames after them (written over the
 *   preallocated zeros, or past them) become zeros again: the preallocated space was synced, the frames
 *   were not (recovery sees a clean end). A snapshot file is cut to its recorded size. Optionally a prefix of the unsynced bytes, in whole 4 KiB
 *   pages, is kept (`keepUnsyncedPages`): writeback had already flushed some pages in order, so the
 *   last frame may be torn;
 * - the hard state goes back to the version last made durable (its rename may be lost);
 * - a file with no record (created by a rename whose directory fsync never completed) disappears.
 *
 * Not reproduced: deletions whose directory fsync did not complete (a crash may bring the file back;
 * here it stays deleted) and pages persisted out of order within one write (storage README, "Known
 * limits": recovery would refuse, by design).
 */

const PAGE_BYTES = 4096;
const KEPT = new Set([DURABLE_WATERMARK_FILE, `${DURABLE_WATERMARK_FILE}.tmp`, 'log.lock']);
const DATA_FILE = /^(log-\d{20}\.seg|snap-\d{20}-\d{20}\.snap|hardstate)$/;

export interface PowerLossReport {
  /** Bytes of unsynced data discarded (zeroed or cut), over all files. */
  readonly bytesDiscarded: number;
  /** Unsynced bytes kept (a page prefix of the unsynced tail), over all files. */
  readonly bytesKept: number;
  /** Files removed: they never reached stable storage as directory entries. */
  readonly filesRemoved: readonly string[];
  /** Files changed (cut, zeroed or rolled back). */
  readonly filesCut: readonly string[];
  readonly detail: string;
}

/** End of the non-zero content of `file` at or after `fromBytes` (fromBytes when all zeros). */
function dataEnd(file: string, fromBytes: number): number {
  const buf = readFileSync(file);
  let end = buf.length;
  while (end > fromBytes && buf[end - 1] === 0) end--;
  return Math.max(end, fromBytes);
}

function zeroRange(file: string, fromBytes: number, toBytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(1 << 20, toBytes - fromBytes));
    for (let at = fromBytes; at < toBytes; ) {
      const n = Math.min(zeros.length, toBytes - at);
      writeSync(fd, zeros, 0, n, at);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Cuts every file of `dataDir` (`log/`, `snapshots/`) back to what was durable. `keepUnsyncedPages(n)`
 * returns how many of the n unsynced pages of a file survive (default 0: a clean cut at the watermark).
 * Throws when a directory has no watermark file (the member did not run with the fault hooks).
 */
export function cutToDurable(
  dataDir: string,
  keepUnsyncedPages: (pages: number) => number = () => 0,
): PowerLossReport {
  let bytesDiscarded = 0;
  let bytesKept = 0;
  const filesRemoved: string[] = [];
  const filesCut: string[] = [];
  for (const sub of ['log', 'snapshots']) {
    const dir = join(dataDir, sub);
    if (!existsSync(dir)) continue;
    const records = readDurableWatermarks(dir);
    if (records === null)
      throw new Error(`${dir}: no ${DURABLE_WATERMARK_FILE} (the member must run with VENUE_FAULT_HOOKS=1)`);
    for (const name of readdirSync(dir).sort()) {
      if (KEPT.has(name) || !DATA_FILE.test(name)) continue;
      const file = join(dir, name);
      const rec: DurableRecord | undefined = records.get(name);
      const sizeBytes = statSync(file).size;
      if (rec === undefined) {
        rmSync(file, { force: true });
        filesRemoved.push(`${sub}/${name}`);
        bytesDiscarded += sizeBytes;
        continue;
      }
      if ('hex' in rec) {
        const durable = Buffer.from(rec.hex, 'hex');
        if (!readFileSync(file).equals(durable)) {
          writeFileSync(file, durable);
          filesCut.push(`${sub}/${name} (rolled back)`);
        }
        continue;
      }
      // Unsynced: [rec.bytes, end). In a segment the end is the last non-zero byte: beyond it lie the
      // preallocated zeros, which were synced.
      const end = name.startsWith('log-') ? dataEnd(file, rec.bytes) : sizeBytes;
      if (end <= rec.bytes) continue;
      // Keep a page-granular prefix of the unsynced bytes if asked.
      const firstPage = Math.floor(rec.bytes / PAGE_BYTES);
      const pages = Math.ceil(end / PAGE_BYTES) - firstPage;
      const keepPages = Math.max(0, Math.min(pages, keepUnsyncedPages(pages)));
      const keepEnd = Math.min(end, Math.max(rec.bytes, (firstPage + keepPages) * PAGE_BYTES));
      bytesKept += keepEnd - rec.bytes;
      if (keepEnd >= end) continue;
      if (name.startsWith('log-')) zeroRange(file, keepEnd, end);
      else truncateSync(file, keepEnd);
      bytesDiscarded += end - keepEnd;
      filesCut.push(`${sub}/${name} @${keepEnd}`);
    }
  }
  const parts = [`${bytesDiscarded} unsynced bytes discarded`];
  if (bytesKept > 0) parts.push(`${bytesKept} kept (pages already written back)`);
  if (filesCut.length > 0) parts.push(`cut ${filesCut.join(', ')}`);
  if (filesRemoved.length > 0) parts.push(`removed ${filesRemoved.join(', ')}`);
  return { bytesDiscarded, bytesKept, filesRemoved, filesCut, detail: parts.join('; ') };
}
