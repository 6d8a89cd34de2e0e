import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_INSTRUMENTS,
  demoCredentials,
  FixGateway,
  FixTcpServer,
  InMemoryOrderEntry,
  MemorySessionStoreFactory,
} from '@venue/gateway';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixClient, type FixSeqNums, readSeqFile } from '../src/fix-client/fix-client.js';

const order = (clOrdId: string) =>
  [
    [11, clOrdId],
    [55, DEMO_INSTRUMENTS[0]?.symbol ?? 'BTC-USD'],
    [54, 1],
    [38, '1'],
    [40, 2],
    [44, '100'],
    [59, 1],
    [60, '20261126-12:00:00.000'],
  ] as const;

describe('FixClient resume mode (141=N): continued sequence numbers, gaps recovered both ways', () => {
  let gateway: FixGateway;
  let server: FixTcpServer;
  let port: number;
  let dir: string;
  const clients: FixClient[] = [];

  const connect = async (opts: { seqNums?: FixSeqNums; seqFile?: string }): Promise<FixClient> => {
    const c = await FixClient.tcp('127.0.0.1', port, { username: 'CLIENT1', password: 'demo', ...opts });
    clients.push(c);
    return c;
  };
  const closeAndWait = async (c: FixClient) => {
    c.close();
    await new Promise((r) => setTimeout(r, 100));
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'venue-fixclient-'));
    gateway = new FixGateway({
      credentials: demoCredentials(),
      stores: new MemorySessionStoreFactory(),
      instruments: DEMO_INSTRUMENTS,
      createHandler: (events) => new InMemoryOrderEntry(events, DEMO_INSTRUMENTS),
    });
    gateway.start();
    server = new FixTcpServer({ gateway, host: '127.0.0.1', port: 0 });
    port = (await server.listen()).port;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a message sent while the client was away arrives after its Logon, by ResendRequest, once', async () => {
    const seqNums: FixSeqNums = { nextOut: 1, nextIn: 1 };
    const a = await connect({ seqNums });
    const logonA = await a.logon();
    expect(logonA.get(141)).toBeUndefined(); // 141=N: no reset echoed
    a.send('D', order('O1'));
    await a.waitFor((m) => m.msgType === '8' && m.get(11) === 'O1');
    await closeAndWait(a);
    // While CLIENT1 is away: an ExecutionReport is journaled for it.
    gateway.events.emit('CLIENT1', {
      kind: 'executionReport',
      orderId: '42',
      execId: 'AWAY-1',
      clOrdId: 'O1',
      execType: 'canceled',
      ordStatus: 'canceled',
      symbol: DEMO_INSTRUMENTS[0]?.symbol ?? 'BTC-USD',
      side: 'buy',
      cumQtyLots: 0,
      leavesQtyLots: 0,
      cumNotionalTickLots: 0,
    });
    const b = await connect({ seqNums });
    const got: string[] = [];
    b.onMessage((m) => {
      if (m.msgType === '8') got.push(`${m.get(17)}${m.get(43) === 'Y' ? '/PossDup' : ''}`);
    });
    expect((await b.logon()).msgType).toBe('A');
    await b.synced();
    expect(got).toEqual(['AWAY-1/PossDup']);
    expect(b.seqStats.resendRequestsSent).toBe(1);
    expect(b.gapOpen).toBe(false);
    expect(b.seqError).toBeUndefined();
    b.send('D', order('O2'));
    await b.waitFor((m) => m.msgType === '8' && m.get(11) === 'O2');
    expect(got).toHaveLength(2);
  });

  it("answers the venue's ResendRequest with a gap fill, and keeps its numbers in a file", async () => {
    const seqFile = join(dir, 'seq.json');
    const a = await connect({ seqFile });
    await a.logon();
    a.send('D', order('F1'));
    await a.waitFor((m) => m.msgType === '8' && m.get(11) === 'F1');
    await closeAndWait(a);
    const kept = readSeqFile(seqFile);
    expect(kept?.nextOut).toBe(a.seqNums.nextOut);
    // Three of our messages "never reached" the venue: it asks for them; we gap-fill.
    const seqNums = { ...(kept as FixSeqNums), nextOut: (kept as FixSeqNums).nextOut + 3 };
    const b = await connect({ seqNums });
    await b.logon();
    await b.synced();
    expect(b.seqStats.gapFillsSent).toBe(1);
    b.send('D', order('F2'));
    const er = await b.waitFor((m) => m.msgType === '8' && m.get(11) === 'F2');
    expect(er.get(150)).toBe('0');
  });

  it('a MsgSeqNum below the expected one without PossDupFlag ends the session with a reason', async () => {
    const c = await connect({ seqNums: { nextOut: 1, nextIn: 1_000 } });
    await expect(c.logon()).rejects.toThrow(/MsgSeqNum too low/);
    expect(c.seqError).toMatch(/MsgSeqNum too low, expecting 1000 but received 1/);
    expect(c.isClosed).toBe(true);
  });
});
