import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CheckResult, check } from '../checker/checker.js';
import type { FinalBook, MarketDataInput } from '../checker/md-replay.js';
import type { PositionsInput } from '../checker/trades.js';
import type { FinalOrderRead, HistoryEvent, ReplicaState } from '../history/history.js';
import type { MdMessage } from '../marketdata/recorder.js';

const LINES_MAX = 2_000_000;

/**
 * Re-runs the checker on a kept `history.jsonl` (for example after changing the checker); the
 * market-data replay is checked too when `md.jsonl` lies next to it.
 */
export function recheckFile(path: string): CheckResult {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.length > LINES_MAX) throw new Error(`${path}: more than ${LINES_MAX} lines`);
  const events: HistoryEvent[] = [];
  const reads: FinalOrderRead[] = [];
  const replicas: ReplicaState[] = [];
  let positions: PositionsInput | undefined;
  let books: { books: FinalBook[]; headSeqs: [number, number][] | null; problem: string | null } | undefined;
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
    else if (parsed.type === 'final-positions') positions = parsed as unknown as PositionsInput;
    else if (parsed.type === 'final-books') books = parsed as unknown as typeof books;
    else events.push(parsed as HistoryEvent);
  });
  const mdFile = join(dirname(path), 'md.jsonl');
  let marketData: MarketDataInput | undefined;
  if (books !== undefined && existsSync(mdFile)) {
    const messages = readFileSync(mdFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(0, LINES_MAX)
      .map((l) => JSON.parse(l) as MdMessage);
    marketData = {
      messages,
      books: books.books,
      headSeqs: books.headSeqs === null ? undefined : new Map(books.headSeqs),
      problem: books.problem ?? undefined,
    };
  }
  return check(events, {
    reads,
    replicas,
    ...(positions === undefined ? {} : { positions }),
    ...(marketData === undefined ? {} : { marketData }),
  });
}
