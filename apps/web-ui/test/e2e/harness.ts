import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { encodeFix, fixTimestamp } from '../../src/lib/fix.js';
import { fixWebSocketWorks } from './fix-probe.js';

// E2E plumbing: build the UI, start the real venue (apps/venue/dist), launch Debian's chromium.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const webUiDir = join(repoRoot, 'apps/web-ui');
export const screenshotDir = join(webUiDir, 'screenshots');
const venueMain = join(repoRoot, 'apps/venue/dist/main.js');

export function missingPrerequisite(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  if (!existsSync(venueMain)) return `${venueMain} not built (run tsc -b)`;
  return undefined;
}

function newestMtimeMs(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/**
 * Builds the static UI into dist/public (Vite, ~2 s) when src/ is newer than the build, so the test
 * runs what src/ says. A directory lock keeps parallel test files from building at the same time.
 */
export async function buildUi(): Promise<void> {
  const lock = join(webUiDir, 'dist', '.e2e-build-lock');
  mkdirSync(join(webUiDir, 'dist'), { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for 60 s (remove it if stale)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = join(webUiDir, 'dist/public/index.html');
    const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => newestMtimeMs(join(webUiDir, p)));
    if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources)) return;
    const vite = join(webUiDir, 'node_modules/vite/bin/vite.js');
    execFileSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: webUiDir, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Venue {
  readonly url: string;
  readonly fixTcpPort: number;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

export interface VenueOptions {
  /** Default 0 (any free port). */
  readonly httpPort?: number;
  /** Reuse a data directory (a restart); otherwise a fresh temporary one, removed on stop. */
  readonly dataDir?: string;
  /** Three replicated members on free ports (default: `--single`, one process). */
  readonly cluster?: boolean;
}

/** A free loopback TCP port (for a venue restarted on the same address). */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range (32768+): a port picked there can be taken by an outgoing
  // connection (cluster members dial each other) before the venue binds it.
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port found in 20000..31999 after 50 attempts');
}

export async function startVenue(options: VenueOptions = {}): Promise<Venue> {
  const ownData = options.dataDir === undefined;
  const data = options.dataDir ?? mkdtempSync(join(tmpdir(), 'webui-e2e-'));
  // Single mode: one process for the screen tests. Cluster mode: the members get free ports through
  // a config file (the default member ports are fixed, which parallel test files would share).
  const modeArgs: string[] = ['--single'];
  if (options.cluster === true) {
    const configFile = join(data, 'e2e-cluster.json');
    if (!existsSync(configFile)) {
      const members = [];
      for (const id of [1, 2, 3]) {
        const [peerPort, clientPort, adminPort, mdPort] = [
          await freePort(),
          await freePort(),
          await freePort(),
          await freePort(),
        ];
        members.push({ id, host: '127.0.0.1', peerPort, clientPort, adminPort, mdPort });
      }
      writeFileSync(configFile, JSON.stringify({ cluster: { mode: 'cluster', members } }, null, 2));
    }
    modeArgs.splice(0, 1, '--config', configFile);
  }
  const proc = spawn(
    process.execPath,
    [
      venueMain,
      'start',
      ...modeArgs,
      '--http-port',
      String(options.httpPort ?? 0),
      '--fix-port',
      '0',
      '--data',
      data,
      '--no-bots',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`venue did not start within 40 s:\n${output}`)), 40_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /venue ready http=(\S+) fix=\S+:(\d+)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`venue exited with ${code}:\n${output}`));
    });
  });
  const venueUrl = ready[1]!;
  const fixTcpPort = Number(ready[2]);
  const probe = encodeFix([
    [35, 'A'],
    [49, 'PROBE'],
    [56, 'VENUE'],
    [34, '1'],
    [52, fixTimestamp(Date.now())],
    [98, '0'],
    [108, '30'],
    [553, 'PROBE'],
    [554, 'not-a-password'],
  ]);
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownData) rmSync(data, { recursive: true, force: true });
  };
  if (!(await fixWebSocketWorks(venueUrl, probe))) {
    await stop();
    throw new Error(`the venue's ${venueUrl.replace(/^http/, 'ws')}/fix endpoint did not answer a Logon`);
  }
  return { url: venueUrl, fixTcpPort, proc, stop };
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
