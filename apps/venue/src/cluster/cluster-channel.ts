import { ClusterClient, type ClusterResponse } from '@venue/consensus/runtime';
import type { CommandChannel } from '../bridge/order-entry.js';
import { ClusterClientMetrics } from '../metrics/client-metrics.js';

export interface ClusterChannel extends CommandChannel {
  readonly client: ClusterClient;
  /** Round trip and outcome of every request offered on this channel (for /metrics). */
  readonly metrics: ClusterClientMetrics;
  close(): Promise<void>;
}

/**
 * A command channel on a cluster session. Replies to a request come back with its response;
 * events for orders of other requests (fills of resting orders) arrive as session events. The
 * client resubmits unacknowledged requests after a failover and the session's dedup keeps them
 * exactly-once, so the bridge sees one outcome per request.
 */
export async function openClusterChannel(options: {
  readonly members: readonly string[];
  readonly principal: string;
  readonly onReply: (tag: number, payload: Uint8Array) => void;
  readonly onFailed: (tag: number, reason: string) => void;
  readonly log?: (line: string) => void;
}): Promise<ClusterChannel> {
  const client = await ClusterClient.connect({
    members: options.members,
    principal: options.principal,
    onEvent: (payload) => options.onReply(0, payload),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let nextTag = 1;
  const metrics = new ClusterClientMetrics();
  return {
    client,
    metrics,
    offer(payload) {
      const offeredAtMs = performance.now();
      const promise = client.offer(payload);
      if (promise === false) {
        metrics.refusedWindowFull++;
        return undefined;
      }
      metrics.offered++;
      const tag = nextTag++;
      promise.then(
        (r: ClusterResponse) => {
          metrics.responded(r.status, performance.now() - offeredAtMs);
          for (const reply of r.replies) options.onReply(tag, reply);
          if (r.replies.length === 0) options.onFailed(tag, `no answer recorded (${r.status})`);
        },
        (e: unknown) => {
          metrics.failed++;
          options.onFailed(tag, `venue unavailable: ${(e as Error).message}`);
        },
      );
      return tag;
    },
    isBackedUp: () => false,
    close: () => client.close(),
  };
}
