import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { FixFramer } from '../fix/framer.js';
import type { FixGateway } from '../gateway/gateway.js';
import { refusalLogout } from '../security/refusal.js';
import { ConnectionPump } from './pump.js';

export const FIX_TCP_PORT_DEFAULT = 9878;

export interface FixTcpServerOptions {
  readonly gateway: FixGateway;
  /** Default 9878; 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly writeBufferBytesHigh?: number;
  readonly pendingMessagesMax?: number;
  /** Force-close a connection this long after a graceful end if the peer does not close. */
  readonly endGraceMs?: number;
}

/** FIX 4.4 over TCP acceptor (tag=value, SOH), one FixSession per connection. */
export class FixTcpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private nextId = 1;

  constructor(private readonly options: FixTcpServerOptions) {
    this.server = createServer((socket) => this.onConnection(socket));
    this.server.on('error', (e) => options.gateway.log(`tcp server error: ${e.message}`));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? FIX_TCP_PORT_DEFAULT, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    const gw = this.options.gateway;
    const label = `tcp#${this.nextId++} ${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let forceTimer: NodeJS.Timeout | undefined;
    const pump = new ConnectionPump(
      gw,
      {
        writeBatch: (msgs) => {
          if (socket.destroyed) return;
          socket.cork();
          for (const m of msgs) socket.write(Buffer.from(m, 'latin1'));
          socket.uncork();
        },
        bufferedBytes: () => socket.writableLength,
        pauseReading: () => socket.pause(),
        resumeReading: () => socket.resume(),
        end: () => {
          if (socket.destroyed) return;
          socket.end();
          forceTimer ??= setTimeout(() => socket.destroy(), this.options.endGraceMs ?? 1000);
          forceTimer.unref();
        },
      },
      {
        writeBufferBytesHigh: this.options.writeBufferBytesHigh ?? 1 << 20,
        pendingMessagesMax: this.options.pendingMessagesMax ?? 100_000,
        render: (wire) => wire,
      },
      label,
    );
    pump.remoteAddress = socket.remoteAddress;
    const session = gw.acceptor.openConnection(pump);
    if (session === undefined) {
      const reason = gw.acceptor.refusalReason(socket.remoteAddress) ?? 'connection refused';
      gw.log(`${label}: refused, ${reason}`);
      // A Logout with the reason, so that the client's log says why (no session exists).
      socket.on('error', () => {});
      socket.once('close', () => this.sockets.delete(socket));
      socket.end(Buffer.from(refusalLogout(gw.acceptor.config.venueCompId, reason), 'latin1'));
      setTimeout(() => socket.destroy(), this.options.endGraceMs ?? 1000).unref();
      return;
    }
    pump.session = session;
    const framer = new FixFramer(gw.acceptor.config.frameBytesMax);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const ev of framer.push(chunk)) {
          if (ev.kind === 'frame') session.onFrame(ev.text);
          else if (ev.kind === 'garbage') session.onGarbage(ev.bytes, ev.reason);
          else session.onOversized(ev.sizeBytes);
          if (session.state === 'closed') break;
        }
      } catch (e) {
        // Defensive: a bug in one connection's handling must not take the process down.
        gw.log(`${label}: internal error, dropping connection: ${(e as Error).stack ?? e}`);
        socket.destroy();
        return;
      }
      pump.checkBackpressure();
    });
    socket.on('error', (e) => gw.log(`${label}: socket error ${e.message}`));
    socket.on('close', () => {
      if (forceTimer !== undefined) clearTimeout(forceTimer);
      this.sockets.delete(socket);
      pump.onClosed('connection closed');
    });
  }
}
