import { connect, type Socket } from 'node:net';
import {
  decodeFix,
  encodeFix,
  type FixField,
  FixFramer,
  type FixMessage,
  formatUtcTimestamp,
  SOH,
} from '@venue/gateway';
import WebSocket from 'ws';

const FRAME_BYTES_MAX = 64 * 1024;
const RECEIVED_MAX = 10_000;

export interface FixClientOptions {
  readonly username: string;
  readonly password: string;
  readonly targetCompId?: string;
  readonly heartBtIntSec?: number;
}

type Waiter = { match: (m: FixMessage) => boolean; resolve: (m: FixMessage) => void; timer: NodeJS.Timeout };

/**
 * A small FIX 4.4 initiator over TCP or WebSocket, for the demo bots and tests: logon, send,
 * wait for a matching message. Answers TestRequest; keeps the last messages received (bounded).
 */
export class FixClient {
  private seq = 1;
  private readonly waiters = new Set<Waiter>();
  readonly received: FixMessage[] = [];
  private listeners: ((m: FixMessage) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly options: FixClientOptions,
    private readonly write: (wire: string) => void,
    private readonly end: () => void,
  ) {}

  static async tcp(host: string, port: number, options: FixClientOptions): Promise<FixClient> {
    const socket: Socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new FixClient(
      options,
      (wire) => socket.write(wire, 'latin1'),
      () => socket.destroy(),
    );
    const framer = new FixFramer(FRAME_BYTES_MAX);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) if (ev.kind === 'frame') client.onWire(ev.text);
    });
    socket.on('error', () => {});
    socket.on('close', () => client.onClose());
    return client;
  }

  static async ws(url: string, options: FixClientOptions): Promise<FixClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new FixClient(
      options,
      (wire) => ws.send(wire),
      () => ws.terminate(),
    );
    ws.on('message', (data) => client.onWire(String(data)));
    ws.on('error', () => {});
    ws.on('close', () => client.onClose());
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onMessage(listener: (m: FixMessage) => void): void {
    this.listeners.push(listener);
  }

  async logon(timeoutMs = 5_000): Promise<FixMessage> {
    this.send('A', [
      [98, 0],
      [108, this.options.heartBtIntSec ?? 30],
      [141, 'Y'],
      [553, this.options.username],
      [554, this.options.password],
    ]);
    return this.waitFor((m) => m.msgType === 'A' || m.msgType === '5', timeoutMs);
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): number {
    const seq = this.seq++;
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.options.username },
      { tag: 56, value: this.options.targetCompId ?? 'VENUE' },
      { tag: 34, value: String(seq) },
      // nondeterminism-ok: a client stamps its own SendingTime
      { tag: 52, value: formatUtcTimestamp(Date.now()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    if (!this.closed) this.write(encodeFix(fields));
    return seq;
  }

  waitFor(match: (m: FixMessage) => boolean, timeoutMs = 5_000): Promise<FixMessage> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(`FixClient(${this.options.username}): no matching message within ${timeoutMs} ms`),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    if (!this.closed) this.send('5', []);
    this.end();
    this.onClose();
  }

  private onWire(text: string): void {
    const wire = text.includes(SOH) ? text : text.replaceAll('|', SOH);
    const r = decodeFix(wire);
    if (r.kind !== 'ok') return;
    const m = r.msg;
    if (m.msgType === '1') this.send('0', [[112, m.get(112) ?? '']]);
    if (this.received.length >= RECEIVED_MAX) this.received.shift();
    this.received.push(m);
    for (const l of this.listeners) l(m);
    for (const w of [...this.waiters]) {
      if (w.match(m)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
  }

  private onClose(): void {
    this.closed = true;
  }
}
