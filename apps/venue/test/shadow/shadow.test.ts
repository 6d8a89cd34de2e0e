import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, EntryType } from '@venue/consensus';
import { openOfflineLogWriter } from '@venue/consensus/runtime';
import {
  CommandType,
  decodeCommand,
  encodeCommand,
  OrderType,
  type Side,
  Side as Sides,
  TimeInForce,
} from '@venue/matching';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { genesisPayloads } from '../../src/local/genesis.js';
import { createVenueServices, TeedMatchingService } from '../../src/local/services.js';
import { runShadow, type ServicesBuild } from '../../src/shadow/shadow.js';
import { createServices } from './rounded-candidate.js';

const ZVZZT = DEFAULT_CONFIG.instruments.find((i) => i.symbol === 'ZVZZT');
const CLIENT1 = DEFAULT_CONFIG.accounts.find((a) => a.login === 'CLIENT1');
const CLIENT2 = DEFAULT_CONFIG.accounts.find((a) => a.login === 'CLIENT2');

/** A log written the way a member writes it: sessions, genesis, then a deterministic order flow. */
function buildLog(restingOrders: number): { entries: Entry[]; sweepAt: number } {
  if (ZVZZT === undefined || CLIENT1 === undefined || CLIENT2 === undefined) throw new Error('demo config');
  const entries: Entry[] = [];
  let t = 1_764_000_000_000;
  const push = (type: EntryType, sessionId: number, requestSeq: number, payload: Uint8Array) => {
    t += 3;
    entries.push({
      term: 1,
      index: entries.length + 1,
      timestampMs: t,
      type,
      sessionId,
      requestSeq,
      correlationId: 0,
      serviceIndex: 0,
      payload,
    });
  };
  push('session-open', 0, 0, new TextEncoder().encode('venue-admin'));
  let seq = 0;
  for (const p of genesisPayloads(DEFAULT_CONFIG)) push('session-message', 1, ++seq, p);
  // A session's id is the index of its open entry.
  const gateway = entries.length + 1;
  push('session-open', 0, 0, new TextEncoder().encode('gateway'));
  let gwSeq = 0;
  const order = (account: number, side: Side, priceTicks: number, qtyLots: number, clOrdId: string) =>
    push(
      'session-message',
      gateway,
      ++gwSeq,
      encodeCommand({
        type: CommandType.NewOrder,
        timestampMs: 0,
        accountId: account,
        sessionId: gateway,
        instrumentId: ZVZZT.instrumentId,
        clOrdId,
        side,
        orderType: OrderType.Limit,
        tif: TimeInForce.GTC,
        priceTicks,
        stopPriceTicks: 0,
        qtyLots,
        displayQtyLots: 0,
        postOnly: false,
        expireAtMs: 0,
      }),
    );
  // Resting orders away from the touch (buys 95.00-99.99, sells 101.00-104.99), and single-price
  // trades (each fill at one price: the average price is a whole tick).
  for (let i = 0; i < restingOrders; i++) {
    const buy = i % 2 === 0;
    const off = (i * 37) % 400;
    order(
      CLIENT1.accountId,
      buy ? Sides.Buy : Sides.Sell,
      buy ? 9999 - off : 10100 + off,
      1 + (i % 3),
      `R${i}`,
    );
    if (i % 10 === 9) {
      order(CLIENT2.accountId, Sides.Sell, 10000, 2, `M${i}`);
      order(CLIENT1.accountId, Sides.Buy, 10000, 2, `T${i}`);
    }
  }
  // Two new best offers one tick apart, then the sweep: one buy lifting both, so its average price
  // (100.505) is between ticks.
  order(CLIENT1.accountId, Sides.Sell, 10050, 1, 'O1');
  order(CLIENT1.accountId, Sides.Sell, 10051, 1, 'O2');
  const sweepAt = entries.length + 1;
  order(CLIENT2.accountId, Sides.Buy, 10051, 2, 'SWEEP');
  for (let i = 0; i < 20; i++) order(CLIENT1.accountId, Sides.Sell, 10200 + i, 1, `A${i}`);
  return { entries, sweepAt };
}

const candidate: ServicesBuild = { createServices };
const production: ServicesBuild = { createServices: () => createVenueServices() };

