import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DEMO_INSTRUMENTS,
  DropCopyPublisher,
  decodeFix,
  demoCredentials,
  encodeFix,
  type FixField,
  FixGateway,
  type FixSession,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  MemoryDropCopyCursors,
  MemorySessionStoreFactory,
  parseSchedule,
  type SessionConfig,
  VENUE_MESSAGES,
} from '@venue/gateway';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildQuickfixTool, quickfixMissing } from './fakes/quickfix-tools.js';
import { FakeClock } from './fakes/session-harness.js';

// Every message type the gateway emits, produced by driving real sessions, then validated by
// QuickFIX C++'s own DataDictionary (the engine clients run) against the published dictionary
// and against QuickFIX's standard FIX44.xml (both shipped in dictionary/).
const source = fileURLToPath(new URL('./interop/dd_validate.cpp', import.meta.url));
const VENUE_DICT = fileURLToPath(new URL('../dictionary/VENUE-FIX44.xml', import.meta.url));
const FIX44_DICT = fileURLToPath(new URL('../dictionary/FIX44.xml', import.meta.url));
const missing = quickfixMissing('FIX dictionary validation with QuickFIX C++');

type Body = ReadonlyArray<readonly [number, string | number]>;

/** An in-process client that records the venue's messages as wire text. */
class WireClient {
  seq = 1;
  readonly wires: string[] = [];
  readonly session: FixSession;
  constructor(
    gateway: FixGateway,
    private readonly clock: FakeClock,
    readonly compId: string,
  ) {
    const s = gateway.acceptor.openConnection({ send: (w) => this.wires.push(w), close: () => {} });
    if (s === undefined) throw new Error('no connection');
    this.session = s;
  }
  send(msgType: string, body: Body = [], seq?: number): void {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.compId },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(seq ?? this.seq++) },
      { tag: 52, value: formatUtcTimestamp(this.clock.nowMs()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    this.session.onFrame(encodeFix(fields));
  }
  logon(password = 'demo'): void {
    this.send('A', [
      [98, 0],
      [108, 30],
      [553, this.compId],
      [554, password],
    ]);
  }
}

function makeGateway(config: Partial<SessionConfig> = {}): { gateway: FixGateway; clock: FakeClock } {
  const clock = new FakeClock();
  const gateway = new FixGateway({
    clock,
    credentials: demoCredentials(),
    stores: new MemorySessionStoreFactory(),
    instruments: DEMO_INSTRUMENTS,
    session: config,
    createHandler: (events) => new InMemoryOrderEntry(events, DEMO_INSTRUMENTS),
  });
  return { gateway, clock };
}

const T = '20260105-09:00:00';
const order = (id: string, side: string, qty: string, px: string, symbol = 'BTC-USD'): Body => [
  [11, id],
  [55, symbol],
  [54, side],
  [60, T],
  [38, qty],
  [40, '2'],
  [44, px],
  [59, '1'],
];

