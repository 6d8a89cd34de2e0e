import type { ServiceContext } from '@venue/consensus';
import type { OutboundEvent, SessionContext } from '@venue/gateway';
import { MatchingService } from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { type CommandChannel, MatchingOrderEntry } from '../src/bridge/order-entry.js';
import type { DirectReportFilter, OrderOutcome } from '../src/bridge/own-reports.js';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { genesisPayloads } from '../src/local/genesis.js';

/**
 * The bridge (MatchingOrderEntry) on an in-process MatchingService behind a channel that behaves
 * like the cluster channel: a request's replies come back with it (none: "no answer recorded"),
 * replies to the channel's current session arrive as events, replies to any other session are lost
 * (a dead cluster session: the gateway restarted, or its session was replaced).
 */
class InProcessChannel implements CommandChannel {
  /** The gateway's current cluster session; orders placed on an earlier one are orphaned. */
  sessionId = 1;
  entry: MatchingOrderEntry | undefined;
  private readonly svc = new MatchingService({ genesis: false });
  private replies: Array<{ sessionId: number; payload: Uint8Array }> = [];
  private tag = 0;
  private position = 0;
  private nowMs = 1_000;

  constructor() {
    const ctx: ServiceContext = {
      reply: (sessionId, payload) => this.replies.push({ sessionId, payload: payload.slice() }),
      scheduleTimer: () => {},
      cancelTimer: () => true,
    };
    this.svc.onStart(ctx, undefined);
    for (const p of genesisPayloads(DEFAULT_CONFIG)) this.apply(99, p);
    this.replies = [];
  }

  offer(payload: Uint8Array): number {
    const tag = ++this.tag;
    const session = this.sessionId;
    this.replies = [];
    this.apply(session, payload);
    const replies = this.replies;
    // Answers reach the bridge asynchronously, as from the cluster client.
    queueMicrotask(() => {
      const entry = this.entry!;
      const mine = replies.filter((r) => r.sessionId === session);
      for (const r of mine) entry.onReply(tag, r.payload);
      if (mine.length === 0) entry.onRequestFailed(tag, 'no answer recorded (applied)');
      for (const r of replies)
        if (r.sessionId !== session && r.sessionId === this.sessionId) entry.onReply(0, r.payload);
    });
    return tag;
  }

  isBackedUp(): boolean {
    return false;
  }

