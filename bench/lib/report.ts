/** report.md and the SVG plots of one run. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Machine } from './machine.js';
import type { Figure, RecoveryRow } from './result.js';
import type { Spread } from './stats.js';
import { lineChart, NINES_TICKS, nines, type Series } from './svg.js';
import type { RateRow } from './sweep.js';
import { targetTable } from './targets.js';

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machineAtStart: Machine;
  readonly loadAverageAtEnd: readonly number[];
  readonly gitCommit: string;
  readonly durationsMs: Readonly<Record<string, number>>;
  readonly figures: readonly Figure[];
}

type Sweep = Extract<Figure, { kind: 'sweep' }>;

const ms = (us: number) => (us >= 100_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(2));
const num = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
const range = (s: Spread, f: (v: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const ratio = (a: number, b: number) => (b > 0 && a > 0 ? `${(a / b).toFixed(2)}x` : '-');

function setupLine(setup: Readonly<Record<string, string | number>>): string {
  return Object.entries(setup)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
}

/** Highest median achieved rate over the sweep (its saturation throughput if it saturated). */
export function peak(f: Sweep): number {
  return Math.max(0, ...f.rows.map((r) => r.achievedPerSecond.median));
}

function sweepTable(f: Sweep): string[] {
  const lines = [
    '| offered /s | achieved /s median (min–max) | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | saturated |',
    '|---:|---:|---:|---:|---:|---:|---:|:---:|',
  ];
  for (const r of f.rows)
    lines.push(
      `| ${num(r.offeredPerSecond)} | ${range(r.achievedPerSecond, num)} | ${range(r.p50Us, ms)} | ${ms(r.p90Us.median)} | ${range(r.p99Us, ms)} | ${ms(r.p999Us.median)} | ${ms(r.maxUs.median)} | ${r.saturated ? 'yes' : ''} |`,
    );
  return lines;
}

