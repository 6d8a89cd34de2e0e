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
    }
  | {
      readonly kind: 'text';
      readonly id: string;
      readonly title: string;
      readonly setup: Setup;
      readonly text: string;
    }
  | { readonly kind: 'skipped'; readonly id: string; readonly title: string; readonly reason: string };

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
