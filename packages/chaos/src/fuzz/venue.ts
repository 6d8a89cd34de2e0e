import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { venueMainJs } from '../cluster/venue-process.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_CHARS_MAX = 4 * 1024 * 1024;

/**
 * `venue start --single` as a child process (real gateway, real matching on the in-process log):
 * the target of the fuzzer and of the log-secret check. Loopback only, free ports; its stdout and
 * stderr are kept (bounded) for inspection.
 */
export class SingleVenue {
  output = '';
  httpUrl = '';
  fixPort = 0;
  private exit: { code: number | null; signal: string | null } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly workDir: string,
  ) {}

  /**
   * Everything the venue wrote: stdout and stderr, then its log files (`<data>/logs/*.log`, JSON
   * lines), each bounded.
   */
  allOutput(): string {
    const dir = join(this.workDir, 'data', 'logs');
    let text = this.output;
    if (existsSync(dir)) {
      for (const f of readdirSync(dir).sort()) {
        if (!f.endsWith('.log')) continue;
        text += `\n${readFileSync(join(dir, f), 'utf8').slice(-OUTPUT_CHARS_MAX)}`;
      }
    }
    return text;
  }

  /** `config` is merged into the venue's JSON config (e.g. limits); bots are off. */
  static async start(workDir: string, config: Record<string, unknown> = {}): Promise<SingleVenue> {
    mkdirSync(workDir, { recursive: true });
    const configFile = join(workDir, 'venue.json');
    writeFileSync(configFile, JSON.stringify(config));
    const args = [
      venueMainJs(),
      'start',
      '--single',
      '--no-bots',
      '--config',
      configFile,
      '--data',
      join(workDir, 'data'),
      '--host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--fix-port',
      '0',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const venue = new SingleVenue(child, workDir);
    const append = (chunk: Buffer) => {
      if (venue.output.length < OUTPUT_CHARS_MAX) venue.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('exit', (code, signal) => {
      venue.exit = { code, signal };
    });
    const end = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < end) {
      const m = /venue ready http=(\S+) fix=[\d.]+:(\d+)/.exec(venue.output);
      if (m?.[1] !== undefined && m[2] !== undefined) {
        venue.httpUrl = m[1];
        venue.fixPort = Number(m[2]);
        return venue;
      }
      if (venue.exit !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await venue.stop();
    throw new Error(`single venue did not start:\n${venue.output.slice(-4000)}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The process is still running (it must survive any input). */
  get alive(): boolean {
    return this.exit === undefined;
  }

  get exitDescription(): string {
    return this.exit === undefined ? 'running' : `exited code=${this.exit.code} signal=${this.exit.signal}`;
  }

  async stop(): Promise<void> {
    if (this.exit !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** What the fuzzer compares before and after: the log position and every instrument's book. */
export interface VenueState {
  readonly logPosition: number;
  /** instrumentId -> L2 levels as JSON text. */
  readonly books: ReadonlyMap<number, string>;
}

/** Reads the venue's observable state over HTTP (/api/cluster) and the /md feed (L2 snapshots). */
export async function readVenueState(httpUrl: string, instrumentIds: readonly number[]): Promise<VenueState> {
  const res = await fetch(`${httpUrl}/api/cluster`, { signal: AbortSignal.timeout(3_000) });
  const cluster = (await res.json()) as { members: Array<{ logPosition: number }> };
  const logPosition = maxLogPosition(cluster.members);
  const books = new Map<number, string>();
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/md`);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('md snapshot timeout')), 5_000);
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString('utf8')) as {
          type?: string;
          channel?: string;
          instrumentId?: number;
          levels?: unknown;
        };
        if (m.type === 'snapshot' && m.channel === 'l2' && typeof m.instrumentId === 'number') {
          books.set(m.instrumentId, JSON.stringify(m.levels));
          if (books.size === instrumentIds.length) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      ws.once('open', () => {
        for (const id of instrumentIds) {
          ws.send(JSON.stringify({ op: 'subscribe', instrumentId: id, channel: 'l2', format: 'json' }));
        }
      });
    });
  } finally {
    ws.terminate();
  }
  return { logPosition, books };
}

/** Differences between two states' books ('' when equal). */
export function diffBooks(before: VenueState, after: VenueState): string {
  const out: string[] = [];
  for (const [id, levels] of before.books) {
    const now = after.books.get(id);
    if (now !== levels) out.push(`instrument ${id}: before ${levels}, after ${now}`);
  }
  return out.join('; ');
}

/** The longest log among the members (the leader's): one member in single mode. */
export function maxLogPosition(members: ReadonlyArray<{ logPosition: number }>): number {
  let max = -1;
  for (const m of members) max = Math.max(max, m.logPosition);
  return max;
}
