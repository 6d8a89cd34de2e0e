/** What a scenario process hands back to bench/run.ts: one `RESULT <json>` line on stdout. */

import type { Spread } from './stats.js';
import type { RateRow } from './sweep.js';

export type Setup = Readonly<Record<string, string | number>>;

export type Figure =
  | {
      readonly kind: 'sweep';
      readonly id: string;
      readonly title: string;
      readonly setup: Setup;
      readonly rows: readonly RateRow[];
    }
  | {
      readonly kind: 'failover';
      readonly id: string;
      readonly title: string;
      readonly setup: Setup;
      /** Per kill: kill -> first acknowledgement after it, ms. */
      readonly windowsMs: readonly number[];
      readonly windowMs: Spread;
      /** Per kill: kill -> first entry committed in a later term (the new leader's first commit). */
      readonly firstCommitMs?: readonly number[];
      readonly firstCommit?: Spread;
      /** After the kills: was every acknowledged request / order found in the final state? */
      readonly noLoss?: NoLossCheck;
    }
  | {
      readonly kind: 'recovery';
      readonly id: string;
      readonly title: string;
      readonly setup: Setup;
      readonly rows: readonly RecoveryRow[];
    }
  | {
      readonly kind: 'text';
      readonly id: string;
      readonly title: string;
      readonly setup: Setup;
      readonly text: string;
    }
  | { readonly kind: 'skipped'; readonly id: string; readonly title: string; readonly reason: string };

export interface NoLossCheck {
  /** Acknowledged during the failover phase (the ones checked). */
  readonly acknowledged: number;
  /** Acknowledged but absent from the final state. */
  readonly missing: number;
  /** Acknowledged but not checked (the query did not complete): the check proves nothing about them. */
  readonly unverified?: number;
  /** How the final state was queried. */
  readonly how: string;
}

export interface RecoveryRow {
  readonly entries: number;
  readonly snapshotIndex: number;
  /** Entries after the snapshot, applied again at start-up. */
  readonly replayEntries: number;
  readonly logBytes: number;
  readonly snapshotBytes: number;
  /** Start-ups measured. */
  readonly runs: number;
  /** Generating the directory with the storage API. */
  readonly writeMs: number;
  /** The node's storage open (log recovery + snapshot load), as it reports it. */
  readonly storageMs: Spread;
  /** The node's whole init (storage, restart state, services restored). */
  readonly startedMs: Spread;
  /** Process spawn -> leader with every entry applied by the services. */
  readonly servingMs: Spread;
}

export function emit(figures: readonly Figure[]): void {
  process.stdout.write(`RESULT ${JSON.stringify(figures)}\n`);
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Scenario arguments: the JSON in argv[2]. */
export function args<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}
