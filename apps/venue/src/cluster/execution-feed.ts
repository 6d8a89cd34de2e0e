/**
 * A member's execution feed: every ExecutionReport the matching service produces, in log order,
 * served over WebSocket (`/executions?after=N`) next to the market-data feed. The drop-copy source
 * of a gateway follows it. The position of a report is its ExecID: the matching engine's report
 * counter, +1 per report in log order and equal on every replica, so any member can continue a
 * stream another member started, and a gap is visible as a jump in ExecID.
 *
 * This runs in the member's service thread but outside the state machine: it only observes events
 * (copies them) and does I/O; nothing here feeds back into matching.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import websocket from '@fastify/websocket';
import { DEFAULT_MD_PATH, type FeedSource, type MarketDataHub, marketDataPlugin } from '@venue/marketdata';
import type { ExecutionReportMessage } from '@venue/matching';
import Fastify, { type FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';

export const EXECUTION_FEED_PATH = '/executions';
/**
 * Shared secret of the execution feed (it carries every account's reports, unlike market data):
 * members accept `?token=` equal to it; when it is unset they accept loopback connections only.
 * `venue start` sets a random one for the members it spawns.
 */
export const EXEC_FEED_TOKEN_ENV = 'VENUE_EXEC_FEED_TOKEN';
/** Where `venue start` keeps the token it made, in the data directory (mode 0600). */
export const EXEC_FEED_TOKEN_FILE = 'exec-feed.token';

/**
 * Sets `VENUE_EXEC_FEED_TOKEN` for this process (and the members it spawns) when it is not set:
 * from `<dataDir>/exec-feed.token`, which `venue start` writes (`create`: a random token when the
 * file is missing). So a `venue gateway` or `venue node` started by hand beside `venue start`, on
 * the same data directory, gets the members' token; before, it had to be copied into the
 * environment, and a gateway without it was refused by every member's feed (one log line) and
 * lost the reports of orders placed before its restart. Returns where the token came from.
 */
