import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Per drop-copy login: the feed position of the last report it has been given (copied, or skipped
 * as not entitled). Positions only move forward; the copy of a report is journaled in the FIX
 * session store BEFORE its cursor moves, so a crash between the two is repaired from the journal
 * (see DropCopyPublisher) and never loses a copy.
 */
export interface DropCopyCursorStore {
  /** Feed position of the last report handled for `username` (0 = none yet). */
  get(username: string): number;
  set(username: string, position: number): void;
  /** Makes every cursor written so far durable. */
  sync(): void;
  /**
   * Writes the given positions (a snapshot the caller took when their copies were journaled, not
   * the current ones) and calls `done` once they are durable, without blocking the event loop.
   */
  syncPositionsAsync?(positions: ReadonlyMap<string, number>, done: (err?: Error) => void): void;
  close(): void;
}

function checkPosition(position: number): void {
  if (!(Number.isSafeInteger(position) && position >= 0))
    throw new Error(`bad drop-copy position ${position}`);
}

export class MemoryDropCopyCursors implements DropCopyCursorStore {
  private readonly cursors = new Map<string, number>();
  get(username: string): number {
    return this.cursors.get(username) ?? 0;
  }
  set(username: string, position: number): void {
    checkPosition(position);
    this.cursors.set(username, position);
  }
  sync(): void {}
  syncPositionsAsync(_positions: ReadonlyMap<string, number>, done: (err?: Error) => void): void {
    queueMicrotask(() => done());
  }
  close(): void {}
}

const CURSOR_FILE_BYTES = 24;

/**
 * One file per login, `<dir>/<username>.cursor`: a fixed-size text record `<position>\n`
 * overwritten in place (no torn rename window), written and fsynced on `sync()`, which the
 * publisher calls after the session journals are durable.
 */
export class FileDropCopyCursors implements DropCopyCursorStore {
  private readonly files = new Map<string, { fd: number; position: number; dirty: boolean }>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private open(username: string): { fd: number; position: number; dirty: boolean } {
    let f = this.files.get(username);
    if (f !== undefined) return f;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username)) throw new Error(`unsafe drop-copy username '${username}'`);
    const path = join(this.dir, `${username}.cursor`);
    const exists = existsSync(path);
    const fd = openSync(path, exists ? 'r+' : 'w+');
    const m = exists ? /^(\d+)\n/.exec(readFileSync(path, 'latin1')) : null;
    f = { fd, position: m === null ? 0 : Number(m[1]), dirty: false };
    this.files.set(username, f);
    this.written.set(fd, f.position);
    return f;
  }

  get(username: string): number {
    return this.open(username).position;
  }

  /** In memory until `sync()`: a cursor must never reach the disk before the copies it covers. */
  set(username: string, position: number): void {
    checkPosition(position);
    const f = this.open(username);
    if (f.position === position) return;
    f.position = position;
    f.dirty = true;
  }

  sync(): void {
    for (const f of this.files.values()) {
      if (!f.dirty) continue;
      writeSync(f.fd, `${f.position}\n`.padEnd(CURSOR_FILE_BYTES, ' '), 0, 'latin1');
      fsyncSync(f.fd);
      f.dirty = false;
      this.written.set(f.fd, f.position);
    }
  }

  /** Per open file: the position last written to it. */
  private readonly written = new Map<number, number>();

  syncPositionsAsync(positions: ReadonlyMap<string, number>, done: (err?: Error) => void): void {
    const fds: number[] = [];
    try {
      for (const [username, position] of positions) {
        checkPosition(position);
        const f = this.open(username);
        if (this.written.get(f.fd) === position) continue;
        writeSync(f.fd, `${position}\n`.padEnd(CURSOR_FILE_BYTES, ' '), 0, 'latin1');
        this.written.set(f.fd, position);
        if (f.position === position) f.dirty = false;
        fds.push(f.fd);
      }
    } catch (e) {
      queueMicrotask(() => done(e as Error));
      return;
    }
    let left = fds.length;
    if (left === 0) {
      queueMicrotask(() => done());
      return;
    }
    let error: Error | undefined;
    for (const fd of fds)
      fdatasync(fd, (e) => {
        if (e !== null && error === undefined) error = e;
        if (--left === 0) done(error);
      });
  }

  close(): void {
    this.sync();
    for (const f of this.files.values()) closeSync(f.fd);
    this.files.clear();
    this.written.clear();
  }
}
