import type {
  CompleteEvent,
  FinalState,
  HistoryEvent,
  InvokeEvent,
  ReportEvent,
} from '../history/history.js';
import { checkMarketData } from './md-replay.js';
import { checkReads } from './reads.js';
import { checkTradesAndPositions } from './trades.js';

/** The properties the checker knows. Each violation names one. */
export type Property =
  | 'ack-lost'
  | 'order-duplicated'
  | 'order-status-inconsistent'
  | 'rejected-order-exists'
  | 'fill-lost'
  | 'fill-doubled'
  | 'fill-unmatched'
  | 'replica-divergence'
  | 'read-not-linearizable'
  | 'ack-without-quorum'
  | 'log-time-regressed'
  | 'corruption-undetected'
  | 'power-loss-refused'
  | 'trade-unpaired'
  | 'position-mismatch'
  | 'cash-mismatch'
  | 'md-replay-mismatch'
  | 'md-gap-unrecovered'
  | 'md-update-invalid';

export interface Violation {
  readonly property: Property;
  /** What it is about: a ClOrdID, an OrderID, a symbol@price or a replica id. */
  readonly subject: string;
  readonly explanation: string;
}

export interface CheckStats {
  readonly operations: number;
  readonly ok: number;
  readonly failed: number;
  readonly indeterminate: number;
  readonly ordersAcknowledged: number;
  readonly ordersLive: number;
  readonly ordersTerminal: number;
  /** Acknowledged orders whose fate depends on an indeterminate cancel (not counted as lost). */
  readonly ordersUndecided: number;
  /** Acknowledged orders not known to be done whose final read did not complete (not judged). */
  readonly ordersUnread: number;
  readonly fills: number;
  readonly faults: number;
  readonly replicasAgreeing: number;
  /** Orders whose operations (with at least one status read) were checked for linearizability. */
  readonly ordersReadChecked: number;
  /** Trades whose maker and taker fills both arrived and agree (undefined: not checked). */
  readonly tradesPaired?: number;
  /** Account x instrument positions and cash compared with the sum of fills (undefined: not checked). */
  readonly positionsChecked?: number;
  /** Market-data messages replayed and final-book levels compared (undefined: not checked). */
  readonly mdMessagesReplayed?: number;
  readonly mdLevelsCompared?: number;
  readonly mdRecoverySnapshots?: number;
}

export interface CheckResult {
  readonly valid: boolean;
  readonly violations: readonly Violation[];
  readonly stats: CheckStats;
}

/** Violations reported in full; beyond this only the count grows (a broken run can produce thousands). */
const VIOLATIONS_MAX = 1_000;
const TERMINAL_STATUSES = new Set(['2', '4', 'C']);
/** Reports about a request rather than the order's state: a rejected request, a status answer. */
const REQUEST_EXEC_TYPES = new Set(['8', 'I']);
const LIVE_STATUSES = new Set(['0', '1']);

/** One order as the client knows it: the `new` that created it and every ClOrdID it was replaced to. */
interface Chain {
  readonly process: number;
  readonly rootClOrdId: string;
  readonly clOrdIds: string[];
  /** ClOrdIDs of cancels sent for this order: their reports (35=8 150=4, 35=9) carry these. */
  readonly cancelClOrdIds: string[];
  newOutcome: CompleteEvent['type'] | 'pending';
  /** A cancel or replace on this chain whose outcome is unknown: the final state may go either way. */
  indeterminateCancel: boolean;
}

interface Fill {
  readonly orderId: string;
  readonly execId: string;
  readonly side: string;
  readonly symbol: string;
  readonly lastQty: number;
  readonly lastPx: string;
}

class Violations {
  readonly list: Violation[] = [];
  count = 0;
  add(property: Property, subject: string, explanation: string): void {
    this.count += 1;
    if (this.list.length < VIOLATIONS_MAX) this.list.push({ property, subject, explanation });
  }
}

/**
 * Checks a run's history and the final state read after quiescing. Pure: the same inputs give the
 * same verdict. Properties: every acknowledged order exists exactly once with a status consistent
 * with what its owner was told; no fill lost or doubled; buys and sells match per symbol and price;
 * every replica reports the same state hash at the same log position.
 */
