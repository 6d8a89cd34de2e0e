import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

/** Builds the static UI into dist/public (Vite, ~2 s) so the test runs what src/ says. */
export function buildUi(): void {
  const vite = join(webUiDir, 'node_modules/vite/bin/vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: webUiDir, stdio: 'pipe' });
}

export interface Venue {
  readonly url: string;
  readonly fixTcpPort: number;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startVenue(extraArgs: ReadonlyArray<string> = []): Promise<Venue> {
  const data = mkdtempSync(join(tmpdir(), 'webui-e2e-'));
  const proc = spawn(
    process.execPath,
    [venueMain, 'start', '--http-port', '0', '--fix-port', '0', '--data', data, '--no-bots', ...extraArgs],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`venue did not start within 20 s:\n${output}`)), 20_000);
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
    rmSync(data, { recursive: true, force: true });
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
