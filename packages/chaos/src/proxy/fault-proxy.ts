import * as net from 'node:net';
import { decodePeerFrame, FrameReader, frame } from '@venue/consensus/runtime';
import { Prng } from '../random/prng.js';

/**
 * A fault-injecting TCP proxy between cluster members, frame-aware (u32-LE length prefix, the
 * members' framing). Why a proxy rather than `tc netem`: netem is not available on this kernel, and
 * the proxy needs no root, works on loopback, and faults each DIRECTION of each link on its own
 * (one-way loss: A->B dropped while B->A passes). Faults act on whole frames (one Raft message
 * each), never on bytes inside a frame, so a dropped frame is a lost message, not a corrupt stream.
 *
 * Each member listens on a private port and advertises the proxy's port for it; the proxy learns
 * the sending member from the connection's first frame (the PeerHello) and forwards to the target.
 */
export interface LinkFault {
  /** Every frame on the link is discarded (a partition; connections stay open, like iptables DROP). */
  readonly drop: boolean;
  /** Probability in [0, 1] that a frame is discarded. */
  readonly lossRate: number;
  /** Added one-way delay; order is kept (a frame never overtakes an earlier one). */
  readonly delayMs: number;
}

export interface ProxyTarget {
  readonly id: number;
  /** Where the member really listens. */
  readonly host: string;
  readonly port: number;
}

export interface FaultProxyOptions {
  readonly targets: readonly ProxyTarget[];
  readonly seed: number;
  /** Which member sent a connection's first frame (default: the consensus PeerHello's `from`). */
  readonly identify?: (firstFrame: Uint8Array) => number;
}

export interface LinkStats {
  forwarded: number;
  dropped: number;
  delayed: number;
}

const HEALTHY: LinkFault = { drop: false, lossRate: 0, delayMs: 0 };
const DELAY_MS_MAX = 60_000;
const CONNECTIONS_MAX = 256;
/** Frames held for delay per connection; beyond this the oldest pending frame is dropped. */
const DELAYED_FRAMES_MAX = 100_000;
const FRAME_BYTES_MAX = 8 * 1024 * 1024;

const linkKey = (from: number, to: number) => `${from}->${to}`;

function identifyPeerHello(firstFrame: Uint8Array): number {
  const m = decodePeerFrame(firstFrame);
  return m.type === 'hello' ? m.from : 0;
}

export class FaultProxy {
  private readonly servers = new Map<number, net.Server>();
  private readonly ports = new Map<number, number>();
  private readonly faults = new Map<string, LinkFault>();
  private readonly stats = new Map<string, LinkStats>();
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rng: Prng;
  private readonly identify: (firstFrame: Uint8Array) => number;

  private constructor(private readonly options: FaultProxyOptions) {
    this.rng = new Prng(options.seed);
    this.identify = options.identify ?? identifyPeerHello;
  }

  /** Listens on one port per target (`listenPorts[id]`, 0 = any free port) on 127.0.0.1. */
  static async start(
    options: FaultProxyOptions,
    listenPorts: ReadonlyMap<number, number>,
  ): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    for (const t of options.targets) await proxy.listen(t, listenPorts.get(t.id) ?? 0);
    return proxy;
  }

  /** The port peers dial to reach member `id` through the proxy. */
  port(id: number): number {
    const p = this.ports.get(id);
    if (p === undefined) throw new Error(`proxy: no target ${id}`);
    return p;
  }

  /** Sets the fault on the directed link from -> to (frames member `from` sends to member `to`). */
  setFault(from: number, to: number, fault: Partial<LinkFault>): void {
    const f = { ...HEALTHY, ...fault };
    if (!(f.lossRate >= 0 && f.lossRate <= 1)) throw new Error(`proxy: lossRate ${f.lossRate} not in [0, 1]`);
    if (!(f.delayMs >= 0 && f.delayMs <= DELAY_MS_MAX))
      throw new Error(`proxy: delayMs ${f.delayMs} not in 0..${DELAY_MS_MAX}`);
    this.faults.set(linkKey(from, to), f);
  }

  /** Cuts both directions between every member of `side` and every member not in it. */
  partition(side: readonly number[]): void {
    const ids = this.options.targets.map((t) => t.id);
    for (const a of side)
      for (const b of ids)
        if (!side.includes(b)) {
          this.setFault(a, b, { drop: true });
          this.setFault(b, a, { drop: true });
        }
  }

  /** Every link healthy again (delayed frames already queued are still delivered). */
  heal(): void {
    this.faults.clear();
  }

  linkStats(from: number, to: number): LinkStats {
    return { ...(this.stats.get(linkKey(from, to)) ?? { forwarded: 0, dropped: 0, delayed: 0 }) };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers.clear();
  }

  private async listen(target: ProxyTarget, port: number): Promise<void> {
    const server = net.createServer((socket) => this.accept(target, socket));
    server.maxConnections = CONNECTIONS_MAX;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy: no port');
    this.servers.set(target.id, server);
    this.ports.set(target.id, address.port);
  }

  private accept(target: ProxyTarget, inbound: net.Socket): void {
    const upstream = net.connect({ host: target.host, port: target.port });
    this.sockets.add(inbound);
    this.sockets.add(upstream);
    const end = () => {
      inbound.destroy();
      upstream.destroy();
      this.sockets.delete(inbound);
      this.sockets.delete(upstream);
    };
    inbound.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // The other direction of this connection (the target answering on it) passes untouched: members
    // send only on connections they dialed, so the link to -> from has its own connection.
    upstream.on('data', (chunk) => inbound.write(chunk));
    const reader = new FrameReader(FRAME_BYTES_MAX);
    let from = -1;
    let releaseAtMs = 0;
    let delayed = 0;
    inbound.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (body) => {
          if (from === -1) {
            from = this.identifySafe(body);
            upstream.write(frame(body)); // the hello always passes: it carries no Raft state
            return;
          }
          const key = linkKey(from, target.id);
          const fault = this.faults.get(key) ?? HEALTHY;
          const stats = this.statsFor(key);
          if (fault.drop || (fault.lossRate > 0 && this.rng.next() < fault.lossRate)) {
            stats.dropped += 1;
            return;
          }
          const bytes = frame(body);
          const nowMs = Date.now();
          if (fault.delayMs === 0 && releaseAtMs <= nowMs) {
            stats.forwarded += 1;
            upstream.write(bytes);
            return;
          }
          if (delayed >= DELAYED_FRAMES_MAX) {
            stats.dropped += 1;
            return;
          }
          // Never before an earlier frame of this connection: order is kept under changing delays.
          releaseAtMs = Math.max(releaseAtMs, nowMs + fault.delayMs);
          delayed += 1;
          stats.delayed += 1;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            delayed -= 1;
            stats.forwarded += 1;
            if (!upstream.destroyed) upstream.write(bytes);
          }, releaseAtMs - nowMs);
          this.timers.add(timer);
        });
      } catch {
        end(); // a frame beyond the limit: the stream is unusable, as in the members' transport
      }
    });
  }

  private identifySafe(body: Uint8Array): number {
    try {
      return this.identify(body);
    } catch {
      return 0;
    }
  }

  private statsFor(key: string): LinkStats {
    let s = this.stats.get(key);
    if (s === undefined) {
      s = { forwarded: 0, dropped: 0, delayed: 0 };
      this.stats.set(key, s);
    }
    return s;
  }
}