export function check(history: readonly HistoryEvent[], final: FinalState): CheckResult {
  const violations = new Violations();
  const invokes = new Map<string, InvokeEvent>();
  const completions = new Map<string, CompleteEvent>();
  const reports: ReportEvent[] = [];
  let faults = 0;
  for (const e of history) {
    if (e.type === 'invoke') invokes.set(`${e.process}/${e.opId}`, e);
    else if (e.type === 'report') reports.push(e);
    else if (e.type === 'fault') {
      faults += e.phase === 'start' ? 1 : 0;
      if (e.undetected === true)
        violations.add(
          'corruption-undetected',
          `node ${e.nodes.join(',')}`,
          `a member started on a log with a flipped bit in an old entry (${e.detail ?? ''}): ` +
            'it must refuse rather than serve data its checksums do not vouch for',
        );
      if (e.fault.startsWith('power-loss') && e.phase === 'stop' && e.detail?.startsWith('REFUSED') === true)
        violations.add(
          'power-loss-refused',
          `node ${e.nodes.join(',')}`,
          `a member refused to start on the data a power loss left (${e.detail}): unsynced writes cut at ` +
            'the durable watermarks are a state a real crash leaves, recovery must accept it',
        );
    } else completions.set(`${e.process}/${e.opId}`, e);
  }
  const chains = buildChains(invokes, completions);
  const reportsByClOrdId = groupBy(reports, (r) => r.clOrdId);

  const orders = checkOrders(chains, reportsByClOrdId, final, violations);
  const fills = checkFills(reports, completions, final, violations);
  const replicasAgreeing = checkReplicas(final, violations);
  checkOffline(final, violations);
  checkQuorum(history, invokes, completions, violations);
  const trades =
    final.positions === undefined ? undefined : checkTradesAndPositions(reports, final.positions);
  for (const i of trades?.issues ?? []) violations.add(i.property, i.subject, i.explanation);
  const md = final.marketData === undefined ? undefined : checkMarketData(final.marketData);
  for (const i of md?.issues ?? []) violations.add(i.property, i.subject, i.explanation);
  const reads = checkReads(opsByOrder(invokes, completions));
  for (const root of reads.illegal) {
    violations.add(
      'read-not-linearizable',
      root,
      `the operations on order ${root} (status reads included) have no linearization: a read saw it ` +
        'live after a cancel was acknowledged, before it was acknowledged, or less filled than an earlier read',
    );
  }

  let ok = 0;
  let failed = 0;
  let indeterminate = 0;
  for (const c of completions.values()) {
    if (c.type === 'ok') ok += 1;
    else if (c.type === 'fail') failed += 1;
    else indeterminate += 1;
  }
  indeterminate += invokes.size - completions.size; // invoked, never completed
  return {
    valid: violations.count === 0,
    violations: violations.list,
    stats: {
      operations: invokes.size,
      ok,
      failed,
      indeterminate,
      ...orders,
      fills,
      faults,
      replicasAgreeing,
      ordersReadChecked: reads.checked,
      ...(trades === undefined
        ? {}
        : { tradesPaired: trades.tradesPaired, positionsChecked: trades.positionsChecked }),
      ...(md === undefined
        ? {}
        : {
            mdMessagesReplayed: md.messagesReplayed,
            mdLevelsCompared: md.levelsCompared,
            mdRecoverySnapshots: md.recoverySnapshots,
          }),
    },
  };
}

/**
 * Faults during which no majority of members can form, until their first `stop` event: kill-two
 * (until its first restart), kill-all, power-loss-all, a follower isolated while the leader is killed, kill-two
 * under link faults.
 */
const NO_QUORUM_FAULTS = new Set([
  'kill-two',
  'kill-all',
  'power-loss-all',
  'isolate+kill-leader',
  'kill-two+link-faults',
]);

/**
 * While a majority is down nothing can commit, so no operation invoked after the fault began may be
 * acknowledged before a member returns (an acknowledgement there was not replicated to a quorum).
 */
