/**
 * The asynchronous file operations the log's writer uses, behind an interface so tests can count fsyncs or
 * inject failures. The default runs on libuv's thread pool, so a 0.2 ms fsync never blocks the event loop
 * (heartbeats keep flowing while the disk works).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StorageIo {
  open(path: string, flags: string): Promise<number>;
  writev(fd: number, buffers: readonly Buffer[], positionBytes: number): Promise<number>;
  /** Data (and the size needed to read it back) to stable storage. */
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, sizeBytes: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

function callback<T>(run: (done: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, value) => (err ? reject(err) : resolve(value)));
  });
}

function voidCallback(run: (done: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    run((err) => (err ? reject(err) : resolve()));
  });
}

/** Plain fd-based callbacks: cheaper per call than fs/promises FileHandle objects. */
export const nodeIo: StorageIo = {
  open: (path, flags) => callback<number>((done) => fs.open(path, flags, 0o644, done)),
  writev: (fd, buffers, positionBytes) =>
    callback<number>((done) => fs.writev(fd, buffers as Buffer[], positionBytes, done)),
  fdatasync: (fd) => voidCallback((done) => fs.fdatasync(fd, done)),
  fsync: (fd) => voidCallback((done) => fs.fsync(fd, done)),
  ftruncate: (fd, sizeBytes) => voidCallback((done) => fs.ftruncate(fd, sizeBytes, done)),
  close: (fd) => voidCallback((done) => fs.close(fd, done)),
  rename: (from, to) => voidCallback((done) => fs.rename(from, to, done)),
  unlink: (path) => voidCallback((done) => fs.unlink(path, done)),
};

/** Writes all of `buffers` at `positionBytes`, retrying short writes. */
export async function writevFully(
  io: StorageIo,
  fd: number,
  buffers: readonly Buffer[],
  positionBytes: number,
): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let written = await io.writev(fd, buffers, positionBytes);
  if (written === total) return;
  // Rare short write: fall back to one contiguous buffer for the remainder.
  const all = Buffer.concat(buffers as Buffer[], total);
  while (written < total) {
    const n = await io.writev(fd, [all.subarray(written)], positionBytes + written);
    if (n <= 0) throw new Error(`writev wrote ${n} bytes`);
    written += n;
  }
}

/** fsync a directory so a create, rename or unlink inside it survives power loss. */
export async function fsyncDir(io: StorageIo, dir: string): Promise<void> {
  const fd = await io.open(dir, 'r');
  try {
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}

/** Synchronous fsync of a directory (start-up paths). */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Counts calls per operation; wraps another StorageIo. Used by tests and benchmarks. */
export class CountingIo implements StorageIo {
  readonly counts = {
    open: 0,
    writev: 0,
    fdatasync: 0,
    fsync: 0,
    ftruncate: 0,
    close: 0,
    rename: 0,
    unlink: 0,
  };
  private readonly inner: StorageIo;

  constructor(inner: StorageIo = nodeIo) {
    this.inner = inner;
  }

  open(path: string, flags: string): Promise<number> {
    this.counts.open++;
    return this.inner.open(path, flags);
  }
  writev(fd: number, buffers: readonly Buffer[], positionBytes: number): Promise<number> {
    this.counts.writev++;
    return this.inner.writev(fd, buffers, positionBytes);
  }
  fdatasync(fd: number): Promise<void> {
    this.counts.fdatasync++;
    return this.inner.fdatasync(fd);
  }
  fsync(fd: number): Promise<void> {
    this.counts.fsync++;
    return this.inner.fsync(fd);
  }
  ftruncate(fd: number, sizeBytes: number): Promise<void> {
    this.counts.ftruncate++;
    return this.inner.ftruncate(fd, sizeBytes);
  }
  close(fd: number): Promise<void> {
    this.counts.close++;
    return this.inner.close(fd);
  }
  rename(from: string, to: string): Promise<void> {
    this.counts.rename++;
    return this.inner.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    this.counts.unlink++;
    return this.inner.unlink(path);
  }
}

/**
 * mkdir -p that survives power loss: every directory it creates is fsynced into its parent, so a fresh
 * data directory cannot vanish after its first acknowledged write. Returns the directories created.
 */
export function mkdirDurableSync(dir: string, sync = true): string[] {
  const created: string[] = [];
  let probe = path.resolve(dir);
  while (!fs.existsSync(probe)) {
    created.unshift(probe);
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  if (created.length === 0) return created;
  fs.mkdirSync(dir, { recursive: true });
  if (sync) {
    for (const made of created) {
      const fd = fs.openSync(path.dirname(made), 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  return created;
}
