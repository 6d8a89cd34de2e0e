/**
 * TCP between members. Each member dials every peer and SENDS only on the connection it dialed; it
 * RECEIVES on the connections peers dialed to it. So a pair of members uses two connections, one per
 * direction: no tie-breaking between simultaneous dials, and a reconnect on one side never disturbs
 * the other direction.
 *
 * Bounds: per peer at most `queueFramesMax` frames / `queueBytesMax` bytes wait in our queue (plus at
 * most `socketBytesMax` inside the socket). When full, the OLDEST queued frame is dropped and counted:
 * Raft tolerates message loss (the leader re-sends on the next heartbeat / probe), and the newest
 * messages carry the freshest state, so memory never grows with a slow or dead peer.
 *
 * Write batching: `send` only queues; one flush per event-loop turn (setImmediate) corks each socket,
 * writes everything queued and uncorks, so a turn's messages leave in as few segments as possible.
 */

import * as net from 'node:net';
import type { Message, NodeId } from '../../core/types.js';
import { decodePeerFrame, encodeMessageInto, encodePeerHello, messageSizeBound } from '../wire/codec.js';
import { FRAME_BYTES_MAX_DEFAULT, FRAME_PREFIX_BYTES, FrameReader, frame } from '../wire/frames.js';

export interface PeerAddress {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

export interface PeerTransportOptions {
  readonly selfId: NodeId;
  /** Where to listen for peers (0.0.0.0 for every interface). */
  readonly listenHost: string;
  readonly listenPort: number;
  /** The other voters. */
  readonly peers: readonly PeerAddress[];
  readonly onMessage: (m: Message) => void;
  readonly queueFramesMax?: number;
  readonly queueBytesMax?: number;
  /** Bytes we let sit in a socket's own buffer before holding frames in our queue. */
  readonly socketBytesMax?: number;
  readonly frameBytesMax?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly log?: (line: string) => void;
}

export interface PeerTransportStats {
  framesSent: number;
  bytesSent: number;
  framesDropped: number;
  framesReceived: number;
  bytesReceived: number;
  connects: number;
  disconnects: number;
  badFrames: number;
}

interface Link {
  readonly peer: PeerAddress;
  socket: net.Socket | null;
  connected: boolean;
  queue: Buffer[];
  queueHead: number;
  queuedBytes: number;
  backoffMs: number;
  timer: NodeJS.Timeout | null;
}

export class PeerTransport {
  readonly stats: PeerTransportStats = {
    framesSent: 0,
    bytesSent: 0,
    framesDropped: 0,
    framesReceived: 0,
    bytesReceived: 0,
    connects: 0,
    disconnects: 0,
    badFrames: 0,
  };
  private readonly links = new Map<NodeId, Link>();
  private readonly inbound = new Set<net.Socket>();
  private server: net.Server | null = null;
  private flushScheduled = false;
  private closed = false;
  private readonly queueFramesMax: number;
  private readonly queueBytesMax: number;
  private readonly socketBytesMax: number;
  private readonly frameBytesMax: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: PeerTransportOptions) {
    this.queueFramesMax = options.queueFramesMax ?? 4096;
    this.queueBytesMax = options.queueBytesMax ?? 32 * 1024 * 1024;
    this.socketBytesMax = options.socketBytesMax ?? 4 * 1024 * 1024;
    this.frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
    this.reconnectMinMs = options.reconnectMinMs ?? 20;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 1000;
    this.log = options.log ?? (() => {});
    for (const peer of options.peers) {
      if (peer.id === options.selfId) throw new Error(`PeerTransport: peer list contains self (${peer.id})`);
      this.links.set(peer.id, {
        peer,
        socket: null,
        connected: false,
        queue: [],
        queueHead: 0,
        queuedBytes: 0,
        backoffMs: this.reconnectMinMs,
        timer: null,
      });
    }
  }

