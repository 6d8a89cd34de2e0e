/** Three replicated-log members (no-op service) as child processes on loopback, each with its own data dir. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemberAddress } from '@venue/consensus/runtime';
import { type Child, freePorts, getJson, spawnChild, until } from './procs.js';

const NODE_MAIN = fileURLToPath(new URL('../node-main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Status {
  id: number;
  role: string;
  term: number;
  leaderId: number;
  commitIndex: number;
  lastIndex: number;
  serviceAppliedIndex: number;
}

export class LogCluster {
  readonly dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-log-'));
  private readonly procs = new Map<number, Child>();

  private constructor(
    readonly members: MemberAddress[],
    private readonly durability: 'fsync' | 'none',
    /** Extra node flags for the members (e.g. --cpu-prof). */
    readonly execArgv: readonly string[] = [],
    /** Members' snapshot interval. */
    private readonly snapshotEveryEntries = 100_000,
    /** The service module the members run (default: the consensus package's no-op bench service). */
    private readonly serviceModule?: string,
  ) {}

  static async create(
    size: number,
    durability: 'fsync' | 'none',
    execArgv: readonly string[] = [],
    snapshotEveryEntries = 100_000,
    serviceModule?: string,
  ): Promise<LogCluster> {
    const ports = await freePorts(size * 3);
    const members: MemberAddress[] = [];
    for (let i = 0; i < size; i++)
      members.push({
        id: i + 1,
        host: '127.0.0.1',
        peerPort: ports[i * 3] as number,
        clientPort: ports[i * 3 + 1] as number,
        adminPort: ports[i * 3 + 2] as number,
      });
    return new LogCluster(members, durability, execArgv, snapshotEveryEntries, serviceModule);
  }

  get clientAddresses(): string[] {
    return this.members.map((m) => `${m.host}:${m.clientPort}`);
  }

  start(id: number): void {
    const opts = {
      id,
      members: this.members,
      dataDir: this.dataDir(id),
      durability: this.durability,
      snapshotEveryEntries: this.snapshotEveryEntries,
      ...(this.serviceModule === undefined ? {} : { serviceModule: this.serviceModule }),
    };
    this.procs.set(
      id,
      spawnChild(
        `log-node-${id}`,
        process.execPath,
        [...this.execArgv, '--import', 'tsx', NODE_MAIN, JSON.stringify(opts)],
        {
          cwd: REPO_ROOT,
        },
      ),
    );
  }

  pid(id: number): number | undefined {
    return this.procs.get(id)?.child.pid;
  }

  isRunning(id: number): boolean {
    return this.procs.get(id)?.running() ?? false;
  }

  async kill(id: number): Promise<void> {
    await this.procs.get(id)?.kill('SIGKILL');
  }

  async status(id: number): Promise<Status | undefined> {
    const m = this.members.find((x) => x.id === id);
    if (!m || !this.isRunning(id)) return undefined;
    return (await getJson(`http://${m.host}:${m.adminPort}/status`)) as Status | undefined;
  }

  /** The leader every running member agrees on. */
  async leader(timeoutMs: number): Promise<Status> {
    return until(
      'a leader all running log members agree on',
      async () => {
        const all: Status[] = [];
        for (const m of this.members) {
          if (!this.isRunning(m.id)) continue;
          const s = await this.status(m.id);
          if (!s) return undefined;
          all.push(s);
        }
        const leader = all.find((s) => s.role === 'leader');
        if (!leader || !all.every((s) => s.leaderId === leader.id && s.term === leader.term))
          return undefined;
        return leader;
      },
      timeoutMs,
      50,
    );
  }

  dataDir(id: number): string {
    return path.join(this.dataRoot, `node-${id}`);
  }

  output(): string[] {
    return [...this.procs.values()].flatMap((p) => p.output.slice(-20).map((l) => `${p.name}: ${l}`));
  }

  /** Graceful stop (SIGTERM: members close and exit, writing --cpu-prof profiles), bounded. */
  async stopGracefully(timeoutMs: number): Promise<void> {
    const procs = [...this.procs.values()].filter((p) => p.running());
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.race([
      Promise.all(procs.map((p) => p.exited)),
      new Promise((r) => setTimeout(r, timeoutMs)),
    ]);
  }

  async stop(): Promise<void> {
    for (const p of this.procs.values()) await p.kill('SIGKILL');
    fs.rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