/** The run whose p99 is the median of the row's runs: its percentile curve is plotted. */
function medianRun(r: RateRow) {
  const sorted = [...r.runs].sort((a, b) => a.latency.p99Us - b.latency.p99Us);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function curve(r: RateRow): [number, number][] {
  const run = medianRun(r);
  if (!run || run.latency.count === 0) return [];
  return run.latency.curve.filter(([p]) => p > 0).map(([p, us]) => [nines(p), us / 1000]);
}

export function renderReport(report: Report, outDir: string): { markdown: string; svgs: string[] } {
  const svgs: string[] = [];
  const writeSvg = (name: string, svg: string) => {
    fs.writeFileSync(path.join(outDir, name), svg);
    svgs.push(name);
  };
  const sweeps = report.figures.filter((f): f is Sweep => f.kind === 'sweep');
  const m = report.machineAtStart;
  const md: string[] = [
    `# Venue benchmark report${report.quick ? ' (quick mode: too short to quote)' : ''}`,
    '',
    `- started ${report.startedAt}, finished ${report.finishedAt}; git ${report.gitCommit}`,
    `- command: \`${report.command}\``,
    `- machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}; Node.js ${m.node}`,
    `- load average (1/5/15 min) at start ${m.loadAverage.join(' / ')}, at end ${report.loadAverageAtEnd.join(' / ')} (a shared machine: other work ran beside the benchmark)`,
    '- method: open-loop load at fixed offered rates; latency from the intended send time (no coordinated omission), HdrHistogram; warm-up excluded; each rate run several times, min/median/max of the runs; a sweep stops after the first rate it cannot carry (achieved < 90% of offered, or requests left unsent).',
    '',
    '## Targets: reached vs target',
    '',
    ...targetTable(report.figures),
    '',
    'Targets are goals for the venue (issue 10), never test assertions. On this shared 2-core machine absolute figures are pessimistic; the same-run ratios are the fairer reading.',
    '',
  ];

  // Ratios against the etcd baseline, same run.
  const logFsync = sweeps.find((f) => f.id === 'log-fsync');
  const etcd = sweeps.find((f) => f.id === 'etcd');
  if (logFsync && etcd) {
    md.push('## Replicated log vs etcd (same run, same machine, fsync on both)', '');
    md.push(
      `- peak achieved throughput: venue log ${num(peak(logFsync))}/s, etcd ${num(peak(etcd))}/s: **${ratio(peak(logFsync), peak(etcd))}**` +
        `${logFsync.rows.some((r) => r.saturated) ? '' : ' (venue log not saturated by the highest offered rate)'}`,
    );
    md.push(
      '',
      '| offered /s | p50 venue / etcd ms | p50 ratio (etcd / venue) | p99 venue / etcd ms | p99 ratio (etcd / venue) |',
      '|---:|---:|---:|---:|---:|',
    );
    for (const r of logFsync.rows) {
      const e = etcd.rows.find((x) => x.offeredPerSecond === r.offeredPerSecond);
      if (!e) continue;
      md.push(
        `| ${num(r.offeredPerSecond)}${r.saturated || e.saturated ? ' (saturated)' : ''} | ${ms(r.p50Us.median)} / ${ms(e.p50Us.median)} | ${ratio(e.p50Us.median, r.p50Us.median)} | ${ms(r.p99Us.median)} / ${ms(e.p99Us.median)} | ${ratio(e.p99Us.median, r.p99Us.median)} |`,
      );
    }
    md.push('', 'A ratio above 1x means the venue is faster (lower latency) than etcd.', '');
  }

  if (sweeps.length > 0) {
    writeSvg(
      'throughput.svg',
      lineChart({
        title: 'Achieved vs offered load (median of runs)',
        xLabel: 'offered requests/s',
        yLabel: 'achieved requests/s',
        xLog: true,
        yLog: true,
        series: [
          ...sweeps.map((f) => ({
            name: f.id,
            points: f.rows.map((r) => [r.offeredPerSecond, r.achievedPerSecond.median] as const),
          })),
          {
            name: 'offered',
            dashed: true,
            points: [
              [
                Math.min(...sweeps.flatMap((f) => f.rows.map((r) => r.offeredPerSecond))),
                Math.min(...sweeps.flatMap((f) => f.rows.map((r) => r.offeredPerSecond))),
              ],
              [
                Math.max(...sweeps.flatMap((f) => f.rows.map((r) => r.offeredPerSecond))),
                Math.max(...sweeps.flatMap((f) => f.rows.map((r) => r.offeredPerSecond))),
              ],
            ],
          },
        ],
      }),
    );
    writeSvg(
      'p99-vs-offered.svg',
      lineChart({
        title: 'p99 latency vs offered load (median of runs)',
        xLabel: 'offered requests/s',
        yLabel: 'p99 latency, ms',
        xLog: true,
        yLog: true,
        series: sweeps.map((f) => ({
          name: f.id,
          points: f.rows.map((r) => [r.offeredPerSecond, r.p99Us.median / 1000] as const),
        })),
      }),
    );
    md.push(
      '## Plots',
      '',
      '![throughput](./throughput.svg)',
      '',
      '![p99 vs offered](./p99-vs-offered.svg)',
      '',
    );
    // The latency percentile curves of every system at the highest rate all of them carried.
    const carried = (f: Sweep) => f.rows.filter((r) => !r.saturated).map((r) => r.offeredPerSecond);
    const common = sweeps
      .filter((f) => f.id !== 'e2e')
      .map(carried)
      .reduce<number[]>((acc, xs) => acc.filter((x) => xs.includes(x)), carried(sweeps[0] as Sweep));
    const at = Math.max(0, ...common);
    if (at > 0) {
      const series: Series[] = [];
      for (const f of sweeps) {
        const r = f.rows.find((x) => x.offeredPerSecond === at);
        if (r) series.push({ name: f.id, points: curve(r) });
      }
      writeSvg(
        'latency-compare.svg',
        lineChart({
          title: `Latency percentiles at ${num(at)}/s offered`,
          xLabel: 'percentile',
          yLabel: 'latency, ms',
          yLog: true,
          xTicks: NINES_TICKS,
          series,
        }),
      );
      md.push(`![latency at ${at}/s](./latency-compare.svg)`, '');
    }
  }

  for (const f of report.figures) {
    md.push(`## ${f.title}`, '');
    if (f.kind === 'skipped') {
      md.push(`Not measured: ${f.reason}`, '');
      continue;
    }
    md.push(
      `Setup: ${setupLine({ ...f.setup, machine: `${m.cores} cores ${m.cpuModel}`, node: m.node })}`,
      '',
    );
    if (f.kind === 'sweep') {
      md.push(...sweepTable(f), '');
      const name = `latency-${f.id}.svg`;
      writeSvg(
        name,
        lineChart({
          title: `${f.title}: latency percentiles per offered rate`,
          xLabel: 'percentile',
          yLabel: 'latency, ms',
          yLog: true,
          xTicks: NINES_TICKS,
          series: f.rows.map((r) => ({ name: `${num(r.offeredPerSecond)}/s`, points: curve(r) })),
        }),
      );
      md.push(`![${f.id} latency](./${name})`, '');
    } else if (f.kind === 'failover') {
      md.push(
        `Kill -> first acknowledgement, over ${f.windowsMs.length} kills: min ${num(f.windowMs.min)} ms, median ${num(f.windowMs.median)} ms, max ${num(f.windowMs.max)} ms (each: ${f.windowsMs.map((x) => num(x)).join(', ')} ms)`,
        '',
      );
      if (f.firstCommit && f.firstCommitMs)
        md.push(
          `Kill -> first commit in the new leader's term: min ${num(f.firstCommit.min)} ms, median ${num(f.firstCommit.median)} ms, max ${num(f.firstCommit.max)} ms (each: ${f.firstCommitMs.map((x) => num(x)).join(', ')} ms)`,
          '',
        );
      if (f.noLoss)
        md.push(
          `No-loss check: ${num(f.noLoss.acknowledged)} acknowledged during the kills, **${num(f.noLoss.missing)} missing** afterwards${f.noLoss.unverified ? `, **${num(f.noLoss.unverified)} not verified** (the check proves nothing about them)` : ''} (${f.noLoss.how})`,
          '',
        );
    } else if (f.kind === 'recovery') {
      md.push(
        '| log entries | snapshot at | replayed | log MB | written in s | runs | storage open ms | node init ms | spawn -> serving ms |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      );
      for (const r of f.rows)
        md.push(
          `| ${num(r.entries)} | ${num(r.snapshotIndex)} | ${num(r.replayEntries)} | ${(r.logBytes / 1e6).toFixed(0)} | ${(r.writeMs / 1000).toFixed(1)} | ${r.runs} | ${range(r.storageMs, num)} | ${range(r.startedMs, num)} | ${range(r.servingMs, num)} |`,
        );
      md.push(
        '',
        'storage open = log recovery (every entry on disk read and CRC-checked) + newest snapshot; node init = storage + restart state (entries after the snapshot) + service thread restored; serving = process spawn -> leader whose services applied the whole log (Node.js start-up, election, replay included). Median (min–max) of the runs.',
        '',
      );
      const rows = f.rows.filter((r) => r.entries > 0 && r.snapshotIndex > 0);
      const full = f.rows.filter((r) => r.entries > 0 && r.snapshotIndex === 0);
      if (rows.length + full.length > 0) {
        const pts = (xs: readonly RecoveryRow[], v: (r: RecoveryRow) => Spread) =>
          xs.map((r) => [r.entries, v(r).median] as const);
        writeSvg(
          'recovery.svg',
          lineChart({
            title: 'Member start-up vs log length (median of runs)',
            xLabel: 'log entries on disk',
            yLabel: 'ms',
            xLog: true,
            yLog: true,
            series: [
              { name: 'storage open', points: pts(rows, (r) => r.storageMs) },
              { name: 'node init', points: pts(rows, (r) => r.startedMs) },
              { name: 'spawn -> serving', points: pts(rows, (r) => r.servingMs) },
              { name: 'serving, no snapshot', points: pts(full, (r) => r.servingMs) },
            ],
          }),
        );
        md.push('![recovery](./recovery.svg)', '');
      }
    } else {
      md.push('```', f.text.slice(0, 20_000), '```', '');
    }
  }
  const markdown = `${md.join('\n')}\n`;
  fs.writeFileSync(path.join(outDir, 'report.md'), markdown);
  return { markdown, svgs };
}
