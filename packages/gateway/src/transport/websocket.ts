import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { decodeFix, SOH, withDelimiter } from '../fix/codec.js';
import type { FixGateway } from '../gateway/gateway.js';
import { ConnectionPump } from './pump.js';

export const FIX_WS_PATH_DEFAULT = '/fix';

export interface FixWebSocketOptions {
  readonly gateway: FixGateway;
  /** Default `/fix`. */
  readonly path?: string;
  readonly writeBufferBytesHigh?: number;
  readonly pendingMessagesMax?: number;
  /** Destroy upgrade requests for other paths (when nothing else on the server handles upgrades). */
  readonly rejectOtherUpgrades?: boolean;
}

export interface FixWebSocketHandle {
  readonly wss: WebSocketServer;
  readonly connectionCount: number;
  close(): Promise<void>;
}

/** Per-connection options of a FIX WebSocket (see {@link FixWebSocketOptions}). */
export type FixWebSocketConnectionOptions = Pick<
  FixWebSocketOptions,
  'writeBufferBytesHigh' | 'pendingMessagesMax'
>;

let nextConnectionId = 1;

/**
 * Serves FIX on one accepted WebSocket: for servers that do their own upgrade routing (e.g. a
 * fastify route with @fastify/websocket, next to other WebSocket routes on the same server).
 */
export function serveFixWebSocket(
  gw: FixGateway,
  ws: WebSocket,
  req: IncomingMessage,
  options: FixWebSocketConnectionOptions = {},
): void {
  const label = `ws#${nextConnectionId++} ${req.socket.remoteAddress}:${req.socket.remotePort}`;
  let delimiter: string | undefined;
  // In `|` mode: does the client compute CheckSum over the `|` bytes (literal) or over the SOH
  // form (canonical)? Decided by its first message, then only that basis is accepted.
  let literalChecksum = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const pump = new ConnectionPump(
    gw,
    {
      writeBatch: (msgs) => {
        if (ws.readyState !== ws.OPEN) return;
        // Bytes as encoded (latin1 view of UTF-8 values), sent as text frames.
        for (const m of msgs) ws.send(Buffer.from(m, 'latin1'), { binary: false });
      },
      bufferedBytes: () => ws.bufferedAmount,
      pauseReading: () => ws.pause(),
      resumeReading: () => ws.resume(),
      end: () => {
        ws.close(1000, 'FIX session closed');
        forceTimer ??= setTimeout(() => ws.terminate(), 1000);
        forceTimer.unref();
      },
    },
    {
      writeBufferBytesHigh: options.writeBufferBytesHigh ?? 1 << 20,
      pendingMessagesMax: options.pendingMessagesMax ?? 100_000,
      render: (wire) => withDelimiter(wire, delimiter ?? SOH, literalChecksum),
    },
    label,
  );
  pump.remoteAddress = req.socket.remoteAddress;
  const session = gw.acceptor.openConnection(pump);
  if (session === undefined) {
    const reason = gw.acceptor.refusalReason(req.socket.remoteAddress) ?? 'connection refused';
    gw.log(`${label}: refused, ${reason}`);
    ws.close(1013, reason.slice(0, 120)); // 1013 "try again later"; the reason says which limit
    return;
  }
  pump.session = session;
  ws.on('message', (data: RawData) => {
    try {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const text = buf.toString('latin1');
      if (delimiter === undefined) {
        delimiter = text.includes(SOH) || !text.startsWith('8=FIX.4.4|') ? SOH : '|';
        if (delimiter === '|') {
          const canonical = text.split('|').join(SOH);
          literalChecksum =
            decodeFix(canonical).kind === 'garbled' && decodeFix(canonical, text).kind !== 'garbled';
        }
      }
      if (delimiter === '|') {
        session.onFrame(text.split('|').join(SOH), literalChecksum ? text : undefined);
      } else {
        session.onFrame(text);
      }
    } catch (e) {
      gw.log(`${label}: internal error, dropping connection: ${(e as Error).stack ?? e}`);
      ws.terminate();
      return;
    }
    pump.checkBackpressure();
  });
  ws.on('error', (e) => gw.log(`${label}: ws error ${e.message}`));
  ws.on('close', () => {
    if (forceTimer !== undefined) clearTimeout(forceTimer);
    pump.onClosed('websocket closed');
  });
}

/**
 * Attaches FIX-over-WebSocket to an existing http server (for fastify: `fastify.server`): upgrade
 * requests on `path` become FIX connections, one FIX message per frame. The delimiter is chosen
 * by the client's Logon: SOH, or `|` (then every message we send uses `|` too).
 */
export function attachFixWebSocket(server: Server, options: FixWebSocketOptions): FixWebSocketHandle {
  const gw = options.gateway;
  const path = options.path ?? FIX_WS_PATH_DEFAULT;
  const frameBytesMax = gw.acceptor.config.frameBytesMax;
  // Hard cap from ws (closes with 1009); below it, oversized messages get a FIX Logout with Text.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: frameBytesMax * 4,
    perMessageDeflate: false,
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (options.rejectOtherUpgrades === true) socket.destroy();
      return; // someone else's upgrade
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  };
  server.on('upgrade', onUpgrade);

  const onConnection = (ws: WebSocket, req: IncomingMessage) => serveFixWebSocket(gw, ws, req, options);

  return {
    wss,
    get connectionCount() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Standalone FIX-over-WebSocket server (tests, tools); production mounts on the web server. */
export class FixWebSocketServer {
  readonly http: Server;
  private handle: FixWebSocketHandle | undefined;

  constructor(
    private readonly options: FixWebSocketOptions & { readonly port?: number; readonly host?: string },
  ) {
    this.http = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('FIX over WebSocket: connect to the /fix path\n');
    });
  }

  listen(): Promise<AddressInfo> {
    this.handle = attachFixWebSocket(this.http, { rejectOtherUpgrades: true, ...this.options });
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
