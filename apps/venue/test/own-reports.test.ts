import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeFix,
  demoCredentials,
  FixGateway,
  InMemoryOrderEntry,
  MemorySessionStoreFactory,
} from '@venue/gateway';
import { CommandKind, ExecType, type ExecutionReportMessage, OrdStatus, Side } from '@venue/matching';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnReports, type OwnReportsOptions } from '../src/bridge/own-reports.js';
import { DEFAULT_CONFIG } from '../src/config/config.js';

const ZVZZT = 4;
const CLIENT1 = 1;
const CLIENT2 = 2;

/** A matching report (only the fields the mapping reads matter). */
function er(execId: number, accountId: number, execType: ExecType = ExecType.New): ExecutionReportMessage {
  return {
    type: 'execution',
    execType,
    ordStatus: execType === ExecType.Trade ? OrdStatus.PartiallyFilled : OrdStatus.New,
    execId,
    orderId: 1000 + execId,
    clOrdId: `C${execId}`,
    origClOrdId: '',
    accountId,
    instrumentId: ZVZZT,
    side: Side.Buy,
    orderType: 2,
    tif: 1,
    priceTicks: 10_000,
    stopPriceTicks: 0,
    orderQtyLots: 5,
    displayQtyLots: 0,
    lastPxTicks: execType === ExecType.Trade ? 10_000 : 0,
    lastQtyLots: execType === ExecType.Trade ? 1 : 0,
    cumQtyLots: execType === ExecType.Trade ? 1 : 0,
    leavesQtyLots: 5,
    cumNotional: 0,
    tradeId: 0,
    aggressor: false,
    reason: 0,
    text: '',
    rejectedCommand: CommandKind.NewOrder,
    timestampMs: 1_764_000_000_000,
  } as ExecutionReportMessage;
}

const range = (from: number, to: number, accountId = CLIENT1) =>
  Array.from({ length: to - from + 1 }, (_, i) => er(from + i, accountId));

