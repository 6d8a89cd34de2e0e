/**
 * Raft hard state (current term, vote) in one small file, replaced atomically: write a temp file, fsync it,
 * rename over the old one, fsync the directory. A reader therefore sees either the old or the new state.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readU16, readU32, readU64, writeU64 } from './codec.js';
import { crc32c } from './crc32c.js';
import { durableWatermarksEnabled, recordDurable } from './durable-watermark.js';
import { HardStateCorruptError, StorageInputError } from './errors.js';
import { fsyncDir, fsyncDirSync, mkdirDurableSync, nodeIo, type StorageIo, writevFully } from './io.js';
import type { Durability } from './segment-log.js';

export interface HardState {
  readonly term: number;
  /** Member id voted for in `term`, or null. */
  readonly votedFor: number | null;
  /** The member lost its data and may not vote until caught up (core HardState.recovering). */
  readonly recovering?: boolean;
}

export const HARD_STATE_FILE = 'hardstate';
/** "VHST" read as a little-endian u32. */
const MAGIC = 0x54534856;
const VERSION = 1;
const BYTES = 28;
const NO_VOTE = 0xffff_ffff;
/** Flags (u32 at offset 20; always 0 before the flag existed, so older files read as not recovering). */
const FLAG_RECOVERING = 1;

export function encodeHardState(state: HardState): Buffer {
  const buf = Buffer.alloc(BYTES);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt16LE(VERSION, 4);
  buf.writeUInt16LE(BYTES, 6);
  writeU64(buf, 8, state.term);
  buf.writeUInt32LE(state.votedFor ?? NO_VOTE, 16);
  buf.writeUInt32LE(state.recovering === true ? FLAG_RECOVERING : 0, 20);
  buf.writeUInt32LE(crc32c(buf, 0, 24), 24);
  return buf;
}

export function decodeHardState(buf: Uint8Array): HardState | string {
  if (buf.length !== BYTES) return `size ${buf.length}, expected ${BYTES}`;
  if (readU32(buf, 0) !== MAGIC) return 'bad magic';
  if (readU16(buf, 4) !== VERSION || readU16(buf, 6) !== BYTES) return 'unsupported version';
  if (readU32(buf, 24) !== crc32c(buf, 0, 24)) return 'CRC32C mismatch';
  const term = readU64(buf, 8);
  if (term < 0) return 'term out of range';
  const vote = readU32(buf, 16);
  const flags = readU32(buf, 20);
  if ((flags & ~FLAG_RECOVERING) !== 0) return `unknown flags 0x${flags.toString(16)}`;
  const votedFor = vote === NO_VOTE ? null : vote;
  return (flags & FLAG_RECOVERING) !== 0 ? { term, votedFor, recovering: true } : { term, votedFor };
}

export interface HardStateStoreOptions {
  readonly durability?: Durability;
  readonly io?: StorageIo;
}

export class HardStateStore {
  readonly file: string;
  private readonly dir: string;
  private readonly io: StorageIo;
  private readonly sync: boolean;
  private state: HardState;
  /** Saves run one after another so renames land in call order. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(dir: string, state: HardState, options: HardStateStoreOptions) {
    this.dir = dir;
    this.file = path.join(dir, HARD_STATE_FILE);
    this.state = state;
    this.io = options.io ?? nodeIo;
    this.sync = (options.durability ?? 'fsync') === 'fsync';
  }

  /** Loads the state (term 0, no vote when absent). Throws HardStateCorruptError when the file is damaged. */
  static open(dir: string, options: HardStateStoreOptions = {}): HardStateStore {
    mkdirDurableSync(dir, (options.durability ?? 'fsync') === 'fsync');
    const file = path.join(dir, HARD_STATE_FILE);
    // A leftover temp file is a save that never reached its rename: the old state stands.
    fs.rmSync(`${file}.tmp`, { force: true });
    let state: HardState = { term: 0, votedFor: null };
    if (fs.existsSync(file)) {
      const bytes = fs.readFileSync(file);
      const decoded = decodeHardState(bytes);
      if (typeof decoded === 'string') throw new HardStateCorruptError(file, decoded);
      state = decoded;
      if ((options.durability ?? 'fsync') === 'fsync') {
        // A save killed after its rename and before the directory fsync is visible but not durable: the
        // node would act on a term/vote a power loss could still undo (and vote twice in a term).
        fsyncDirSync(dir);
        if (durableWatermarksEnabled())
          recordDurable(dir, [[HARD_STATE_FILE, { hex: bytes.toString('hex') }]]);
      }
    }
    return new HardStateStore(dir, state, options);
  }

  get current(): HardState {
    return this.state;
  }

  /**
   * Persists `state`; `current` reflects it at once, the promise resolves when it is durable. The term never
   * goes backwards, and a vote cannot change within a term (Raft safety); violations throw StorageInputError.
   */
  save(state: HardState): Promise<void> {
    if (!(Number.isSafeInteger(state.term) && state.term >= 0)) {
      throw new StorageInputError(`hard state: bad term ${state.term}`);
    }
    const vote = state.votedFor;
    if (vote !== null && !(Number.isInteger(vote) && vote >= 0 && vote < NO_VOTE)) {
      throw new StorageInputError(`hard state: bad votedFor ${vote}`);
    }
    if (state.term < this.state.term) {
      throw new StorageInputError(`hard state: term ${state.term} below current term ${this.state.term}`);
    }
    if (state.term === this.state.term && this.state.votedFor !== null && vote !== this.state.votedFor) {
      throw new StorageInputError(
        `hard state: already voted for ${this.state.votedFor} in term ${state.term}`,
      );
    }
    this.state =
      state.recovering === true
        ? { term: state.term, votedFor: vote, recovering: true }
        : { term: state.term, votedFor: vote };
    const bytes = encodeHardState(this.state);
    const run = this.chain.then(() => this.write(bytes));
    this.chain = run.catch(() => {});
    return run;
  }

  private async write(bytes: Buffer): Promise<void> {
    const temp = `${this.file}.tmp`;
    const fd = await this.io.open(temp, 'w');
    try {
      await writevFully(this.io, fd, [bytes], 0);
      if (this.sync) await this.io.fsync(fd);
    } finally {
      await this.io.close(fd);
    }
    await this.io.rename(temp, this.file);
    if (this.sync) {
      await fsyncDir(this.io, this.dir);
      // Test-only (fault hooks): this version is durable, recorded before the caller learns of it.
      if (durableWatermarksEnabled())
        recordDurable(this.dir, [[HARD_STATE_FILE, { hex: bytes.toString('hex') }]]);
    }
  }
}
