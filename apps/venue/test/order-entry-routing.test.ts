import type { ServiceContext } from '@venue/consensus';
import type { OutboundEvent, SessionContext } from '@venue/gateway';
import { MatchingService } from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { type CommandChannel, MatchingOrderEntry } from '../src/bridge/order-entry.js';
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
