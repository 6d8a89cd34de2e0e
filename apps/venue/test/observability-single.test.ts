import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixMessage } from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VenueConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { createProcessLogger, lineLog } from '../src/logging/logger.js';
import { secretsOf } from '../src/logging/secrets.js';
import { type RunningVenue, startSingleProcess } from '../src/start.js';
import { zvzztLimitOrder as order, testConfig } from './helpers.js';

const SECRET = 'Obs-Correct-Horse-42';
const WRONG = 'Obs-Wrong-Battery-77';

const isExec = (clOrdId: string, execType: string) => (m: FixMessage) =>
  m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === execType;

/** The value of a series line (exact labels), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('observability of the single-process venue: /metrics after trading, JSON logs without secrets', () => {
  let venue: RunningVenue;
  let config: VenueConfig;
  let dataDir: string;
  const logLines: string[] = [];
  const clients: FixClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-obs-single-'));
    const base = testConfig(dataDir);
    config = {
      ...base,
      accounts: [
        ...base.accounts,
        { login: 'OBS1', password: SECRET, accountId: 71, admin: false, cancelOnDisconnect: false },
      ],
    };
    // The same logger the CLI builds (pino, secrets of this config), into memory.
    const logger = createProcessLogger({
      process: 'start',
      secrets: secretsOf(config),
      destination: { write: (s: string) => void logLines.push(s) },
      env: {},
    });
    venue = await startSingleProcess(config, lineLog(logger, 'venue'));
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await venue.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const logon = async (username: string, password: string) => {
    const c = await FixClient.tcp('127.0.0.1', venue.fixPort, { username, password });
    clients.push(c);
    return { c, answer: await c.logon() };
  };

  it('logs a refused and an accepted logon as JSON lines without the password', async () => {
    const refused = await logon('OBS1', WRONG);
    expect(refused.answer.msgType).toBe('5');
    const ok = await logon('OBS1', SECRET);
    expect(ok.answer.msgType).toBe('A');
    // Let the gateway write its lines.
    await new Promise((r) => setTimeout(r, 100));
    const text = logLines.join('');
    // Logging happened during the logons (the test has teeth)...
    expect(text).toMatch(/OBS1/);
    for (const l of logLines) expect(() => JSON.parse(l)).not.toThrow();
    // ...and neither password, right or wrong, is in any line.
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(WRONG);
  });

  it('/metrics shows matching, market data and gateway series with the values the orders imply', async () => {
    const md = new WebSocket(`${venue.httpUrl.replace('http', 'ws')}/md`);
    await new Promise<void>((resolve, reject) => {
      md.once('open', () => resolve());
      md.once('error', reject);
    });
    const seller = (await logon('CLIENT1', 'demo')).c;
    const buyer = (await logon('CLIENT2', 'demo')).c;
    const sellAck = seller.waitFor(isExec('OS1', '0'));
    seller.send('D', order('OS1', 2, '10', '100.00'));
    await sellAck;
    const fill = buyer.waitFor(isExec('OB1', 'F'));
    buyer.send('D', order('OB1', 1, '4', '100.00'));
    await fill;
    const rej = buyer.waitFor(isExec('OBAD', '8'));
    buyer.send('D', order('OBAD', 1, '1', '150.00')); // outside the 10% band: matching rejects it
    await rej;

    const text = await (await fetch(`${venue.httpUrl}/metrics`)).text();
    expect(sample(text, 'venue_matching_orders_accepted_total')).toBe(2);
    expect(sample(text, 'venue_matching_trades_total')).toBe(1);
    expect(sample(text, 'venue_matching_traded_lots_total')).toBe(4);
    const rejects = text.split('\n').filter((l) => l.startsWith('venue_matching_rejects_total{'));
    expect(rejects).toEqual(['venue_matching_rejects_total{reason="PriceOutsideBand"} 1']);
    // 6 lots left resting on the ask at 100.00: one order, one level; nothing on the bid.
    expect(sample(text, 'venue_matching_resting_orders{symbol="ZVZZT"}')).toBe(1);
    expect(sample(text, 'venue_matching_book_levels{symbol="ZVZZT",side="ask"}')).toBe(1);
    expect(sample(text, 'venue_matching_book_levels{symbol="ZVZZT",side="bid"}')).toBe(0);
    expect(sample(text, 'venue_matching_book_levels{symbol="BTC-USD",side="ask"}')).toBe(0);
    // Market data: the open /md socket, the feed up to date with the applied log.
    expect(sample(text, 'venue_md_subscribers')).toBe(1);
    expect(sample(text, 'venue_md_conflations_total')).toBe(0);
    expect(sample(text, 'venue_md_published_position')).toBeGreaterThan(0);
    const lag = sample(text, 'venue_md_lag_entries');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
    // Gateway: sessions and messages, the order round trip.
    expect(sample(text, 'venue_gateway_sessions_logged_on')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'venue_gateway_messages_received_total')).toBeGreaterThanOrEqual(6);
    expect(sample(text, 'venue_order_round_trip_seconds_count')).toBeGreaterThanOrEqual(3);
    // The process itself.
    expect(sample(text, 'venue_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sample(text, 'venue_event_loop_delay_max_seconds')).toBeGreaterThanOrEqual(0);
    // Every sample line is `name{labels} number`.
    for (const line of text.trim().split('\n')) {
      if (line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$/);
    }
    md.close();
  });
});
