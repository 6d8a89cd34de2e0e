/** The issue's targets against what this run reached (goals for the venue, never test assertions). */
import type { Figure } from './result.js';
import type { RateRow } from './sweep.js';

type Sweep = Extract<Figure, { kind: 'sweep' }>;
type Failover = Extract<Figure, { kind: 'failover' }>;
type Text = Extract<Figure, { kind: 'text' }>;

export interface TargetRow {
  readonly what: string;
  readonly target: string;
  readonly reached: string;
  /** undefined: not measured in this run. */
  readonly met: boolean | undefined;
}

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const num = (s: string | undefined) => (s === undefined ? Number.NaN : Number(s.replace(/,/g, '')));

/** Highest offered rate carried (not saturated), and the highest achieved rate overall. */
function carried(f: Sweep): { rate: number; peak: number } {
  return {
    rate: Math.max(0, ...f.rows.filter((r) => !r.saturated).map((r) => r.offeredPerSecond)),
    peak: Math.max(0, ...f.rows.map((r) => r.achievedPerSecond.median)),
  };
}

function p99At(f: Sweep, rate: number, limitMs: number): Omit<TargetRow, 'what' | 'target'> {
  const r: RateRow | undefined = f.rows.find((x) => x.offeredPerSecond === rate);
  if (!r) {
    const top = carried(f);
    return {
      reached: `${int(rate)}/s not reached (sweep stopped after ${int(Math.max(...f.rows.map((x) => x.offeredPerSecond)))}/s; carried up to ${int(top.rate)}/s)`,
      met: false,
    };
  }
  if (r.saturated)
    return {
      reached: `saturated at ${int(rate)}/s (${int(r.achievedPerSecond.median)}/s achieved, p99 ${ms(r.p99Us.median)})`,
      met: false,
    };
  return {
    reached: `p99 ${ms(r.p99Us.median)} (median of runs; ${ms(r.p99Us.min)}–${ms(r.p99Us.max)})`,
    met: r.p99Us.median < limitMs * 1000,
  };
}

function failoverRows(f: Failover | undefined, label: string): TargetRow[] {
  if (!f)
    return [
      {
        what: `${label}: failover`,
        target: 'median < 500 ms, max < 1 s, no loss',
        reached: 'not measured',
        met: undefined,
      },
    ];
  const rows: TargetRow[] = [
    {
      what: `${label}: failover window (${f.windowsMs.length} kills)`,
      target: 'median < 500 ms',
      reached: `median ${int(f.windowMs.median)} ms (min ${int(f.windowMs.min)})`,
      met: f.windowMs.median < 500,
    },
    {
      what: `${label}: failover window (${f.windowsMs.length} kills)`,
      target: 'max < 1 s',
      reached: `max ${int(f.windowMs.max)} ms`,
      met: f.windowMs.max < 1000,
    },
  ];
  if (f.noLoss)
    rows.push({
      what: `${label}: acknowledged during the kills`,
      target: 'no acknowledged order lost',
      reached: `${int(f.noLoss.missing)} of ${int(f.noLoss.acknowledged)} missing${f.noLoss.unverified ? `; ${int(f.noLoss.unverified)} NOT verified` : ''}`,
      met: f.noLoss.unverified ? undefined : f.noLoss.missing === 0 && f.noLoss.acknowledged > 0,
    });
  return rows;
}

