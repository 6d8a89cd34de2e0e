/**
 * Durable watermarks: a test-only record of what each storage file holds on stable storage, so the
 * reliability suite (packages/chaos, nemesis `power-loss`) can make a killed member's disk look as if the
 * machine had lost power: every byte written but not yet fsynced is discarded.
 *
 * Off unless enabled (the member process enables it when `VENUE_FAULT_HOOKS=1`, see
 * `runtime/node/fault-hooks.ts`); when off every call returns after one boolean test.
 *
 * One side file per directory, `<dir>/.durable` (JSON: file name -> record), replaced with write + rename
 * (atomic with respect to `kill -9`, which is the only crash the suite produces: the page cache keeps it).
 * A record is written AFTER the fsync / fdatasync (and directory fsync) that made the file durable and
 * BEFORE the storage reports that durability to its caller (an append's promise, `durableIndex`, a
 * hard-state save's promise, a snapshot's `finish`), so after a kill every acknowledged byte is at or below
 * its file's watermark, and the watermark never covers a byte that was not synced.
 *
 * Records:
 * - `{ bytes }`: the file's first `bytes` bytes are durable (log segments: the end of the last synced
 *   frame, not the preallocated size; snapshot files: their whole size). Bytes after it are lost.
 * - `{ hex }`: the whole content of a file replaced by rename (hard state): a crash leaves this version.
 * A file with no record never reached stable storage as a directory entry: a crash may lose it.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export const DURABLE_WATERMARK_FILE = '.durable';

export type DurableRecord = { readonly bytes: number } | { readonly hex: string };

let enabled = false;
const dirs = new Map<string, Map<string, DurableRecord>>();

/** Turns recording on for this process (test-only fault hooks). */
export function enableDurableWatermarks(on = true): void {
  enabled = on;
}

export function durableWatermarksEnabled(): boolean {
  return enabled;
}

/** Parses a `.durable` file's text; null when absent or unreadable (then nothing is known durable). */
export function readDurableWatermarks(dir: string): Map<string, DurableRecord> | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, DURABLE_WATERMARK_FILE), 'utf8');
  } catch {
    return null;
  }
  const out = new Map<string, DurableRecord>();
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [name, rec] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof rec !== 'object' || rec === null) continue;
    const r = rec as { bytes?: unknown; hex?: unknown };
    if (typeof r.bytes === 'number' && Number.isSafeInteger(r.bytes) && r.bytes >= 0)
      out.set(name, { bytes: r.bytes });
    else if (typeof r.hex === 'string') out.set(name, { hex: r.hex });
  }
  return out;
}

function recordsOf(dir: string): Map<string, DurableRecord> {
  const key = path.resolve(dir);
  let records = dirs.get(key);
  if (records === undefined) {
    // Another store of this process, or the previous process, may have recorded files here already.
    records = readDurableWatermarks(key) ?? new Map();
    dirs.set(key, records);
  }
  return records;
}

function persist(dir: string, records: Map<string, DurableRecord>): void {
  const file = path.join(dir, DURABLE_WATERMARK_FILE);
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(Object.fromEntries(records)));
  fs.renameSync(temp, file);
}

/** Records files of `dir` as durable (call right after their fsync, before acknowledging). */
export function recordDurable(dir: string, files: ReadonlyArray<readonly [string, DurableRecord]>): void {
  if (!enabled) return;
  const records = recordsOf(dir);
  for (const [name, rec] of files) records.set(name, rec);
  persist(path.resolve(dir), records);
}

/** Forgets deleted files of `dir` (a later file of the same name starts with no record). */
export function forgetDurable(dir: string, names: readonly string[]): void {
  if (!enabled || names.length === 0) return;
  const records = recordsOf(dir);
  for (const name of names) records.delete(name);
  persist(path.resolve(dir), records);
}
