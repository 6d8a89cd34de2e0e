import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfiguredCredentials,
  DEMO_INSTRUMENTS,
  DropCopyPublisher,
  type DropCopyUser,
  decodeFix,
  demoCredentials,
  type ExecutionReportEvent,
  encodeFix,
  FileDropCopyCursors,
  FileSessionStoreFactory,
  type FixField,
  FixGateway,
  type FixMessage,
  type FixSession,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  isEntitled,
  MemoryDropCopyCursors,
  MemorySessionStoreFactory,
  type SessionStoreFactory,
} from '@venue/gateway';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from './fakes/session-harness.js';

/** A gateway (in-memory handler) over given stores: a second one on the same stores = a restart. */
function gatewayOn(stores: SessionStoreFactory, clock: FakeClock) {
  let handler: InMemoryOrderEntry | undefined;
  const gateway = new FixGateway({
    clock,
    credentials: demoCredentials(),
    stores,
    instruments: DEMO_INSTRUMENTS,
    createHandler: (events) => {
      handler = new InMemoryOrderEntry(events, DEMO_INSTRUMENTS);
      return handler;
    },
  });
  return { gateway, handler: handler! };
}

/** A FIX client whose sequence numbers survive reconnects (as a real engine's store would). */
class Client {
  seq = 1;
  readonly received: FixMessage[] = [];
  session: FixSession | undefined;
  constructor(
    readonly compId: string,
    readonly clock: FakeClock,
  ) {}

  connect(gateway: FixGateway, extra: ReadonlyArray<readonly [number, string | number]> = []): FixMessage {
    this.received.length = 0;
    const s = gateway.acceptor.openConnection({
      send: (wire) => {
        const r = decodeFix(wire);
        if (r.kind !== 'ok') throw new Error('venue sent a bad message');
        this.received.push(r.msg);
      },
      close: () => {},
    });
    if (s === undefined) throw new Error('no connection');
    this.session = s;
    this.send('A', [[98, 0], [108, 30], [553, this.compId], [554, 'demo'], ...extra]);
    const logon = this.received.shift();
    if (logon === undefined) throw new Error('no answer to Logon');
    return logon;
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): void {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.compId },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(this.seq++) },
      { tag: 52, value: formatUtcTimestamp(this.clock.nowMs()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    this.session!.onFrame(encodeFix(fields));
  }

  disconnect(gateway: FixGateway): void {
    gateway.acceptor.connectionClosed(this.session!, 'test disconnect');
  }

  take(): FixMessage[] {
    return this.received.splice(0);
  }
}

const er = (execId: number, account: string, clOrdId = `O${execId}`): ExecutionReportEvent => ({
  kind: 'executionReport',
  orderId: String(1000 + execId),
  execId: String(execId),
  clOrdId,
  execType: 'new',
  ordStatus: 'new',
  account,
  symbol: 'BTC-USD',
  side: 'buy',
  ordType: 'limit',
  timeInForce: 'gtc',
  orderQtyLots: 10,
  priceTicks: 6_000_000,
  cumQtyLots: 0,
  leavesQtyLots: 10,
  cumNotionalTickLots: 0,
  transactTimeMs: Date.UTC(2026, 0, 5, 9, 0, 0),
});

const DC: DropCopyUser = { username: 'DROPCOPY', entitledAccounts: ['CLIENT1', 'CLIENT2'] };

