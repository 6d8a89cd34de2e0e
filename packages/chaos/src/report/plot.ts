import type { HistoryEvent } from '../history/history.js';

/** One completed operation: when it was invoked and how long it took (ms since the run started). */
export interface LatencyPoint {
  readonly atMs: number;
  readonly latencyMs: number;
  readonly outcome: 'ok' | 'fail' | 'info';
}

export interface FaultSpan {
  readonly fault: string;
  readonly nodes: readonly number[];
  readonly startMs: number;
  readonly stopMs: number;
}

const WIDTH = 1_000;
const HEIGHT = 420;
const MARGIN = { left: 60, right: 20, top: 30, bottom: 50 } as const;
/** Points drawn at most (a long run has hundreds of thousands): evenly thinned, slowest kept. */
const POINTS_MAX = 20_000;
const COLORS: Readonly<Record<string, string>> = {
  'kill-leader': '#d62728',
  'kill-follower': '#ff7f0e',
  'kill-two': '#8c564b',
  'kill-all': '#7f0000',
  pause: '#9467bd',
  'isolate-leader': '#1f77b4',
  'isolate-follower': '#17becf',
  'one-way-loss': '#2ca02c',
  'link-faults': '#bcbd22',
  'disk-full': '#e377c2',
  'torn-tail': '#7f7f7f',
  'bitflip-log': '#393b79',
  'bitflip-snapshot': '#637939',
  'clock-jump': '#843c39',
  'gateway-restart': '#000000',
  'isolate+kill-leader': '#e6550d',
  'pause+link-faults': '#6b6ecf',
  'kill-two+link-faults': '#a55194',
  'disk-full+kill-leader': '#31a354',
  'gateway-restart+kill-leader': '#636363',
};
/** Up to this many faults each band carries its label; more (a long run) and only the legend names them. */
const BAND_LABELS_MAX = 24;
const LEGEND_COLUMNS = 4;
const LEGEND_ROW_PX = 15;

/** Latencies and fault spans from a history (pure). Faults run one at a time; a span ends at the
 * last 'stop' before the next fault starts (kill-two restarts its members one after the other). */
export function timeline(events: readonly HistoryEvent[]): { points: LatencyPoint[]; faults: FaultSpan[] } {
  const invoked = new Map<string, number>();
  const points: LatencyPoint[] = [];
  const faults: { fault: string; nodes: readonly number[]; startMs: number; stopMs: number }[] = [];
  let current: (typeof faults)[number] | undefined;
  let endMs = 0;
  for (const e of events) {
    endMs = Math.max(endMs, e.timeMs);
    if (e.type === 'invoke') invoked.set(`${e.process}/${e.opId}`, e.timeMs);
    else if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') {
      const at = invoked.get(`${e.process}/${e.opId}`);
      if (at !== undefined) points.push({ atMs: at, latencyMs: Math.max(0, e.timeMs - at), outcome: e.type });
    } else if (e.type === 'fault') {
      if (e.phase === 'start') {
        if (current !== undefined) faults.push(current);
        current = { fault: e.fault, nodes: e.nodes, startMs: e.timeMs, stopMs: -1 };
      } else if (current !== undefined) current.stopMs = e.timeMs;
    }
  }
  if (current !== undefined) faults.push(current);
  for (const f of faults) if (f.stopMs < f.startMs) f.stopMs = endMs;
  return { points, faults };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG of operation latency over time (log scale, one dot per operation: ok grey, rejected blue,
 * indeterminate red at the top) with each fault drawn as a shaded band labelled with its kind.
 */
