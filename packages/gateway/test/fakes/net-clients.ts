import { connect, type Socket } from 'node:net';
import {
  DEMO_INSTRUMENTS,
  decodeFix,
  demoCredentials,
  encodeFix,
  type FixField,
  FixFramer,
  FixGateway,
  type FixMessage,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  MemorySessionStoreFactory,
  type SessionConfig,
  type SessionStoreFactory,
  SOH,
  withDelimiter,
} from '@venue/gateway';
import WebSocket from 'ws';

export function makeGateway(
  config: Partial<SessionConfig> = {},
  stores: SessionStoreFactory = new MemorySessionStoreFactory(),
  cancelOnDisconnect = false,
): { gateway: FixGateway; handler: () => InMemoryOrderEntry; logs: string[] } {
  let handler: InMemoryOrderEntry | undefined;
  const logs: string[] = [];
  const gateway = new FixGateway({
    credentials: demoCredentials({ cancelOnDisconnect }),
    stores,
    instruments: DEMO_INSTRUMENTS,
    session: config,
    timerIntervalMs: 50,
    log: (t) => {
      if (logs.length < 10_000) logs.push(t);
    },
    createHandler: (events) => {
      handler = new InMemoryOrderEntry(events, DEMO_INSTRUMENTS);
      return handler;
    },
  });
  return { gateway, handler: () => handler!, logs };
}

/** Waits until `pred` holds, polling; fails after timeoutMs. */
export async function until(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

abstract class BaseClient {
  seq = 1;
  readonly received: FixMessage[] = [];
  closed = false;
  constructor(readonly compId: string) {}

  build(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): string {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.compId },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(this.seq++) },
      { tag: 52, value: formatUtcTimestamp(Date.now()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    return encodeFix(fields);
  }

  abstract raw(data: string | Buffer): void;

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]> = []): void {
    this.raw(this.build(msgType, body));
  }

  protected onText(text: string, checksumBasis?: string): void {
    const r = decodeFix(text, checksumBasis);
    if (r.kind !== 'ok') throw new Error(`gateway sent an undecodable message: ${r.kind} ${text}`);
    this.received.push(r.msg);
  }

  async waitFor(pred: (m: FixMessage) => boolean, what = 'message'): Promise<FixMessage> {
    let found: FixMessage | undefined;
    await until(
      () => {
        found = this.received.find(pred);
        return found !== undefined;
      },
      3000,
      what,
    );
    return found!;
  }

  async logon(password = 'demo'): Promise<FixMessage> {
    this.send('A', [
      [98, 0],
      [108, 30],
      [553, this.compId],
      [554, password],
    ]);
    return this.waitFor((m) => m.msgType === 'A' || m.msgType === '5', 'logon reply');
  }
}

export class TcpFixClient extends BaseClient {
  private socket!: Socket;
  private readonly framer = new FixFramer(1 << 20);

  static async connect(port: number, compId: string): Promise<TcpFixClient> {
    const c = new TcpFixClient(compId);
    await new Promise<void>((resolve, reject) => {
      c.socket = connect(port, '127.0.0.1', resolve);
      c.socket.once('error', reject);
    });
    c.socket.on('data', (chunk) => {
      for (const ev of c.framer.push(chunk)) if (ev.kind === 'frame') c.onText(ev.text);
    });
    c.socket.on('error', () => {});
    c.socket.on('close', () => {
      c.closed = true;
    });
    return c;
  }

  raw(data: string | Buffer): void {
    if (!this.socket.destroyed)
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  close(): void {
    this.socket.destroy();
  }
}

export class WsFixClient extends BaseClient {
  private ws!: WebSocket;
  delimiter = SOH;

  literalChecksum = false;

  static async connect(
    port: number,
    compId: string,
    delimiter = SOH,
    path = '/fix',
    literalChecksum = false,
  ): Promise<WsFixClient> {
    const c = new WsFixClient(compId);
    c.delimiter = delimiter;
    c.literalChecksum = literalChecksum;
    c.ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    c.ws.on('message', (data: Buffer) => {
      const text = data.toString('latin1');
      c.rawReceived.push(text);
      c.onText(delimiter === SOH ? text : text.split('|').join(SOH), literalChecksum ? text : undefined);
    });
    c.ws.on('close', () => {
      c.closed = true;
    });
    c.ws.on('error', () => {});
    return c;
  }

  readonly rawReceived: string[] = [];

  raw(data: string | Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const text = typeof data === 'string' ? data : data.toString('latin1');
    this.ws.send(withDelimiter(text, this.delimiter, this.literalChecksum));
  }

  close(): void {
    this.ws.terminate();
  }
}
