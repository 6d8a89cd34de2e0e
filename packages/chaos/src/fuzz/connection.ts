import { isUtf8 } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { encodeFrame, parseStrict, type RawField, StreamSplitter, type WireMessage } from './frame.js';

export type Transport = 'tcp' | 'ws';

export interface Endpoint {
  readonly host: string;
  readonly fixPort: number;
  /** ws://host:port/fix */
  readonly fixWsUrl: string;
}

const CONNECT_TIMEOUT_MS = 3_000;
let connectionCounter = 0;

/** Formats epoch ms as a FIX UTCTIMESTAMP (ms precision). */
export function utcTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');
}

/**
 * A raw FIX connection for the fuzzer: sends arbitrary bytes, collects what the gateway sends
 * (every inbound frame is checked strictly; a malformed one is recorded as a problem).
 */
export class FuzzConnection {
  /** Next MsgSeqNum we send. */
  seq = 1;
  readonly received: WireMessage[] = [];
  /** Frames from the gateway that were not valid FIX (must stay empty). */
  readonly malformed: string[] = [];
  closed = false;
  /** WebSocket close code sent by the server (0 before a close or on TCP). */
  closeCode = 0;
  /** Distinguishes connections in probe ids. */
  readonly id = ++connectionCounter;
  private socket: Socket | undefined;
  private ws: WebSocket | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly transport: Transport,
    readonly compId: string,
  ) {}

  static async open(endpoint: Endpoint, transport: Transport, compId: string): Promise<FuzzConnection> {
    const c = new FuzzConnection(transport, compId);
    if (transport === 'tcp') {
      const splitter = new StreamSplitter();
      const socket = connect(endpoint.fixPort, endpoint.host);
      c.socket = socket;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('tcp connect timeout')), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        for (const raw of splitter.push(chunk.toString('latin1'))) c.onFrame(raw);
      });
      socket.on('error', () => {});
      socket.on('close', () => c.onClose());
    } else {
      const ws = new WebSocket(endpoint.fixWsUrl, { perMessageDeflate: false });
      c.ws = ws;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('ws connect timeout')), CONNECT_TIMEOUT_MS);
        ws.once('open', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      ws.on('message', (data: Buffer) => c.onFrame(data.toString('latin1')));
      ws.on('error', () => {});
      ws.on('close', (code: number) => {
        c.closeCode = code;
        c.onClose();
      });
    }
    return c;
  }

  private onFrame(raw: string): void {
    const m = parseStrict(raw);
    if (typeof m === 'string') this.malformed.push(`${m}: ${JSON.stringify(raw.slice(0, 120))}`);
    else this.received.push(m);
    this.wake();
  }

  private onClose(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Sends bytes as they are. TCP: one write. WebSocket: one frame, a text frame when the bytes are
   * valid UTF-8 and a binary frame otherwise (RFC 6455 makes a text frame with invalid UTF-8 a
   * protocol error that fails the connection; `invalidUtf8Text` sends exactly that on purpose).
   */
  raw(data: string, invalidUtf8Text = false): void {
    if (this.closed) return;
    const bytes = Buffer.from(data, 'latin1');
    if (this.socket !== undefined) this.socket.write(bytes);
    else if (this.ws !== undefined && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(bytes, { binary: !invalidUtf8Text && !isUtf8(bytes) });
    }
  }

  /** Standard header fields for the next message (consumes a MsgSeqNum unless `seq` is given). */
  header(msgType: string, seq?: number): RawField[] {
    const s = seq ?? this.seq++;
    return [
      ['35', msgType],
      ['49', this.compId],
      ['56', 'VENUE'],
      ['34', String(s)],
      ['52', utcTimestamp(Date.now())],
    ];
  }

  build(msgType: string, body: ReadonlyArray<RawField>, seq?: number): string {
    return encodeFrame([...this.header(msgType, seq), ...body]);
  }

  send(msgType: string, body: ReadonlyArray<RawField> = []): void {
    this.raw(this.build(msgType, body));
  }

  /** Waits until `pred` finds a message received at or after index `from`, or the connection closes. */
  async waitFor(
    pred: (m: WireMessage) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<WireMessage | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.received.length; i++) {
        const m = this.received[i];
        if (m !== undefined && pred(m)) return m;
      }
      if (this.closed) return undefined;
      const left = end - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the connection to close (true) or the timeout (false). */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    await this.waitFor(() => false, timeoutMs);
    return this.closed;
  }

  /** Logon with ResetSeqNumFlag=Y (sequence numbers restart at 1); returns the answer (A or 5). */
  async logon(password: string, timeoutMs = 3_000): Promise<WireMessage | undefined> {
    this.seq = 1;
    const from = this.received.length;
    this.send('A', [
      ['98', '0'],
      ['108', '30'],
      ['141', 'Y'],
      ['553', this.compId],
      ['554', password],
    ]);
    return this.waitFor((m) => m.msgType === 'A' || m.msgType === '5', timeoutMs, from);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.ws?.terminate();
    this.wake();
  }
}

/** Opens and logs on, retrying while the gateway still holds the previous connection's logon. */
export async function openSession(
  endpoint: Endpoint,
  transport: Transport,
  compId: string,
  password: string,
): Promise<FuzzConnection> {
  let last = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    const c = await FuzzConnection.open(endpoint, transport, compId);
    const answer = await c.logon(password);
    if (answer?.msgType === 'A') return c;
    last = answer?.get(58) ?? 'no answer';
    c.close();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cannot log on ${compId} over ${transport}: ${last}`);
}