export function targetRows(figures: readonly Figure[]): TargetRow[] {
  const sweep = (id: string) => figures.find((f): f is Sweep => f.kind === 'sweep' && f.id === id);
  const text = (id: string) => figures.find((f): f is Text => f.kind === 'text' && f.id === id);
  const fo = (id: string) => figures.find((f): f is Failover => f.kind === 'failover' && f.id === id);
  const rows: TargetRow[] = [];

  const matching = text('matching')?.text;
  if (matching !== undefined) {
    const tput = /throughput \(best of \d+\): ([\d,]+) commands\/s wall.*?median ([\d,]+)/.exec(matching);
    const ratio =
      /nodejs-order-book: ([\d.]+)x wall \(our best run\), ([\d.]+)x wall \(our median run\)/.exec(matching);
    const median = num(tput?.[2]);
    rows.push({
      what: 'matching core, one thread',
      target: '>= 2,000,000 commands/s',
      reached: Number.isFinite(median)
        ? `${int(median)} commands/s (median run; best ${tput?.[1]})`
        : 'not parsed',
      met: Number.isFinite(median) ? median >= 2_000_000 : undefined,
    });
    const r = num(ratio?.[2]);
    rows.push({
      what: 'matching core vs nodejs-order-book',
      target: '>= 10x',
      reached: Number.isFinite(r) ? `${r}x (median run; best ${ratio?.[1]}x)` : 'not parsed',
      met: Number.isFinite(r) ? r >= 10 : undefined,
    });
  } else
    rows.push({
      what: 'matching core',
      target: '>= 2M commands/s, >= 10x',
      reached: 'not measured',
      met: undefined,
    });

  const codec = text('codec')?.text;
  const codecRatio = codec === undefined ? undefined : /of the medians: ([\d.]+)x/.exec(codec)?.[1];
  rows.push({
    what: 'SBE codec vs JSON (encode + decode)',
    target: '(no issue target; package target >= 10x)',
    reached: codecRatio === undefined ? 'not measured' : `${codecRatio}x`,
    met: codecRatio === undefined ? undefined : Number(codecRatio) >= 10,
  });

  const log = sweep('log-fsync');
  const etcd = sweep('etcd');
  if (log && etcd) {
    const a = carried(log).peak;
    const b = carried(etcd).peak;
    rows.push({
      what: 'replicated log, 3 nodes, fsync: peak throughput vs etcd',
      target: '>= 10x etcd',
      reached: `${(a / b).toFixed(2)}x (${int(a)}/s vs ${int(b)}/s)`,
      met: a / b >= 10,
    });
  } else
    rows.push({
      what: 'replicated log vs etcd',
      target: '>= 10x etcd',
      reached: 'not measured',
      met: undefined,
    });
  rows.push(
    log
      ? { what: 'replicated log, fsync: p99 at 10k/s', target: '< 2 ms', ...p99At(log, 10_000, 2) }
      : {
          what: 'replicated log, fsync: p99 at 10k/s',
          target: '< 2 ms',
          reached: 'not measured',
          met: undefined,
        },
  );

  const e2e = sweep('e2e');
  if (e2e) {
    const c = carried(e2e);
    rows.push({
      what: 'end to end through FIX, fsync: sustained',
      target: '>= 50,000 orders/s',
      reached: `carried ${int(c.rate)}/s offered; peak achieved ${int(c.peak)}/s`,
      met: c.rate >= 50_000,
    });
    rows.push({ what: 'end to end through FIX: p99 at 10k/s', target: '< 5 ms', ...p99At(e2e, 10_000, 5) });
  } else
    rows.push({
      what: 'end to end through FIX',
      target: '>= 50k/s, p99 < 5 ms at 10k/s',
      reached: 'not measured',
      met: undefined,
    });

  for (const id of ['fanout', 'fanout-high']) {
    const t = text(id)?.text;
    if (t === undefined) continue;
    const head = /fan-out bench: (\d+) subscribers.*?, (\d+) book updates\/s/.exec(t);
    const lat = /apply -> client receipt:\s+p50 (\d+) us, p99 (\d+) us/.exec(t);
    const delivered = /delivered \d+ of \d+ \(([\d.]+)%\)/.exec(t);
    rows.push({
      what: `market data fan-out, ${head?.[1] ?? '?'} WebSocket subscribers, ${head?.[2] ?? '?'} updates/s: added latency`,
      target: '(no issue target)',
      reached: lat
        ? `p50 ${ms(Number(lat[1]))}, p99 ${ms(Number(lat[2]))}; ${delivered?.[1] ?? '?'}% of messages delivered`
        : 'not parsed',
      met: undefined,
    });
  }

  rows.push(...failoverRows(fo('failover-log'), 'replicated log'));
  rows.push(...failoverRows(fo('failover-e2e'), 'end to end (first ExecutionReport)'));
  return rows;
}

export function targetTable(figures: readonly Figure[]): string[] {
  const lines = ['| what | target | reached (this run) | met? |', '|---|---|---|:---:|'];
  for (const r of targetRows(figures))
    lines.push(
      `| ${r.what} | ${r.target} | ${r.reached} | ${r.met === undefined ? '-' : r.met ? 'yes' : '**no**'} |`,
    );
  return lines;
}
