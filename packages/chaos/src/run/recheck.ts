import { readFileSync } from 'node:fs';
import { type CheckResult, check } from '../checker/checker.js';
import type { FinalOrderRead, HistoryEvent, ReplicaState } from '../history/history.js';

const LINES_MAX = 2_000_000;

/** Re-runs the checker on a kept `history.jsonl` (for example after changing the checker). */
export function recheckFile(path: string): CheckResult {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.length > LINES_MAX) throw new Error(`${path}: more than ${LINES_MAX} lines`);
  const events: HistoryEvent[] = [];
  const reads: FinalOrderRead[] = [];
  const replicas: ReplicaState[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: { type?: unknown };
    try {
      parsed = JSON.parse(line) as { type?: unknown };
    } catch {
      throw new Error(`${path}:${i + 1}: not JSON`);
    }
    if (parsed.type === 'final-read') reads.push(parsed as unknown as FinalOrderRead);
    else if (parsed.type === 'final-replica') replicas.push(parsed as unknown as ReplicaState);
    else events.push(parsed as HistoryEvent);
  });
  return check(events, { reads, replicas });
}