export function latencySvg(events: readonly HistoryEvent[], title: string): string {
  const { points, faults } = timeline(events);
  // Loops, not Math.max(...spread): a long run has more points than the call stack takes arguments.
  let endMs = 1;
  let maxLatencyMs = 10;
  for (const p of points) {
    endMs = Math.max(endMs, p.atMs + p.latencyMs);
    maxLatencyMs = Math.max(maxLatencyMs, p.latencyMs);
  }
  for (const f of faults) endMs = Math.max(endMs, f.stopMs);
  // Legend below the plot: the outcome colours, then every fault kind present with its band colour.
  const kinds = [...new Set(faults.map((f) => f.fault))].sort();
  const legendRows = 1 + Math.ceil(kinds.length / LEGEND_COLUMNS);
  const height = HEIGHT + legendRows * LEGEND_ROW_PX;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + (ms / endMs) * plotW;
  const logMax = Math.log10(maxLatencyMs);
  const y = (ms: number) => MARGIN.top + plotH - (Math.log10(Math.max(1, ms)) / logMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13">${escapeXml(title)}</text>`,
  ];
  faults.forEach((f, i) => {
    const color = COLORS[f.fault] ?? '#444444';
    const x0 = x(f.startMs);
    const w = Math.max(1, x(f.stopMs) - x0);
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${MARGIN.top}" width="${w.toFixed(1)}" height="${plotH}" fill="${color}" fill-opacity="0.18"/>`,
    );
    if (faults.length <= BAND_LABELS_MAX)
      out.push(
        `<text x="${(x0 + 2).toFixed(1)}" y="${MARGIN.top + 10 + (i % 4) * 11}" fill="${color}">${escapeXml(`${f.fault} ${f.nodes.join(',')}`)}</text>`,
      );
  });
  const step = Math.max(1, Math.ceil(points.length / POINTS_MAX));
  for (let i = 0; i < points.length; i += step) {
    // The slowest operation of each thinned group is the one drawn: spikes must stay visible.
    let p = points[i] as LatencyPoint;
    for (let k = i + 1; k < Math.min(points.length, i + step); k++) {
      const q = points[k] as LatencyPoint;
      if (q.latencyMs > p.latencyMs) p = q;
    }
    const fill = p.outcome === 'ok' ? '#555555' : p.outcome === 'fail' ? '#1f77b4' : '#d62728';
    out.push(
      `<circle cx="${x(p.atMs).toFixed(1)}" cy="${y(p.latencyMs).toFixed(1)}" r="1.6" fill="${fill}"/>`,
    );
  }
  // Axes: time in seconds below, latency (log) on the left.
  const axisY = MARGIN.top + plotH;
  out.push(
    `<line x1="${MARGIN.left}" y1="${axisY}" x2="${WIDTH - MARGIN.right}" y2="${axisY}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${axisY}" stroke="black"/>`,
  );
  const secondsStep = niceStep(endMs / 1000 / 10);
  for (let s = 0; s * 1000 <= endMs; s += secondsStep)
    out.push(`<text x="${x(s * 1000).toFixed(1)}" y="${axisY + 15}" text-anchor="middle">${s}</text>`);
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">time since start (s)</text>`,
  );
  for (let ms = 1; ms <= maxLatencyMs * 1.01; ms *= 10)
    out.push(
      `<text x="${MARGIN.left - 6}" y="${(y(ms) + 4).toFixed(1)}" text-anchor="end">${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}</text>`,
      `<line x1="${MARGIN.left}" y1="${y(ms).toFixed(1)}" x2="${WIDTH - MARGIN.right}" y2="${y(ms).toFixed(1)}" stroke="#dddddd"/>`,
    );
  out.push(
    `<text x="14" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})" text-anchor="middle">latency (log)</text>`,
  );
  const legendY = HEIGHT + 4;
  out.push(
    `<text x="${MARGIN.left}" y="${legendY}">dots: grey ok, blue rejected, red no answer (indeterminate); shaded bands: faults (${faults.length})</text>`,
  );
  const columnW = (WIDTH - MARGIN.left - MARGIN.right) / LEGEND_COLUMNS;
  kinds.forEach((kind, i) => {
    const cx = MARGIN.left + (i % LEGEND_COLUMNS) * columnW;
    const cy = legendY + (1 + Math.floor(i / LEGEND_COLUMNS)) * LEGEND_ROW_PX;
    const n = faults.filter((f) => f.fault === kind).length;
    out.push(
      `<rect x="${cx.toFixed(1)}" y="${cy - 9}" width="12" height="10" fill="${COLORS[kind] ?? '#444444'}" fill-opacity="0.5"/>`,
      `<text x="${(cx + 16).toFixed(1)}" y="${cy}">${escapeXml(`${kind} (${n})`)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceStep(raw: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (s >= raw) return s;
  return 600;
}
