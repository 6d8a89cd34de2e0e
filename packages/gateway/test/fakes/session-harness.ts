import {
  SessionAcceptor as Acceptor,
  type Clock,
  decodeFix,
  demoCredentials,
  encodeFix,
  type FixField,
  FixMessage,
  type FixSession,
  formatUtcTimestamp,
  MemorySessionStoreFactory,
  type SessionAcceptor,
  type SessionApplication,
  type SessionConfig,
  type SessionStoreFactory,
} from '@venue/gateway';

export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  nowMs(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export class RecordingApp implements SessionApplication {
  readonly supportedMsgTypes = new Set(['D', 'F']);
  readonly messages: FixMessage[] = [];
  readonly logons: string[] = [];
  readonly disconnects: string[] = [];
  onLogon(s: FixSession): void {
    this.logons.push(s.sessionKey ?? '');
  }
  onMessage(_s: FixSession, msg: FixMessage): void {
    this.messages.push(msg);
  }
  onDisconnect(s: FixSession, reason: string): void {
    this.disconnects.push(`${s.sessionKey}: ${reason}`);
  }
}

/** One client connection: builds its messages (own seq counter) and records what the venue sent. */
export class TestClient {
  seq = 1;
  readonly received: FixMessage[] = [];
  closed: string | undefined;
  readonly session: FixSession;

  constructor(
    readonly harness: Harness,
    readonly compId = 'CLIENT1',
  ) {
    const s = harness.acceptor.openConnection({
      send: (wire) => {
        const r = decodeFix(wire);
        if (r.kind !== 'ok') throw new Error(`venue sent a bad message: ${r.kind}`);
        this.received.push(r.msg);
      },
      close: (reason) => {
        this.closed = reason;
      },
    });
    if (s === undefined) throw new Error('no connection');
    this.session = s;
  }

  /** Wire text of a message with the standard header; `seq` overrides the counter (not advanced). */
  build(msgType: string, body: ReadonlyArray<readonly [number, string | number]>, seq?: number): string {
    const n = seq ?? this.seq++;
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.compId },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(n) },
      { tag: 52, value: formatUtcTimestamp(this.harness.clock.nowMs()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    return encodeFix(fields);
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]> = [], seq?: number): void {
    this.session.onFrame(this.build(msgType, body, seq));
  }

  logon(extra: ReadonlyArray<readonly [number, string | number]> = [], password = 'demo'): void {
    this.send('A', [[98, 0], [108, 30], [553, this.compId], [554, password], ...extra]);
  }

  last(): FixMessage {
    const m = this.received[this.received.length - 1];
    if (m === undefined) throw new Error('nothing received');
    return m;
  }

  ofType(msgType: string): FixMessage[] {
    return this.received.filter((m) => m.msgType === msgType);
  }

  clear(): void {
    this.received.length = 0;
  }
}

export class Harness {
  readonly clock = new FakeClock();
  readonly app = new RecordingApp();
  readonly acceptor: SessionAcceptor;
  constructor(
    config: Partial<SessionConfig> = {},
    readonly stores: SessionStoreFactory = new MemorySessionStoreFactory(),
  ) {
    this.acceptor = new Acceptor({
      clock: this.clock,
      credentials: demoCredentials({ cancelOnDisconnect: true }),
      stores,
      app: this.app,
      config,
    });
  }
  client(compId = 'CLIENT1'): TestClient {
    return new TestClient(this, compId);
  }
}

export const order = (id: string): Array<[number, string]> => [
  [11, id],
  [55, 'BTC-USD'],
  [54, '1'],
  [60, '20260105-09:00:00'],
  [38, '1'],
  [40, '2'],
  [44, '100'],
];

export { FixMessage };
