import type { WebSocket } from 'ws';
import { encodeJson, encodeSbe } from '../messages/codec.js';
import type { ChannelName, FeedMessage } from '../messages/messages.js';
import { CHANNELS, isChannelName } from '../messages/messages.js';

/** What the hub needs from the feed: MarketDataService provides it. */
export interface FeedSource {
  /** Live messages, then `entryEnd` once the entry that produced them is fully applied. */
  subscribe(listener: FeedSourceListener): () => void;
  snapshot(instrumentId: number, channel: ChannelName): FeedMessage | undefined;
  replay(instrumentId: number, channel: ChannelName, fromSeq: number): FeedMessage[] | undefined;
  /** Last published seq of a stream (heartbeats), undefined for an unknown instrument. */
  lastSeq(instrumentId: number, channel: ChannelName): number | undefined;
}

export interface FeedSourceListener {
  message(m: FeedMessage): void;
  entryEnd?(): void;
}

export type WireFormat = 'json' | 'sbe';

export interface HubLimits {
  readonly connectionsMax: number;
  readonly subscriptionsPerConnectionMax: number;
  /** Largest client request (text frame) accepted. */
  readonly requestBytesMax: number;
  /** Queued bytes of a connection above which full-state and book channels are conflated. */
  readonly conflateBytes: number;
  /** Queued bytes of a connection above which it is dropped (never unbounded memory). */
  readonly sendQueueBytesMax: number;
  /**
   * Frames to a socket are held (corked) and leave in one write: 0 = at the end of the event-loop
   * turn; N > 0 = at most every N ms (fewer syscalls with many subscribers, N ms more latency).
   */
  readonly coalesceMs: number;
  /** Interval of heartbeats carrying each subscribed stream's last seq (0 = none). */
  readonly heartbeatMs: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  connectionsMax: 10_000,
  subscriptionsPerConnectionMax: 256,
  requestBytesMax: 4_096,
  conflateBytes: 1 << 20,
  sendQueueBytesMax: 4 << 20,
  coalesceMs: 0,
  heartbeatMs: 5_000,
};

/** WebSocket close codes the hub uses (4000-4999: application). */
export const CloseCode = { SlowConsumer: 4008, TooManyConnections: 4013 } as const;

interface Subscription {
  readonly instrumentId: number;
  readonly channel: ChannelName;
  readonly format: WireFormat;
  /** Lagging: increments are skipped; a fresh snapshot is sent once the queue drains. */
  conflating: boolean;
}

/** A complete unmasked server-to-client WebSocket frame (RFC 6455 5.2), FIN set. */
function wsFrame(payload: Uint8Array, binary: boolean): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const f = Buffer.allocUnsafe(head + n);
  f[0] = binary ? 0x82 : 0x81;
  if (n < 126) f[1] = n;
  else if (n < 65_536) {
    f[1] = 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = 127;
    f.writeBigUInt64BE(BigInt(n), 2);
  }
  f.set(payload, head);
  return f;
}

/** Per-publish encoding cache, so N subscribers cost one encoding (and one framing) per format. */
class Encoded {
  private json: string | undefined;
  private sbe: Uint8Array | undefined;
  private jsonFrame: Buffer | undefined;
  private sbeFrame: Buffer | undefined;
  constructor(readonly m: FeedMessage) {}
  get(format: WireFormat): string | Uint8Array {
    if (format === 'json') {
      this.json ??= encodeJson(this.m);
      return this.json;
    }
    this.sbe ??= encodeSbe(this.m);
    return this.sbe;
  }
  /** The whole frame, built once and written as is to every plain socket. */
  frame(format: WireFormat): Buffer {
    if (format === 'json') {
      this.jsonFrame ??= wsFrame(Buffer.from(this.get('json') as string, 'utf8'), false);
      return this.jsonFrame;
    }
    this.sbeFrame ??= wsFrame(this.get('sbe') as Uint8Array, true);
    return this.sbeFrame;
  }
}

function key(instrumentId: number, channel: ChannelName): string {
  return `${instrumentId}/${channel}`;
}

/** The TCP socket under a ws WebSocket (ws keeps it in `_socket`; absent in other implementations). */
interface Corkable {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array): boolean;
}

