import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startSingleProcess } from '../src/start.js';
import { zvzztLimitOrder as order, testConfig } from './helpers.js';

const isExec = (clOrdId: string, execType: string) => (m: FixMessage) =>
  m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === execType;

describe('venue in one process: FIX in, matching, execution reports and market data out', () => {
  let venue: RunningVenue;
  let config: VenueConfig;
  let dataDir: string;
  const clients: FixClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-single-'));
    config = testConfig(dataDir);
    venue = await startSingleProcess(config, () => {});
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const byName = new Map<string, FixClient>();
  const tcpClient = async (username: string) => {
    const existing = byName.get(username);
    if (existing !== undefined) return existing;
    const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password: 'demo' });
    clients.push(c);
    byName.set(username, c);
    const logon = await c.logon();
    expect(logon.msgType).toBe('A');
    return c;
  };

  it('crosses a sell from CLIENT1 with a buy from CLIENT2 on ZVZZT and reports fills to both', async () => {
    const seller = await tcpClient('CLIENT1');
    const buyer = await tcpClient('CLIENT2');
    const sellAck = seller.waitFor(isExec('S1', '0'));
    seller.send('D', order('S1', 2, '10', '100.00'));
    const ack = await sellAck;
    expect(ack.get(39)).toBe('0');
    expect(ack.get(151)).toBe('10');

    const sellFill = seller.waitFor(isExec('S1', 'F'));
    const buyFill = buyer.waitFor(isExec('B1', 'F'));
    buyer.send('D', order('B1', 1, '4', '100.00'));
    const [sf, bf] = await Promise.all([sellFill, buyFill]);
    expect(bf.get(39)).toBe('2');
    expect(bf.get(31)).toBe('100');
    expect(bf.get(32)).toBe('4');
    expect(sf.get(39)).toBe('1');
    expect(sf.get(14)).toBe('4');
    expect(sf.get(151)).toBe('6');
  });

  it('rejects an off-tick price with a clear Text and changes nothing', async () => {
    const c = await tcpClient('CLIENT3');
    const rej = c.waitFor(
      (m) => (m.msgType === '8' && m.get(11) === 'BAD1') || m.msgType === '3' || m.msgType === 'j',
    );
    c.send('D', [
      [11, 'BAD1'],
      [55, 'ZVZZT'],
      [54, 1],
      [38, '1'],
      [40, 2],
      [44, '100.005'],
      [59, 1],
      [60, '20261126-12:00:00.000'],
    ]);
    const m = await rej;
    expect(m.get(39)).toBe('8');
    expect(m.get(58)).toMatch(/tick/i);
  });

  it('answers an OrderStatusRequest for an unknown order with a reject that echoes ClOrdID', async () => {
    const c = await tcpClient('CLIENT1');
    const answer = c.waitFor((m) => m.msgType === '8' && m.get(41) === 'NOPE1');
    c.send('H', [
      [11, 'NOPE1'],
      [37, '999999'],
      [55, 'ZVZZT'],
      [54, 1],
    ]);
    const m = await answer;
    expect(m.get(11)).toBe('NOPE1');
    expect(m.get(39)).toBe('8');
    expect(m.get(58)).toMatch(/unknown order/i);
  });

  it('publishes the trade and the book on the market-data WebSocket', async () => {
    const ws = new WebSocket(`${venue.httpUrl.replace('http', 'ws')}/md`);
    const messages: { type: string; channel?: string; levels?: unknown[]; tradeId?: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const got = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        messages.push(JSON.parse(String(data)));
        if (messages.filter((m) => m.type === 'snapshot').length >= 2) resolve();
      });
    });
    ws.send(JSON.stringify({ op: 'subscribe', instrumentId: 4, channel: 'trades', format: 'json' }));
    ws.send(JSON.stringify({ op: 'subscribe', instrumentId: 4, channel: 'l2', format: 'json' }));
    await got;
    ws.close();
    const l2 = messages.find((m) => m.type === 'snapshot' && m.channel === 'l2');
    expect(l2?.levels).toEqual([{ side: 'sell', priceTicks: 10000, qtyLots: 6, orderCount: 1 }]);
  });

  it('speaks FIX over WebSocket on /fix next to the market-data WebSocket on /md', async () => {
    const md = new WebSocket(`${venue.httpUrl.replace('http', 'ws')}/md`);
    await new Promise<void>((resolve, reject) => {
      md.once('open', () => resolve());
      md.once('error', reject);
    });
    const c = await FixClient.ws(`${venue.httpUrl.replace('http', 'ws')}/fix`, {
      username: 'CLIENT4',
      password: 'demo',
    });
    clients.push(c);
    expect((await c.logon()).msgType).toBe('A');
    const ack = c.waitFor(isExec('W1', '0'));
    c.send('D', [
      [11, 'W1'],
      [55, 'ZVZZT'],
      [54, 1],
      [38, '1'],
      [40, 2],
      [44, '95.00'],
      [59, 1],
      [60, '20261126-12:00:00.000'],
    ]);
    expect((await ack).get(39)).toBe('0');
    expect(md.readyState).toBe(WebSocket.OPEN);
    md.close();
  });

  it('serves reference data and the cluster status as JSON', async () => {
    const inst = (await (await fetch(`${venue.httpUrl}/api/instruments`)).json()) as { symbol: string }[];
    expect(inst.map((i) => i.symbol)).toEqual(['BTC-USD', 'ETH-USD', 'ACME', 'ZVZZT']);
    const metrics = await (await fetch(`${venue.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^venue_gateway_messages_received_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^venue_order_round_trip_seconds_count [1-9]\d*$/m);
    expect(metrics).toMatch(/^venue_cluster_member_up\{member="1"\} 1$/m);
    const kill = await fetch(`${venue.httpUrl}/api/cluster/nodes/1/kill`, { method: 'POST' });
    expect(kill.status).toBe(401); // no credentials (wrong ones: 403; see security.test.ts)
    expect(await kill.json()).toHaveProperty('error');
  });
});
