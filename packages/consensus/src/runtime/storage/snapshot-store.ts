/**
 * Snapshot files: opaque bytes behind a small header (last included index/term, timestamp, length, CRC32C).
 * Written to a temp file, fsynced, renamed, directory fsynced, so a snapshot is either complete or absent.
 * Loading picks the newest snapshot that verifies and reports the ones it skipped; the store keeps the
 * `keep` newest files and deletes older ones.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readU16, readU32, readU64, writeU64 } from './codec.js';
import { crc32c } from './crc32c.js';
import { durableWatermarksEnabled, forgetDurable, recordDurable } from './durable-watermark.js';
import { SnapshotInvalidError, StorageInputError } from './errors.js';
import { fsyncDir, fsyncDirSync, mkdirDurableSync, nodeIo, type StorageIo, writevFully } from './io.js';
import type { Durability } from './segment-log.js';

export interface SnapshotMeta {
  /** Index of the last log entry the snapshot includes. */
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Log timestamp of that entry (never the wall clock: replicas must agree). */
  readonly timestampMs: number;
}

export interface SnapshotInfo extends SnapshotMeta {
  readonly file: string;
  readonly path: string;
  readonly lengthBytes: number;
  readonly crc32c: number;
}

export interface LoadedSnapshot {
  readonly info: SnapshotInfo;
  readonly data: Buffer;
}

export interface SnapshotLoadReport {
  readonly snapshot: LoadedSnapshot | null;
  /** Newer files that failed verification, newest first. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  readonly durationMs: number;
}

export interface SnapshotStoreOptions {
  /** How many newest snapshots to keep. Default 2 (one spare if the newest turns out bad). */
  readonly keep?: number;
  readonly durability?: Durability;
  readonly io?: StorageIo;
  readonly log?: (line: string) => void;
}

/** "VSNP" read as a little-endian u32. */
const MAGIC = 0x504e5356;
const VERSION = 1;
export const SNAPSHOT_HEADER_BYTES = 52;
const NAME = /^snap-(\d{20})-(\d{20})\.snap$/;
const TEMP_SUFFIX = '.tmp';

export function snapshotFileName(lastIndex: number, lastTerm: number): string {
  return `snap-${String(lastIndex).padStart(20, '0')}-${String(lastTerm).padStart(20, '0')}.snap`;
}

/** { lastIndex, lastTerm } from a snapshot file name, or null if it is not one. */
export function parseSnapshotFileName(name: string): { lastIndex: number; lastTerm: number } | null {
  const m = NAME.exec(name);
  return m === null ? null : { lastIndex: Number(m[1]), lastTerm: Number(m[2]) };
}

function encodeHeader(meta: SnapshotMeta, lengthBytes: number, payloadCrc: number): Buffer {
  const buf = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt16LE(VERSION, 4);
  buf.writeUInt16LE(SNAPSHOT_HEADER_BYTES, 6);
  writeU64(buf, 8, meta.lastIndex);
  writeU64(buf, 16, meta.lastTerm);
  writeU64(buf, 24, meta.timestampMs);
  writeU64(buf, 32, lengthBytes);
  buf.writeUInt32LE(payloadCrc, 40);
  buf.writeUInt32LE(0, 44);
  buf.writeUInt32LE(crc32c(buf, 0, 48), 48);
  return buf;
}

function decodeHeader(
  buf: Uint8Array,
): { meta: SnapshotMeta; lengthBytes: number; payloadCrc: number } | string {
  if (buf.length < SNAPSHOT_HEADER_BYTES) return 'shorter than its header';
  if (readU32(buf, 0) !== MAGIC) return 'bad magic';
  if (readU16(buf, 4) !== VERSION || readU16(buf, 6) !== SNAPSHOT_HEADER_BYTES) return 'unsupported version';
  if (readU32(buf, 48) !== crc32c(buf, 0, 48)) return 'header CRC32C mismatch';
  const lastIndex = readU64(buf, 8);
  const lastTerm = readU64(buf, 16);
  const timestampMs = readU64(buf, 24);
  const lengthBytes = readU64(buf, 32);
  if (lastIndex < 0 || lastTerm < 0 || timestampMs < 0 || lengthBytes < 0) return 'header field out of range';
  return { meta: { lastIndex, lastTerm, timestampMs }, lengthBytes, payloadCrc: readU32(buf, 40) };
}

function checkMeta(meta: SnapshotMeta): void {
  for (const [name, v] of [
    ['lastIndex', meta.lastIndex],
    ['lastTerm', meta.lastTerm],
    ['timestampMs', meta.timestampMs],
  ] as const) {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new StorageInputError(`snapshot: bad ${name} ${v}`);
  }
}

