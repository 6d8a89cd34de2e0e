import {
  DEMO_INSTRUMENTS,
  decodeFix,
  demoCredentials,
  encodeFix,
  type FixField,
  FixGateway,
  type FixMessage,
  type FixSession,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  MemorySessionStoreFactory,
  type SessionConfig,
} from '@venue/gateway';
import { FakeClock } from './session-harness.js';

/** A FixGateway with the in-memory handler and in-process clients (no sockets). */
export class GatewayHarness {
  readonly clock = new FakeClock();
  readonly gateway: FixGateway;
  handler!: InMemoryOrderEntry;
  constructor(config: Partial<SessionConfig> = {}) {
    this.gateway = new FixGateway({
      clock: this.clock,
      credentials: demoCredentials({ cancelOnDisconnect: true }),
      stores: new MemorySessionStoreFactory(),
      instruments: DEMO_INSTRUMENTS,
      session: config,
      createHandler: (events) => {
        this.handler = new InMemoryOrderEntry(events, DEMO_INSTRUMENTS);
        return this.handler;
      },
    });
  }

  client(compId: string): AppClient {
    return new AppClient(this, compId);
  }
}

export class AppClient {
  seq = 1;
  readonly received: FixMessage[] = [];
  readonly session: FixSession;
  constructor(
    readonly h: GatewayHarness,
    readonly compId: string,
  ) {
    const s = h.gateway.acceptor.openConnection({
      send: (wire) => {
        const r = decodeFix(wire);
        if (r.kind !== 'ok') throw new Error('bad outbound');
        this.received.push(r.msg);
      },
      close: () => {},
    });
    if (s === undefined) throw new Error('no connection');
    this.session = s;
    this.send('A', [
      [98, 0],
      [108, 30],
      [553, compId],
      [554, 'demo'],
    ]);
    if (this.received[0]?.msgType !== 'A') throw new Error('logon failed');
    this.received.length = 0;
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): void {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.compId },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(this.seq++) },
      { tag: 52, value: formatUtcTimestamp(this.h.clock.nowMs()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    this.session.onFrame(encodeFix(fields));
  }

  take(): FixMessage[] {
    return this.received.splice(0);
  }
}