  private apply(sessionId: number, payload: Uint8Array): void {
    this.svc.onSessionMessage({ id: sessionId, principal: 'gw' }, this.nowMs++, ++this.position, payload);
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const channel = new InProcessChannel();
  const events: Array<{ username: string; event: OutboundEvent }> = [];
  const entry = new MatchingOrderEntry(
    { emit: (username, event) => events.push({ username, event }) },
    channel,
    DEFAULT_CONFIG.instruments,
    DEFAULT_CONFIG.accounts,
  );
  channel.entry = entry;
  return { channel, events, entry };
}

const ctx = (login: string): SessionContext => ({
  sessionKey: `VENUE-${login}`,
  username: login,
  account: login,
  admin: false,
  msgSeqNum: 1,
});

const limit = (login: string, clOrdId: string, side: 'buy' | 'sell', qtyLots: number) =>
  ({
    clOrdId,
    account: login,
    symbol: 'ZVZZT',
    side,
    ordType: 'limit',
    timeInForce: 'gtc',
    qtyLots,
    priceTicks: 10_000,
    stopPriceTicks: undefined,
    expireAtMs: undefined,
    displayQtyLots: undefined,
    postOnly: false,
    transactTimeMs: undefined,
  }) as const;

describe('bridge: answers to requests about orders of a dead cluster session', () => {
  it('status and cancel of an order placed on the previous session: exactly their reports, no reject', async () => {
    const { channel, events, entry } = setup();
    entry.onNewOrder(ctx('CLIENT1'), limit('CLIENT1', 'A1', 'buy', 10));
    await flush();
    expect(events.map((e) => e.event)).toMatchObject([
      { kind: 'executionReport', execType: 'new', clOrdId: 'A1' },
    ]);
    events.length = 0;
    channel.sessionId = 2; // the gateway restarted: a new cluster session

    entry.onOrderStatus(ctx('CLIENT1'), {
      clOrdId: 'A1',
      orderId: undefined,
      account: 'CLIENT1',
      symbol: 'ZVZZT',
      side: 'buy',
    });
    await flush();
    entry.onCancel(ctx('CLIENT1'), {
      clOrdId: 'A1X',
      origClOrdId: 'A1',
      orderId: undefined,
      account: 'CLIENT1',
      symbol: 'ZVZZT',
      side: 'buy',
    });
    await flush();
    expect(events).toMatchObject([
      {
        username: 'CLIENT1',
        event: {
          kind: 'executionReport',
          execType: 'orderStatus',
          ordStatus: 'new',
          clOrdId: 'A1',
          leavesQtyLots: 10,
        },
      },
      {
        username: 'CLIENT1',
        event: { kind: 'executionReport', execType: 'canceled', clOrdId: 'A1X', origClOrdId: 'A1' },
      },
    ]);
    expect(events).toHaveLength(2);
  });

  it('a replace below the filled quantity: OrderCancelReject (other) with the CumQty text', async () => {
    const { events, entry } = setup();
    entry.onNewOrder(ctx('CLIENT1'), limit('CLIENT1', 'B1', 'buy', 10));
    entry.onNewOrder(ctx('CLIENT2'), limit('CLIENT2', 'S1', 'sell', 4));
    await flush();
    events.length = 0;
    entry.onReplace(ctx('CLIENT1'), {
      ...limit('CLIENT1', 'B2', 'buy', 4),
      origClOrdId: 'B1',
      orderId: undefined,
    });
    await flush();
    expect(events).toEqual([
      {
        username: 'CLIENT1',
        event: {
          kind: 'cancelReject',
          orderId: expect.stringMatching(/^\d+$/),
          clOrdId: 'B2',
          origClOrdId: 'B1',
          ordStatus: 'partiallyFilled',
          responseTo: 'replace',
          reason: 'other',
          text: 'replace quantity must be above the quantity already filled (CumQty)',
        },
      },
    ]);
  });
});

/** A channel whose requests never get an answer: the test fails them as the cluster channel would. */
class SilentChannel implements CommandChannel {
  private tag = 0;
  offer(_payload: Uint8Array): number {
    return ++this.tag;
  }
  isBackedUp(): boolean {
    return false;
  }
}

/** The own-report feed's part the bridge uses: records which outcomes it waits for. */
class FakeReports implements DirectReportFilter {
  readonly position = 0;
  readonly waits: Array<{ login: string; clOrdId: string; settle: (o: OrderOutcome) => void }> = [];
  deliverDirect(_username: string, _m: unknown, emit: () => void): void {
    emit();
  }
  onLogon(): void {}
  awaitOutcome(
    login: string,
    clOrdId: string,
    _sinceExecId: number,
    settle: (o: OrderOutcome) => void,
  ): void {
    this.waits.push({ login, clOrdId, settle });
  }
  noteReply(): void {}
}

describe('bridge: a cancel or replace in flight when its cluster session ended', () => {
  const cancelReq = (clOrdId: string) => ({
    clOrdId,
    origClOrdId: 'A1',
    orderId: undefined,
    account: 'CLIENT1',
    symbol: 'ZVZZT',
    side: 'buy' as const,
  });

  it('is decided from the feed like a new order: applied, no reject; not applied, a definite reject', () => {
    const events: OutboundEvent[] = [];
    const reports = new FakeReports();
    const entry = new MatchingOrderEntry(
      { emit: (_u, e) => events.push(e) },
      new SilentChannel(),
      DEFAULT_CONFIG.instruments,
      DEFAULT_CONFIG.accounts,
    );
    entry.reports = reports;
    entry.onCancel(ctx('CLIENT1'), cancelReq('X1')); // tag 1
    entry.onReplace(ctx('CLIENT1'), {
      ...limit('CLIENT1', 'X2', 'buy', 3),
      origClOrdId: 'A1',
      orderId: undefined,
    }); // tag 2
    entry.onOrderStatus(ctx('CLIENT1'), {
      clOrdId: 'A1',
      orderId: undefined,
      account: 'CLIENT1',
      symbol: 'ZVZZT',
      side: 'buy',
    }); // tag 3
    entry.onRequestFailed(1, 'venue unavailable: session closed', true);
    entry.onRequestFailed(2, 'venue unavailable: session closed', true);
    entry.onRequestFailed(3, 'venue unavailable: session closed', true);
    // The status request has no report in the feed: rejected at once, saying the outcome is unknown.
    expect(events).toMatchObject([
      { kind: 'executionReport', execType: 'rejected', clOrdId: 'A1', text: /outcome unknown/ },
    ]);
    expect(reports.waits.map((w) => [w.login, w.clOrdId])).toEqual([
      ['CLIENT1', 'X1'],
      ['CLIENT1', 'X2'],
    ]);
    reports.waits[0]!.settle('applied'); // its Canceled report came through the feed: no reject
    reports.waits[1]!.settle('notApplied');
    expect(events.slice(1)).toEqual([
      {
        kind: 'cancelReject',
        orderId: 'NONE',
        clOrdId: 'X2',
        origClOrdId: 'A1',
        ordStatus: 'rejected',
        responseTo: 'replace',
        reason: 'other',
        text: 'venue unavailable: session closed; the replace was not applied',
      },
    ]);
  });
});
