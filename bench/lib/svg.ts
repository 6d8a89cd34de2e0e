/** A small SVG line-chart writer (no plotting dependency): linear or log10 axes, one line per series. */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Drawn dashed (reference lines). */
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly series: readonly Series[];
  /** Tick positions and labels for x; default: computed. */
  readonly xTicks?: readonly (readonly [number, string])[];
}

const W = 760;
const H = 440;
const M = { left: 80, right: 190, top: 40, bottom: 60 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) =>
  v >= 1e6
    ? `${+(v / 1e6).toPrecision(3)}M`
    : v >= 1e3
      ? `${+(v / 1e3).toPrecision(3)}k`
      : `${+v.toPrecision(3)}`;

function ticks(lo: number, hi: number, log: boolean): [number, string][] {
  if (log) {
    const out: [number, string][] = [];
    const decades = Math.ceil(Math.log10(hi)) - Math.floor(Math.log10(lo));
    const steps = decades <= 3 ? [1, 2, 5] : [1];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)) && out.length < 30; e++)
      for (const k of steps) out.push([k * 10 ** e, fmt(k * 10 ** e)]);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 5 || 1));
  const n = Math.ceil((hi - lo) / step / 6);
  const s = step * (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10);
  const out: [number, string][] = [];
  for (let v = Math.floor(lo / s) * s; v <= hi + s / 2 && out.length < 15; v += s) out.push([v, fmt(v)]);
  return out;
}

export function lineChart(o: ChartOptions): string {
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => (!o.xLog || x > 0) && (!o.yLog || y > 0));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs, Number.POSITIVE_INFINITY), Math.max(...xs, Number.NEGATIVE_INFINITY)];
  let [y0, y1] = [Math.min(...ys, Number.POSITIVE_INFINITY), Math.max(...ys, Number.NEGATIVE_INFINITY)];
  if (!Number.isFinite(x0)) [x0, x1] = [1, 10];
  if (!Number.isFinite(y0)) [y0, y1] = [1, 10];
  if (o.yLog) [y0, y1] = [10 ** Math.floor(Math.log10(y0)), 10 ** Math.ceil(Math.log10(y1))];
  else [y0, y1] = [0, y1 * 1.1 || 1];
  if (o.xLog) [x0, x1] = [10 ** Math.floor(Math.log10(x0)), 10 ** Math.ceil(Math.log10(x1))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const tx = (v: number) => (o.xLog ? Math.log10(v) : v);
  const ty = (v: number) => (o.yLog ? Math.log10(v) : v);
  const px = (v: number) => M.left + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0))) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  ];
  for (const [v, label] of o.xTicks ?? ticks(x0, x1, o.xLog ?? false)) {
    if (v < x0 || v > x1) continue;
    const x = px(v).toFixed(1);
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(label)}</text>`);
  }
  for (const [v, label] of ticks(y0, y1, o.yLog ?? false)) {
    if (v < y0 || v > y1) continue;
    const y = py(v).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(label)}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 18}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts = s.points.filter(([x, y]) => (!o.xLog || x > 0) && (!o.yLog || y > 0));
    const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
    if (pts.length > 0)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
    if (!s.dashed)
      for (const [x, y] of pts)
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 12}" y1="${ly}" x2="${W - M.right + 36}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${W - M.right + 42}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Percentile p (0..100) to "nines" on the x axis: 50 -> 0.3, 90 -> 1, 99 -> 2, 99.9 -> 3; 100 -> maxNines. */
export function nines(p: number, maxNines = 5): number {
  return p >= 100 ? maxNines : -Math.log10(1 - p / 100);
}

export const NINES_TICKS: readonly (readonly [number, string])[] = [
  [0, '0%'],
  [nines(50), '50%'],
  [nines(90), '90%'],
  [nines(99), '99%'],
  [nines(99.9), '99.9%'],
  [nines(99.99), '99.99%'],
  [5, 'max'],
];