  /** Listens for peers and starts dialing them; resolves once listening. */
  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort, this.options.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    for (const link of this.links.values()) this.dial(link);
  }

  get listenPort(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  isConnected(peer: NodeId): boolean {
    return this.links.get(peer)?.connected ?? false;
  }

  /** Frames waiting in our queue for `peer` (not counting the socket's buffer). */
  queuedFrames(peer: NodeId): number {
    const l = this.links.get(peer);
    return l ? l.queue.length - l.queueHead : 0;
  }

  /** Queues `m` for its destination; never blocks, never throws for an unknown or dead peer. */
  send(m: Message): void {
    const link = this.links.get(m.to);
    if (!link || this.closed) return;
    const bound = messageSizeBound(m);
    const buf = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + bound);
    const size = encodeMessageInto(m, buf, FRAME_PREFIX_BYTES);
    buf.writeUInt32LE(size, 0);
    const out = buf.subarray(0, FRAME_PREFIX_BYTES + size);
    if (size > this.frameBytesMax) {
      this.stats.framesDropped++;
      this.log(`peer ${m.to}: dropped a ${m.type} of ${size} bytes (frame limit ${this.frameBytesMax})`);
      return;
    }
    this.enqueue(link, out);
    this.scheduleFlush();
  }

  private enqueue(link: Link, buf: Buffer): void {
    link.queue.push(buf);
    link.queuedBytes += buf.length;
    while (
      link.queue.length - link.queueHead > this.queueFramesMax ||
      (link.queuedBytes > this.queueBytesMax && link.queue.length - link.queueHead > 1)
    ) {
      const old = link.queue[link.queueHead] as Buffer;
      link.queue[link.queueHead] = EMPTY;
      link.queueHead++;
      link.queuedBytes -= old.length;
      this.stats.framesDropped++;
    }
    this.compactQueue(link);
  }

  private compactQueue(link: Link): void {
    if (link.queueHead > 1024 && link.queueHead * 2 > link.queue.length) {
      link.queue = link.queue.slice(link.queueHead);
      link.queueHead = 0;
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const link of this.links.values()) this.flush(link);
    });
  }

  private flush(link: Link): void {
    const socket = link.socket;
    if (!socket || !link.connected || link.queue.length === link.queueHead) return;
    socket.cork();
    while (link.queueHead < link.queue.length && socket.writableLength < this.socketBytesMax) {
      const buf = link.queue[link.queueHead] as Buffer;
      link.queue[link.queueHead] = EMPTY;
      link.queueHead++;
      link.queuedBytes -= buf.length;
      socket.write(buf);
      this.stats.framesSent++;
      this.stats.bytesSent += buf.length;
    }
    socket.uncork();
    if (link.queueHead === link.queue.length) {
      link.queue = [];
      link.queueHead = 0;
    }
  }

  private dial(link: Link): void {
    if (this.closed) return;
    link.timer = null;
    const socket = net.connect({ host: link.peer.host, port: link.peer.port });
    link.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      link.connected = true;
      link.backoffMs = this.reconnectMinMs;
      this.stats.connects++;
      const hello = encodePeerHello({
        from: this.options.selfId,
        to: link.peer.id,
        clusterMembers: this.links.size + 1,
      });
      socket.write(frame(hello));
      this.flush(link);
    });
    socket.on('drain', () => this.flush(link));
    // We never expect data on a connection we dialed; ignore it rather than buffer it.
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      if (link.connected) this.stats.disconnects++;
      link.connected = false;
      link.socket = null;
      if (this.closed) return;
      const delay = link.backoffMs;
      link.backoffMs = Math.min(this.reconnectMaxMs, link.backoffMs * 2);
      link.timer = setTimeout(() => this.dial(link), delay);
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(this.frameBytesMax);
    let from = 0;
    const reject = (why: string) => {
      this.stats.badFrames++;
      this.log(`peer connection from ${socket.remoteAddress}:${socket.remotePort} closed: ${why}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      this.stats.bytesReceived += chunk.length;
      try {
        reader.push(chunk, (body) => {
          if (socket.destroyed) return;
          const m = decodePeerFrame(body);
          this.stats.framesReceived++;
          if (m.type === 'hello') {
            if (from !== 0) return reject('second hello');
            if (m.to !== this.options.selfId || !this.links.has(m.from)) {
              return reject(`hello from ${m.from} to ${m.to}: not a member of this cluster's configuration`);
            }
            if (m.clusterMembers !== this.links.size + 1) {
              return reject(
                `peer ${m.from} has ${m.clusterMembers} members configured, we have ${this.links.size + 1}`,
              );
            }
            from = m.from;
            return;
          }
          if (from === 0) return reject('message before hello');
          if (m.from !== from || m.to !== this.options.selfId)
            return reject(`message ${m.from}->${m.to} on ${from}'s connection`);
          this.options.onMessage(m);
        });
      } catch (err) {
        reject((err as Error).message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) {
      if (link.timer) clearTimeout(link.timer);
      link.socket?.destroy();
      link.queue = [];
      link.queueHead = 0;
      link.queuedBytes = 0;
    }
    for (const s of this.inbound) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const EMPTY = Buffer.alloc(0);