describe('drop copy: entitlement filter', () => {
  it('copies only the listed accounts; * means every account; reports without an account never', () => {
    expect(isEntitled(DC, 'CLIENT1')).toBe(true);
    expect(isEntitled(DC, 'CLIENT2')).toBe(true);
    expect(isEntitled(DC, 'CLIENT3')).toBe(false);
    expect(isEntitled(DC, 'CLIENT10')).toBe(false); // no prefix matching
    expect(isEntitled(DC, undefined)).toBe(false);
    const all: DropCopyUser = { username: 'ALL', entitledAccounts: ['*'] };
    expect(isEntitled(all, 'ANYONE')).toBe(true);
    expect(isEntitled(all, undefined)).toBe(false);
  });

  it('validates drop-copy logins at configuration time with a clear error', () => {
    const base = { username: 'DC', password: 'demo' };
    expect(() => new ConfiguredCredentials([{ ...base, role: 'dropcopy' }])).toThrow(
      /1\.\.10000 entitledAccounts/,
    );
    expect(() => new ConfiguredCredentials([{ ...base, entitledAccounts: ['CLIENT1'] }])).toThrow(
      /needs role 'dropcopy'/,
    );
    expect(
      () => new ConfiguredCredentials([{ ...base, role: 'dropcopy', admin: true, entitledAccounts: ['A'] }]),
    ).toThrow(/cannot be admin/);
    expect(
      () => new ConfiguredCredentials([{ ...base, role: 'dropcopy', entitledAccounts: ['bad account'] }]),
    ).toThrow(/invalid entitled account/);
    const ok = new ConfiguredCredentials([{ ...base, role: 'dropcopy', entitledAccounts: ['A', 'A', 'B'] }]);
    expect(ok.authenticate('DC', 'demo')?.dropCopy?.entitledAccounts).toEqual(['A', 'B']);
    expect(demoCredentials().authenticate('CLIENT1', 'demo')?.dropCopy).toBeUndefined();
  });
});

describe('drop copy: read-only session', () => {
  it('rejects every application message with BusinessMessageReject 380=6 and Text; session messages work', () => {
    const clock = new FakeClock();
    const { gateway, handler } = gatewayOn(new MemorySessionStoreFactory(), clock);
    const spies = (
      [
        'onNewOrder',
        'onCancel',
        'onReplace',
        'onOrderStatus',
        'onMassCancel',
        'onSecurityListRequest',
        'onMarketDataRequest',
      ] as const
    ).map((name) => vi.spyOn(handler, name));
    const dc = new Client('DROPCOPY', clock);
    expect(dc.connect(gateway).msgType).toBe('A');
    const attempts: Array<[string, ReadonlyArray<readonly [number, string | number]>]> = [
      [
        'D',
        [
          [11, 'X1'],
          [55, 'BTC-USD'],
          [54, 1],
          [60, '20260105-09:00:00.000'],
          [38, '1'],
          [40, 2],
          [44, '60000'],
        ],
      ],
      [
        'F',
        [
          [41, 'X1'],
          [11, 'X2'],
          [55, 'BTC-USD'],
          [54, 1],
          [60, '20260105-09:00:00.000'],
        ],
      ],
      [
        'q',
        [
          [11, 'X3'],
          [530, 7],
          [60, '20260105-09:00:00.000'],
        ],
      ],
      [
        'V',
        [
          [262, 'M1'],
          [263, 0],
          [264, 1],
          [267, 1],
          [269, 0],
          [146, 1],
          [55, 'BTC-USD'],
        ],
      ],
      ['AE', []], // a FIX 4.4 type the venue does not support at all
    ];
    for (const [msgType, body] of attempts) {
      const refSeq = dc.seq;
      dc.send(msgType, body);
      const out = dc.take();
      expect(
        out.map((m) => m.msgType),
        msgType,
      ).toEqual(['j']);
      expect(out[0]!.get(45)).toBe(String(refSeq));
      expect(out[0]!.get(372)).toBe(msgType);
      expect(out[0]!.get(380)).toBe('6');
      expect(out[0]!.get(58)).toMatch(/^Drop-copy session DROPCOPY is read-only: /);
    }
    // Nothing reached the order-entry handler.
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    // Session-level messages still work on the drop-copy session.
    dc.send('1', [[112, 'PING']]);
    const hb = dc.take();
    expect(hb.map((m) => [m.msgType, m.get(112)])).toEqual([['0', 'PING']]);
  });
});

