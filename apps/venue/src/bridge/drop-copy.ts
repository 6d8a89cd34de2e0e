/**
 * Drop copy for a gateway: ExecutionReports in log order from the matching service, mapped exactly
 * as the account's own session gets them (`toExecutionReportEvent`), fanned out by the gateway's
 * `DropCopyPublisher` to the entitled drop-copy logins.
 *
 * The stream comes from the log, not from this gateway's replies: with several gateways a report
 * about an order entered elsewhere never reaches this gateway's cluster session, and events sent
 * while a client is between leaders are lost. So a cluster gateway follows a member's execution
 * feed (`/executions?after=N`, see cluster/execution-feed.ts) by position = ExecID, moving to
 * another member on loss; the single-process venue observes its in-process matching service.
 */
import {
  DropCopyPublisher,
  type DropCopyUser,
  type ExecutionReportEvent,
  FileDropCopyCursors,
  type FixGateway,
  MemoryDropCopyCursors,
} from '@venue/gateway';
import {
  CommandKind,
  type EventSink,
  ExecType,
  type ExecutionReportMessage,
  type MatchingService,
  Side,
} from '@venue/matching';
import WebSocket from 'ws';
import { EXEC_FEED_TOKEN_ENV, type ExecutionFeedFrame, recordOf } from '../cluster/execution-feed.js';
import type { AccountConfig, InstrumentConfig } from '../config/config.js';
import { toExecutionReportEvent } from './order-entry.js';

/** Drop-copy logins of a configuration. */
export function dropCopyUsers(accounts: readonly AccountConfig[]): DropCopyUser[] {
  return accounts
    .filter((a) => a.role === 'dropcopy')
    .map((a) => ({ username: a.login, entitledAccounts: a.entitledAccounts ?? [] }));
}

/**
 * Whether a matching report is an order event (what the execution feed delivers to drop copies and
 * to the owner's session): not an answer to OrderStatusRequest, not a rejected cancel/replace
 * (an OrderCancelReject), mass-cancel or admin command. The owner's session gets the others only as
 * direct replies to its own requests.
 */
export function isOrderEvent(m: Pick<ExecutionReportMessage, 'execType' | 'rejectedCommand'>): boolean {
  if (m.execType === ExecType.OrderStatus) return false;
  return !(m.execType === ExecType.Rejected && m.rejectedCommand !== CommandKind.NewOrder);
}

/**
 * The copy of one matching report, or undefined when it is not an order event of a known account:
 * answers to OrderStatusRequest (150=I or a rejected status request), rejected cancels/replaces
 * (those are OrderCancelReject, not ExecutionReports), admin and mass-cancel rejects.
 */
export function dropCopyEventOf(
  m: ExecutionReportMessage,
  instrumentsById: ReadonlyMap<number, InstrumentConfig>,
  loginsByAccountId: ReadonlyMap<number, string>,
): ExecutionReportEvent | undefined {
  if (!isOrderEvent(m)) return undefined;
  const owner = loginsByAccountId.get(m.accountId);
  const inst = instrumentsById.get(m.instrumentId);
  if (owner === undefined || inst === undefined) return undefined;
  return toExecutionReportEvent(m, {
    owner,
    symbol: inst.symbol,
    side: m.side === Side.Sell ? 'sell' : 'buy',
    clOrdId: m.clOrdId || 'NONE',
  });
}

/** Wait after a member refused the feed (wrong or missing token): a configuration problem. */
const REFUSED_RETRY_MS = 5_000;

/** A member to follow: its feed URL (ws://host:mdPort) and id. */
export interface FeedMemberRef {
  readonly id: number;
  readonly url: string;
}

export interface DropCopyOptions {
  readonly gateway: FixGateway;
  readonly instruments: readonly InstrumentConfig[];
  readonly accounts: readonly AccountConfig[];
  /** Directory of the cursor files; undefined = cursors in memory (single process: nothing is kept). */
  readonly cursorDir: string | undefined;
  readonly log: (line: string) => void;
}

/** Counters of the drop-copy source (for logs and tests). */
export interface DropCopyStats {
  readonly position: number;
  readonly reports: number;
  readonly reconnects: number;
  /** Reports no member held any more when this gateway came back: their copies are missing. */
  readonly gapReports: number;
}

/** The mapping + publisher half, shared by the remote and the local source. */
class DropCopySink {
  readonly publisher: DropCopyPublisher;
  position: number;
  reports = 0;
  private readonly instrumentsById = new Map<number, InstrumentConfig>();
  private readonly loginsByAccountId = new Map<number, string>();

