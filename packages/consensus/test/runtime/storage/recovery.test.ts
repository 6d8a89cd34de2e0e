import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../../src/runtime/storage/codec.js';
import { CorruptLogError } from '../../../src/runtime/storage/errors.js';
import { LOCK_FILE, SegmentLog, segmentFileName } from '../../../src/runtime/storage/segment-log.js';
import { entries, expectSame, segmentFiles, TempDirs } from './helpers.js';

const temp = new TempDirs();
afterEach(() => temp.cleanup());

/** Byte offset of every frame in a segment file, following the length fields up to preallocated zeros. */
function frameOffsets(file: Buffer): number[] {
  const out: number[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  while (offset + FRAME_HEADER_BYTES <= file.length && file.readUInt32LE(offset) !== 0) {
    out.push(offset);
    offset += FRAME_HEADER_BYTES + file.readUInt32LE(offset + 4);
  }
  return out;
}

async function writeLog(dir: string, count: number, segmentBytesMax = 1 << 20): Promise<void> {
  const log = await SegmentLog.open(dir, { segmentBytesMax });
  const p = log.append(entries(1, count));
  if (p === false) throw new Error('back-pressure');
  await p;
  await log.close();
}

describe('SegmentLog recovery', () => {
  it('reports what it recovered and how long it took', async () => {
    const dir = temp.make();
    await writeLog(dir, 40, 1024);
    const lines: string[] = [];
    const log = await SegmentLog.open(dir, { segmentBytesMax: 1024, log: (l) => lines.push(l) });
    expect(log.recovery.entries).toBe(40);
    expect(log.recovery.segments).toBe(segmentFiles(dir).length);
    expect(log.recovery.lastIndex).toBe(40);
    expect(log.recovery.durationMs).toBeGreaterThanOrEqual(0);
    expect(lines.join('\n')).toMatch(
      /recovered 40 entries \(entries 1\.\.40, last term 1\).*no torn tail.* ms/,
    );
    await log.close();
  });

  it('truncates a torn tail cut at every byte offset of the last frame, keeps the rest, appends again', async () => {
    const source = temp.make();
    await writeLog(source, 6);
    const name = segmentFileName(1);
    const full = fs.readFileSync(path.join(source, name));
    const lastStart = frameOffsets(full)[5]!;
    const lastEnd = lastStart + FRAME_HEADER_BYTES + full.readUInt32LE(lastStart + 4);
    expect(lastEnd - lastStart).toBeGreaterThan(FRAME_HEADER_BYTES);
    for (let cut = lastStart; cut < lastEnd; cut++) {
      const dir = temp.make();
      // Odd cuts also carry preallocated zeros after the torn bytes, as a real segment file would.
      const padding = cut % 2 === 1 ? 1000 : 0;
      fs.writeFileSync(path.join(dir, name), Buffer.concat([full.subarray(0, cut), Buffer.alloc(padding)]));
      // Every 16th cut runs with fsync; the rest skip it to keep this loop fast (same recovery code path).
      const log = await SegmentLog.open(dir, { durability: cut % 16 === 0 ? 'fsync' : 'none' });
      const torn = log.recovery.tornTail;
      if (cut === lastStart) {
        expect(torn, `cut ${cut}`).toBeNull();
      } else {
        expect(torn, `cut ${cut}`).toMatchObject({
          file: name,
          offsetBytes: lastStart,
          bytesDiscarded: cut - lastStart + padding,
        });
      }
      expect(log.lastIndex).toBe(5);
      // A clean end keeps its zeros (preallocated space); a torn tail is cut off.
      expect(fs.statSync(path.join(dir, name)).size).toBe(
        cut === lastStart ? lastStart + padding : lastStart,
      );
      expectSame(log.read(1), entries(1, 5));
      const p = log.append(entries(6, 2, 2, 3));
      if (p === false) throw new Error('back-pressure');
      await p;
      expectSame(log.read(1), [...entries(1, 5), ...entries(6, 2, 2, 3)]);
      await log.close();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('treats a bad CRC in the last frame, or zeros after it, as a torn tail', async () => {
    const dir = temp.make();
    await writeLog(dir, 10);
    const file = path.join(dir, segmentFileName(1));
    const bytes = fs.readFileSync(file);
    const lastStart = frameOffsets(bytes)[9]!;
    bytes[lastStart + FRAME_HEADER_BYTES + 2]! ^= 0x40;
    fs.writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(4096)]));
    const log = await SegmentLog.open(dir);
    expect(log.recovery.tornTail?.reason).toMatch(/CRC32C mismatch/);
    expect(log.recovery.tornTail?.bytesDiscarded).toBe(bytes.length - lastStart + 4096);
    expect(log.lastIndex).toBe(9);
    expectSame(log.read(1), entries(1, 9));
    await log.close();
  });

  it('refuses to open when an entry in the middle is corrupt, naming file, offset and index', async () => {
    const dir = temp.make();
    await writeLog(dir, 10);
    const name = segmentFileName(1);
    const file = path.join(dir, name);
    const bytes = fs.readFileSync(file);
    const offset = frameOffsets(bytes)[2]!;
    bytes[offset + FRAME_HEADER_BYTES + 1]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    const lines: string[] = [];
    const err = await SegmentLog.open(dir, { log: (l) => lines.push(l) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptLogError);
    const corrupt = err as CorruptLogError;
    expect([corrupt.file, corrupt.offsetBytes, corrupt.index, corrupt.code]).toEqual([
      name,
      offset,
      3,
      'LOG_CORRUPT',
    ]);
    expect(corrupt.message).toContain(`${name} at byte offset ${offset} (entry index 3)`);
    expect(corrupt.message).toContain('Refusing to start');
    expect(corrupt.message).toContain(`delete its data directory (${dir})`);
    expect(lines).toEqual([corrupt.message]); // printed, not only thrown
    // Nothing was truncated or repaired.
    expect(Buffer.compare(fs.readFileSync(file), bytes)).toBe(0);
  });

  it('refuses when a middle frame has a damaged length field', async () => {
    const dir = temp.make();
    await writeLog(dir, 10);
    const file = path.join(dir, segmentFileName(1));
    const bytes = fs.readFileSync(file);
    const offset = frameOffsets(bytes)[4]!;
    bytes.writeUInt32LE(0x00ff_ffff, offset + 4);
    fs.writeFileSync(file, bytes);
    await expect(SegmentLog.open(dir)).rejects.toMatchObject({
      code: 'LOG_CORRUPT',
      index: 5,
      offsetBytes: offset,
    });
  });

  it('refuses when a sealed segment ends in a bad frame, or a segment is missing', async () => {
    const dir = temp.make();
    await writeLog(dir, 60, 1024);
    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    const sealed = path.join(dir, files[1]!);
    const original = fs.readFileSync(sealed);
    fs.writeFileSync(sealed, original.subarray(0, frameOffsets(original).at(-1)! + 10));
    await expect(SegmentLog.open(dir)).rejects.toThrow(/not the last segment/);

    fs.writeFileSync(sealed, original);
    fs.rmSync(path.join(dir, files[2]!));
    await expect(SegmentLog.open(dir)).rejects.toThrow(/gap: previous segment/);
  });

  it('refuses a segment whose header is damaged', async () => {
    const dir = temp.make();
    await writeLog(dir, 5);
    const file = path.join(dir, segmentFileName(1));
    const bytes = fs.readFileSync(file);
    bytes[9]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    await expect(SegmentLog.open(dir)).rejects.toThrow(/segment header: header CRC32C mismatch/);
  });

  it('treats preallocated zeros after the last frame as a clean end, in every segment', async () => {
    const dir = temp.make();
    const log = await SegmentLog.open(dir, { segmentBytesMax: 4096, preallocateBytes: 1024 });
    const p = log.append(entries(1, 100));
    if (p === false) throw new Error('back-pressure');
    await p;
    await log.close();
    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    const sizes = files.map((f) => fs.statSync(path.join(dir, f)).size);
    const ends = files.map((f) => {
      const buf = fs.readFileSync(path.join(dir, f));
      const last = frameOffsets(buf).at(-1)!;
      return last + FRAME_HEADER_BYTES + buf.readUInt32LE(last + 4);
    });
    // Every segment, sealed or active, has zero-filled space after its last frame.
    expect(sizes.every((size, k) => size > ends[k]!)).toBe(true);
    const again = await SegmentLog.open(dir, { segmentBytesMax: 4096, preallocateBytes: 1024 });
    expect(again.recovery.tornTail).toBeNull();
    expectSame(again.read(1, 200, 1 << 30), entries(1, 100));
    const q = again.append(entries(101, 30));
    if (q === false) throw new Error('back-pressure');
    await q;
    await again.close();
    const third = await SegmentLog.open(dir, { segmentBytesMax: 4096, preallocateBytes: 0 });
    expectSame(third.read(1, 200, 1 << 30), entries(1, 130));
    await third.close();
  });

  it('removes the temp file of a segment creation that never reached its rename', async () => {
    const dir = temp.make();
    await writeLog(dir, 5);
    fs.writeFileSync(path.join(dir, `${segmentFileName(6)}.tmp`), Buffer.alloc(10));
    const log = await SegmentLog.open(dir);
    expect(log.recovery.removedTempFiles).toEqual([`${segmentFileName(6)}.tmp`]);
    expect(fs.readdirSync(dir).sort()).toEqual([LOCK_FILE, segmentFileName(1)].sort());
    expect(log.lastIndex).toBe(5);
    await log.close();
  });
});
