import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// QuickFIX C++ tools for tests: need Debian's libquickfix-dev (headers + libquickfix.so) and g++.
const QUICKFIX_HEADER = '/usr/include/quickfix/Application.h';

/** Why QuickFIX C++ cannot be used here, or undefined when it can. Throws in CI (a broken set-up). */
export function quickfixMissing(what: string): string | undefined {
  let compiler = true;
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
  } catch {
    compiler = false;
  }
  const header = existsSync(QUICKFIX_HEADER);
  if (header && compiler) return undefined;
  if (process.env['CI'] !== undefined) {
    throw new Error(`${what} needs libquickfix-dev and g++: run scripts/setup.sh`);
  }
  const reason = header ? 'g++ not found' : `${QUICKFIX_HEADER} missing`;
  console.warn(`SKIPPING ${what}: ${reason} (install with: apt-get install -y libquickfix-dev g++)`);
  return reason;
}

/** Builds a C++ source against libquickfix once per source version (cached in the OS temp dir). */
export function buildQuickfixTool(source: string, name: string): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'venue-gateway-quickfix');
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `${name}-${hash}`);
  if (!existsSync(bin)) {
    // Debian's QuickFIX 1.15 headers use dynamic exception specifications: C++11, not C++17.
    const tmp = `${bin}.${process.pid}.tmp`;
    execFileSync('g++', ['-std=c++11', '-O0', '-w', '-o', tmp, source, '-lquickfix', '-lpthread'], {
      stdio: 'pipe',
      timeout: 120_000,
    });
    renameSync(tmp, bin);
  }
  return bin;
}
