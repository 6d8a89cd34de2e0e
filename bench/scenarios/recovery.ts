/**
 * Scenario: recovery. Start-up time of a member from snapshot + log as a function of log length. Each
 * data directory is written directly with the consensus storage API (bench/lib/recovery-log.ts), then
 * a one-member cluster (no-op service, fsync) starts on it several times (kill -9 between runs):
 *   - storage: the node's own report (log recovery reads and CRC-checks every entry on disk, plus the
 *     newest valid snapshot);
 *   - started: the node's init (storage + restart state + service thread restored from the snapshot);
 *   - serving: process spawn -> the services have applied the whole log (includes Node.js start-up,
 *     the single member's election and the replay of the entries after the snapshot).
 * Page cache warm (the directory was just written): a cold-cache restart also pays the disk reads.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, getJson, spawnChild, until } from '../lib/procs.js';
import { generateLog } from '../lib/recovery-log.js';
import { args, emit, type Figure, log, type RecoveryRow } from '../lib/result.js';
import { spread } from '../lib/stats.js';

interface Args {
  /** entries = 0: an empty data directory (the fixed cost of starting a member). */
  cases: { entries: number; afterSnapshot: number; runs?: number }[];
  runs: number;
  payloadBytes: number;
  runTimeoutMs: number;
}

const a = args<Args>();
const NODE_MAIN = fileURLToPath(new URL('../node-main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-recovery-'));
const figures: Figure[] = [];
const rows: RecoveryRow[] = [];

const lineMs = (lines: readonly string[], re: RegExp): number | undefined => {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
};

async function startOnce(dataDir: string, entries: number) {
  const [peerPort, clientPort, adminPort] = (await freePorts(3)) as [number, number, number];
  const opts = {
    id: 1,
    members: [{ id: 1, host: '127.0.0.1', peerPort, clientPort, adminPort }],
    dataDir,
    durability: 'fsync',
    snapshotEveryEntries: 0, // no snapshot of its own: the next run starts from the same directory
  };
  const t0 = performance.now();
  const child = spawnChild(
    'recovery-node',
    process.execPath,
    ['--import', 'tsx', NODE_MAIN, JSON.stringify(opts)],
    {
      cwd: REPO_ROOT,
    },
  );
  try {
    await until(
      `the member to apply ${entries} entries`,
      async () => {
        if (!child.running()) throw new Error(`member exited: ${child.output.slice(-10).join('\n')}`);
        const s = (await getJson(`http://127.0.0.1:${adminPort}/status`, 2_000)) as
          | { serviceAppliedIndex: number; role: string }
          | undefined;
        return s && s.role === 'leader' && s.serviceAppliedIndex >= entries ? true : undefined;
      },
      a.runTimeoutMs,
      10,
    );
    const servingMs = performance.now() - t0;
    const storageMs = lineMs(child.output, /storage: .*ready in ([\d.]+) ms/);
    const startedMs = lineMs(child.output, /started in ([\d.]+) ms/);
    if (storageMs === undefined || startedMs === undefined)
      throw new Error(`no start-up report in the member's output: ${child.output.slice(-10).join('\n')}`);
    return { storageMs, startedMs, servingMs };
  } finally {
    await child.kill('SIGKILL');
  }
}

try {
  for (const c of a.cases) {
    const dataDir = path.join(root, `n${c.entries}-s${c.afterSnapshot}`);
    fs.mkdirSync(dataDir);
    const gen =
      c.entries === 0
        ? { entries: 0, snapshotIndex: 0, logBytes: 0, snapshotBytes: 0, writeMs: 0 }
        : await generateLog(dataDir, {
            entries: c.entries,
            afterSnapshot: c.afterSnapshot,
            payloadBytes: a.payloadBytes,
          });
    log(
      `recovery: ${c.entries} entries, snapshot at ${gen.snapshotIndex}: written in ${gen.writeMs.toFixed(0)} ms (${(gen.logBytes / 1e6).toFixed(0)} MB log)`,
    );
    const runs = [];
    for (let r = 0; r < (c.runs ?? a.runs); r++) {
      const x = await startOnce(dataDir, c.entries);
      log(
        `  run ${r + 1}: storage ${x.storageMs.toFixed(0)} ms, started ${x.startedMs.toFixed(0)} ms, serving after ${x.servingMs.toFixed(0)} ms`,
      );
      runs.push(x);
    }
    rows.push({
      entries: c.entries,
      snapshotIndex: gen.snapshotIndex,
      replayEntries: c.entries - gen.snapshotIndex,
      logBytes: gen.logBytes,
      runs: runs.length,
      snapshotBytes: gen.snapshotBytes,
      writeMs: gen.writeMs,
      storageMs: spread(runs.map((x) => x.storageMs)),
      startedMs: spread(runs.map((x) => x.startedMs)),
      servingMs: spread(runs.map((x) => x.servingMs)),
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  figures.push({
    kind: 'recovery',
    id: 'recovery',
    title: 'Recovery: member start-up from snapshot + log vs log length',
    setup: {
      system:
        'venue replicated log member (no-op service), one-member cluster, restarted with kill -9 between runs',
      nodes: 1,
      durability: 'fsync',
      payloadBytes: a.payloadBytes,
      runs: `${a.runs} per size (the full replay without a snapshot: as listed)`,
      logWrittenBy:
        'the consensus storage API directly (openOfflineLogWriter, NodeStorage snapshot store), not replicated',
      pageCache: 'warm',
    },
    rows,
  });
} catch (e) {
  log(`recovery scenario failed: ${(e as Error).message}`);
  figures.push({
    kind: 'skipped',
    id: 'recovery',
    title: 'Recovery',
    reason: `failed: ${(e as Error).message}`,
  });
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
emit(figures);
process.exit(0);
