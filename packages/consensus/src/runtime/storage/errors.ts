/** Typed errors of the storage layer. Each carries a stable `code` so callers can branch without parsing text. */

export type StorageErrorCode =
  | 'STORAGE_INPUT'
  | 'LOG_CORRUPT'
  | 'LOG_IO'
  | 'LOG_CLOSED'
  | 'LOG_LOCKED'
  | 'LOG_GAP'
  | 'HARD_STATE_CORRUPT'
  | 'SNAPSHOT_INVALID';

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** Bad argument: nothing was changed. */
export class StorageInputError extends StorageError {
  constructor(message: string) {
    super('STORAGE_INPUT', message);
    this.name = 'StorageInputError';
  }
}

/**
 * A frame that fails verification and is NOT a torn tail (valid data follows it, or it sits in a sealed
 * segment). The node must not serve this log: we refuse to start, the operator deletes the data dir and the
 * node re-syncs from its peers (snapshot install + log replication).
 */
export class CorruptLogError extends StorageError {
  readonly file: string;
  readonly offsetBytes: number;
  readonly index: number;
  readonly reason: string;

  constructor(dir: string, file: string, offsetBytes: number, index: number, reason: string) {
    super(
      'LOG_CORRUPT',
      `corrupt log entry in ${file} at byte offset ${offsetBytes} (entry index ${index}): ${reason}. ` +
        'Refusing to start: this entry is not at the torn tail, so acknowledged data may be damaged. ' +
        `Remedy: stop the node, delete its data directory (${dir}) and restart it with rejoin (venue node --rejoin): ` +
        'it re-syncs from its peers (snapshot install + log replication) and does not vote until it has caught up. ' +
        'Keep a copy of the directory first if you want to inspect it.',
    );
    this.name = 'CorruptLogError';
    this.file = file;
    this.offsetBytes = offsetBytes;
    this.index = index;
    this.reason = reason;
  }
}

/** An I/O call failed. After a failed write or fsync the log is unusable (the page cache state is unknown). */
export class LogIoError extends StorageError {
  constructor(message: string, cause: unknown) {
    super('LOG_IO', message, { cause });
    this.name = 'LogIoError';
  }
}

export class LogClosedError extends StorageError {
  constructor(message: string) {
    super('LOG_CLOSED', message);
    this.name = 'LogClosedError';
  }
}

/** The log was compacted past the newest valid snapshot: the entries in between exist nowhere on this node. */
export class LogGapError extends StorageError {
  readonly firstIndex: number;
  readonly snapshotIndex: number;

  constructor(dir: string, firstIndex: number, snapshotIndex: number, detail: string) {
    super(
      'LOG_GAP',
      `log ${dir} starts at index ${firstIndex} but the newest valid snapshot covers only up to ${snapshotIndex}` +
        `${detail}. Refusing to start. Remedy: restore the missing snapshot, or delete the node's data directory ` +
        'and restart it so it re-syncs from its peers.',
    );
    this.name = 'LogGapError';
    this.firstIndex = firstIndex;
    this.snapshotIndex = snapshotIndex;
  }
}

/** Another live process (or this one) already has the directory open. */
export class LogLockedError extends StorageError {
  readonly lockFile: string;
  readonly pid: number;

  constructor(lockFile: string, pid: number) {
    super(
      'LOG_LOCKED',
      `${lockFile} is held by live process ${pid}${pid === process.pid ? ' (this process)' : ''}: two nodes must ` +
        'never share a data directory. If no node is running there, delete the lock file.',
    );
    this.name = 'LogLockedError';
    this.lockFile = lockFile;
    this.pid = pid;
  }
}

export class HardStateCorruptError extends StorageError {
  readonly file: string;

  constructor(file: string, reason: string) {
    super(
      'HARD_STATE_CORRUPT',
      `hard state file ${file} is corrupt: ${reason}. Refusing to start (term/vote would be lost). ` +
        'Remedy: delete the node data directory and restart it so it re-syncs from its peers.',
    );
    this.name = 'HardStateCorruptError';
    this.file = file;
  }
}

export class SnapshotInvalidError extends StorageError {
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string) {
    super('SNAPSHOT_INVALID', `snapshot ${file} is invalid: ${reason}`);
    this.name = 'SnapshotInvalidError';
    this.file = file;
    this.reason = reason;
  }
}
