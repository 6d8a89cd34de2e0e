import { createHash } from 'node:crypto';
import type { MatchingEngine } from '../engine/engine.js';
import { writeSnapshot } from '../snapshot/snapshot.js';

/** sha256 (hex) of the canonical snapshot: equal states give equal hashes. */
export function stateHash(engine: MatchingEngine): string {
  return createHash('sha256').update(writeSnapshot(engine)).digest('hex');
}
