/**
 * Binary layouts of the log: segment file header and entry frame. All integers little-endian.
 * u64 fields hold non-negative safe integers (< 2^53); they are written as two u32 halves so no BigInt
 * is allocated per entry. See README.md for the table.
 */

import { crc32c } from './crc32c.js';

/** One log entry as stored. `payload` is opaque (an SBE message for the venue). */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  readonly timestampMs: number;
  /** Entry kind chosen by the caller, 0..65535. */
  readonly type: number;
  readonly payload: Uint8Array;
}

const TWO_POW_32 = 0x1_0000_0000;
/** Upper half limit so that hi * 2^32 + lo stays a safe integer. */
const U64_SAFE_HI_MAX = 0x1f_ffff;

export function writeU64(buf: Buffer, offset: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw new RangeError(`u64 field: ${value} not a safe uint`);
  buf.writeUInt32LE(value % TWO_POW_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

/** Returns -1 when the stored value is not a safe integer (treated as invalid by callers). */
export function readU64(buf: Uint8Array, offset: number): number {
  const lo = readU32(buf, offset);
  const hi = readU32(buf, offset + 4);
  if (hi > U64_SAFE_HI_MAX) return -1;
  return hi * TWO_POW_32 + lo;
}

export function readU32(buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
}

export function readU16(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8);
}

// ---- Entry frame -------------------------------------------------------------------------------------

export const FRAME_CRC_OFFSET = 0;
export const FRAME_LENGTH_OFFSET = 4;
export const FRAME_TERM_OFFSET = 8;
export const FRAME_INDEX_OFFSET = 16;
export const FRAME_TIMESTAMP_OFFSET = 24;
export const FRAME_TYPE_OFFSET = 32;
export const FRAME_FLAGS_OFFSET = 34;
export const FRAME_HEADER_BYTES = 36;
/** Hard cap on one payload, independent of configuration, so a garbage length can never pass as plausible. */
export const FRAME_PAYLOAD_BYTES_LIMIT = 64 * 1024 * 1024;

export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + payloadBytes;
}

/** Encodes one frame at `offset`; returns the offset after it. CRC covers bytes [4, end): header + payload. */
export function encodeFrame(buf: Buffer, offset: number, entry: LogEntry): number {
  const payloadBytes = entry.payload.length;
  buf.writeUInt32LE(payloadBytes, offset + FRAME_LENGTH_OFFSET);
  writeU64(buf, offset + FRAME_TERM_OFFSET, entry.term);
  writeU64(buf, offset + FRAME_INDEX_OFFSET, entry.index);
  writeU64(buf, offset + FRAME_TIMESTAMP_OFFSET, entry.timestampMs);
  buf.writeUInt16LE(entry.type, offset + FRAME_TYPE_OFFSET);
  buf.writeUInt16LE(0, offset + FRAME_FLAGS_OFFSET);
  buf.set(entry.payload, offset + FRAME_HEADER_BYTES);
  const end = offset + FRAME_HEADER_BYTES + payloadBytes;
  buf.writeUInt32LE(crc32c(buf, offset + FRAME_LENGTH_OFFSET, end), offset + FRAME_CRC_OFFSET);
  return end;
}

export type FrameCheck =
  | { readonly ok: true; readonly entry: LogEntry; readonly endOffset: number }
  | { readonly ok: false; readonly torn: boolean; readonly reason: string };

/**
 * Verifies and decodes the frame at `offset` of buf[0, limit). `torn: true` means the bytes look like an
 * interrupted write (too short, or CRC mismatch); `torn: false` means a checksum-valid frame with wrong
 * content, which a torn write cannot produce. The payload is a view into `buf` (no copy).
 */
