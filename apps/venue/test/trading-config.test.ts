import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandType, decodeCommand } from '@venue/matching';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { genesisPayloads } from '../src/local/genesis.js';

const dir = mkdtempSync(join(tmpdir(), 'venue-trading-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 3_600_000;
const instrument = (trading?: unknown) => ({
  instrumentId: 7,
  symbol: 'AUCT',
  tickSize: '0.01',
  lotSize: '1',
  minQty: '1',
  maxQty: '1000',
  refPrice: '10.00',
  bandPercent: '10',
  ...(trading === undefined ? {} : { trading }),
});

function load(instruments: unknown[]) {
  const path = join(dir, `c${instruments.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ instruments }));
  return loadConfig({ file: path, env: {} });
}

describe('instrument trading schedules in the venue config', () => {
  it('a configured schedule becomes a SetTradingSchedule genesis command after the instruments', () => {
    const c = load([
      instrument({
        schedule: {
          preOpen: '07:30',
          openingAuction: '07:50',
          continuous: '08:00',
          closingAuction: '16:30',
          close: '16:35:30',
        },
        volatilityBandPercent: '2.5',
        volatilityAuctionSeconds: 120,
      }),
    ]);
    const cmds = genesisPayloads(c).map((p) => decodeCommand(p, 0, 0));
    expect(cmds.map((x) => x.type).slice(0, 2)).toEqual([
      CommandType.AddInstrument,
      CommandType.SetTradingSchedule,
    ]);
    expect(cmds[1]).toEqual({
      type: CommandType.SetTradingSchedule,
      timestampMs: 0,
      instrumentId: 7,
      schedule: {
        preOpenMs: 7.5 * H,
        openingAuctionMs: 7 * H + 50 * 60_000,
        continuousMs: 8 * H,
        closingAuctionMs: 16.5 * H,
        closeMs: 16 * H + 35 * 60_000 + 30_000,
      },
      volBandBps: 250,
      volAuctionMs: 120_000,
    });
  });

  it('without a schedule nothing changes: the demo instruments trade continuously', () => {
    const c = load([instrument()]);
    expect(genesisPayloads(c).map((p) => decodeCommand(p, 0, 0).type)).not.toContain(
      CommandType.SetTradingSchedule,
    );
    const demo = loadConfig({ env: {} });
    expect(genesisPayloads(demo).map((p) => decodeCommand(p, 0, 0).type)).not.toContain(
      CommandType.SetTradingSchedule,
    );
  });

  it('bad schedules are refused with a message naming the key and the fix', () => {
    const problem = (trading: unknown): string => {
      try {
        load([instrument(trading)]);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(
      problem({
        schedule: {
          preOpen: '8:00',
          openingAuction: '08:00',
          continuous: '09:00',
          closingAuction: '17:00',
          close: '17:30',
        },
      }),
    ).toMatch(/instruments\[0\]\.trading: time of day "8:00": expected HH:MM or HH:MM:SS/);
    expect(
      problem({
        schedule: {
          preOpen: '09:00',
          openingAuction: '08:00',
          continuous: '09:00',
          closingAuction: '17:00',
          close: '17:30',
        },
      }),
    ).toMatch(/times must not decrease/);
    expect(problem({ volatilityBandPercent: '2' })).toMatch(/volatilityAuctionSeconds: required/);
    expect(problem({ volatilityBandPercent: '2', volatilityAuctionSeconds: 99_999 })).toMatch(
      /expected an integer 0\.\.3600/,
    );
  });
});