/** Drives sessions through everything the gateway can send; returns the wire text of each message. */
function emittedMessages(): string[] {
  const { gateway, clock } = makeGateway();
  const a = new WireClient(gateway, clock, 'CLIENT1');
  const b = new WireClient(gateway, clock, 'CLIENT2');
  a.logon();
  b.logon();
  // Market data: snapshot now, incremental refreshes as orders arrive.
  a.send('V', [
    [262, 'md1'],
    [263, '1'],
    [264, 0],
    [267, 3],
    [269, '0'],
    [269, '1'],
    [269, '2'],
    [146, 1],
    [55, 'BTC-USD'],
  ]);
  a.send('D', order('s1', '2', '1', '100.5'));
  b.send('D', order('b1', '1', '0.25', '101')); // fill: 150=F for both sides
  a.send('G', [
    [41, 's1'],
    [11, 's2'],
    [55, 'BTC-USD'],
    [54, '2'],
    [60, T],
    [38, '2'],
    [40, '2'],
    [44, '102'],
  ]);
  a.send('H', [
    [11, 's2'],
    [55, 'BTC-USD'],
    [54, '2'],
  ]);
  a.send('F', [
    [41, 's2'],
    [11, 's3'],
    [55, 'BTC-USD'],
    [54, '2'],
    [60, T],
    [38, '2'],
  ]);
  a.send('F', [
    [41, 'nope'],
    [11, 's4'],
    [55, 'BTC-USD'],
    [54, '2'],
    [60, T],
    [38, '1'],
  ]); // 9 (434=1)
  a.send('G', [
    [41, 'nope'],
    [11, 's5'],
    [55, 'BTC-USD'],
    [54, '2'],
    [60, T],
    [38, '1'],
    [40, '2'],
    [44, '1'],
  ]);
  a.send('D', order('r1', '1', '1', '100', 'NOPE')); // ExecutionReport 150=8
  a.send('D', order('r2', '5', '1', '100')); // unsupported Side: BusinessMessageReject
  b.send('D', order('b2', '1', '1', '99'));
  b.send('q', [
    [11, 'mc1'],
    [530, '7'],
    [60, T],
  ]);
  b.send('q', [
    [11, 'mc2'],
    [530, '3'],
    [60, T],
  ]); // rejecting OrderMassCancelReport
  a.send('x', [
    [320, 'sl1'],
    [559, '4'],
  ]);
  a.send('x', [
    [320, 'sl2'],
    [559, '1'],
  ]); // SecurityList 560=1
  a.send('V', [
    [262, 'md2'],
    [263, '1'],
    [264, 0],
    [267, 1],
    [269, '0'],
    [146, 1],
    [55, 'NOPE'],
  ]); // Y
  a.send('E', [[66, 'list']]); // NewOrderList: BusinessMessageReject 380=3
  a.send('D', order('r3', '1', 'abc', '100')); // session Reject 373=6
  a.send('1', [[112, 'ping']]); // Heartbeat with TestReqID
  clock.advance(31_000);
  gateway.acceptor.onTimer(); // Heartbeat (idle output)
  clock.advance(6_000);
  gateway.acceptor.onTimer(); // TestRequest (idle input)
  a.send('0', []);
  a.send('2', [
    [7, 1],
    [16, 0],
  ]); // replays with PossDupFlag + SequenceReset-GapFill
  a.send('0', [], a.seq + 5); // too high: our ResendRequest
  a.send('4', [
    [123, 'Y'],
    [36, a.seq + 6],
  ]);
  a.seq += 6;
  a.send('5', [[58, 'bye']]); // Logout answered
  b.session.logout('venue shutting down'); // venue-initiated Logout with Text
  const c = new WireClient(gateway, clock, 'CLIENT3');
  c.logon('wrong'); // refused Logon: unsequenced Logout
  // Drop copy: a copy of CLIENT1's ExecutionReport with CopyMsgIndicator(797)=Y.
  const copies = new DropCopyPublisher({
    acceptor: gateway.acceptor,
    catalog: gateway.app.catalog,
    users: [{ username: 'DROPCOPY', entitledAccounts: ['CLIENT1'] }],
    cursors: new MemoryDropCopyCursors(),
  });
  const dc = new WireClient(gateway, clock, 'DROPCOPY');
  dc.logon();
  copies.publish(1, {
    kind: 'executionReport',
    orderId: '1001',
    execId: 'E1',
    clOrdId: 'O1',
    execType: 'trade',
    ordStatus: 'partiallyFilled',
    account: 'CLIENT1',
    symbol: 'BTC-USD',
    side: 'buy',
    ordType: 'limit',
    timeInForce: 'gtc',
    orderQtyLots: 10,
    priceTicks: 6_000_000,
    lastQtyLots: 4,
    lastPxTicks: 6_000_000,
    cumQtyLots: 4,
    leavesQtyLots: 6,
    cumNotionalTickLots: 24_000_000,
  });
  // Trading-session schedule: refused outside, logged out at the end.
  const s = makeGateway({ schedule: parseSchedule('s', { startTime: '08:00:00', endTime: '17:00:00' }) });
  s.clock.t = Date.UTC(2026, 0, 5, 7, 0);
  const closed = new WireClient(s.gateway, s.clock, 'CLIENT1');
  closed.logon();
  s.clock.t = Date.UTC(2026, 0, 5, 16, 59, 59);
  const open = new WireClient(s.gateway, s.clock, 'CLIENT1');
  open.logon();
  s.clock.t = Date.UTC(2026, 0, 5, 17);
  s.gateway.acceptor.onTimer();
  return [...a.wires, ...b.wires, ...c.wires, ...dc.wires, ...closed.wires, ...open.wires];
}