export function checkFrame(
  buf: Uint8Array,
  offset: number,
  limit: number,
  expectedIndex: number,
): FrameCheck {
  const remaining = limit - offset;
  if (remaining < FRAME_HEADER_BYTES) {
    return {
      ok: false,
      torn: true,
      reason: `incomplete header (${remaining} of ${FRAME_HEADER_BYTES} bytes)`,
    };
  }
  const payloadBytes = readU32(buf, offset + FRAME_LENGTH_OFFSET);
  if (payloadBytes > FRAME_PAYLOAD_BYTES_LIMIT || payloadBytes > remaining - FRAME_HEADER_BYTES) {
    return {
      ok: false,
      torn: true,
      reason: `length ${payloadBytes} exceeds the ${remaining - FRAME_HEADER_BYTES} bytes that follow`,
    };
  }
  const end = offset + FRAME_HEADER_BYTES + payloadBytes;
  const stored = readU32(buf, offset + FRAME_CRC_OFFSET);
  const actual = crc32c(buf, offset + FRAME_LENGTH_OFFSET, end);
  if (stored !== actual) {
    return {
      ok: false,
      torn: true,
      reason: `CRC32C mismatch (stored ${hex(stored)}, computed ${hex(actual)})`,
    };
  }
  const index = readU64(buf, offset + FRAME_INDEX_OFFSET);
  const term = readU64(buf, offset + FRAME_TERM_OFFSET);
  const timestampMs = readU64(buf, offset + FRAME_TIMESTAMP_OFFSET);
  if (index !== expectedIndex) {
    return { ok: false, torn: false, reason: `index ${index} where ${expectedIndex} was expected` };
  }
  if (term < 0 || timestampMs < 0) return { ok: false, torn: false, reason: 'u64 field out of safe range' };
  if (readU16(buf, offset + FRAME_FLAGS_OFFSET) !== 0)
    return { ok: false, torn: false, reason: 'reserved flags set' };
  const entry: LogEntry = {
    index,
    term,
    timestampMs,
    type: readU16(buf, offset + FRAME_TYPE_OFFSET),
    payload: buf.subarray(offset + FRAME_HEADER_BYTES, end),
  };
  return { ok: true, entry, endOffset: end };
}

/**
 * After a bad frame at `offset`: is there a checksum-valid frame with an index >= minIndex anywhere after it?
 * If so the bad frame is in the middle of the log (corruption), not a torn tail. Cheap plausibility checks run
 * before each CRC, so scanning a whole segment byte by byte stays fast; only runs on the error path.
 */
export function findValidFrameAfter(
  buf: Uint8Array,
  offset: number,
  limit: number,
  minIndex: number,
): number {
  const maxIndex = minIndex + Math.floor((limit - offset) / FRAME_HEADER_BYTES);
  for (let at = offset + 1; at + FRAME_HEADER_BYTES <= limit; at++) {
    const payloadBytes = readU32(buf, at + FRAME_LENGTH_OFFSET);
    if (payloadBytes > limit - at - FRAME_HEADER_BYTES) continue;
    const index = readU64(buf, at + FRAME_INDEX_OFFSET);
    if (index < minIndex || index > maxIndex) continue;
    const end = at + FRAME_HEADER_BYTES + payloadBytes;
    if (readU32(buf, at + FRAME_CRC_OFFSET) === crc32c(buf, at + FRAME_LENGTH_OFFSET, end)) return at;
  }
  return -1;
}

// ---- Segment header ----------------------------------------------------------------------------------

/** "VLOG" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x474f4c56;
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;

export interface SegmentHeader {
  readonly firstIndex: number;
  /** Term of entry firstIndex - 1 (0 if none): keeps termAt(firstIndex - 1) answerable after compaction. */
  readonly prevTerm: number;
}

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  buf.writeUInt32LE(SEGMENT_MAGIC, 0);
  buf.writeUInt16LE(SEGMENT_VERSION, 4);
  buf.writeUInt16LE(SEGMENT_HEADER_BYTES, 6);
  writeU64(buf, 8, header.firstIndex);
  writeU64(buf, 16, header.prevTerm);
  buf.writeUInt32LE(0, 24);
  buf.writeUInt32LE(crc32c(buf, 0, 28), 28);
  return buf;
}

export function decodeSegmentHeader(buf: Uint8Array): SegmentHeader | string {
  if (buf.length < SEGMENT_HEADER_BYTES) return `file shorter than the ${SEGMENT_HEADER_BYTES}-byte header`;
  if (readU32(buf, 0) !== SEGMENT_MAGIC) return 'bad magic';
  if (readU16(buf, 4) !== SEGMENT_VERSION) return `unsupported version ${readU16(buf, 4)}`;
  if (readU16(buf, 6) !== SEGMENT_HEADER_BYTES) return 'bad header length';
  if (readU32(buf, 28) !== crc32c(buf, 0, 28)) return 'header CRC32C mismatch';
  const firstIndex = readU64(buf, 8);
  const prevTerm = readU64(buf, 16);
  if (firstIndex < 1 || prevTerm < 0) return 'header field out of range';
  return { firstIndex, prevTerm };
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
