import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogEntry } from '../../../src/runtime/storage/codec.js';

/** Deterministic payload of entry `index`: its length and bytes both depend on the index. */
export function payloadFor(index: number, salt = 0): Buffer {
  const length = 8 + ((index * 37 + salt) % 120);
  const buf = Buffer.alloc(length);
  for (let k = 0; k < length; k++) buf[k] = (index * 31 + k + salt * 7) & 0xff;
  return buf;
}

export function entry(index: number, term = 1, salt = 0): LogEntry {
  return {
    index,
    term,
    timestampMs: 1_700_000_000_000 + index,
    type: index % 5,
    payload: payloadFor(index, salt),
  };
}

export function entries(from: number, count: number, term = 1, salt = 0): LogEntry[] {
  const out: LogEntry[] = [];
  for (let i = 0; i < count; i++) out.push(entry(from + i, term, salt));
  return out;
}

export function expectSame(actual: readonly LogEntry[], expected: readonly LogEntry[]): void {
  if (actual.length !== expected.length) {
    throw new Error(`expected ${expected.length} entries, got ${actual.length}`);
  }
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k]!;
    const e = expected[k]!;
    if (
      a.index !== e.index ||
      a.term !== e.term ||
      a.timestampMs !== e.timestampMs ||
      a.type !== e.type ||
      Buffer.compare(Buffer.from(a.payload), Buffer.from(e.payload)) !== 0
    ) {
      throw new Error(
        `entry ${k} differs: got index ${a.index} term ${a.term}, expected index ${e.index} term ${e.term}`,
      );
    }
  }
}

export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'venue-storage-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();
}