function rawSocket(ws: WebSocket): Corkable | undefined {
  const raw = (ws as unknown as { _socket?: Partial<Corkable> | null })._socket;
  const ok =
    raw &&
    typeof raw.cork === 'function' &&
    typeof raw.uncork === 'function' &&
    typeof raw.write === 'function';
  return ok ? (raw as Corkable) : undefined;
}

class Connection {
  readonly subs = new Map<string, Subscription>();
  closed = false;
  corked = false;
  readonly raw: Corkable | undefined;
  constructor(
    readonly socket: WebSocket,
    readonly id: number,
  ) {
    this.raw = rawSocket(socket);
  }
}

export interface HubStats {
  connections: number;
  droppedSlow: number;
  conflations: number;
  rejectedRequests: number;
}

/**
 * Fans the feed out to WebSocket clients. Outside the state machine: it only reads snapshots and
 * the replay ring between entries and never blocks the feed. Per connection the bytes queued in
 * the socket are bounded: above `conflateBytes` book and full-state streams stop sending
 * increments and resume with a fresh snapshot once drained; above `sendQueueBytesMax` the client
 * is closed with code 4008 and a reason.
 */
export class MarketDataHub {
  readonly limits: HubLimits;
  readonly stats: HubStats = { connections: 0, droppedSlow: 0, conflations: 0, rejectedRequests: 0 };
  private readonly conns = new Set<Connection>();
  private readonly byStream = new Map<string, Set<Connection>>();
  private readonly resync = new Set<Connection>();
  /** Sockets corked during this event-loop turn: their frames leave in one write at its end. */
  private readonly corked: Connection[] = [];
  private uncorkScheduled = false;
  private nextId = 1;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribeSource: () => void;