function checkQuorum(
  history: readonly HistoryEvent[],
  invokes: ReadonlyMap<string, InvokeEvent>,
  completions: ReadonlyMap<string, CompleteEvent>,
  violations: Violations,
): void {
  const windows: { fromMs: number; toMs: number; fault: string }[] = [];
  let open: { fromMs: number; fault: string } | undefined;
  for (const e of history) {
    if (e.type !== 'fault' || !NO_QUORUM_FAULTS.has(e.fault)) continue;
    if (e.phase === 'start') open = { fromMs: e.timeMs, fault: e.fault };
    else if (open !== undefined) {
      windows.push({ ...open, toMs: e.timeMs });
      open = undefined;
    }
  }
  if (windows.length === 0) return;
  for (const [key, c] of completions) {
    const inv = invokes.get(key);
    if (c.type !== 'ok' || inv === undefined) continue;
    const w = windows.find((x) => inv.timeMs > x.fromMs && c.timeMs < x.toMs);
    if (w === undefined) continue;
    violations.add(
      'ack-without-quorum',
      inv.clOrdId,
      `${inv.kind} ${inv.clOrdId} was invoked at ${inv.timeMs} ms and acknowledged at ${c.timeMs} ms, while ` +
        `${w.fault} had a majority down (${w.fromMs}..${w.toMs} ms)`,
    );
  }
}

/** The invocations (with completions) on each order, keyed by the order's first ClOrdID. */
function opsByOrder(
  invokes: ReadonlyMap<string, InvokeEvent>,
  completions: ReadonlyMap<string, CompleteEvent>,
): Map<string, { invoke: InvokeEvent; complete: CompleteEvent | undefined }[]> {
  const rootOf = new Map<string, string>();
  const ops = new Map<string, { invoke: InvokeEvent; complete: CompleteEvent | undefined }[]>();
  const ordered = [...invokes.entries()].sort((a, b) => a[1].timeMs - b[1].timeMs);
  for (const [key, invoke] of ordered) {
    const root = invoke.kind === 'new' ? invoke.clOrdId : rootOf.get(invoke.origClOrdId);
    if (root === undefined) continue;
    if (invoke.kind === 'new' || invoke.kind === 'replace') rootOf.set(invoke.clOrdId, root);
    const list = ops.get(root) ?? [];
    list.push({ invoke, complete: completions.get(key) });
    ops.set(root, list);
  }
  return ops;
}

function buildChains(
  invokes: ReadonlyMap<string, InvokeEvent>,
  completions: ReadonlyMap<string, CompleteEvent>,
): Map<string, Chain> {
  const chains = new Map<string, Chain>();
  const chainOf = new Map<string, Chain>();
  // Invocations in time order, so a replace always finds the chain of the order it refers to.
  const ordered = [...invokes.entries()].sort((a, b) => a[1].timeMs - b[1].timeMs);
  for (const [key, inv] of ordered) {
    const outcome = completions.get(key)?.type ?? 'pending';
    if (inv.kind === 'new') {
      const chain: Chain = {
        process: inv.process,
        rootClOrdId: inv.clOrdId,
        clOrdIds: [inv.clOrdId],
        cancelClOrdIds: [],
        newOutcome: outcome,
        indeterminateCancel: false,
      };
      chains.set(inv.clOrdId, chain);
      chainOf.set(inv.clOrdId, chain);
      continue;
    }
    const chain = chainOf.get(inv.origClOrdId);
    if (chain === undefined || inv.kind === 'status') continue;
    if (inv.kind === 'replace') {
      chain.clOrdIds.push(inv.clOrdId);
      chainOf.set(inv.clOrdId, chain);
    } else {
      chain.cancelClOrdIds.push(inv.clOrdId);
    }
    if (outcome === 'info' || outcome === 'pending') chain.indeterminateCancel = true;
  }
  return chains;
}

function checkOrders(
  chains: ReadonlyMap<string, Chain>,
  reportsByClOrdId: ReadonlyMap<string, ReportEvent[]>,
  final: FinalState,
  violations: Violations,
): Pick<
  CheckStats,
  'ordersAcknowledged' | 'ordersLive' | 'ordersTerminal' | 'ordersUndecided' | 'ordersUnread'
