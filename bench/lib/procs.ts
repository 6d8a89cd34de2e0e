/** Child processes, free loopback ports and bounded polling. Every child is killed on exit. */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';

export interface Child {
  readonly name: string;
  readonly child: ChildProcess;
  /** Last output lines (bounded). */
  readonly output: string[];
  readonly exited: Promise<number | null>;
  running(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const OUTPUT_LINES_MAX = 2_000;
const live = new Set<Child>();

function killAllSync(): void {
  for (const c of live) if (c.running()) c.child.kill('SIGKILL');
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    killAllSync();
    process.exit(130);
  });

export function spawnChild(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Child {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.length > 0) output.push(line);
    if (output.length > OUTPUT_LINES_MAX) output.splice(0, output.length - OUTPUT_LINES_MAX);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  const c: Child = {
    name,
    child,
    output,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (c.running()) child.kill(signal);
      await exited;
      live.delete(c);
    },
  };
  live.add(c);
  exited.then(() => live.delete(c));
  return c;
}

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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, at most `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function getJson(
  url: string,
  timeoutMs = 1_000,
  method = 'GET',
  body?: string,
): Promise<unknown> {
  try {
    const res = await fetch(url, { method, body, signal: AbortSignal.timeout(timeoutMs) });
    return await res.json();
  } catch {
    return undefined;
  }
}
