/** Real node processes on loopback for the cluster tests. Every loop is bounded in time. */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemberAddress } from '../../../src/runtime/node/members.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const NODE_MAIN = fileURLToPath(new URL('./node-main.ts', import.meta.url));

export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports.push((s.address() as net.AddressInfo).port);
  }
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  return ports;
}

export async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Status {
  id: number;
  role: string;
  term: number;
  leaderId: number;
  recovering: boolean;
  lastIndex: number;
  commitIndex: number;
  serviceAppliedIndex: number;
  snapshotIndex: number;
  stateHash: string | null;
  hashIndex: number;
  elections: number;
  serviceVersion: number | null;
  serviceVersionSince: number;
  serviceVersionMax: number;
}

interface Proc {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export class TestCluster {
  readonly members: MemberAddress[];
  readonly dataRoot: string;
  private readonly procs = new Map<number, Proc>();

  private constructor(
    members: MemberAddress[],
    private readonly extra: Record<string, unknown>,
  ) {
    this.members = members;
    this.dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-cluster-'));
  }

  static async create(size: number, extra: Record<string, unknown> = {}): Promise<TestCluster> {
    const ports = await freePorts(size * 3);
    const members: MemberAddress[] = [];
    for (let i = 0; i < size; i++) {
      members.push({
        id: i + 1,
        host: '127.0.0.1',
        peerPort: ports[i * 3] as number,
        clientPort: ports[i * 3 + 1] as number,
        adminPort: ports[i * 3 + 2] as number,
      });
    }
    return new TestCluster(members, extra);
  }

  get clientAddresses(): string[] {
    return this.members.map((m) => `${m.host}:${m.clientPort}`);
  }

  dataDir(id: number): string {
    return path.join(this.dataRoot, `node-${id}`);
  }

  /** Starts member `id`; `override` replaces options for this start only (e.g. another build's limits). */
  start(id: number, override: Record<string, unknown> = {}): Proc {
    const opts = { id, members: this.members, dataDir: this.dataDir(id), ...this.extra, ...override };
    const child = spawn(process.execPath, ['--import', 'tsx', NODE_MAIN, JSON.stringify(opts)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.length > 0) output.push(line);
      if (output.length > 5000) output.splice(0, output.length - 5000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A parent that exits without afterAll / stopAll (a crashed benchmark) still takes its nodes down.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    const proc = { child, output, exited };
    this.procs.set(id, proc);
    return proc;
  }

  output(id: number): string[] {
    return this.procs.get(id)?.output ?? [];
  }

  isRunning(id: number): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(id);
    if (!p || !this.isRunning(id)) return;
    p.child.kill(signal);
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return;
    await p.exited;
  }

  async exitCode(id: number): Promise<number | null> {
    const p = this.procs.get(id);
    return p ? p.exited : null;
  }

  async status(id: number): Promise<Status | undefined> {
    const m = this.members.find((x) => x.id === id);
    if (!m || !this.isRunning(id)) return undefined;
    try {
      const res = await fetch(`http://${m.host}:${m.adminPort}/status`, {
        signal: AbortSignal.timeout(1000),
      });
      return (await res.json()) as Status;
    } catch {
      return undefined;
    }
  }

  async admin(id: number, what: string): Promise<{ status: number; body: unknown }> {
    const m = this.members.find((x) => x.id === id) as MemberAddress;
    const res = await fetch(`http://${m.host}:${m.adminPort}/${what}`, { method: 'POST' });
    return { status: res.status, body: await res.json() };
  }

  async metrics(id: number): Promise<string> {
    const m = this.members.find((x) => x.id === id) as MemberAddress;
    return (await fetch(`http://${m.host}:${m.adminPort}/metrics`)).text();
  }

  /** The leader all running nodes agree on. */
  async leader(timeoutMs = 10_000): Promise<Status> {
    return until(
      'a leader all running nodes agree on',
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
    );
  }

  /** Every running node applied the same position with the same state hash. */
  async converged(timeoutMs = 15_000): Promise<Status[]> {
    let seen: (Status | undefined)[] = [];
    return until(
      () => `equal state hashes at equal applied positions (last seen: ${JSON.stringify(seen)})`,
      async () => {
        const all: Status[] = [];
        seen = [];
        for (const m of this.members) {
          const s = await this.status(m.id);
          seen.push(s);
          if (!s || s.stateHash === null) return undefined;
          all.push(s);
        }
        const first = all[0] as Status;
        const same = all.every(
          (s) =>
            s.hashIndex === first.hashIndex &&
            s.stateHash === first.stateHash &&
            s.commitIndex === first.commitIndex,
        );
        return same && first.hashIndex === first.commitIndex ? all : undefined;
      },
      timeoutMs,
      50,
    );
  }

  async stopAll(): Promise<void> {
    for (const id of this.procs.keys()) await this.kill(id, 'SIGKILL');
    fs.rmSync(this.dataRoot, { recursive: true, force: true });
  }
}

/** Walks the entry frames of a segment file: [start, end) of each (header 32 bytes, frame 36 + payload). */
export function frameOffsets(file: string): { start: number; end: number }[] {
  const buf = fs.readFileSync(file);
  const out: { start: number; end: number }[] = [];
  let offset = 32;
  while (offset + 36 <= buf.length) {
    const length = buf.readUInt32LE(offset + 4);
    const crc = buf.readUInt32LE(offset);
    if (length === 0 && crc === 0) break; // preallocated zeros: the clean end
    const end = offset + 36 + length;
    if (end > buf.length) break;
    out.push({ start: offset, end });
    offset = end;
  }
  return out;
}

export function lastSegment(dataDir: string): string {
  const dir = path.join(dataDir, 'log');
  const segs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();
  return path.join(dir, segs[segs.length - 1] as string);
}
