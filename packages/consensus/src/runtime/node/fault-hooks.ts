/**
 * Fault hooks for the reliability suite (packages/chaos), off unless the member process runs with
 * VENUE_FAULT_HOOKS=1. Two faults a test cannot produce from outside on this machine:
 *
 * - a full disk: log writes fail with ENOSPC once a byte budget is spent (a tmpfs would need a
 *   mount per member; the hook is per process and needs no privileges);
 * - a clock jump: the member's wall clock moves by an offset. Every reading still goes through
 *   `max(last, now + offset)`: the core's time never runs backwards (its tick asserts it), so a
 *   backward jump makes this member's time stand still until the real clock catches up, and log
 *   timestamps stay monotonic (the leader also stamps entries with at least the previous one's).
 *
 * With the hooks on, the member also records durable watermarks (`storage/durable-watermark.ts`): after
 * every fsync of a log segment, the hard state or a snapshot, what that file holds on stable storage, in
 * `<dir>/.durable`, before the storage acknowledges it. The chaos suite's `power-loss` nemesis kills the
 * member and discards everything past them: what a machine crash does to unsynced writes.
 *
 * - a slow disk: each log fdatasync waits a delay first, so written entries stay unsynced for longer
 *   (what a power loss cuts into).
 *
 * Process-wide state: one member per process; the hooks are set from the admin HTTP port.
 */

import type { StorageIo } from '../storage/io.js';

export const FAULT_HOOKS_ENV = 'VENUE_FAULT_HOOKS';

const CLOCK_OFFSET_MS_MAX = 24 * 3_600_000;
const FSYNC_DELAY_MS_MAX = 5_000;

let diskBudgetBytes = Number.POSITIVE_INFINITY;
let clockOffsetMs = 0;
let clockLastMs = 0;
let fsyncDelayMs = 0;

export function faultHooksEnabled(): boolean {
  // nondeterminism-ok: I/O shell
  return process.env[FAULT_HOOKS_ENV] === '1';
}

/** From now on, log writes fail with ENOSPC once `bytes` more have been written. */
export function setDiskBudget(bytes: number): void {
  if (!(Number.isInteger(bytes) && bytes >= 0))
    throw new Error(`disk budget must be bytes >= 0, got ${bytes}`);
  diskBudgetBytes = bytes;
}

/**
 * A slow disk: every log fdatasync waits `delayMs` first, so written entries sit unsynced in the page
 * cache that long (the window a power loss cuts into). 0 = off.
 */
export function setFsyncDelay(delayMs: number): void {
  if (!(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= FSYNC_DELAY_MS_MAX))
    throw new Error(`fsync delay must be an integer 0..${FSYNC_DELAY_MS_MAX} ms, got ${delayMs}`);
  fsyncDelayMs = delayMs;
}

/** Moves this process's wall clock by `offsetMs` from the real one (replaces any earlier offset). */
export function setClockOffset(offsetMs: number): void {
  if (!(Number.isInteger(offsetMs) && Math.abs(offsetMs) <= CLOCK_OFFSET_MS_MAX))
    throw new Error(`clock offset must be an integer within ±${CLOCK_OFFSET_MS_MAX} ms, got ${offsetMs}`);
  clockOffsetMs = offsetMs;
}

/** The member's clock reading: the real reading plus the offset, never below an earlier reading. */
export function faultClock(realMs: number): number {
  clockLastMs = Math.max(clockLastMs, realMs + clockOffsetMs);
  return clockLastMs;
}

export function faultHookState(): {
  diskBudgetBytes: number | null;
  clockOffsetMs: number;
  fsyncDelayMs: number;
} {
  return {
    diskBudgetBytes: Number.isFinite(diskBudgetBytes) ? diskBudgetBytes : null,
    clockOffsetMs,
    fsyncDelayMs,
  };
}

function enospc(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device, write (injected disk full)');
  err.code = 'ENOSPC';
  err.errno = -28;
  return err;
}

/**
 * Wraps the log's I/O: writes beyond the disk budget fail with ENOSPC (nothing is written); fdatasync
 * waits the fsync delay first (a slow disk).
 */
export function diskFaultIo(inner: StorageIo): StorageIo {
  return {
    ...inner,
    writev: async (fd, buffers, positionBytes) => {
      let total = 0;
      for (const b of buffers) total += b.length;
      if (total > diskBudgetBytes) {
        diskBudgetBytes = 0;
        throw enospc();
      }
      diskBudgetBytes -= total;
      return inner.writev(fd, buffers, positionBytes);
    },
    fdatasync: async (fd) => {
      if (fsyncDelayMs > 0) await new Promise((r) => setTimeout(r, fsyncDelayMs));
      return inner.fdatasync(fd);
    },
  };
}
