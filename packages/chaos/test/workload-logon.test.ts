import { createServer, type Server, type Socket } from 'node:net';
import { encodeFix, formatUtcTimestamp } from '@venue/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../src/history/history.js';
import { Prng } from '../src/random/prng.js';
import { WorkloadClient } from '../src/workload/workload.js';

/**
 * A report that reaches the client in the same read as the Logon answer (a restarted gateway
 * whose execution feed delivers a fill right after the Logon) must be recorded. It is delivered
 * synchronously with the Logon, before `await logon()` returns: a listener attached after the
 * Logon misses it, and in resume mode no resend brings it back (the sequence number moved on).
 */
describe('workload client: messages in the same read as the Logon answer', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    servers.length = 0;
  });

  /** A one-shot acceptor: answers the Logon with Logon + one ExecutionReport in a single write. */
  async function fakeVenue(): Promise<number> {
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        const now = formatUtcTimestamp(Date.now());
        const header = (seq: number) => [
          { tag: 49, value: 'VENUE' },
          { tag: 56, value: 'CLIENT1' },
          { tag: 34, value: String(seq) },
          { tag: 52, value: now },
        ];
        const logon = encodeFix([
          { tag: 35, value: 'A' },
          ...header(1),
          { tag: 98, value: '0' },
          { tag: 108, value: '30' },
          { tag: 141, value: 'N' },
        ]);
        const fill = encodeFix([
          { tag: 35, value: '8' },
          ...header(2),
          { tag: 37, value: '77' },
          { tag: 11, value: 'P0-OLD' },
          { tag: 17, value: '4242' },
          { tag: 150, value: 'F' },
          { tag: 39, value: '2' },
          { tag: 55, value: 'ZVZZT' },
          { tag: 54, value: '1' },
          { tag: 38, value: '2' },
          { tag: 32, value: '2' },
          { tag: 31, value: '100.05' },
          { tag: 14, value: '2' },
          { tag: 151, value: '0' },
        ]);
        socket.write(logon + fill, 'latin1'); // one write: one read on the client
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    return addr.port;
  }

  it('records the report (resume mode)', async () => {
    const port = await fakeVenue();
    const history = new History();
    const client = await WorkloadClient.connect(
      0,
      {
        clients: 1,
        fixPort: port,
        fixWsUrl: 'ws://127.0.0.1:1/fix',
        durationMs: 1_000,
        opsPerClientMax: 0,
        opTimeoutMs: 1_000,
        thinkMs: 0,
        resume: true,
      },
      history,
      new Prng(1),
    );
    try {
      const reports = history.events.filter((e) => e.type === 'report');
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({ execId: '4242', execType: 'F', cumQty: 2 });
    } finally {
      client.close();
    }
  });
});