> {
  const readsByClOrdId = groupBy(final.reads, (r) => r.clOrdId);
  let acknowledged = 0;
  let live = 0;
  let terminal = 0;
  let undecided = 0;
  let unread = 0;
  for (const chain of chains.values()) {
    const chainReports = [...chain.clOrdIds, ...chain.cancelClOrdIds].flatMap(
      (id) => reportsByClOrdId.get(id) ?? [],
    );
    const acks = (reportsByClOrdId.get(chain.rootClOrdId) ?? []).filter((r) => r.execType === '0');
    const acked = chain.newOutcome === 'ok' || acks.length > 0;
    const orderIds = new Set(chainReports.map((r) => r.orderId).filter((id) => id !== '' && id !== 'NONE'));
    if (new Set(acks.map((r) => r.execId)).size > 1 || orderIds.size > 1) {
      violations.add(
        'order-duplicated',
        chain.rootClOrdId,
        `ClOrdID ${chain.rootClOrdId} was accepted ${acks.length} times as order(s) ${[...orderIds].join(', ')}`,
      );
    }
    const chainReads = chain.clOrdIds.flatMap((id) => readsByClOrdId.get(id) ?? []);
    const found = chainReads.filter((r) => r.found);
    // Absence is only evidence when every ClOrdID the order may carry was read.
    const fullyRead = chain.clOrdIds.every((id) => readsByClOrdId.has(id));
    const foundIds = new Set(found.map((r) => r.orderId));
    if (foundIds.size > 1) {
      violations.add(
        'order-duplicated',
        chain.rootClOrdId,
        `order ${chain.rootClOrdId} exists ${foundIds.size} times in the final state: ${[...foundIds].join(', ')}`,
      );
    }
    if (!acked) {
      if (chain.newOutcome === 'fail' && found.length > 0) {
        violations.add(
          'rejected-order-exists',
          chain.rootClOrdId,
          `order ${chain.rootClOrdId} was rejected, yet the final state holds it as ${found[0]?.orderId}`,
        );
      }
      continue;
    }
    acknowledged += 1;
    const seenTerminal = chainReports.some(
      (r) => r.msgType === '8' && !REQUEST_EXEC_TYPES.has(r.execType) && TERMINAL_STATUSES.has(r.ordStatus),
    );
    const read = found[0];
    if (read !== undefined) {
      live += 1;
      if (!LIVE_STATUSES.has(read.ordStatus) || seenTerminal) {
        violations.add(
          'order-status-inconsistent',
          chain.rootClOrdId,
          `order ${read.orderId} (${chain.clOrdIds.join(' -> ')}) reads as live with status ${read.ordStatus}, ` +
            `but its owner ${seenTerminal ? 'was told it is done (filled or canceled)' : 'expected a live status'}`,
        );
      }
      if (orderIds.size === 1 && !orderIds.has(read.orderId)) {
        violations.add(
          'order-status-inconsistent',
          chain.rootClOrdId,
          `order ${chain.rootClOrdId} was acknowledged as ${[...orderIds][0]} but reads as ${read.orderId}`,
        );
      }
    } else if (seenTerminal) {
      terminal += 1;
    } else if (chain.indeterminateCancel) {
      undecided += 1;
    } else if (!fullyRead) {
      unread += 1;
    } else {
      violations.add(
        'ack-lost',
        chain.rootClOrdId,
        `order ${chain.rootClOrdId} (${[...orderIds].join(', ') || 'no OrderID'}) was acknowledged to client ` +
          `${chain.process}, was never reported filled or canceled, and is missing from the final state`,
      );
    }
  }
  return {
    ordersAcknowledged: acknowledged,
    ordersLive: live,
    ordersTerminal: terminal,
    ordersUndecided: undecided,
    ordersUnread: unread,
  };
}

