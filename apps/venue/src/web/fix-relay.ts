import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';

/** Frames a browser may send before the gateway connection is open (a logon, a few orders). */
const PENDING_FRAMES_MAX = 64;
const BUFFERED_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Serves `/fix` in a process without a FIX gateway (`venue web`): each browser connection is
 * relayed, frame for frame, to a gateway's FIX WebSocket. The gateway holds the FIX session; when
 * either side closes, so does the other (the browser logs on again, as after any disconnect).
 */
export function registerFixRelay(app: FastifyInstance, upstream: () => string | undefined): void {
  app.get('/fix', { websocket: true }, (client) => {
    const url = upstream();
    if (url === undefined) {
      client.close(1013, 'no FIX gateway configured');
      return;
    }
    const up = new WebSocket(url, { perMessageDeflate: false });
    const pending: { data: WebSocket.RawData; binary: boolean }[] = [];
    client.on('message', (data, isBinary) => {
      if (up.readyState === WebSocket.OPEN) up.send(data, { binary: isBinary });
      else if (pending.length < PENDING_FRAMES_MAX) pending.push({ data, binary: isBinary });
      else client.close(1008, 'too many frames before the gateway connected');
    });
    up.on('open', () => {
      for (const p of pending.splice(0)) up.send(p.data, { binary: p.binary });
    });
    up.on('message', (data, isBinary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > BUFFERED_BYTES_MAX) {
        client.close(4008, `slow consumer: more than ${BUFFERED_BYTES_MAX} bytes queued`);
        return;
      }
      client.send(data, { binary: isBinary });
    });
    up.on('close', () => {
      if (client.readyState === WebSocket.OPEN) client.close(1012, 'FIX gateway went away: reconnect');
    });
    up.on('error', () => {
      if (client.readyState === WebSocket.OPEN) client.close(1013, `FIX gateway ${url} unreachable`);
      up.terminate();
    });
    client.on('close', () => up.terminate());
    client.on('error', () => up.terminate());
  });
}
