/**
 * One owner per data directory: a lock file holding the owner's pid, created with O_EXCL. A lock whose pid
 * is no longer alive (the owner was killed) is taken over. Guards against two nodes configured with the same
 * directory, which would interleave two logs into one file.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogLockedError } from './errors.js';

/** Lock files held by this process (a second open in the same process must fail too). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DirLock {
  readonly file: string;
  private released = false;

  private constructor(file: string) {
    this.file = file;
  }

  static acquire(dir: string, name: string): DirLock {
    const file = path.resolve(dir, name);
    if (held.has(file)) throw new LogLockedError(file, process.pid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, `${process.pid}\n`);
        } finally {
          fs.closeSync(fd);
        }
        held.add(file);
        return new DirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LogLockedError(file, pid);
      }
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
    throw new LogLockedError(file, -1);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    fs.rmSync(this.file, { force: true });
  }
}
