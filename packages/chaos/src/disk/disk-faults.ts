import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Disk faults on a STOPPED member's data directory (`<data>/log/log-*.seg`, `<data>/snapshots/*.snap`),
 * using the storage layout of @venue/consensus (storage/README.md): a 32-byte segment header, then
 * frames of a 36-byte header (crc32c u32, payloadLength u32, term, index, timestamp, type, flags) and
 * the payload; preallocated zeros after the last frame.
 */
const SEGMENT_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 36;
const FRAME_LENGTH_OFFSET = 4;
const FRAMES_MAX = 10_000_000;

export interface FrameSpan {
  readonly offset: number;
  readonly bytes: number;
}

export interface DiskFault {
  readonly file: string;
  readonly offset: number;
  readonly detail: string;
}

function segments(dataDir: string): string[] {
  const dir = join(dataDir, 'log');
  return readdirSync(dir)
    .filter((f) => /^log-\d{20}\.seg$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** The frames of one segment file, in order, up to the preallocated zeros (or the end of the file). */
export function frameSpans(file: string): FrameSpan[] {
  const buf = readFileSync(file);
  const spans: FrameSpan[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  while (spans.length < FRAMES_MAX && offset + FRAME_HEADER_BYTES <= buf.length) {
    const crc = buf.readUInt32LE(offset);
    const length = buf.readUInt32LE(offset + FRAME_LENGTH_OFFSET);
    if (crc === 0 && length === 0) break; // preallocated zeros: the clean end
    const bytes = FRAME_HEADER_BYTES + length;
    if (offset + bytes > buf.length) break;
    spans.push({ offset, bytes });
    offset += bytes;
  }
  return spans;
}

/**
 * A torn write: the last frame of the newest segment is cut in the middle (the file ends there, as
 * after a crash during a write that was never completed).
 */
export function tearTail(dataDir: string): DiskFault {
  const file = segments(dataDir).at(-1);
  if (file === undefined) throw new Error(`no log segment in ${dataDir}`);
  const last = frameSpans(file).at(-1);
  if (last === undefined) throw new Error(`no frame in ${file}`);
  const cut = last.offset + Math.max(1, Math.floor(last.bytes / 2));
  truncateSync(file, cut);
  return { file, offset: cut, detail: `last frame (${last.bytes} bytes at ${last.offset}) cut at ${cut}` };
}

function flipBitAt(file: string, offset: number, bit: number): void {
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    if (readSync(fd, b, 0, 1, offset) !== 1) throw new Error(`cannot read ${file} at ${offset}`);
    b[0] = (b[0] ?? 0) ^ (1 << bit);
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Latent corruption: one bit flipped inside an old frame of the oldest segment (`pick` chooses the
 * frame among all but the last few, so valid frames follow it: this is not a torn tail).
 */
export function flipLogBit(dataDir: string, pick: (n: number) => number): DiskFault {
  const file = segments(dataDir)[0];
  if (file === undefined) throw new Error(`no log segment in ${dataDir}`);
  const spans = frameSpans(file);
  const candidates = spans.length - 3;
  if (candidates < 1) throw new Error(`${file} has only ${spans.length} frames`);
  const span = spans[pick(candidates)];
  if (span === undefined) throw new Error('frame index out of range');
  const offset = span.offset + FRAME_HEADER_BYTES + Math.floor((span.bytes - FRAME_HEADER_BYTES) / 2);
  flipBitAt(file, offset, pick(8));
  return { file, offset, detail: `bit flipped in the frame at ${span.offset} (${span.bytes} bytes)` };
}

/** One bit flipped in the middle of the newest snapshot's payload (undefined: no snapshot yet). */
export function flipSnapshotBit(dataDir: string, pick: (n: number) => number): DiskFault | undefined {
  const dir = join(dataDir, 'snapshots');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.snap'));
  } catch {
    return undefined;
  }
  const file = names.sort().at(-1);
  if (file === undefined) return undefined;
  const path = join(dir, file);
  const size = statSync(path).size;
  const offset = Math.floor(size / 2);
  flipBitAt(path, offset, pick(8));
  return { file: path, offset, detail: `bit flipped in snapshot ${file} (${size} bytes)` };
}