/** Per order: fills (deduplicated by ExecID) sum to the cumulative quantity the venue reports. */
function checkFills(
  reports: readonly ReportEvent[],
  completions: ReadonlyMap<string, CompleteEvent>,
  final: FinalState,
  violations: Violations,
): number {
  const fillsByExecId = new Map<string, Fill>();
  const cumByOrderId = new Map<string, number>();
  const raiseCum = (orderId: string, cum: number) => {
    if (orderId === '' || orderId === 'NONE') return;
    cumByOrderId.set(orderId, Math.max(cumByOrderId.get(orderId) ?? 0, cum));
  };
  for (const r of reports) {
    if (r.msgType !== '8') continue;
    raiseCum(r.orderId, r.cumQty);
    if (r.execType !== 'F') continue;
    const fill: Fill = {
      orderId: r.orderId,
      execId: r.execId,
      side: r.side,
      symbol: r.symbol,
      lastQty: r.lastQty,
      lastPx: r.lastPx,
    };
    const seen = fillsByExecId.get(r.execId);
    if (seen === undefined) fillsByExecId.set(r.execId, fill);
    else if (seen.orderId !== fill.orderId || seen.lastQty !== fill.lastQty || seen.lastPx !== fill.lastPx) {
      violations.add(
        'fill-doubled',
        r.execId,
        `ExecID ${r.execId} reported twice with different fills: ${describeFill(seen)} and ${describeFill(fill)}`,
      );
    }
  }
  for (const c of completions.values()) if (c.type === 'ok') raiseCum(c.orderId, c.cumQty);
  for (const r of final.reads) if (r.found) raiseCum(r.orderId, r.cumQty);

  const filledByOrderId = new Map<string, number>();
  const bySymbolPx = new Map<string, { buy: number; sell: number }>();
  for (const f of fillsByExecId.values()) {
    filledByOrderId.set(f.orderId, (filledByOrderId.get(f.orderId) ?? 0) + f.lastQty);
    const key = `${f.symbol}@${f.lastPx}`;
    const sums = bySymbolPx.get(key) ?? { buy: 0, sell: 0 };
    if (f.side === '1') sums.buy += f.lastQty;
    else sums.sell += f.lastQty;
    bySymbolPx.set(key, sums);
  }
  for (const [orderId, cum] of cumByOrderId) {
    const filled = filledByOrderId.get(orderId) ?? 0;
    if (filled < cum) {
      violations.add(
        'fill-lost',
        orderId,
        `order ${orderId} reports a cumulative quantity of ${cum} but its owner received fills for only ${filled}`,
      );
    } else if (filled > cum) {
      violations.add(
        'fill-doubled',
        orderId,
        `order ${orderId} received fills for ${filled} but the venue reports a cumulative quantity of ${cum}`,
      );
    }
  }
  for (const [key, sums] of bySymbolPx) {
    if (sums.buy !== sums.sell) {
      violations.add(
        'fill-unmatched',
        key,
        `at ${key} buyers were filled ${sums.buy} and sellers ${sums.sell}: every trade has both sides`,
      );
    }
  }
  return fillsByExecId.size;
}

function checkReplicas(final: FinalState, violations: Violations): number {
  const keys = final.replicas.map((r) => `${r.hashIndex}:${r.stateHash ?? 'none'}`);
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const agreeing = Math.max(0, ...counts.values());
  const missing = final.replicas.filter((r) => r.stateHash === null);
  if (counts.size > 1 || missing.length > 0 || final.replicas.length === 0) {
    violations.add(
      'replica-divergence',
      final.replicas.map((r) => r.id).join(','),
      `replicas do not agree on one state hash at one log position: ${final.replicas
        .map((r) => `node ${r.id} ${r.stateHash ?? 'no hash'} at ${r.hashIndex} (commit ${r.commitIndex})`)
        .join('; ')}`,
    );
  }
  return agreeing;
}

/** The offline rebuild must reproduce the replicas' hash, and log time must never go backwards. */
function checkOffline(final: FinalState, violations: Violations): void {
  const o = final.offline;
  if (o === undefined) return;
  if (o.hashMatches === false) {
    violations.add(
      'replica-divergence',
      `offline node ${o.member}`,
      `node ${o.member}'s data rebuilt offline gives ${o.stateHash} at ${o.appliedIndex}, not the hash ` +
        'the live replicas agreed on at that position (what is on disk differs from what was served)',
    );
  }
  if (o.timestampRegressions > 0) {
    violations.add(
      'log-time-regressed',
      `node ${o.member}`,
      `${o.timestampRegressions} log entries carry a timestamp below their predecessor's ` +
        '(service time must be monotonic even when a clock jumps)',
    );
  }
}

function describeFill(f: Fill): string {
  return `order ${f.orderId} ${f.side === '1' ? 'bought' : 'sold'} ${f.lastQty} ${f.symbol} @ ${f.lastPx}`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = m.get(k);
    if (list === undefined) m.set(k, [item]);
    else list.push(item);
  }
  return m;
}
