/**
 * CI guard for the benchmark harness: `bench/run.ts --quick` runs every scenario briefly into a temp
 * dir and must produce a report. Figures are never asserted (they depend on the machine).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-quick-'));

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

function runQuick(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      // As `pnpm bench` runs it: the harness resolves @venue/* through bench/tsconfig.json's paths.
      env: { ...process.env, TSX_TSCONFIG_PATH: 'bench/tsconfig.json' },
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-20_000);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 170_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('bench/run.ts --quick', () => {
  it('runs every scenario briefly and writes report.md, report.json, SVG plots and latest-quick.md', async () => {
    const { code, stderr } = await runQuick();
    expect(code, stderr).toBe(0);
    const runs = fs.readdirSync(out).filter((f) => fs.statSync(path.join(out, f)).isDirectory());
    expect(runs).toHaveLength(1);
    const dir = path.join(out, runs[0] as string);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toContain('# Venue benchmark report');
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
      quick: boolean;
      machineAtStart: { cores: number; node: string };
      figures: { kind: string; id: string }[];
    };
    expect(report.quick).toBe(true);
    expect(report.machineAtStart.node).toBe(process.version);
    // Every scenario reports something: a figure, or why it was not measured.
    for (const id of [
      'log-fsync',
      'log-none',
      'etcd',
      'e2e',
      'recovery',
      'matching',
      'codec',
      'fanout',
      'gateway',
    ])
      expect(
        report.figures.some((f) => f.id === id),
        `figure ${id}`,
      ).toBe(true);
    const svgs = fs.readdirSync(dir).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(0);
    for (const s of svgs)
      expect(fs.readFileSync(path.join(dir, s), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    expect(fs.existsSync(path.join(out, 'latest-quick.md'))).toBe(true);
  }, 180_000);
});