describe('drop copy: publisher', () => {
  it('copies entitled reports with 797=Y in order, skips repeated positions, journals while offline, replays by ResendRequest with PossDup', () => {
    const clock = new FakeClock();
    const stores = new MemorySessionStoreFactory();
    const { gateway } = gatewayOn(stores, clock);
    const cursors = new MemoryDropCopyCursors();
    const pub = new DropCopyPublisher({
      acceptor: gateway.acceptor,
      catalog: gateway.app.catalog,
      users: [DC],
      cursors,
    });
    const dc = new Client('DROPCOPY', clock);
    dc.connect(gateway);
    pub.publish(1, er(1, 'CLIENT1'));
    pub.publish(2, er(2, 'CLIENT3')); // not entitled
    pub.publish(3, er(3, 'CLIENT2'));
    pub.publish(2, er(2, 'CLIENT1')); // a feed restarting from an older position: ignored
    pub.publish(3, er(3, 'CLIENT2'));
    let got = dc.take();
    expect(got.map((m) => [m.msgType, m.get(17), m.get(1), m.get(797)])).toEqual([
      ['8', '1', 'CLIENT1', 'Y'],
      ['8', '3', 'CLIENT2', 'Y'],
    ]);
    expect(got.every((m) => m.get(43) === undefined)).toBe(true);
    expect(pub.cursorOf('DROPCOPY')).toBe(3);
    expect(pub.stats.duplicatesSkipped).toBe(2);
    const seqs = got.map((m) => Number(m.get(34)));
    expect(seqs[1]).toBe(seqs[0]! + 1);

    // Offline: copies are journaled with the next MsgSeqNums.
    const lastSeen = seqs[1]!;
    dc.disconnect(gateway);
    pub.publish(4, er(4, 'CLIENT1'));
    pub.publish(5, er(5, 'CLIENT2'));
    clock.advance(5_000);
    const logon = dc.connect(gateway);
    // The Logon's MsgSeqNum shows the gap: two copies were sent while away.
    expect(Number(logon.get(34))).toBe(lastSeen + 3);
    dc.send('2', [
      [7, lastSeen + 1],
      [16, 0],
    ]);
    got = dc.take();
    const replayed = got.filter((m) => m.msgType === '8');
    expect(replayed.map((m) => [m.get(34), m.get(17), m.get(43), m.get(797)])).toEqual([
      [String(lastSeen + 1), '4', 'Y', 'Y'],
      [String(lastSeen + 2), '5', 'Y', 'Y'],
    ]);
    expect(replayed.every((m) => m.has(122))).toBe(true);

    // Replay from any point: from the very first copy.
    dc.send('2', [
      [7, 1],
      [16, 0],
    ]);
    const all = dc.take().filter((m) => m.msgType === '8');
    expect(all.map((m) => m.get(17))).toEqual(['1', '3', '4', '5']);
  });

  it('after a gateway restart the cursor comes back (file or journal), so nothing is copied twice or lost', () => {
    const clock = new FakeClock();
    const stores = new MemorySessionStoreFactory();
    const dir = mkdtempSync(join(tmpdir(), 'dropcopy-cursors-'));
    try {
      const first = gatewayOn(stores, clock).gateway;
      const files = new FileDropCopyCursors(dir);
      const pub = new DropCopyPublisher({
        acceptor: first.acceptor,
        catalog: first.app.catalog,
        users: [DC],
        cursors: files,
      });
      for (let p = 1; p <= 6; p++) pub.publish(p, er(p, p % 2 === 0 ? 'CLIENT1' : 'CLIENT4'));
      pub.close();
      expect(new FileDropCopyCursors(dir).get('DROPCOPY')).toBe(6);

      // Restart 1: cursor file intact.
      const second = gatewayOn(stores, clock).gateway;
      const pub2 = new DropCopyPublisher({
        acceptor: second.acceptor,
        catalog: second.app.catalog,
        users: [DC],
        cursors: new FileDropCopyCursors(dir),
      });
      expect(pub2.resumeAfter()).toBe(6);
      for (let p = 1; p <= 8; p++) pub2.publish(p, er(p, 'CLIENT1'));
      // Restart 2: the cursor was lost (crash before it was written), the journal repairs it.
      const third = gatewayOn(stores, clock).gateway;
      const pub3 = new DropCopyPublisher({
        acceptor: third.acceptor,
        catalog: third.app.catalog,
        users: [DC],
        cursors: new MemoryDropCopyCursors(),
      });
      expect(pub3.stats.repaired).toBe(1);
      expect(pub3.resumeAfter()).toBe(8);
      for (let p = 1; p <= 9; p++) pub3.publish(p, er(p, 'CLIENT2'));

      const dc = new Client('DROPCOPY', clock);
      dc.connect(third);
      dc.send('2', [
        [7, 1],
        [16, 0],
      ]);
      const copies = dc.take().filter((m) => m.msgType === '8');
      // 2, 4, 6 (CLIENT4 not entitled), then 7, 8 after restart 1, then 9 after restart 2.
      expect(copies.map((m) => m.get(17))).toEqual(['2', '4', '6', '7', '8', '9']);
      const seqs = copies.map((m) => Number(m.get(34)));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('NextExpectedMsgSeqNum(789) on Logon: the venue answers with its own 789 and resends what the client missed', () => {
    const clock = new FakeClock();
    const { gateway } = gatewayOn(new MemorySessionStoreFactory(), clock);
    const pub = new DropCopyPublisher({
      acceptor: gateway.acceptor,
      catalog: gateway.app.catalog,
      users: [DC],
      cursors: new MemoryDropCopyCursors(),
    });
    const dc = new Client('DROPCOPY', clock);
    dc.connect(gateway);
    pub.publish(1, er(1, 'CLIENT1'));
    const lastSeen = Number(dc.take()[0]!.get(34));
    dc.disconnect(gateway);
    pub.publish(2, er(2, 'CLIENT1'));
    pub.publish(3, er(3, 'CLIENT2'));
    const logon = dc.connect(gateway, [[789, lastSeen + 1]]);
    expect(logon.get(789)).toBe(String(dc.seq)); // the venue expects our next message
    const replay = dc.take();
    expect(replay.map((m) => [m.msgType, m.get(34), m.get(17), m.get(43)])).toEqual([
      ['8', String(lastSeen + 1), '2', 'Y'],
      ['8', String(lastSeen + 2), '3', 'Y'],
    ]);
    // Without 789 nothing is resent unasked (the client sees the gap and sends ResendRequest).
    dc.disconnect(gateway);
    pub.publish(4, er(4, 'CLIENT1'));
    dc.connect(gateway);
    expect(dc.take()).toEqual([]);
  });
});

describe('drop copy: asynchronous flush (group commit)', () => {
  it('writes the cursor only after the journal round, at the position its copies covered', async () => {
    const clock = new FakeClock();
    const dir = mkdtempSync(join(tmpdir(), 'dropcopy-async-'));
    try {
      const stores = new FileSessionStoreFactory({ dir: join(dir, 'fix'), fsync: 'batch' });
      const { gateway } = gatewayOn(stores, clock);
      const cursorDir = join(dir, 'cursors');
      const pub = new DropCopyPublisher({
        acceptor: gateway.acceptor,
        catalog: gateway.app.catalog,
        users: [DC],
        cursors: new FileDropCopyCursors(cursorDir),
      });
      const onDisk = () => readFileSync(join(cursorDir, 'DROPCOPY.cursor'), 'latin1').trim();
      pub.publish(1, er(1, 'CLIENT1'));
      pub.publish(2, er(2, 'CLIENT2'));
      pub.flushAsync();
      pub.publish(3, er(3, 'CLIENT1')); // after the flush began: not covered by its round
      pub.flushAsync(); // merged into one more flush
      expect(['', '0']).toContain(onDisk()); // nothing durable yet: the cursor has not moved on disk
      await vi.waitFor(() => expect(onDisk()).toBe('3'), { timeout: 2_000, interval: 5 });
      // The journal holds every copy the cursor covers.
      const store = stores.open(gateway.acceptor.sessionKeyOf('DROPCOPY'));
      const journal = readFileSync(
        join(dir, 'fix', gateway.acceptor.sessionKeyOf('DROPCOPY'), 'journal'),
        'latin1',
      );
      expect(store.nextSenderSeq).toBe(4);
      const execIds = journal.split('\x01').filter((f) => f.startsWith('17='));
      expect(execIds).toEqual(['17=1', '17=2', '17=3']);
      stores.closeAll();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
