import type { Prng } from './prng.js';
import type { Mutations, NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Every voting member including `id`; static, odd-sized. */
  readonly voters: readonly NodeId[];
  /** Election timeouts are drawn uniformly from [electionTimeoutMs, 2 * electionTimeoutMs). */
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Append messages outstanding per follower in the replicate state (the pipelining window). */
  readonly inflightMessagesMax: number;
  readonly entriesPerAppendMax: number;
  /** Proposals are refused (back-pressure) once this many entries are appended but not committed. */
  readonly uncommittedEntriesMax: number;
  readonly snapshotChunkBytes: number;
  readonly payloadBytesMax: number;
  /** Election jitter; the only randomness in the core. */
  readonly prng: Prng;
  readonly mutations?: Mutations;
}

export const defaultRaftTuning = {
  electionTimeoutMs: 300,
  heartbeatIntervalMs: 50,
  preVote: true,
  checkQuorum: true,
  inflightMessagesMax: 32,
  entriesPerAppendMax: 64,
  uncommittedEntriesMax: 4096,
  snapshotChunkBytes: 64 * 1024,
  payloadBytesMax: 64 * 1024,
} as const;

export function validateConfig(config: RaftConfig): void {
  const ids = new Set(config.voters);
  if (ids.size !== config.voters.length) throw new Error('RaftConfig: duplicate voter ids');
  if (config.voters.length % 2 !== 1) throw new Error('RaftConfig: voters must be an odd number of members');
  if (!ids.has(config.id)) throw new Error(`RaftConfig: id ${config.id} is not a voter`);
  for (const id of config.voters) {
    if (!Number.isInteger(id) || id <= 0)
      throw new Error(`RaftConfig: voter id must be a positive integer: ${id}`);
  }
  if (!(config.heartbeatIntervalMs > 0)) throw new Error('RaftConfig: heartbeatIntervalMs must be > 0');
  if (!(config.electionTimeoutMs >= 2 * config.heartbeatIntervalMs)) {
    throw new Error('RaftConfig: electionTimeoutMs must be >= 2 * heartbeatIntervalMs');
  }
  for (const [name, value] of [
    ['inflightMessagesMax', config.inflightMessagesMax],
    ['entriesPerAppendMax', config.entriesPerAppendMax],
    ['uncommittedEntriesMax', config.uncommittedEntriesMax],
    ['snapshotChunkBytes', config.snapshotChunkBytes],
    ['payloadBytesMax', config.payloadBytesMax],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`RaftConfig: ${name} must be a positive integer`);
  }
}
