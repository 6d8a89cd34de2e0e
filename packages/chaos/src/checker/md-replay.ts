import type { MdLevel, MdMessage } from '../marketdata/recorder.js';

/** The final book of one instrument as the venue holds it (every level, displayed quantities). */
export interface FinalBook {
  readonly instrumentId: number;
  readonly symbol: string;
  readonly levels: readonly MdLevel[];
}

export interface MarketDataInput {
  /** The recorded l2full messages, in the order the recorder applied them. */
  readonly messages: readonly MdMessage[];
  readonly books: readonly FinalBook[];
  /** Each stream's last seq on a fresh subscription at the end (the recording must have reached it). */
  readonly headSeqs: ReadonlyMap<number, number> | undefined;
  /** Something the recorder could not do (overflow, unparsable frame). */
  readonly problem: string | undefined;
}

export interface MdIssue {
  readonly property: 'md-replay-mismatch' | 'md-gap-unrecovered' | 'md-update-invalid';
  readonly subject: string;
  readonly explanation: string;
}

export interface MdCheck {
  readonly issues: MdIssue[];
  readonly messagesReplayed: number;
  /** Snapshots in the recording beyond each stream's first (recoveries by snapshot, conflation). */
  readonly recoverySnapshots: number;
  readonly levelsCompared: number;
}

const levelKey = (l: { side: string; priceTicks: number }) => `${l.side} ${l.priceTicks}`;

/**
 * Replays a recorded l2full feed from scratch, stream by stream: the first message must be a
 * snapshot; each update must carry seq = last + 1 (a seq jump without a snapshot in between is a gap
 * the recorder did not recover); a `new` must not hit an existing level, a `change` or `delete` must
 * hit one. The resulting book of each instrument must equal the venue's final book exactly (every
 * level's quantity and order count), once the recording reached the stream's head seq. Pure.
 */
export function checkMarketData(input: MarketDataInput): MdCheck {
  const issues: MdIssue[] = [];
  if (input.problem !== undefined)
    issues.push({ property: 'md-gap-unrecovered', subject: 'recorder', explanation: input.problem });
  const books = new Map<number, Map<string, MdLevel>>();
  const lastSeq = new Map<number, number>();
  let recoverySnapshots = 0;
  let replayed = 0;
  const invalid = new Set<number>();
  for (const m of input.messages) {
    replayed += 1;
    if (m.type === 'snapshot') {
      if (lastSeq.has(m.instrumentId)) recoverySnapshots += 1;
      const book = new Map<string, MdLevel>();
      for (const l of m.levels) book.set(levelKey(l), l);
      books.set(m.instrumentId, book);
      lastSeq.set(m.instrumentId, m.seq);
      invalid.delete(m.instrumentId);
      continue;
    }
    const book = books.get(m.instrumentId);
    const last = lastSeq.get(m.instrumentId);
    if (book === undefined || last === undefined) {
      issues.push({
        property: 'md-gap-unrecovered',
        subject: `instrument ${m.instrumentId}`,
        explanation: `update seq ${m.seq} recorded before any snapshot`,
      });
      continue;
    }
    if (m.seq !== last + 1) {
      issues.push({
        property: 'md-gap-unrecovered',
        subject: `instrument ${m.instrumentId} seq ${last + 1}`,
        explanation: `update seq ${m.seq} follows seq ${last} with no snapshot in between (seqs ${last + 1}..${m.seq - 1} missing)`,
      });
    }
    lastSeq.set(m.instrumentId, m.seq);
    const k = levelKey(m);
    const has = book.has(k);
    const bad =
      (m.action === 'new' && has) || (m.action !== 'new' && !has)
        ? `${m.action} of ${has ? 'an existing' : 'an unknown'} level ${k} at seq ${m.seq}`
        : undefined;
    if (bad !== undefined && !invalid.has(m.instrumentId)) {
      invalid.add(m.instrumentId);
      issues.push({
        property: 'md-update-invalid',
        subject: `instrument ${m.instrumentId}`,
        explanation: bad,
      });
    }
    if (m.action === 'delete') book.delete(k);
    else
      book.set(k, { side: m.side, priceTicks: m.priceTicks, qtyLots: m.qtyLots, orderCount: m.orderCount });
  }
  let levelsCompared = 0;
  for (const fb of input.books) {
    const head = input.headSeqs?.get(fb.instrumentId);
    const last = lastSeq.get(fb.instrumentId);
    if (head !== undefined && (last === undefined || last < head)) {
      issues.push({
        property: 'md-gap-unrecovered',
        subject: `${fb.symbol} (instrument ${fb.instrumentId})`,
        explanation: `the recording ends at seq ${last ?? 'none'} but the feed's head is seq ${head}`,
      });
      continue;
    }
    const replayedBook = books.get(fb.instrumentId) ?? new Map<string, MdLevel>();
    const differences: string[] = [];
    const want = new Map(fb.levels.map((l) => [levelKey(l), l]));
    for (const [k, l] of want) {
      levelsCompared += 1;
      const got = replayedBook.get(k);
      if (got === undefined)
        differences.push(`${k}: venue ${l.qtyLots} lots/${l.orderCount} orders, feed none`);
      else if (got.qtyLots !== l.qtyLots || got.orderCount !== l.orderCount)
        differences.push(
          `${k}: venue ${l.qtyLots} lots/${l.orderCount} orders, feed ${got.qtyLots}/${got.orderCount}`,
        );
    }
    for (const [k, got] of replayedBook)
      if (!want.has(k))
        differences.push(`${k}: venue none, feed ${got.qtyLots} lots/${got.orderCount} orders`);
    if (differences.length > 0)
      issues.push({
        property: 'md-replay-mismatch',
        subject: `${fb.symbol} (instrument ${fb.instrumentId})`,
        explanation:
          `the replayed feed (to seq ${last ?? 'none'}) differs from the venue's final book at ` +
          `${differences.length} level(s): ${differences.slice(0, 5).join('; ')}`,
      });
  }
  return { issues, messagesReplayed: replayed, recoverySnapshots, levelsCompared };
}
