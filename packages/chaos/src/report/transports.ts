import type { HistoryEvent } from '../history/history.js';
import { type Transport, transportOf } from '../workload/accounts.js';

/** Per transport (FIX over TCP, FIX over WebSocket, the cluster client directly): what its clients did. */
export interface TransportStats {
  readonly transport: Transport;
  /** Workload processes that invoked at least one operation. */
  readonly processes: number;
  readonly operations: number;
  readonly ok: number;
  /** Orders acknowledged (their `new` completed ok, or an ExecType=0 report for it arrived), as the checker counts them. */
  readonly acknowledged: number;
}

const TRANSPORTS: readonly Transport[] = ['tcp', 'ws', 'direct'];

/** Operations and acknowledged orders per transport, from the history. Pure. */
export function transportStats(events: readonly HistoryEvent[]): TransportStats[] {
  const transportOfProcess = (p: number): Transport | undefined => {
    try {
      return transportOf(p);
    } catch {
      return undefined;
    }
  };
  const newOps = new Map<string, { process: number; clOrdId: string; ok: boolean }>();
  const ackReports = new Set<string>();
  const okByKey = new Set<string>();
  const rows = new Map<Transport, { processes: Set<number>; operations: number; ok: number }>();
  for (const t of TRANSPORTS) rows.set(t, { processes: new Set(), operations: 0, ok: 0 });
  for (const e of events) {
    if (e.type === 'invoke') {
      const t = transportOfProcess(e.process);
      const row = t === undefined ? undefined : rows.get(t);
      if (row === undefined) continue;
      row.operations += 1;
      row.processes.add(e.process);
      if (e.kind === 'new')
        newOps.set(`${e.process}/${e.opId}`, { process: e.process, clOrdId: e.clOrdId, ok: false });
    } else if (e.type === 'ok') {
      okByKey.add(`${e.process}/${e.opId}`);
      const t = transportOfProcess(e.process);
      const row = t === undefined ? undefined : rows.get(t);
      if (row !== undefined) row.ok += 1;
    } else if (e.type === 'report' && e.msgType === '8' && e.execType === '0') {
      ackReports.add(`${e.process}/${e.clOrdId}`);
    }
  }
  const acked = new Map<Transport, number>();
  for (const [key, op] of newOps) {
    if (!okByKey.has(key) && !ackReports.has(`${op.process}/${op.clOrdId}`)) continue;
    const t = transportOfProcess(op.process);
    if (t !== undefined) acked.set(t, (acked.get(t) ?? 0) + 1);
  }
  return TRANSPORTS.map((transport) => {
    const r = rows.get(transport);
    return {
      transport,
      processes: r?.processes.size ?? 0,
      operations: r?.operations ?? 0,
      ok: r?.ok ?? 0,
      acknowledged: acked.get(transport) ?? 0,
    };
  });
}

/** `tcp 1 234 ops / 567 acked; ws ...; direct ...` for the report tables. */
export function transportText(stats: readonly TransportStats[]): string {
  return stats
    .map(
      (s) =>
        `${s.transport} (${s.processes} ${s.processes === 1 ? 'client' : 'clients'}): ${s.operations} ops, ${s.acknowledged} acked`,
    )
    .join('; ');
}
