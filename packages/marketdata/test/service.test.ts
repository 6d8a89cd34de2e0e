import type {
  ClientSession,
  ClusteredService,
  Entry,
  ServiceContext,
  SnapshotWriter,
} from '@venue/consensus';
import { ServiceHost } from '@venue/consensus';
import { BAR_TIMER_ID, encodeSbe, type FeedMessage, MarketDataService, teeSink } from '@venue/marketdata';
import {
  type Command,
  CommandType,
  type EventSink,
  genesisCommands,
  MatchingEngine,
  OrderType,
  readSnapshot,
  Side,
  TimeInForce,
  writeSnapshot,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { randomCommands } from './harness.js';

/**
 * A stand-in for matching's ClusteredService (not built yet): JSON commands in, the engine applies
 * them with the market-data service's sink teed in, as the venue will wire it.
 */
class TestMatchingService implements ClusteredService {
  readonly name = 'matching';
  engine: MatchingEngine;
  constructor(private readonly extraSink: () => EventSink) {
    this.engine = new MatchingEngine(extraSink());
  }
  onStart(_ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    if (snapshot !== undefined) this.engine = readSnapshot(snapshot, teeSink(this.extraSink()));
  }
  onSessionOpen(): void {}
  onSessionMessage(_s: ClientSession, _ts: number, _pos: number, payload: Uint8Array): void {
    this.engine.apply(JSON.parse(new TextDecoder().decode(payload)) as Command);
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(w: SnapshotWriter): void {
    w.write(writeSnapshot(this.engine));
  }
  onRoleChange(): void {}
  stateHash(): string {
    return '';
  }
}

function node() {
  const services: { matching?: TestMatchingService; md?: MarketDataService } = {};
  const out: FeedMessage[] = [];
  const host = new ServiceHost(() => {
    // The service factory runs on every start: fresh services, md reads the fresh engine.
    const md = new MarketDataService({ books: { book: (id) => services.matching?.engine.book(id) } });
    const matching = new TestMatchingService(() => md.sink);
    md.subscribe({ message: (m) => out.push(m) });
    services.md = md;
    services.matching = matching;
    return [matching, md];
  });
  return { host, services, out };
}

function entry(index: number, timestampMs: number, e: Partial<Entry>): Entry {
  return {
    term: 1,
    index,
    timestampMs,
    type: 'session-message',
    sessionId: 1,
    requestSeq: index,
    correlationId: 0,
    serviceIndex: 0,
    payload: new Uint8Array(0),
    ...e,
  };
}

function entries(cmds: Command[]): Entry[] {
  const out: Entry[] = [
    entry(1, cmds[0]!.timestampMs, {
      type: 'session-open',
      correlationId: 7,
      payload: new TextEncoder().encode('gw'),
    }),
  ];
  for (const c of cmds) {
    out.push(entry(out.length + 1, c.timestampMs, { payload: new TextEncoder().encode(JSON.stringify(c)) }));
  }
  return out;
}

describe('MarketDataService on the service host, after matching', () => {
  it('publishes stamped with log positions; a node restarted from a snapshot continues the same feed', () => {
    const log = entries(randomCommands(31, 700));
    const a = node();
    a.host.start(undefined);
    const b = node();
    let snapshotAt = 0;
    for (const e of log) {
      const before = a.out.length;
      a.host.apply(e);
      for (const m of a.out.slice(before)) expect(m.logPosition).toBe(e.index);
      if (e.index === 350) {
        b.host.start(a.host.takeSnapshot());
        snapshotAt = a.out.length;
        continue;
      }
      if (e.index > 350) {
        b.host.apply(e);
        expect(b.host.stateHash()).toBe(a.host.stateHash());
        expect(b.services.md!.stateHash()).toBe(a.services.md!.stateHash());
      }
    }
    expect(a.out.length).toBeGreaterThan(700);
    const tail = a.out.slice(snapshotAt);
    expect(b.out.map((m) => encodeSbe(m))).toEqual(tail.map((m) => encodeSbe(m)));
    // Replay from the ring of the restarted node covers what it published since.
    const last = tail[tail.length - 1]!;
    const replay = b.services.md!.replay(last.instrumentId, last.channel, last.seq)!;
    expect(replay).toEqual([last]);
    // Seqs continue across the restart instead of starting again at 1.
    expect(b.out[0]!.seq).toBeGreaterThan(1);
  });

  it('schedules a log timer so bars close in a quiet market, and closes them when it fires', () => {
    const n = node();
    n.host.start(undefined);
    const log = entries([
      ...genesisCommands(1_000),
      limit(1, Side.Buy, 5_000, 10, 1_200),
      limit(2, Side.Sell, 5_000, 4, 1_500),
    ]);
    for (const e of log) n.host.apply(e);
    const md = n.services.md!;
    expect(n.out.filter((m) => m.type === 'trade')).toHaveLength(1);
    // The 1 s bar [1000, 2000) is open: the service asked for a log timer at its end.
    expect(md.feed.nextBarDeadlineMs()).toBe(2_000);
    const due = n.host.dueTimers(2_000);
    expect(due).toEqual([{ serviceIndex: 1, correlationId: BAR_TIMER_ID, deadlineMs: 2_000 }]);
    const before = n.out.length;
    n.host.apply(
      entry(log.length + 1, 2_000, { type: 'timer', serviceIndex: 1, correlationId: BAR_TIMER_ID }),
    );
    const bars = n.out.slice(before);
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({
      type: 'bar',
      intervalMs: 1_000,
      startMs: 1_000,
      openTicks: 5_000,
      volumeLots: 4,
    });
    // Next deadline: the 1 min bar [0, 60000).
    expect(n.host.dueTimers(60_000)).toEqual([
      { serviceIndex: 1, correlationId: BAR_TIMER_ID, deadlineMs: 60_000 },
    ]);
  });

  it('publishes the events of an entry only matching saw (its own timer) at the next callback', () => {
    const n = node();
    n.host.start(undefined);
    const log = entries([...genesisCommands(1_000), limit(1, Side.Buy, 5_000, 10, 1_200)]);
    for (const e of log) n.host.apply(e);
    const md = n.services.md!;
    expect(md.feed.hasPending).toBe(false);
    // Matching applies a command in a callback market data does not get (as on matching's timer).
    n.services.matching!.engine.apply({
      type: CommandType.MassCancel,
      timestampMs: 1_300,
      accountId: 1,
      instrumentId: 0,
      side: 0,
      clOrdId: '',
    });
    expect(md.feed.hasPending).toBe(true);
    const before = n.out.length;
    n.host.apply(entry(log.length + 1, 1_400, { type: 'session-close', sessionId: 1 }));
    expect(md.feed.hasPending).toBe(false);
    const published = n.out.slice(before);
    expect(published.map((m) => `${m.channel}:${m.type}`)).toEqual([
      'l3:order',
      'l2full:level',
      'l2:level',
      'l1:bbo',
    ]);
    expect(published[0]).toMatchObject({ action: 4, priceTicks: 5_000, timestampMs: 1_400 });
    expect(published[1]).toMatchObject({ action: 2, priceTicks: 5_000, timestampMs: 1_400 });
  });
});

function limit(
  accountId: number,
  side: Side,
  priceTicks: number,
  qtyLots: number,
  timestampMs: number,
): Command {
  return {
    type: CommandType.NewOrder,
    timestampMs,
    accountId,
    sessionId: 0,
    instrumentId: 3,
    clOrdId: '',
    side,
    orderType: OrderType.Limit,
    tif: TimeInForce.GTC,
    priceTicks,
    stopPriceTicks: 0,
    qtyLots,
    displayQtyLots: 0,
    postOnly: false,
    expireAtMs: 0,
  };
}
