/**
 * `venue backup` (a backup member: a continuously updated copy of the cluster's log and latest
 * snapshot, with its lag on /metrics) and `venue restore --from BACKUP_DIR` (seeds every member's
 * data directory of a new cluster from a backup: disaster recovery).
 */
import * as http from 'node:http';
import { join, resolve } from 'node:path';
import { ClusterBackup, seedMemberFromBackup } from '@venue/consensus/runtime';
import type { VenueConfig } from '../config/config.js';

export const BACKUP_USAGE = `  backup [--backup-dir DIR] [--backup-port P]
           A backup member: copies committed entries and the latest snapshot from the members'
           admin endpoints into DIR (default DATA/backup), continuously; never votes. Its position
           and lag on http://HOST:P/status and /metrics (default port 8130). Ctrl-C stops it.
  restore --from BACKUP_DIR [--data DIR]
           Disaster recovery: seeds each configured member's directory (DATA/node-N, which must be
           empty or absent) from a backup; then 'venue start' runs the restored cluster.
`;

export interface BackupArgs {
  readonly backupDir: string | undefined;
  readonly port: number | undefined;
}

/** Parses the backup/restore options out of argv (they are not start options). */
export function takeBackupArgs(argv: readonly string[]): {
  rest: string[];
  backupDir?: string;
  from?: string;
  port?: number;
  error?: string;
} {
  const rest: string[] = [];
  const out: { rest: string[]; backupDir?: string; from?: string; port?: number; error?: string } = { rest };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = argv[i + 1];
    if (a === '--backup-dir' || a === '--from' || a === '--backup-port') {
      if (v === undefined) return { ...out, error: `${a} needs a value` };
      if (a === '--backup-dir') out.backupDir = v;
      else if (a === '--from') out.from = v;
      else {
        const p = Number(v);
        if (!Number.isSafeInteger(p) || p < 0 || p > 65535)
          return { ...out, error: `--backup-port expects a port 0..65535, got '${v}'` };
        out.port = p;
      }
      i++;
    } else rest.push(a);
  }
  return out;
}

export async function runRestore(
  config: VenueConfig,
  from: string | undefined,
): Promise<{ exitCode: number; output: string }> {
  if (from === undefined)
    return {
      exitCode: 2,
      output: 'venue restore needs --from BACKUP_DIR (a directory written by venue backup)\n',
    };
  const started = performance.now();
  const lines: string[] = [];
  try {
    for (const m of config.cluster.members) {
      const dir = join(resolve(config.dataDir), `node-${m.id}`);
      const r = await seedMemberFromBackup(resolve(from), dir);
      lines.push(
        `node ${m.id}: ${dir} seeded up to position ${r.position} (snapshot @${r.snapshotPosition}, ${r.bytes} bytes)`,
      );
    }
  } catch (e) {
    return { exitCode: 2, output: `${lines.join('\n')}\nvenue restore: ${(e as Error).message}\n` };
  }
  lines.push(
    `restored ${config.cluster.members.length} members from ${from} in ${(performance.now() - started).toFixed(0)} ms; start the cluster with 'venue start' (same --config/--data)`,
  );
  return { exitCode: 0, output: `${lines.join('\n')}\n` };
}

export interface RunningBackup {
  readonly backup: ClusterBackup;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a backup member for the configured cluster, with /status and /metrics on `port`. */
export async function startBackup(
  config: VenueConfig,
  args: { backupDir?: string; port?: number },
  log: (line: string) => void,
): Promise<RunningBackup> {
  const dataDir = resolve(args.backupDir ?? join(config.dataDir, 'backup'));
  const backup = await ClusterBackup.open({
    dataDir,
    members: config.cluster.members.map((m) => `${m.host}:${m.adminPort}`),
    log,
  });
  backup.start();
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/metrics') {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(backup.metricsText());
    } else if (req.method === 'GET' && url === '/status') {
      res.setHeader('content-type', 'application/json');
      res.end(`${JSON.stringify({ dataDir, ...backup.status() })}\n`);
    } else {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(`${JSON.stringify({ error: 'GET /status or GET /metrics' })}\n`);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(args.port ?? 8130, config.host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    backup,
    url: `http://${config.host}:${port}`,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await backup.stop();
    },
  };
}