export function useExecFeedToken(dataDir: string, create: boolean): 'env' | 'file' | 'created' | 'none' {
  if (process.env[EXEC_FEED_TOKEN_ENV]) return 'env';
  const path = join(dataDir, EXEC_FEED_TOKEN_FILE);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
      process.env[EXEC_FEED_TOKEN_ENV] = token;
      return 'file';
    }
    if (!create)
      throw new Error(
        `${path} does not hold a token (16-256 letters, digits, _ or -); delete it or set ${EXEC_FEED_TOKEN_ENV}`,
      );
  }
  if (!create) return 'none';
  const token = randomBytes(16).toString('hex');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(`${path}.tmp`, `${token}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  process.env[EXEC_FEED_TOKEN_ENV] = token;
  return 'created';
}
/** Reports kept in memory per member for catch-up (older ones: a reconnecting source sees a gap). */
export const EXECUTION_RING_MAX = 100_000;
const BATCH_MAX = 512;
/** Bytes queued on a socket above which catch-up pauses, and above which a live socket is dropped. */
const PAUSE_BYTES = 1 << 20;
const DROP_BYTES = 32 << 20;

/** Frames the feed sends (JSON text). */
export type ExecutionFeedFrame =
  | { readonly t: 'hello'; readonly first: number; readonly last: number }
  | { readonly t: 'er'; readonly r: readonly ExecutionReportMessage[] }
  /** The member no longer (or not yet) holds `next`: its oldest report is `first`. Then close. */
  | { readonly t: 'gap'; readonly next: number; readonly first: number }
  | { readonly t: 'error'; readonly text: string };

/** The fields of a report (an engine `ExecutionEvent` or a decoded `ExecutionReportMessage`). */
export type ReportFields = Omit<ExecutionReportMessage, 'type'>;

/** A plain copy of an engine event (events are reused objects). */
export function recordOf(e: ReportFields): ExecutionReportMessage {
  return {
    type: 'execution',
    execType: e.execType,
    ordStatus: e.ordStatus,
    execId: e.execId,
    orderId: e.orderId,
    clOrdId: e.clOrdId,
    origClOrdId: e.origClOrdId,
    accountId: e.accountId,
    instrumentId: e.instrumentId,
    side: e.side,
    orderType: e.orderType,
    tif: e.tif,
    priceTicks: e.priceTicks,
    stopPriceTicks: e.stopPriceTicks,
    orderQtyLots: e.orderQtyLots,
    displayQtyLots: e.displayQtyLots,
    lastPxTicks: e.lastPxTicks,
    lastQtyLots: e.lastQtyLots,
    cumQtyLots: e.cumQtyLots,
    leavesQtyLots: e.leavesQtyLots,
    cumNotional: e.cumNotional,
    tradeId: e.tradeId,
    aggressor: e.aggressor,
    reason: e.reason,
    text: e.text,
    rejectedCommand: e.rejectedCommand,
    timestampMs: e.timestampMs,
  };
}

/** Numeric fields per report in the ring's Float64Array (all are safe integers). */
const NUMS = 23;

/**
 * The newest reports, contiguous by ExecID, in preallocated columns: numbers in one Float64Array,
 * the three strings by reference (the engine's own strings), so recording a report allocates
 * nothing on the service thread's apply path. Slot of ExecID x = x mod capacity. A jump forward
 * (this member installed a snapshot from the leader) starts the ring afresh; a report at or below
 * the newest is ignored.
 */
export class ExecutionRing {
  private readonly nums: Float64Array;
  private readonly clOrdIds: string[];
  private readonly origClOrdIds: string[];
  private readonly texts: string[];
  private count = 0;
  private lastId = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly capacity = EXECUTION_RING_MAX) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 10_000_000))
      throw new Error('ExecutionRing: capacity must be 1..10,000,000');
    this.nums = new Float64Array(capacity * NUMS);
    this.clOrdIds = new Array<string>(capacity).fill('');
    this.origClOrdIds = new Array<string>(capacity).fill('');
    this.texts = new Array<string>(capacity).fill('');
  }

  /** Oldest ExecID held (0 = none). */
  get first(): number {
    return this.count === 0 ? 0 : this.lastId - this.count + 1;
  }

  /** Newest ExecID held (0 = none). */
  get last(): number {
    return this.count === 0 ? 0 : this.lastId;
  }

  push(e: ReportFields): void {
    const id = e.execId;
    if (!(Number.isSafeInteger(id) && id >= 1)) return;
    if (this.count > 0) {
      if (id <= this.lastId) return;
      if (id !== this.lastId + 1) this.count = 0;
    }
    const slot = id % this.capacity;
    const n = this.nums;
    const o = slot * NUMS;
    n[o] = e.execType;
    n[o + 1] = e.ordStatus;
    n[o + 2] = id;
    n[o + 3] = e.orderId;
    n[o + 4] = e.accountId;
    n[o + 5] = e.instrumentId;
    n[o + 6] = e.side;
    n[o + 7] = e.orderType;
    n[o + 8] = e.tif;
    n[o + 9] = e.priceTicks;
    n[o + 10] = e.stopPriceTicks;
    n[o + 11] = e.orderQtyLots;
    n[o + 12] = e.displayQtyLots;
    n[o + 13] = e.lastPxTicks;
    n[o + 14] = e.lastQtyLots;
    n[o + 15] = e.cumQtyLots;
    n[o + 16] = e.leavesQtyLots;
    n[o + 17] = e.cumNotional;
    n[o + 18] = e.tradeId;
    n[o + 19] = e.aggressor ? 1 : 0;
    n[o + 20] = e.reason;
    n[o + 21] = e.rejectedCommand;
    n[o + 22] = e.timestampMs;
    this.clOrdIds[slot] = e.clOrdId;
    this.origClOrdIds[slot] = e.origClOrdId;
    this.texts[slot] = e.text;
    this.lastId = id;
    if (this.count < this.capacity) this.count++;
    for (const l of this.listeners) l();
  }

  /** Up to `count` reports from ExecID `from` on; empty if `from` is not held. */
  slice(from: number, count: number): ExecutionReportMessage[] {
    const first = this.first;
    if (first === 0 || from < first || from > this.lastId) return [];
    const out: ExecutionReportMessage[] = [];
    const to = Math.min(this.lastId, from + count - 1);
    const n = this.nums;
    for (let id = from; id <= to; id++) {
      const slot = id % this.capacity;
      const o = slot * NUMS;
      out.push({
        type: 'execution',
        execType: n[o]! as ExecutionReportMessage['execType'],
        ordStatus: n[o + 1]! as ExecutionReportMessage['ordStatus'],
        execId: n[o + 2]!,
        orderId: n[o + 3]!,
        clOrdId: this.clOrdIds[slot]!,
        origClOrdId: this.origClOrdIds[slot]!,
        accountId: n[o + 4]!,
        instrumentId: n[o + 5]!,
        side: n[o + 6]!,
        orderType: n[o + 7]!,
        tif: n[o + 8]!,
        priceTicks: n[o + 9]!,
        stopPriceTicks: n[o + 10]!,
        orderQtyLots: n[o + 11]!,
        displayQtyLots: n[o + 12]!,
        lastPxTicks: n[o + 13]!,
        lastQtyLots: n[o + 14]!,
        cumQtyLots: n[o + 15]!,
        leavesQtyLots: n[o + 16]!,
        cumNotional: n[o + 17]!,
        tradeId: n[o + 18]!,
        aggressor: n[o + 19] === 1,
        reason: n[o + 20]! as ExecutionReportMessage['reason'],
        text: this.texts[slot]!,
        rejectedCommand: n[o + 21]!,
        timestampMs: n[o + 22]!,
      });
    }
    return out;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Serves one subscriber from ExecID `after + 1`: catch-up from the ring, then live, in order. */
export function serveExecutions(socket: WebSocket, ring: ExecutionRing, afterText: string | undefined): void {
  const send = (f: ExecutionFeedFrame) => socket.send(JSON.stringify(f));
  if (afterText === undefined || !/^\d{1,15}$/.test(afterText)) {
    send({ t: 'error', text: 'query parameter after=<last ExecID received> (0 for all) is required' });
    socket.close(1008, 'bad request');
    return;
  }
  let next = Number(afterText) + 1;
  let scheduled = false;
  let closed = false;
  const pump = () => {
    scheduled = false;
    if (closed) return;
    for (let batches = 0; batches < 64; batches++) {
      if (next > ring.last) return; // caught up: wait for the next append
      if (next < ring.first || ring.first === 0) {
        send({ t: 'gap', next, first: ring.first });
        socket.close(1000, 'gap');
        closed = true;
        return;
      }
      if (socket.bufferedAmount > PAUSE_BYTES) {
        if (socket.bufferedAmount > DROP_BYTES) {
          socket.close(1013, 'consumer too slow; reconnect with after=');
          closed = true;
          return;
        }
        // nondeterminism-ok: I/O pacing outside the state machine
        setTimeout(schedule, 20).unref();
        return;
      }
      const batch = ring.slice(next, BATCH_MAX);
      if (batch.length === 0) return;
      send({ t: 'er', r: batch });
      next += batch.length;
    }
    schedule();
  };
  const schedule = () => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(pump);
  };
  const unsubscribe = ring.onAppend(schedule);
  socket.on('close', () => {
    closed = true;
    unsubscribe();
  });
  socket.on('error', () => socket.terminate());
  send({ t: 'hello', first: ring.first, last: ring.last });
  schedule();
}

/** Who may read the feed: the shared token when one is configured, else loopback peers only. */
export function feedAccessAllowed(
  expectedToken: string | undefined,
  token: string | undefined,
  remoteAddress: string | undefined,
): boolean {
  if (expectedToken !== undefined && expectedToken !== '') {
    const a = createHash('sha256')
      .update(token ?? '')
      .digest();
    const b = createHash('sha256').update(expectedToken).digest();
    return timingSafeEqual(a, b);
  }
  const r = remoteAddress ?? '';
  return r.startsWith('127.') || r === '::1' || r.startsWith('::ffff:127.');
}

/** Fastify route for the feed (needs @fastify/websocket registered on the instance). */
export function executionFeedRoutes(fastify: FastifyInstance, ring: ExecutionRing): void {
  fastify.get(EXECUTION_FEED_PATH, { websocket: true }, (socket, req) => {
    const query = req.query as Record<string, string | undefined>;
    if (!feedAccessAllowed(process.env[EXEC_FEED_TOKEN_ENV], query['token'], req.socket.remoteAddress)) {
      const text = `not authorised: token= must match ${EXEC_FEED_TOKEN_ENV} (without one: loopback only)`;
      socket.send(JSON.stringify({ t: 'error', text } satisfies ExecutionFeedFrame));
      socket.close(1008, 'not authorised');
      return;
    }
    serveExecutions(socket, ring, query['after']);
  });
}

/**
 * The member's feed server: market data at /md and executions at /executions on one port
 * (`mdPort` of the member's config).
 */
export async function startMemberFeeds(opts: {
  readonly source: FeedSource;
  readonly executions: ExecutionRing;
  readonly host: string;
  readonly port: number;
}): Promise<{ readonly url: string; readonly hub: MarketDataHub; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  // Registered here (not inside the market-data plugin) so both routes share it.
  await app.register(websocket, { options: { maxPayload: 4_096 } });
  let hub: MarketDataHub | undefined;
  await app.register(marketDataPlugin, {
    source: opts.source,
    onHub: (h) => {
      hub = h;
    },
  });
  executionFeedRoutes(app, opts.executions);
  await app.listen({ host: opts.host, port: opts.port });
  if (hub === undefined) throw new Error('member feeds: the market-data plugin did not start');
  return { url: `ws://${opts.host}:${opts.port}${DEFAULT_MD_PATH}`, hub, close: () => app.close() };
}