  constructor(opts: DropCopyOptions, users: DropCopyUser[]) {
    for (const i of opts.instruments) this.instrumentsById.set(i.instrumentId, i);
    for (const a of opts.accounts)
      if (a.role !== 'dropcopy') this.loginsByAccountId.set(a.accountId, a.login);
    this.publisher = new DropCopyPublisher({
      acceptor: opts.gateway.acceptor,
      catalog: opts.gateway.app.catalog,
      users,
      cursors:
        opts.cursorDir === undefined ? new MemoryDropCopyCursors() : new FileDropCopyCursors(opts.cursorDir),
      // Without kept state ExecIDs restart at 1 on every start: never trust old journals then.
      ...(opts.cursorDir === undefined ? { positionOfExecId: () => undefined } : {}),
      log: (line) => opts.log(`drop copy: ${line}`),
    });
    this.position = this.publisher.resumeAfter();
  }

  /**
   * Reports in ExecID order; returns false at a jump (the caller resynchronises). `strict` false:
   * a jump is accepted (the local source sees every report of its own process).
   */
  deliver(records: readonly ExecutionReportMessage[], strict = true): boolean {
    let ok = true;
    for (const r of records) {
      if (r.execId <= this.position) continue;
      if (strict && r.execId !== this.position + 1) {
        ok = false;
        break;
      }
      const ev = dropCopyEventOf(r, this.instrumentsById, this.loginsByAccountId);
      if (ev !== undefined) this.publisher.publish(r.execId, ev);
      this.position = r.execId;
      this.reports++;
    }
    this.publisher.flushAsync(); // group commit: never an fsync on the event loop per delivery
    return ok;
  }
}

export interface DropCopySource {
  stats(): DropCopyStats;
  /** Prometheus text for the gateway's /metrics. */
  metrics(): string;
  stop(): void;
}

function renderMetrics(s: DropCopyStats, copies: number): string {
  const series: Array<[string, 'gauge' | 'counter', string, number]> = [
    [
      'venue_dropcopy_position',
      'gauge',
      'ExecID of the last report handled by the drop-copy source',
      s.position,
    ],
    ['venue_dropcopy_copies_total', 'counter', 'Drop-copy ExecutionReports sent or journaled', copies],
    ['venue_dropcopy_reconnects_total', 'counter', 'Execution feed connections lost or moved', s.reconnects],
    [
      'venue_dropcopy_gap_reports_total',
      'counter',
      'Reports no member held any more when the source came back (their copies are missing)',
      s.gapReports,
    ],
  ];
  // Lines joined by \n, no trailing newline: the caller joins parts with \n.
  return series.map(([n, t, h, v]) => `# HELP ${n} ${h}\n# TYPE ${n} ${t}\n${n} ${v}`).join('\n');
}

/**
 * What a feed follower feeds: reports in ExecID order from `position + 1`. `deliver` returns false
 * at a jump (the follower resynchronises from `position`).
 */
export interface ExecutionSink {
  position: number;
  deliver(records: readonly ExecutionReportMessage[]): boolean;
  /**
   * The member's `hello` (its newest ExecID when the connection opened). 'reconnect': the sink
   * moved its position (e.g. a first start takes the member's head) and wants the stream from there.
   */
  onHello?(last: number): 'reconnect' | undefined;
}

/** A running feed follower. */
export interface FeedFollower {
  stats(): DropCopyStats;
  stop(): void;
}

/**
 * Follows the execution feed of a live member from the sink's position. On a lost connection it
 * moves to another member; when a member no longer holds the next report it asks the others, and
 * only when none does it skips to the oldest report still held (logged, counted in `gapReports`).
 */
