import type { ReportEvent } from '../history/history.js';

/** An instrument's units: a FIX price divided by tickSize gives ticks, a quantity by lotSize lots. */
export interface InstrumentUnits {
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
}

/** An account's final position and cash on one instrument as the venue holds them. */
export interface FinalPosition {
  readonly login: string;
  readonly symbol: string;
  readonly positionLots: number;
  /** Ticks x lots: a sell of q lots at p ticks adds p*q. */
  readonly cash: number;
}

export interface PositionsInput {
  readonly instruments: readonly InstrumentUnits[];
  readonly positions: readonly FinalPosition[];
  /** The login each workload process trades as (index = process). */
  readonly logins: readonly string[];
}

export interface TradeIssue {
  readonly property: 'trade-unpaired' | 'position-mismatch' | 'cash-mismatch';
  readonly subject: string;
  readonly explanation: string;
}

export interface TradeCheck {
  readonly issues: TradeIssue[];
  /** Trades whose two fills (maker, taker) both reached their owners and agree. */
  readonly tradesPaired: number;
  /** Account x instrument pairs compared. */
  readonly positionsChecked: number;
}

interface UniqueFill {
  readonly execId: number;
  readonly process: number;
  readonly symbol: string;
  readonly side: string;
  readonly lastQty: number;
  readonly lastPx: string;
  readonly clOrdId: string;
}

/** Decimal `value` / decimal `unit` as an integer (undefined when it is not a whole multiple). */
export function toUnits(value: string | number, unit: string): number | undefined {
  const v = Number(value);
  const u = Number(unit);
  if (!(Number.isFinite(v) && Number.isFinite(u) && u > 0)) return undefined;
  const n = Math.round(v / u);
  return Math.abs(n * u - v) < u / 1_000 ? n : undefined;
}

/**
 * Per trade: matching reports a trade as two fills with consecutive ExecIDs (the maker's, then the
 * taker's) carrying the same price and quantity on opposite sides; every fill of the run (deduplicated
 * by ExecID, whichever client got it) must pair up that way, since every trading account is the
 * workload's. Then per account and instrument: the venue's final position (lots) and cash (ticks x
 * lots) must equal the sum of the fills its owner was told about. Pure.
 */
export function checkTradesAndPositions(reports: readonly ReportEvent[], input: PositionsInput): TradeCheck {
  const issues: TradeIssue[] = [];
  const byExecId = new Map<number, UniqueFill>();
  for (const r of reports) {
    if (r.msgType !== '8' || r.execType !== 'F') continue;
    const execId = Number(r.execId);
    if (!Number.isSafeInteger(execId)) continue;
    if (!byExecId.has(execId))
      byExecId.set(execId, {
        execId,
        process: r.process,
        symbol: r.symbol,
        side: r.side,
        lastQty: r.lastQty,
        lastPx: r.lastPx,
        clOrdId: r.clOrdId,
      });
  }
  const fills = [...byExecId.values()].sort((a, b) => a.execId - b.execId);
  let tradesPaired = 0;
  for (let i = 0; i < fills.length; ) {
    const a = fills[i] as UniqueFill;
    const b = fills[i + 1];
    if (
      b !== undefined &&
      b.execId === a.execId + 1 &&
      b.symbol === a.symbol &&
      b.lastQty === a.lastQty &&
      Number(b.lastPx) === Number(a.lastPx) &&
      b.side !== a.side
    ) {
      tradesPaired += 1;
      i += 2;
      continue;
    }
    issues.push({
      property: 'trade-unpaired',
      subject: `ExecID ${a.execId}`,
      explanation:
        `fill ExecID ${a.execId} (${a.symbol} side ${a.side} ${a.lastQty} @ ${a.lastPx}, order ${a.clOrdId} of ` +
        `process ${a.process}) has no counterpart fill with ExecID ${a.execId + 1} (same symbol, price and ` +
        `quantity, opposite side): ` +
        (b === undefined || b.execId !== a.execId + 1
          ? 'no client received that ExecID'
          : `ExecID ${b.execId} is ${b.symbol} side ${b.side} ${b.lastQty} @ ${b.lastPx}`),
    });
    i += 1;
  }

  // Positions and cash from the fills each owner received.
  const units = new Map(input.instruments.map((u) => [u.symbol, u]));
  const expected = new Map<string, { lots: number; cash: number }>();
  const key = (login: string, symbol: string) => `${login}/${symbol}`;
  for (const f of fills) {
    const login = input.logins[f.process];
    const u = units.get(f.symbol);
    if (login === undefined || u === undefined) continue;
    const lots = toUnits(f.lastQty, u.lotSize);
    const ticks = toUnits(f.lastPx, u.tickSize);
    if (lots === undefined || ticks === undefined) {
      issues.push({
        property: 'cash-mismatch',
        subject: `ExecID ${f.execId}`,
        explanation: `fill ${f.lastQty} @ ${f.lastPx} is not a whole number of lots (${u.lotSize}) and ticks (${u.tickSize})`,
      });
      continue;
    }
    const sign = f.side === '1' ? 1 : -1;
    const e = expected.get(key(login, f.symbol)) ?? { lots: 0, cash: 0 };
    e.lots += sign * lots;
    e.cash -= sign * lots * ticks;
    expected.set(key(login, f.symbol), e);
  }
  const workload = new Set(input.logins);
  let positionsChecked = 0;
  for (const p of input.positions) {
    // Accounts outside the workload never traded in the run: they must be flat.
    const e = workload.has(p.login)
      ? (expected.get(key(p.login, p.symbol)) ?? { lots: 0, cash: 0 })
      : { lots: 0, cash: 0 };
    positionsChecked += 1;
    if (p.positionLots !== e.lots)
      issues.push({
        property: 'position-mismatch',
        subject: key(p.login, p.symbol),
        explanation:
          `${p.login} holds ${p.positionLots} lots of ${p.symbol} at the end, but the fills its owner was told ` +
          `about sum to ${e.lots}${workload.has(p.login) ? '' : ' (not a workload account: it never traded)'}`,
      });
    if (p.cash !== e.cash)
      issues.push({
        property: 'cash-mismatch',
        subject: key(p.login, p.symbol),
        explanation:
          `${p.login}'s cash on ${p.symbol} is ${p.cash} ticks x lots at the end, but the fills its owner was ` +
          `told about sum to ${e.cash}`,
      });
  }
  // A workload account with fills but no position row at all.
  const seen = new Set(input.positions.map((p) => key(p.login, p.symbol)));
  for (const [k, e] of expected)
    if (!seen.has(k) && (e.lots !== 0 || e.cash !== 0))
      issues.push({
        property: 'position-mismatch',
        subject: k,
        explanation: `fills sum to ${e.lots} lots / ${e.cash} cash but the venue has no position for ${k}`,
      });
  return { issues, tradesPaired, positionsChecked };
}