/** Streams one snapshot into its temp file; nothing is visible under the final name until finish(). */
export class SnapshotWriter {
  private readonly store: SnapshotStore;
  private readonly meta: SnapshotMeta;
  private readonly temp: string;
  private readonly final: string;
  private fd: number | null = null;
  private lengthBytes = 0;
  private crc = 0;
  private state: 'open' | 'finished' | 'aborted' = 'open';
  private chain: Promise<void> = Promise.resolve();

  /** @internal created by SnapshotStore.beginWrite */
  constructor(store: SnapshotStore, meta: SnapshotMeta, temp: string, final: string) {
    this.store = store;
    this.meta = meta;
    this.temp = temp;
    this.final = final;
  }

  /** Appends bytes (copied before the promise resolves is not required: they are written before it does). */
  append(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new StorageInputError(`snapshot writer is ${this.state}`);
    const run = this.chain.then(async () => {
      const io = this.store.io;
      if (this.fd === null) {
        this.fd = await io.open(this.temp, 'w');
        // Placeholder header; the real one (with length and CRC) is written by finish().
        await writevFully(io, this.fd, [Buffer.alloc(SNAPSHOT_HEADER_BYTES)], 0);
      }
      if (chunk.length === 0) return;
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      await writevFully(io, this.fd, [buf], SNAPSHOT_HEADER_BYTES + this.lengthBytes);
      this.crc = crc32c(buf, 0, buf.length, this.crc);
      this.lengthBytes += buf.length;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /** Writes the header, fsyncs, renames into place, fsyncs the directory, prunes old snapshots. */
  async finish(): Promise<SnapshotInfo> {
    await this.append(new Uint8Array(0));
    this.state = 'finished';
    const io = this.store.io;
    const fd = this.fd!;
    try {
      await writevFully(io, fd, [encodeHeader(this.meta, this.lengthBytes, this.crc)], 0);
      if (this.store.sync) await io.fsync(fd);
    } finally {
      await io.close(fd);
      this.fd = null;
    }
    await io.rename(this.temp, this.final);
    if (this.store.sync) {
      await fsyncDir(io, this.store.dir);
      // Test-only (fault hooks): durable as a whole, recorded before the caller learns of it.
      if (durableWatermarksEnabled())
        recordDurable(this.store.dir, [
          [path.basename(this.final), { bytes: SNAPSHOT_HEADER_BYTES + this.lengthBytes }],
        ]);
    }
    const info: SnapshotInfo = {
      ...this.meta,
      file: path.basename(this.final),
      path: this.final,
      lengthBytes: this.lengthBytes,
      crc32c: this.crc,
    };
    await this.store.prune();
    return info;
  }

  /** Drops the temp file (e.g. an install from a leader that failed midway). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.chain;
    if (this.fd !== null) {
      await this.store.io.close(this.fd);
      this.fd = null;
    }
    fs.rmSync(this.temp, { force: true });
  }
}

export class SnapshotStore {
  readonly dir: string;
  /** @internal */
  readonly io: StorageIo;
  /** @internal */
  readonly sync: boolean;
  readonly removedTempFiles: readonly string[];
  private readonly keep: number;
  private readonly log: (line: string) => void;

  private constructor(dir: string, options: SnapshotStoreOptions, removedTempFiles: string[]) {
    this.dir = dir;
    this.io = options.io ?? nodeIo;
    this.sync = (options.durability ?? 'fsync') === 'fsync';
    this.keep = options.keep ?? 2;
    this.log = options.log ?? (() => {});
    this.removedTempFiles = removedTempFiles;
  }

  /** Creates the directory if needed and deletes temp files of snapshots that never finished. */
  static open(dir: string, options: SnapshotStoreOptions = {}): SnapshotStore {
    const keep = options.keep ?? 2;
    if (!(Number.isSafeInteger(keep) && keep >= 1))
      throw new StorageInputError(`snapshot keep must be >= 1: ${keep}`);
    mkdirDurableSync(dir, (options.durability ?? 'fsync') === 'fsync');
    const removed: string[] = [];
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith('snap-') && name.endsWith(TEMP_SUFFIX)) {
        fs.rmSync(path.join(dir, name), { force: true });
        removed.push(name);
      }
    }
    const sync = (options.durability ?? 'fsync') === 'fsync';
    if (sync) {
      // A snapshot renamed into place by a process killed before its directory fsync is visible here but
      // not durable; start-up may load it and later compact the log behind it, so make it durable first.
      fsyncDirSync(dir);
      if (durableWatermarksEnabled())
        recordDurable(
          dir,
          fs
            .readdirSync(dir)
            .filter((name) => NAME.test(name))
            .map((name) => [name, { bytes: fs.statSync(path.join(dir, name)).size }] as const),
        );
    }
    const store = new SnapshotStore(dir, options, removed);
    if (removed.length > 0) store.log(`snapshots ${dir}: removed ${removed.length} unfinished temp file(s)`);
    return store;
  }

  beginWrite(meta: SnapshotMeta): SnapshotWriter {
    checkMeta(meta);
    const final = path.join(this.dir, snapshotFileName(meta.lastIndex, meta.lastTerm));
    return new SnapshotWriter(this, meta, `${final}${TEMP_SUFFIX}`, final);
  }

  /** Writes a whole snapshot (one buffer or a list of chunks) and returns where it went. */
  async write(meta: SnapshotMeta, data: Uint8Array | readonly Uint8Array[]): Promise<SnapshotInfo> {
    const writer = this.beginWrite(meta);
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) await writer.append(chunk);
      return await writer.finish();
    } catch (err) {
      await writer.abort().catch(() => {});
      throw err;
    }
  }

  /** Snapshot file names, newest first (by last index, then term). Not verified. */
  list(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((name) => NAME.test(name))
      .sort()
      .reverse();
  }

  /** Verifies one snapshot file completely and returns it; throws SnapshotInvalidError. */
  async load(file: string): Promise<LoadedSnapshot> {
    const full = path.join(this.dir, file);
    const bytes = await fs.promises.readFile(full);
    const header = decodeHeader(bytes);
    if (typeof header === 'string') throw new SnapshotInvalidError(file, header);
    const m = NAME.exec(file);
    if (m === null || Number(m[1]) !== header.meta.lastIndex || Number(m[2]) !== header.meta.lastTerm) {
      throw new SnapshotInvalidError(file, 'name does not match header');
    }
    if (bytes.length - SNAPSHOT_HEADER_BYTES !== header.lengthBytes) {
      throw new SnapshotInvalidError(
        file,
        `holds ${bytes.length - SNAPSHOT_HEADER_BYTES} payload bytes, header says ${header.lengthBytes}`,
      );
    }
    const data = bytes.subarray(SNAPSHOT_HEADER_BYTES);
    const actual = crc32c(data);
    if (actual !== header.payloadCrc) throw new SnapshotInvalidError(file, 'payload CRC32C mismatch');
    return {
      info: { ...header.meta, file, path: full, lengthBytes: header.lengthBytes, crc32c: actual },
      data,
    };
  }

  /** The newest snapshot that verifies; invalid newer ones are skipped and reported (not deleted). */
  async loadNewest(): Promise<SnapshotLoadReport> {
    const started = performance.now();
    const skipped: { file: string; reason: string }[] = [];
    for (const file of this.list()) {
      try {
        const snapshot = await this.load(file);
        const report = { snapshot, skipped, durationMs: performance.now() - started };
        this.log(
          `snapshots ${this.dir}: loaded ${file} (index ${snapshot.info.lastIndex}, term ${snapshot.info.lastTerm}, ` +
            `${snapshot.info.lengthBytes} bytes) in ${report.durationMs.toFixed(1)} ms` +
            (skipped.length > 0
              ? `; skipped invalid: ${skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}`
              : ''),
        );
        return report;
      } catch (err) {
        if (!(err instanceof SnapshotInvalidError)) throw err;
        skipped.push({ file, reason: err.reason });
      }
    }
    const report = { snapshot: null, skipped, durationMs: performance.now() - started };
    this.log(
      `snapshots ${this.dir}: none valid${skipped.length > 0 ? ` (${skipped.length} invalid skipped)` : ''}`,
    );
    return report;
  }

  /** Payload bytes [offsetBytes, offsetBytes + sizeBytes) of a snapshot, for sending it in chunks. */
  async readChunk(info: SnapshotInfo, offsetBytes: number, sizeBytes: number): Promise<Buffer> {
    if (
      !(
        Number.isSafeInteger(offsetBytes) &&
        offsetBytes >= 0 &&
        Number.isSafeInteger(sizeBytes) &&
        sizeBytes > 0
      ) ||
      offsetBytes > info.lengthBytes
    ) {
      throw new StorageInputError(`readChunk: bad range ${offsetBytes}+${sizeBytes} of ${info.lengthBytes}`);
    }
    const length = Math.min(sizeBytes, info.lengthBytes - offsetBytes);
    const handle = await fs.promises.open(info.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(
          buf,
          done,
          length - done,
          SNAPSHOT_HEADER_BYTES + offsetBytes + done,
        );
        if (bytesRead === 0) throw new SnapshotInvalidError(info.file, 'file shorter than its header says');
        done += bytesRead;
      }
      return buf;
    } finally {
      await handle.close();
    }
  }

  /** @internal keeps the `keep` newest snapshot files. */
  async prune(): Promise<void> {
    const stale = this.list().slice(this.keep);
    for (const file of stale) await this.io.unlink(path.join(this.dir, file));
    if (durableWatermarksEnabled()) forgetDurable(this.dir, stale);
    if (stale.length > 0 && this.sync) await fsyncDir(this.io, this.dir);
  }
}
