import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_INSTRUMENTS,
  DropCopyPublisher,
  demoCredentials,
  FixGateway,
  FixTcpServer,
  InMemoryOrderEntry,
  MemoryDropCopyCursors,
  MemorySessionStoreFactory,
} from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// QuickFIX C++ as a drop-copy client: needs Debian's libquickfix-dev and g++ (as quickfix-interop).
const QUICKFIX_HEADER = '/usr/include/quickfix/Application.h';
const source = fileURLToPath(new URL('./interop/qf_dropcopy.cpp', import.meta.url));
const dictionary = fileURLToPath(new URL('../dictionary/VENUE-FIX44.xml', import.meta.url));
const hasCompiler = (() => {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const available = existsSync(QUICKFIX_HEADER) && hasCompiler;
if (!available && process.env['CI'] !== undefined) {
  throw new Error('QuickFIX drop-copy interop test needs libquickfix-dev and g++: run scripts/setup.sh');
}
if (!available) console.warn('SKIPPING QuickFIX drop-copy interop test: libquickfix-dev or g++ missing');

function buildInitiator(): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'venue-gateway-quickfix');
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `qf_dropcopy-${hash}`);
  if (!existsSync(bin)) {
    // Debian's QuickFIX 1.15 headers use dynamic exception specifications: C++11, not C++17.
    execFileSync('g++', ['-std=c++11', '-O0', '-w', '-o', bin, source, '-lquickfix', '-lpthread'], {
      stdio: 'pipe',
      timeout: 120_000,
    });
  }
  return bin;
}

describe.skipIf(!available)(
  'drop copy with QuickFIX C++ (validating against dictionary/VENUE-FIX44.xml)',
  () => {
    const logs: string[] = [];
    let publisher: DropCopyPublisher | undefined;
    let position = 0;
    // Stand-in for the venue's log: every ExecutionReport the in-memory handler emits, in order.
    const gateway = new FixGateway({
      credentials: demoCredentials(),
      stores: new MemorySessionStoreFactory(),
      instruments: DEMO_INSTRUMENTS,
      timerIntervalMs: 50,
      log: (t) => logs.length < 10_000 && logs.push(t),
      createHandler: (events) =>
        new InMemoryOrderEntry(
          {
            emit: (username, event) => {
              events.emit(username, event);
              if (event.kind === 'executionReport') publisher?.publish(++position, event);
            },
          },
          DEMO_INSTRUMENTS,
        ),
    });
    publisher = new DropCopyPublisher({
      acceptor: gateway.acceptor,
      catalog: gateway.app.catalog,
      users: [{ username: 'DROPCOPY', entitledAccounts: ['CLIENT1', 'CLIENT2'] }],
      cursors: new MemoryDropCopyCursors(),
    });
    const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
    let bin = '';
    let storeDir = '';

    beforeAll(async () => {
      bin = buildInitiator();
      storeDir = mkdtempSync(join(tmpdir(), 'gw-qf-dc-'));
      gateway.start();
      await server.listen();
    }, 120_000);

    afterAll(async () => {
      gateway.stop();
      await server.close();
      rmSync(storeDir, { recursive: true, force: true });
    });

    it('QuickFIX accepts every copy (797=Y, account set) and gets BusinessMessageReject 380=6 for an order', async () => {
      const out = await new Promise<string>((resolve, reject) => {
        const env = { ...process.env, QF_DICTIONARY: dictionary };
        execFile(bin, [String(server.port), storeDir], { timeout: 30_000, env }, (err, stdout, stderr) => {
          if (err) reject(new Error(`initiator failed: ${err.message}\n${stdout}\n${stderr}`));
          else resolve(stdout);
        });
      });
      const steps = out
        .split('\n')
        .filter((l) => l.startsWith('STEP'))
        .map((l) => l.split(' ')[1]);
      expect(steps).toEqual([
        'logon',
        'copy-sell-new',
        'copy-buy-fill',
        'copy-sell-fill',
        'read-only-reject',
      ]);
      expect(out).toContain('\nOK');
      // QuickFIX rejected nothing we sent (a Reject from it is logged by the session as "peer rejected").
      expect(logs.filter((l) => l.includes('peer rejected'))).toEqual([]);
      expect(publisher?.stats.copies).toBeGreaterThanOrEqual(3);
    });
  },
);
