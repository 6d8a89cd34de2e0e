import WebSocket from 'ws';
import { decodeJson, decodeSbe } from '../messages/codec.js';
import type { ChannelName, FeedMessage } from '../messages/messages.js';
import { isFullStateChannel } from '../messages/messages.js';
import { L2Book, L3Book } from './book.js';

export interface ClientStream {
  readonly instrumentId: number;
  readonly channel: ChannelName;
  /** Last seq applied (-1 until the snapshot). */
  lastSeq: number;
  /** Waiting for a replay or snapshot after a gap. */
  recovering: boolean;
  /** The rebuilt book for l2 / l2full streams. */
  readonly book: L2Book | undefined;
  /** The rebuilt order-by-order book for the l3 stream. */
  readonly orders: L3Book | undefined;
}

export interface ClientOptions {
  readonly format?: 'json' | 'sbe';
  /** Every message applied in order (after gap handling); snapshots included. */
  readonly onMessage?: (m: FeedMessage) => void;
  /** Control frames from the server (subscribed, errors, ...). */
  readonly onControl?: (c: Record<string, unknown>) => void;
  readonly onClose?: (code: number, reason: string) => void;
}

/** Streams a client tracks at most (a bound, like the server's). */
export const CLIENT_STREAMS_MAX = 256;

function streamKey(instrumentId: number, channel: ChannelName): string {
  return `${instrumentId}/${channel}`;
}

/**
 * A small market-data client that follows the recovery rules: it subscribes (optionally from a
 * seq, e.g. after switching replica), takes the in-band snapshot, applies increments whose seq is
 * last + 1, ignores seq <= last, and on a gap asks for a replay from last + 1, falling back to a
 * fresh snapshot when the server no longer holds it. Full-state channels (l1, stats) need no
 * recovery: each message replaces the previous one.
 */
export class MarketDataClient {
  readonly streams = new Map<string, ClientStream>();
  gapsDetected = 0;
  private socket: WebSocket;
  private readonly format: 'json' | 'sbe';
  private opened: Promise<void>;

  constructor(
    public url: string,
    private readonly options: ClientOptions = {},
  ) {
    this.format = options.format ?? 'json';
    this.socket = this.connect(url);
    this.opened = this.openedPromise(this.socket);
  }

  private connect(url: string): WebSocket {
    const socket = new WebSocket(url);
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data, isBinary) => {
      if (socket === this.socket) this.onFrame(data as Buffer, isBinary);
    });
    socket.on('close', (code, reason) => {
      if (socket === this.socket) this.options.onClose?.(code, reason.toString());
    });
    return socket;
  }

  private openedPromise(socket: WebSocket): Promise<void> {
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  }

  /** Resolves once connected. */
  ready(): Promise<void> {
    return this.opened;
  }

  /**
   * Moves to another replica (same feed, same seqs): every stream resumes from its last seq + 1,
   * served from that replica's replay ring, or from a fresh snapshot if it no longer holds it.
   */
  async switchTo(url: string): Promise<void> {
    const old = this.socket;
    this.url = url;
    this.socket = this.connect(url);
    this.opened = this.openedPromise(this.socket);
    old.close(1000, 'switching replica');
    await this.opened;
    for (const s of this.streams.values()) {
      s.recovering = false;
      const fromSeq = s.lastSeq >= 0 ? s.lastSeq + 1 : undefined;
      this.send({
        op: 'subscribe',
        instrumentId: s.instrumentId,
        channel: s.channel,
        format: this.format,
        fromSeq,
      });
    }
  }

  subscribe(instrumentId: number, channel: ChannelName): ClientStream {
    const k = streamKey(instrumentId, channel);
    let s = this.streams.get(k);
    if (s === undefined) {
      if (this.streams.size >= CLIENT_STREAMS_MAX) throw new Error(`more than ${CLIENT_STREAMS_MAX} streams`);
      s = {
        instrumentId,
        channel,
        lastSeq: -1,
        recovering: false,
        book: channel === 'l2' || channel === 'l2full' ? new L2Book(instrumentId, channel) : undefined,
        orders: channel === 'l3' ? new L3Book(instrumentId) : undefined,
      };
      this.streams.set(k, s);
    }
    this.send({ op: 'subscribe', instrumentId, channel, format: this.format });
    return s;
  }

  unsubscribe(instrumentId: number, channel: ChannelName): void {
    this.streams.delete(streamKey(instrumentId, channel));
    this.send({ op: 'unsubscribe', instrumentId, channel });
  }

  close(): void {
    this.socket.close(1000, 'client done');
  }

  private send(req: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(req));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const obj = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (
        obj.type === 'subscribed' ||
        obj.type === 'unsubscribed' ||
        obj.type === 'error' ||
        obj.type === 'heartbeat'
      ) {
        this.onControl(obj);
        return;
      }
      this.onFeed(decodeJson(data.toString('utf8')));
      return;
    }
    this.onFeed(decodeSbe(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  }

  private onControl(c: Record<string, unknown>): void {
    if (c.type === 'heartbeat' && Array.isArray(c.streams)) {
      // A stream whose last seq is ahead of what we applied lost its tail: recover it.
      for (const [instrumentId, channel, seq] of c.streams as [number, ChannelName, number][]) {
        const s = this.streams.get(streamKey(instrumentId, channel));
        if (s === undefined || s.recovering || s.lastSeq < 0 || seq <= s.lastSeq) continue;
        s.recovering = true;
        this.gapsDetected++;
        this.send({ op: 'replay', instrumentId, channel, fromSeq: s.lastSeq + 1 });
      }
    }
    if (c.type === 'error' && c.code === 'replay-unavailable') {
      const req = c.request as { instrumentId: number; channel: ChannelName };
      this.send({ op: 'snapshot', instrumentId: req.instrumentId, channel: req.channel });
    }
    this.options.onControl?.(c);
  }

  private onFeed(m: FeedMessage): void {
    const s = this.streams.get(streamKey(m.instrumentId, m.channel));
    if (s === undefined) return; // unsubscribed meanwhile
    if (
      m.type === 'snapshot' ||
      m.type === 'orders' ||
      (isFullStateChannel(m.channel) && m.seq > s.lastSeq)
    ) {
      s.book?.apply(m);
      s.orders?.apply(m);
      s.lastSeq = m.seq;
      s.recovering = false;
      this.options.onMessage?.(m);
      return;
    }
    if (m.seq <= s.lastSeq) return; // already applied (replay overlap)
    if (m.seq !== s.lastSeq + 1) {
      if (!s.recovering) {
        s.recovering = true;
        this.gapsDetected++;
        this.send({ op: 'replay', instrumentId: s.instrumentId, channel: s.channel, fromSeq: s.lastSeq + 1 });
      }
      return;
    }
    if (s.book !== undefined && s.book.apply(m) !== 'applied') {
      throw new Error(`book rejected seq ${m.seq} of ${m.channel}/${m.instrumentId}`);
    }
    if (s.orders !== undefined && s.orders.apply(m) !== 'applied') {
      throw new Error(`L3 book rejected seq ${m.seq} of instrument ${m.instrumentId}`);
    }
    s.lastSeq = m.seq;
    s.recovering = false;
    this.options.onMessage?.(m);
  }
}