export function followExecutionFeed(
  sink: ExecutionSink,
  opts: {
    readonly member: (exclude: ReadonlySet<number>) => FeedMemberRef | undefined;
    readonly retryMs?: number;
    readonly log: (line: string) => void;
    /** Prefix of log lines (e.g. 'drop copy'). */
    readonly name: string;
  },
): FeedFollower {
  const name = opts.name;
  const retryMs = opts.retryMs ?? 300;
  let ws: WebSocket | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let reconnects = 0;
  let gapReports = 0;
  let reports = 0;
  let lastFailed: number | undefined;
  /** Members that answered `gap` for the current position, with the oldest report they hold. */
  const gapped = new Map<number, number>();

  const later = (ms: number) => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, ms);
    timer.unref();
  };

  const connect = () => {
    if (stopped) return;
    const exclude = new Set<number>(gapped.keys());
    if (lastFailed !== undefined) exclude.add(lastFailed);
    let target = opts.member(exclude);
    if (target === undefined && lastFailed !== undefined && !gapped.has(lastFailed)) {
      target = opts.member(new Set(gapped.keys()));
    }
    if (target === undefined) {
      // Every live member answered gap. Skip only to a report some member holds (first > 0).
      const held = [...gapped.values()].filter((f) => f > sink.position + 1);
      if (gapped.size > 0 && held.length === gapped.size) {
        const first = Math.min(...held);
        gapReports += first - 1 - sink.position;
        opts.log(
          `${name}: ERROR reports ${sink.position + 1}..${first - 1} are held by no member any more; they are missing`,
        );
        sink.position = first - 1;
      }
      gapped.clear();
      later(retryMs);
      return;
    }
    const member = target;
    const token = process.env[EXEC_FEED_TOKEN_ENV];
    const auth = token === undefined || token === '' ? '' : `&token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(`${member.url}?after=${Math.max(0, sink.position)}${auth}`);
    ws = socket;
    let progressed = false;
    let refused = false;
    let rehello = false;
    socket.on('message', (data) => {
      if (rehello) return; // frames after a hello that asked for another start position
      let frame: ExecutionFeedFrame;
      try {
        frame = JSON.parse(String(data)) as ExecutionFeedFrame;
      } catch {
        socket.terminate();
        return;
      }
      if (frame.t === 'er') {
        let ok: boolean;
        const before = sink.position;
        try {
          ok = sink.deliver(frame.r);
        } catch (e) {
          // e.g. a session store that cannot be written: retry from the position reached.
          opts.log(`${name}: delivery failed at ExecID ${sink.position + 1}: ${(e as Error).message}`);
          socket.terminate();
          return;
        }
        reports += Math.max(0, sink.position - before);
        if (frame.r.length > 0) {
          progressed = true;
          gapped.clear();
        }
        if (!ok) {
          opts.log(`${name}: member ${member.id} skipped past ${sink.position + 1}; resynchronising`);
          socket.terminate();
        }
      } else if (frame.t === 'hello') {
        if (sink.onHello?.(frame.last) === 'reconnect') {
          rehello = true;
          socket.terminate();
        }
      } else if (frame.t === 'gap') {
        gapped.set(member.id, frame.first);
      } else if (frame.t === 'error') {
        refused = true;
        opts.log(`${name}: member ${member.id}: ${frame.text}`);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (ws === socket) ws = undefined;
      if (stopped) return;
      if (rehello) {
        later(0);
        return;
      }
      reconnects++;
      lastFailed = gapped.has(member.id) ? undefined : member.id;
      // A member that just answered gap: ask the next one at once; a refusal (token): back off.
      later(refused ? REFUSED_RETRY_MS : gapped.has(member.id) && !progressed ? 0 : retryMs);
    });
    socket.on('open', () => {
      lastFailed = undefined;
      opts.log(`${name}: following member ${member.id} after ExecID ${sink.position}`);
    });
  };
  connect();
  return {
    stats: () => ({ position: sink.position, reports, reconnects, gapReports }),
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      ws?.terminate();
    },
  };
}

/** Drop copy on a cluster gateway: follows a member's execution feed (see followExecutionFeed). */
export function followMemberExecutions(
  opts: DropCopyOptions & {
    readonly member: (exclude: ReadonlySet<number>) => FeedMemberRef | undefined;
    readonly retryMs?: number;
  },
): DropCopySource | undefined {
  const users = dropCopyUsers(opts.accounts);
  if (users.length === 0) return undefined;
  const sink = new DropCopySink(opts, users);
  const follower = followExecutionFeed(sink, {
    member: opts.member,
    ...(opts.retryMs === undefined ? {} : { retryMs: opts.retryMs }),
    log: opts.log,
    name: 'drop copy',
  });
  const stats = (): DropCopyStats => ({ ...follower.stats(), reports: sink.reports });
  return {
    stats,
    metrics: () => renderMetrics(stats(), sink.publisher.stats.copies),
    stop: () => {
      follower.stop();
      sink.publisher.close();
    },
  };
}

/**
 * Single process: observes the in-process matching service directly (same log order); copies are
 * published after the entry is applied (setImmediate), never inside the state machine's call.
 */
export function observeLocalExecutions(
  opts: DropCopyOptions & { readonly matching: MatchingService },
): DropCopySource | undefined {
  const users = dropCopyUsers(opts.accounts);
  if (users.length === 0) return undefined;
  const sink = new DropCopySink(opts, users);
  const queue: ExecutionReportMessage[] = [];
  let scheduled = false;
  let stopped = false;
  const QUEUE_MAX = 1_000_000;
  const listener: EventSink = {
    onExecution: (e) => {
      if (stopped || queue.length >= QUEUE_MAX) return;
      queue.push(recordOf(e));
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (stopped) return;
        try {
          sink.deliver(queue.splice(0), false);
        } catch (e) {
          opts.log(`drop copy: delivery failed: ${(e as Error).message}`);
        }
      });
    },
    onTrade: () => {},
    onMassCancel: () => {},
    onAdmin: () => {},
  };
  opts.matching.addListener(listener);
  const stats = (): DropCopyStats => ({
    position: sink.position,
    reports: sink.reports,
    reconnects: 0,
    gapReports: 0,
  });
  return {
    stats,
    metrics: () => renderMetrics(stats(), sink.publisher.stats.copies),
    stop: () => {
      stopped = true;
      sink.publisher.close();
    },
  };
}
