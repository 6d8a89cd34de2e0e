import { ClusterClient, type ClusterResponse } from '@venue/consensus/runtime';
import type { CommandChannel } from '../bridge/order-entry.js';
import { ClusterClientMetrics } from '../metrics/client-metrics.js';

export interface ClusterChannel extends CommandChannel {
  /** The current cluster client (a new one after the session was reopened). */
  readonly client: ClusterClient;
  /** Round trip and outcome of every request offered on this channel (for /metrics). */
  readonly metrics: ClusterClientMetrics;
  close(): Promise<void>;
}

/** First pause before opening a new session after one closed; doubles up to `reopenDelayMsMax`. */
const REOPEN_DELAY_MS_FIRST = 100;
/** Unacknowledged requests per session (the cluster client's window), default. */
const WINDOW_MAX_DEFAULT = 4_096;
/**
 * The channel reports back-pressure once this share of the window is in use, so the gateway stops
 * reading FIX sockets (orders wait in TCP buffers) before the window is full: the rest of the window
 * takes what was already read. Without it a leader change at 1k orders/s filled the window (the
 * requests wait for the new leader) and every further order was rejected "venue busy" (29,516 in
 * the 20-kill bench run of 2026-11-27 03:20).
 */
const BACKED_UP_WINDOW_SHARE = 0.75;

/**
 * A command channel on a cluster session. Replies to a request come back with its response;
 * events for orders of other requests (fills of resting orders) arrive as session events. The
 * client resubmits unacknowledged requests after a failover and the session's dedup keeps them
 * exactly-once, so the bridge sees one outcome per request.
 *
 * A session that really ends (the cluster closed it, e.g. it expired during a long pause or
 * partition, or no leader was reachable for the client's failover timeout) is replaced: the channel
 * logs it, counts it (`venue_cluster_sessions_lost_total`, `..._reopened_total`) and opens a new
 * session, retrying with a doubling pause (at most `reopenDelayMsMax`) until it succeeds or the
 * channel is closed. Requests in flight on the dead session fail with a clear text (their outcome
 * is unknown: applied before the session ended, or never; the own-report feed delivers the reports
 * of those that were applied); offers while no session is open are refused at once
 * (`unavailableText`).
 */
export async function openClusterChannel(options: {
  readonly members: readonly string[];
  readonly principal: string;
  readonly onReply: (tag: number, payload: Uint8Array) => void;
  /**
   * A request that gets no reply. `outcomeUnknown`: it failed with its session (closed, lost, no
   * leader in time), so the venue may or may not have applied it.
   */
  readonly onFailed: (tag: number, reason: string, outcomeUnknown?: boolean) => void;
  readonly log?: (line: string) => void;
  /** Open a new session when this one is closed (default true). */
  readonly reopen?: boolean;
  readonly reopenDelayMsMax?: number;
  /** Unacknowledged requests at most (default 4,096); back-pressure from 75% of it. */
  readonly windowMax?: number;
}): Promise<ClusterChannel> {
  const windowMax = options.windowMax ?? WINDOW_MAX_DEFAULT;
  const backedUpAt = Math.max(1, Math.floor(windowMax * BACKED_UP_WINDOW_SHARE));
  const log = options.log ?? (() => {});
  const metrics = new ClusterClientMetrics();
  let generation = 0;
  let current: ClusterClient | undefined;
  let closing = false;
  let reopening: Promise<void> | undefined;
  /** Ends the pause between reopen attempts early (channel closed). */
  let wake: (() => void) | undefined;

  const connectClient = (): Promise<ClusterClient> => {
    const gen = ++generation;
    return ClusterClient.connect({
      members: options.members,
      principal: options.principal,
      windowMax,
      // A response reaches the bridge through a promise (one microtask later); an event right
      // behind it in the same TCP read would overtake it (a fill before its order's New). One
      // microtask hop here keeps the log order.
      onEvent: (payload) => queueMicrotask(() => options.onReply(0, payload)),
      onClosed: (reason) => onClosed(gen, reason),
      log,
    });
  };

  const onClosed = (gen: number, reason: string) => {
    // Ignored: a client that failed while connecting (its connect() rejects), an old one, shutdown.
    if (closing || gen !== generation || current === undefined || options.reopen === false) return;
    metrics.sessionsLost++;
    log(`cluster session ${current.sessionId} ended (${reason}); opening a new session`);
    current = undefined;
    reopening = reopenLoop();
  };

  const reopenLoop = async (): Promise<void> => {
    let delayMs = REOPEN_DELAY_MS_FIRST;
    const delayMsMax = options.reopenDelayMsMax ?? 5_000;
    for (let attempt = 1; !closing; attempt++) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delayMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
      if (closing) return;
      try {
        const c = await connectClient();
        if (closing) {
          await c.close();
          return;
        }
        current = c;
        metrics.sessionsReopened++;
        log(`cluster session ${c.sessionId} opened (attempt ${attempt}): accepting requests again`);
        return;
      } catch (e) {
        log(
          `cluster session: attempt ${attempt} to open a new session failed (${(e as Error).message}); retrying in ${Math.min(delayMsMax, delayMs * 2)} ms`,
        );
        delayMs = Math.min(delayMsMax, delayMs * 2);
      }
    }
  };

  current = await connectClient();
  const first = current;
  let nextTag = 1;
  return {
    get client(): ClusterClient {
      return current ?? first;
    },
    metrics,
    offer(payload) {
      const client = current;
      if (client === undefined) {
        metrics.refusedNoSession++;
        return undefined;
      }
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
          const message = (e as Error).message;
          // 'request N refused: ...' was refused before the log: certainly not applied.
          const refused = /^request \d+ refused/.test(message);
          options.onFailed(tag, `venue unavailable: ${message}`, !refused);
        },
      );
      return tag;
    },
    // The window fills while requests wait for a leader (failover) or the cluster lags: the gateway
    // stops reading until responses free it (no session open: offers are refused with a text).
    isBackedUp: () => current !== undefined && current.inFlight >= backedUpAt,
    unavailableText: () =>
      current === undefined
        ? "venue unavailable: the gateway's cluster session is being reopened; retry shortly"
        : undefined,
    close: async () => {
      closing = true;
      wake?.();
      await reopening;
      await current?.close();
    },
  };
}