describe('venue shadow: a candidate build beside production on the same log', () => {
  let dir: string;
  let sweepAt = 0;
  let total = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'venue-shadow-'));
    const log = buildLog(3000);
    sweepAt = log.sweepAt;
    total = log.entries.length;
    const w = await openOfflineLogWriter(dir);
    await w.append(log.entries);
    await w.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an unchanged build runs the whole log with zero divergences', async () => {
    const r = await runShadow({ dataDir: dir, production, candidate: production, hashEveryEntries: 500 });
    expect(r.entriesApplied).toBe(total);
    expect(r.divergentEntries).toBe(0);
    expect(r.hashMismatches).toBe(0);
    expect(r.hashChecks).toBeGreaterThan(total / 500 - 1);
    expect(r.first).toBeUndefined();
    expect(r.finalHashes.candidate).toBe(r.finalHashes.production);
  }, 60_000);

  it('a changed average-price rounding is reported at the exact entry where it first matters', async () => {
    const r = await runShadow({ dataDir: dir, production, candidate });
    expect(r.first?.position).toBe(sweepAt);
    expect(r.first?.kinds).toContain('client-output');
    expect(r.first?.input).toContain('SWEEP');
    // Side by side: the same reports except the notional.
    const prod = r.first?.production.join('\n') ?? '';
    const cand = r.first?.candidate.join('\n') ?? '';
    expect(prod).toContain('SWEEP');
    expect(cand).toContain('SWEEP');
    expect(prod).not.toBe(cand);
    expect(r.divergentEntries).toBeGreaterThanOrEqual(1);
    expect(r.entriesApplied).toBe(total);
  }, 60_000);

  it('a state-only change is found at its exact entry by a second, per-entry hashing pass', async () => {
    // A candidate with a new feature that keeps state but sends nothing: it counts CLIENT2's buy
    // orders. Its outputs equal production's; only the state hash can tell, and the first such
    // order is the sweep.
    class CountsBuys extends TeedMatchingService {
      private large = 0;
      override onSessionMessage(...args: Parameters<TeedMatchingService['onSessionMessage']>): void {
        super.onSessionMessage(...args);
        const [, timestampMs, , payload] = args;
        const cmd = decodeCommand(payload, timestampMs, 0);
        if (
          cmd.type === CommandType.NewOrder &&
          cmd.accountId === CLIENT2?.accountId &&
          cmd.side === Sides.Buy
        )
          this.large++;
      }
      override stateHash(): string {
        return this.large === 0 ? super.stateHash() : `${super.stateHash()}:${this.large}`;
      }
    }
    const r = await runShadow({
      dataDir: dir,
      production,
      candidate: { createServices: () => createVenueServices((tee) => new CountsBuys(tee)) },
      hashEveryEntries: 200,
    });
    expect(r.divergentEntries).toBe(0);
    expect(r.hashMismatches).toBeGreaterThan(0);
    expect(r.first?.kinds).toEqual(['state-hash']);
    expect(r.first?.position).toBe(sweepAt);
  }, 60_000);

  it('venue shadow on the command line: current build = exit 0; bad input = exit 2 with the fix', async () => {
    const ok = await runCli(['shadow', '--data', dir, '--service', 'matching@current'], {
      out: { write: () => {} },
    });
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.output).toMatch(/no divergence/);
    const noService = await runCli(['shadow', '--data', dir]);
    expect(noService.exitCode).toBe(2);
    expect(noService.output).toMatch(/needs --data DIR or --member HOST:ADMINPORT/);
    const changed = await runCli(
      ['shadow', '--data', dir, '--service', `matching@${join(import.meta.dirname, 'rounded-candidate.ts')}`],
      { out: { write: () => {} } },
    );
    expect(changed.exitCode, changed.output).toBe(1);
    expect(changed.output).toContain(`FIRST DIVERGENCE at log position ${sweepAt} (client-output)`);
    expect(changed.output).toMatch(/- production: .*"cumNotional":20101/);
    expect(changed.output).toMatch(/\+ candidate: {2}.*"cumNotional":20100/);
    const badModule = await runCli(['shadow', '--data', dir, '--service', 'matching@./no-such-module.js']);
    expect(badModule.exitCode).toBe(2);
    const badTo = await runCli(['shadow', '--data', dir, '--service', 'matching@current', '--to', 'x']);
    expect(badTo.exitCode).toBe(2);
    expect(badTo.output).toMatch(/--to expects a positive integer/);
  }, 60_000);
});
