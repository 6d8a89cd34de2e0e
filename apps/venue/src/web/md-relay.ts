import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';

const PENDING_FRAMES_MAX = 64;

/** Relay counters for /metrics. */
export interface RelayStats {
  /** Browser connections relayed now. */
  connections: number;
  connectionsTotal: number;
  /** Closed for a slow consumer. */
  droppedSlow: number;
}

/** The member a connection is relayed to. */
export interface FeedMember {
  readonly url: string;
  readonly memberId: number;
}
const BUFFERED_BYTES_MAX = 4 * 1024 * 1024;

/**
 * Serves `/md` by relaying each browser connection to one cluster member's market-data WebSocket.
 * Every member publishes the same feed with the same sequence numbers, so when a member dies the
 * relay closes the browser's socket (code 1012) and the client reconnects and resumes from its
 * last sequence number on another member.
 */
export function registerMarketDataRelay(
  app: FastifyInstance,
  upstream: () => FeedMember | undefined,
): RelayStats {
  const stats: RelayStats = { connections: 0, connectionsTotal: 0, droppedSlow: 0 };
  app.get('/md', { websocket: true }, (client) => {
    const member = upstream();
    if (member === undefined) {
      client.close(1013, 'no market-data member available');
      return;
    }
    const up = new WebSocket(member.url, { perMessageDeflate: false });
    stats.connections++;
    stats.connectionsTotal++;
    client.once('close', () => {
      stats.connections--;
    });
    const pending: { data: WebSocket.RawData; binary: boolean }[] = [];
    client.on('message', (data, isBinary) => {
      if (up.readyState === WebSocket.OPEN) up.send(data, { binary: isBinary });
      else if (pending.length < PENDING_FRAMES_MAX) pending.push({ data, binary: isBinary });
      else client.close(1008, 'too many requests before the feed connected');
    });
    up.on('open', () => {
      // Tells the client which member serves its feed (a control frame, like "subscribed").
      if (client.readyState === WebSocket.OPEN)
        client.send(JSON.stringify({ type: 'member', nodeId: member.memberId }));
      for (const p of pending.splice(0)) up.send(p.data, { binary: p.binary });
    });
    up.on('message', (data, isBinary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > BUFFERED_BYTES_MAX) {
        stats.droppedSlow++;
        client.close(4008, `slow consumer: more than ${BUFFERED_BYTES_MAX} bytes queued`);
        return;
      }
      client.send(data, { binary: isBinary });
    });
    up.on('close', () => {
      if (client.readyState === WebSocket.OPEN) client.close(1012, 'market-data member went away: reconnect');
    });
    up.on('error', () => up.terminate());
    client.on('close', () => up.terminate());
    client.on('error', () => up.terminate());
  });
  return stats;
}