function validate(bin: string, wires: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [VENUE_DICT, FIX44_DICT], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`dd_validate failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout.trim().split('\n'));
    });
    child.stdin?.end(`${wires.join('\n')}\n`);
  });
}

describe('emitted repeating groups follow the published field order (QuickFIX/J validates it)', () => {
  it('every entry of every group the gateway sends lists its fields in dictionary order', () => {
    let entries = 0;
    for (const wire of emittedMessages()) {
      const d = decodeFix(wire);
      if (d.kind !== 'ok') throw new Error('undecodable');
      const def = VENUE_MESSAGES.find((m) => m.msgType === d.msg.msgType);
      for (const item of def?.items ?? []) {
        if ('tag' in item) continue;
        const order = item.items.flatMap((i) => ('tag' in i ? [i.tag] : []));
        const fields = d.msg.fields;
        const at = fields.findIndex((f) => f.tag === item.group);
        if (at < 0) continue;
        let last = Number.POSITIVE_INFINITY;
        for (const f of fields.slice(at + 1)) {
          const pos = order.indexOf(f.tag);
          if (pos < 0) break; // past the group
          if (pos === 0) entries++;
          else expect(pos, `${d.msg.msgType}: ${f.tag} out of order`).toBeGreaterThan(last);
          last = pos;
        }
      }
    }
    expect(entries).toBeGreaterThan(5);
  });
});

describe.skipIf(missing !== undefined)(
  'every message the gateway emits passes QuickFIX C++ validation',
  () => {
    let bin = '';
    beforeAll(() => {
      bin = buildQuickfixTool(source, 'dd_validate');
    }, 120_000);

    it('covers every outbound message type of the published dictionary', () => {
      const wires = emittedMessages();
      const types = new Set(
        wires.map((w) => {
          const d = decodeFix(w);
          if (d.kind !== 'ok') throw new Error(`undecodable: ${w}`);
          return d.msg.msgType;
        }),
      );
      const outbound = VENUE_MESSAGES.filter((m) => m.direction !== 'in').map((m) => m.msgType);
      expect([...types].sort()).toEqual([...outbound].sort());
      const execTypes = new Set(
        wires.flatMap((w) => /\|150=(.)\|/.exec(w.replaceAll('\x01', '|'))?.[1] ?? []),
      );
      expect([...execTypes].sort()).toEqual(['0', '4', '5', '8', 'F', 'I']);
      // Resent application messages, gap fills and our ResendRequest are in the set.
      expect(wires.some((w) => w.includes('\x0135=8\x01') && w.includes('\x0143=Y\x01'))).toBe(true);
      expect(wires.some((w) => w.includes('\x0135=4\x01') && w.includes('\x01123=Y\x01'))).toBe(true);
      expect(wires.some((w) => w.includes('\x0135=0\x01') && w.includes('\x01112=ping\x01'))).toBe(true);
      expect(wires.some((w) => w.includes('Session closed by schedule'))).toBe(true);
      expect(wires.some((w) => w.includes('Session is closed'))).toBe(true);
      expect(wires.some((w) => w.includes('\x0135=8\x01') && w.includes('\x01797=Y\x01'))).toBe(true);
    });

    it('validates against the published dictionary and the standard FIX44.xml', async () => {
      const wires = emittedMessages();
      expect(wires.length).toBeGreaterThan(40);
      const lines = await validate(bin, wires);
      expect(lines.at(-1)).toBe(`DONE ${wires.length}`);
      const failures = lines
        .filter((l) => l.includes(' ERR '))
        .map((l) => {
          const [n, d] = l.split(' ');
          return `${d === '0' ? 'VENUE-FIX44' : 'FIX44'}: ${l} :: ${(wires[Number(n) - 1] ?? '').replaceAll('\x01', '|')}`;
        });
      expect(failures).toEqual([]);
      expect(lines.filter((l) => l.endsWith(' OK'))).toHaveLength(2 * wires.length);
    });

    it('the validator is not vacuous: it rejects what QuickFIX must reject', async () => {
      const { gateway, clock } = makeGateway();
      const a = new WireClient(gateway, clock, 'CLIENT1');
      a.logon();
      a.send('D', order('s1', '2', '1', '100.5'));
      const er = a.wires.find((w) => w.includes('\x0135=8\x01'));
      if (er === undefined) throw new Error('no ExecutionReport');
      const d = decodeFix(er);
      if (d.kind !== 'ok') throw new Error('bad');
      const mutate = (fn: (f: FixField[]) => FixField[]) =>
        encodeFix(fn(d.msg.fields.filter((f) => f.tag !== 8 && f.tag !== 9 && f.tag !== 10)));
      const bad = [
        mutate((f) => f.filter((x) => x.tag !== 17)), // required ExecID(17) missing
        mutate((f) => f.map((x) => (x.tag === 150 ? { tag: 150, value: 'Z' } : x))), // bad enum
        mutate((f) => f.map((x) => (x.tag === 151 ? { tag: 151, value: 'x' } : x))), // bad QTY
        mutate((f) => [...f, { tag: 262, value: 'md' }]), // field not in ExecutionReport
      ];
      const lines = await validate(bin, bad);
      expect(lines.filter((l) => l.includes(' ERR '))).toHaveLength(2 * bad.length);
    });
  },
);