describe('OwnReports: a trading session gets each order event once, from the direct reply or the feed', () => {
  let dir: string;
  let stores: MemorySessionStoreFactory;
  let gateway: FixGateway;
  const open: OwnReports[] = [];

  const make = (syncIntervalMs = 1_000_000, more: Partial<OwnReportsOptions> = {}) => {
    const r = new OwnReports({
      acceptor: gateway.acceptor,
      events: gateway.events,
      dir,
      instruments: DEFAULT_CONFIG.instruments,
      accounts: DEFAULT_CONFIG.accounts,
      log: () => {},
      syncIntervalMs,
      catchUpMsMax: 60_000,
      ...more,
    });
    open.push(r);
    return r;
  };
  /** ExecIDs of the ExecutionReports journaled for a login (sent or offline), in MsgSeqNum order. */
  const journaled = (login: string) => {
    const s = stores.open(`VENUE-${login}`);
    return s
      .range(s.oldestRetainedSeq, s.nextSenderSeq - 1)
      .map((r) => decodeFix(r.wire))
      .filter((d) => d.kind === 'ok' && d.msg.msgType === '8')
      .map((d) => (d.kind === 'ok' ? Number(d.msg.get(17)) : 0));
  };
  const logon = (r: OwnReports, login: string) =>
    r.onLogon({ sessionKey: `VENUE-${login}`, username: login, account: login, admin: false });
  const direct = (r: OwnReports, login: string, m: ExecutionReportMessage, out: number[]) =>
    r.deliverDirect(login, m, () => {
      out.push(m.execId);
      gateway.events.emit(login, {
        kind: 'executionReport',
        orderId: String(m.orderId),
        execId: String(m.execId),
        clOrdId: m.clOrdId,
        execType: 'new',
        ordStatus: 'new',
        account: login,
        symbol: 'ZVZZT',
        side: 'buy',
        cumQtyLots: 0,
        leavesQtyLots: 5,
        cumNotionalTickLots: 0,
      });
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'venue-own-reports-'));
    stores = new MemorySessionStoreFactory();
    gateway = new FixGateway({
      credentials: demoCredentials(),
      stores,
      instruments: DEFAULT_CONFIG.instruments.map((i) => ({
        symbol: i.symbol,
        tickSize: i.tickSize,
        lotSize: i.lotSize,
      })),
      createHandler: (events) => new InMemoryOrderEntry(events, []),
    });
  });
  afterEach(() => {
    for (const r of open.splice(0)) r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('first start takes the feed head; only owned logins get reports, only order events', () => {
    const r = make();
    expect(r.onHello(10)).toBe('reconnect');
    expect(r.position).toBe(10);
    logon(r, 'CLIENT1');
    const status = er(13, CLIENT1, ExecType.OrderStatus);
    const cancelReject = { ...er(14, CLIENT1, ExecType.Rejected), rejectedCommand: CommandKind.Cancel };
    expect(r.deliver([er(11, CLIENT1), er(12, CLIENT2), status, cancelReject, er(15, CLIENT1)])).toBe(true);
    expect(journaled('CLIENT1')).toEqual([11, 15]);
    expect(journaled('CLIENT2')).toEqual([]); // CLIENT2 never logged on here
    expect(r.deliver([er(17, CLIENT1)])).toBe(false); // a jump: the follower resynchronises
    expect(r.position).toBe(15);
  });

  it('direct first, then the feed (and the other way round): once each', () => {
    const r = make();
    r.onHello(0);
    logon(r, 'CLIENT1');
    const sent: number[] = [];
    direct(r, 'CLIENT1', er(1, CLIENT1), sent); // the reply beat the feed
    r.deliver(range(1, 2)); // the feed: 1 is skipped, 2 delivered
    direct(r, 'CLIENT1', er(2, CLIENT1), sent); // the feed beat the reply
    expect(sent).toEqual([1]);
    expect(journaled('CLIENT1')).toEqual([1, 2]);
    expect(r.stats).toMatchObject({ feedDelivered: 1, feedSkipped: 1, directSkipped: 1 });
  });

  it('while catching up after a start, direct replies wait; the feed brings them in log order', () => {
    make().onHello(0); // a first start at 0 (then closed: position 0 stored)
    open.splice(0).forEach((x) => {
      x.close();
    });
    const r = make();
    logon(r, 'CLIENT1');
    expect(r.onHello(5)).toBeUndefined(); // the member is at 5: catching up from 0
    const sent: number[] = [];
    direct(r, 'CLIENT1', er(7, CLIENT1), sent); // a reply about a new order, ahead of the feed
    expect(sent).toEqual([]);
    r.deliver(range(1, 3));
    expect(r.isLive()).toBe(false);
    r.deliver(range(4, 6)); // caught up at 6 >= 5: live; 7 is not in the feed yet: emitted now
    expect(r.isLive()).toBe(true);
    expect(sent).toEqual([7]);
    r.deliver(range(7, 8));
    expect(journaled('CLIENT1')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('after a crash, reports journaled above the stored position are not delivered again', () => {
    const a = make();
    a.onHello(0);
    logon(a, 'CLIENT1'); // stores the position (0) and the login
    const sent: number[] = [];
    direct(a, 'CLIENT1', er(1, CLIENT1), sent);
    a.deliver(range(1, 3));
    direct(a, 'CLIENT1', er(4, CLIENT1), sent);
    expect(journaled('CLIENT1')).toEqual([1, 2, 3, 4]);
    // kill -9: the position file still says 0 (no sync since the logon); the journal holds 1..4.
    const b = make();
    expect(b.position).toBe(0);
    expect(b.stats.repaired).toBe(4);
    b.onHello(6);
    b.deliver(range(1, 6));
    expect(journaled('CLIENT1')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.ownedLogins()).toEqual(['CLIENT1']);
  });

  it('the periodic sync stores the position off the event loop; close during a sync keeps the file whole', async () => {
    const positionOnDisk = () => Number(/^(\d+)\n/.exec(readFileSync(join(dir, 'position'), 'latin1'))?.[1]);
    const r = make(10);
    r.onHello(0);
    logon(r, 'CLIENT1'); // blocking sync on Logon: position 0
    expect(positionOnDisk()).toBe(0);
    r.deliver(range(1, 40));
    const deadline = Date.now() + 5_000;
    while (positionOnDisk() !== 40 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    expect(positionOnDisk()).toBe(40);
    // More reports, then close while the next periodic sync may be in flight: close stores the last.
    r.deliver(range(41, 45));
    await new Promise((res) => setTimeout(res, 11));
    r.deliver(range(46, 50));
    r.close();
    await new Promise((res) => setTimeout(res, 50)); // a sync that was in flight ends (and closes its fd)
    expect(positionOnDisk()).toBeGreaterThanOrEqual(45); // 50, or an older in-flight write: both safe
    const again = make();
    expect(again.position).toBe(positionOnDisk());
    expect(again.ownedLogins()).toEqual(['CLIENT1']);
  });

  it('reports journaled while a login was away are sent again after a Logon that reset the sequence numbers', () => {
    const r = make();
    r.onHello(0);
    logon(r, 'CLIENT1'); // owned; no FIX connection here, so CLIENT1 is away from now on
    r.deliver(range(1, 2));
    expect(journaled('CLIENT1')).toEqual([1, 2]);
    logon(r, 'CLIENT1'); // a Logon without reset: the journal still holds them (ResendRequest gets them)
    expect(journaled('CLIENT1')).toEqual([1, 2]);
    r.deliver(range(3, 4));
    stores.open('VENUE-CLIENT1').reset(); // what a Logon with ResetSeqNumFlag=Y does to the store
    logon(r, 'CLIENT1');
    expect(journaled('CLIENT1')).toEqual([3, 4]); // sent again under the new numbering, once
    expect(r.stats.resentAfterReset).toBe(2);
    logon(r, 'CLIENT1');
    expect(journaled('CLIENT1')).toEqual([3, 4]);
  });

  it('an order in flight when its cluster session ended: applied, not applied, or unknown, from the feed', async () => {
    const r = make();
    r.onHello(0);
    logon(r, 'CLIENT1');
    const outcomes: string[] = [];
    const settle = (id: string) => (o: string) => outcomes.push(`${id}:${o}`);
    // A: the feed carries its report: applied (its reports reach the session from the feed).
    r.awaitOutcome('CLIENT1', 'A', 0, settle('A'));
    // B: a reply on the new session (ExecID 3) is a marker; the feed passes it without B: not applied.
    r.awaitOutcome('CLIENT1', 'B', 0, settle('B'));
    r.noteReply(3);
    r.deliver([er(1, CLIENT1), { ...er(2, CLIENT1), clOrdId: 'A' }]);
    expect(outcomes).toEqual(['A:applied']);
    r.deliver([er(3, CLIENT1)]);
    expect(outcomes).toEqual(['A:applied', 'B:notApplied']);
    // C: its report went through the feed before the failure was known: applied at once.
    r.deliver([{ ...er(4, CLIENT1), clOrdId: 'C' }]);
    r.awaitOutcome('CLIENT1', 'C', 3, settle('C'));
    // D: a report with that ClOrdID older than the request (an earlier order) proves nothing.
    r.awaitOutcome('CLIENT1', 'C', 4, settle('D'));
    expect(outcomes).toEqual(['A:applied', 'B:notApplied', 'C:applied']);
    // E: a login the feed does not follow here: unknown at once.
    r.awaitOutcome('CLIENT3', 'E', 0, settle('E'));
    expect(outcomes.at(-1)).toBe('E:unknown');
  });

  it('an order of unknown fate with no marker is reported unknown after the wait', async () => {
    const r = make(20, { outcomeWaitMs: 100, catchUpMsMax: 5_000 });
    r.onHello(0);
    logon(r, 'CLIENT1');
    let outcome = '';
    r.awaitOutcome('CLIENT1', 'F', 0, (o) => {
      outcome = o;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(outcome).toBe('unknown');
  });
});