  constructor(
    private readonly source: FeedSource,
    limits: Partial<HubLimits> = {},
  ) {
    this.limits = { ...DEFAULT_HUB_LIMITS, ...limits };
    const l = this.limits;
    if (!Number.isSafeInteger(l.coalesceMs) || l.coalesceMs < 0 || l.coalesceMs > 1_000) {
      throw new RangeError(`coalesceMs must be 0..1000, got ${l.coalesceMs}`);
    }
    if (!Number.isSafeInteger(l.heartbeatMs) || l.heartbeatMs < 0) {
      throw new RangeError(`heartbeatMs must be a non-negative integer, got ${l.heartbeatMs}`);
    }
    if (l.heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), l.heartbeatMs); // nondeterminism-ok: delivery I/O
      this.heartbeatTimer.unref();
    }
    this.unsubscribeSource = source.subscribe({
      message: (m) => this.publish(m),
      entryEnd: () => this.entryEnd(),
    });
  }

  /** Stops listening to the feed and closes every client. */
  close(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.unsubscribeSource();
    for (const c of [...this.conns]) c.socket.close(1001, 'server shutting down');
  }

  /** Takes ownership of an accepted WebSocket. */
  accept(socket: WebSocket): void {
    if (this.conns.size >= this.limits.connectionsMax) {
      socket.close(CloseCode.TooManyConnections, `too many connections (max ${this.limits.connectionsMax})`);
      return;
    }
    const c = new Connection(socket, this.nextId++);
    this.conns.add(c);
    this.stats.connections = this.conns.size;
    socket.on('message', (data, isBinary) => this.onRequest(c, data, isBinary));
    socket.on('close', () => this.forget(c));
    socket.on('error', () => this.forget(c));
  }

  private forget(c: Connection): void {
    if (!this.conns.delete(c)) return;
    c.closed = true;
    for (const k of c.subs.keys()) this.byStream.get(k)?.delete(c);
    c.subs.clear();
    this.resync.delete(c);
    this.stats.connections = this.conns.size;
  }

  // ------------------------------------------------------------------ requests

  private error(c: Connection, code: string, message: string, request?: unknown): void {
    this.stats.rejectedRequests++;
    this.sendRaw(c, JSON.stringify({ type: 'error', code, message, request: request ?? null }));
  }

  private onRequest(c: Connection, data: unknown, isBinary: boolean): void {
    if (isBinary || !Buffer.isBuffer(data)) {
      this.error(c, 'bad-request', 'requests are JSON text frames');
      return;
    }
    if (data.length > this.limits.requestBytesMax) {
      this.error(c, 'bad-request', `request larger than ${this.limits.requestBytesMax} bytes`);
      return;
    }
    let req: unknown;
    try {
      req = JSON.parse(data.toString('utf8'));
    } catch {
      this.error(c, 'bad-request', 'request is not valid JSON');
      return;
    }
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      this.error(c, 'bad-request', 'request must be a JSON object', req);
      return;
    }
    const r = req as Record<string, unknown>;
    const op = r.op;
    if (op !== 'subscribe' && op !== 'unsubscribe' && op !== 'replay' && op !== 'snapshot') {
      this.error(c, 'bad-request', 'op must be one of subscribe, unsubscribe, replay, snapshot', req);
      return;
    }
    const instrumentId = r.instrumentId;
    if (typeof instrumentId !== 'number' || !Number.isSafeInteger(instrumentId) || instrumentId <= 0) {
      this.error(c, 'bad-request', 'instrumentId must be a positive integer', req);
      return;
    }
    const channel = r.channel;
    if (!isChannelName(channel)) {
      this.error(c, 'bad-request', `channel must be one of ${CHANNELS.join(', ')}`, req);
      return;
    }
    const k = key(instrumentId, channel);
    if (op === 'subscribe') {
      const format = r.format ?? 'json';
      if (format !== 'json' && format !== 'sbe') {
        this.error(c, 'bad-request', 'format must be json or sbe', req);
        return;
      }
      const fromSeq = r.fromSeq;
      if (
        fromSeq !== undefined &&
        (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 1)
      ) {
        this.error(c, 'bad-request', 'fromSeq must be a positive integer', req);
        return;
      }
      this.subscribe(c, k, instrumentId, channel, format, fromSeq, req);
      return;
    }
    const sub = c.subs.get(k);
    if (sub === undefined) {
      this.error(c, 'not-subscribed', `not subscribed to ${channel} of instrument ${instrumentId}`, req);
      return;
    }
    if (op === 'unsubscribe') {
      c.subs.delete(k);
      this.byStream.get(k)?.delete(c);
      this.sendRaw(c, JSON.stringify({ type: 'unsubscribed', instrumentId, channel }));
      return;
    }
    if (op === 'snapshot') {
      this.sendSnapshot(c, sub);
      return;
    }
    const fromSeq = r.fromSeq;
    if (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 1) {
      this.error(c, 'bad-request', 'fromSeq must be a positive integer', req);
      return;
    }
    const msgs = this.source.replay(instrumentId, channel, fromSeq);
    if (msgs === undefined) {
      this.error(
        c,
        'replay-unavailable',
        `seq ${fromSeq} of ${channel}/${instrumentId} is no longer held; ask for a snapshot`,
        req,
      );
      return;
    }
    for (const m of msgs) this.sendRaw(c, new Encoded(m).get(sub.format));
  }

  private subscribe(
    c: Connection,
    k: string,
    instrumentId: number,
    channel: ChannelName,
    format: WireFormat,
    fromSeq: number | undefined,
    req: unknown,
  ): void {
    const snap = this.source.snapshot(instrumentId, channel);
    if (snap === undefined) {
      this.error(
        c,
        'unknown-instrument',
        `instrument ${instrumentId} is not known to the feed (or channel ${channel} is disabled)`,
        req,
      );
      return;
    }
    if (!c.subs.has(k) && c.subs.size >= this.limits.subscriptionsPerConnectionMax) {
      this.error(
        c,
        'too-many-subscriptions',
        `at most ${this.limits.subscriptionsPerConnectionMax} subscriptions per connection`,
        req,
      );
      return;
    }
    const sub: Subscription = { instrumentId, channel, format, conflating: false };
    c.subs.set(k, sub);
    let set = this.byStream.get(k);
    if (set === undefined) {
      set = new Set();
      this.byStream.set(k, set);
    }
    set.add(c);
    // Continue from a seq (e.g. after switching replica) when the ring still holds it.
    const replay = fromSeq === undefined ? undefined : this.source.replay(instrumentId, channel, fromSeq);
    this.sendRaw(
      c,
      JSON.stringify({
        type: 'subscribed',
        instrumentId,
        channel,
        format,
        mode: replay === undefined ? 'snapshot' : 'replay',
      }),
    );
    if (replay !== undefined) {
      for (const m of replay) this.sendRaw(c, new Encoded(m).get(format));
    } else this.sendRaw(c, new Encoded(snap).get(format));
  }

  private sendSnapshot(c: Connection, sub: Subscription): void {
    const snap = this.source.snapshot(sub.instrumentId, sub.channel);
    if (snap !== undefined) this.sendRaw(c, new Encoded(snap).get(sub.format));
  }

  // ------------------------------------------------------------------ fan-out

  private publish(m: FeedMessage): void {
    const set = this.byStream.get(key(m.instrumentId, m.channel));
    if (set === undefined || set.size === 0) return;
    const enc = new Encoded(m);
    const limits = this.limits;
    for (const c of set) {
      const sub = c.subs.get(key(m.instrumentId, m.channel));
      if (sub === undefined) continue;
      const queued = c.socket.bufferedAmount;
      if (queued > limits.sendQueueBytesMax) {
        this.dropSlow(c, queued);
        continue;
      }
      const canConflate = sub.channel !== 'trades' && sub.channel !== 'bars';
      if (canConflate && (sub.conflating || queued > limits.conflateBytes)) {
        if (!sub.conflating) {
          sub.conflating = true;
          this.stats.conflations++;
        }
        // Resume (with a snapshot) at the end of the entry, when the state is consistent.
        if (queued <= limits.conflateBytes / 2) this.resync.add(c);
        continue;
      }
      this.sendFrame(c, enc, sub.format);
    }
  }

  /**
   * Broadcast path: the frame built once per message is written straight to the TCP socket when
   * no extension (compression) was negotiated, so ws has nothing of its own queued or transformed
   * and frames stay whole and in order; otherwise through ws.send.
   */
  private sendFrame(c: Connection, enc: Encoded, format: WireFormat): void {
    if (c.raw === undefined || c.socket.extensions !== '' || c.socket.readyState !== 1) {
      this.sendRaw(c, enc.get(format));
      return;
    }
    if (c.closed) return;
    this.cork(c);
    c.raw.write(enc.frame(format));
  }

  private cork(c: Connection): void {
    if (c.corked || c.raw === undefined) return;
    c.raw.cork();
    c.corked = true;
    this.corked.push(c);
    if (!this.uncorkScheduled) {
      this.uncorkScheduled = true;
      if (this.limits.coalesceMs > 0)
        setTimeout(() => this.uncorkAll(), this.limits.coalesceMs); // nondeterminism-ok: delivery I/O
      else setImmediate(() => this.uncorkAll());
    }
  }

  private entryEnd(): void {
    if (this.resync.size === 0) return;
    for (const c of this.resync) {
      if (c.closed) continue;
      for (const sub of c.subs.values()) {
        if (!sub.conflating) continue;
        sub.conflating = false;
        this.sendSnapshot(c, sub);
      }
    }
    this.resync.clear();
  }

  /**
   * Tells each client the last seq of every stream it takes (between entries, so consistent with
   * what it was sent): an idle client can tell it missed the last message. Conflating streams are
   * left out (their snapshot is coming).
   */
  private heartbeat(): void {
    for (const c of this.conns) {
      if (c.subs.size === 0) continue;
      const streams: [number, ChannelName, number][] = [];
      for (const sub of c.subs.values()) {
        if (sub.conflating) continue;
        const seq = this.source.lastSeq(sub.instrumentId, sub.channel);
        if (seq !== undefined) streams.push([sub.instrumentId, sub.channel, seq]);
      }
      this.sendRaw(c, JSON.stringify({ type: 'heartbeat', streams }));
    }
  }

  private dropSlow(c: Connection, queued: number): void {
    this.stats.droppedSlow++;
    const reason = `slow consumer: ${queued} bytes queued (max ${this.limits.sendQueueBytesMax})`;
    this.forget(c);
    // close() still queues a close frame behind the backlog; terminate so memory is freed now.
    c.socket.close(CloseCode.SlowConsumer, reason);
    setTimeout(() => c.socket.terminate(), 1_000).unref(); // nondeterminism-ok: delivery I/O
  }

  private sendRaw(c: Connection, data: string | Uint8Array): void {
    if (c.closed) return;
    if (c.socket.bufferedAmount > this.limits.sendQueueBytesMax) {
      this.dropSlow(c, c.socket.bufferedAmount);
      return;
    }
    // One message per frame, but the frames of one event-loop turn leave in one write (syscall).
    this.cork(c);
    c.socket.send(data, { binary: typeof data !== 'string' });
  }

  private uncorkAll(): void {
    this.uncorkScheduled = false;
    for (const c of this.corked) {
      c.corked = false;
      c.raw?.uncork();
    }
    this.corked.length = 0;
  }
}
