import { ServiceHost } from '@venue/consensus';
import { openOfflineLog } from '@venue/consensus/runtime';
import { Side, unitsToDecimal } from '@venue/matching';
import type { VenueConfig } from '../config/config.js';
import { createVenueServices, type VenueServices } from '../local/services.js';
import { ProgressBar } from '../progress/progress.js';
import { venueHostConfig } from '../upgrade/upgrade-command.js';

const BATCH_ENTRIES = 4096;
const LEVELS_SHOWN = 5;

/**
 * `venue replay --data DIR [--to POSITION]`: rebuilds the services from a stopped member's data
 * offline (newest snapshot, then the log up to POSITION) and prints the books. The log is the audit
 * trail: the state at any position is whatever replaying it gives.
 */
export async function runReplay(
  config: VenueConfig,
  dataDir: string,
  toPosition: number | undefined,
  out: { write(text: string): void; isTTY?: boolean },
): Promise<{ exitCode: number; output: string }> {
  const log = await openOfflineLog(dataDir, (line) => out.write(`${line}\n`));
  try {
    const to = Math.min(toPosition ?? log.lastIndex, log.lastIndex);
    const snap = log.snapshot;
    if (snap !== undefined && to < snap.index) {
      return {
        exitCode: 2,
        output: `position ${to} is before the oldest state kept (snapshot at ${snap.index}; the log before it was compacted)\n`,
      };
    }
    let services: VenueServices | undefined;
    const host = new ServiceHost(() => {
      services = createVenueServices();
      return services.list;
    }, venueHostConfig());
    host.start(snap?.data);
    const total = to - (snap?.index ?? 0);
    const bar = new ProgressBar(out, 'replay', total);
    let from = (snap?.index ?? 0) + 1;
    while (from <= to) {
      const batch = log.read(from, Math.min(BATCH_ENTRIES, to - from + 1));
      if (batch.length === 0) break;
      for (const e of batch) host.apply(e);
      from += batch.length;
      bar.update(from - 1 - (snap?.index ?? 0));
    }
    bar.finish();
    const s = services;
    if (s === undefined) throw new Error('services were not created');
    const lines = [
      `replayed ${dataDir}: ${snap === undefined ? 'no snapshot' : `snapshot @${snap.index}`}, then entries up to ${host.appliedIndex}` +
        ` (log ${log.firstIndex}..${log.lastIndex})`,
      `state hash @${host.appliedIndex}: ${host.stateHash()}`,
    ];
    for (const inst of config.instruments) {
      const book = s.matching.engine.book(inst.instrumentId);
      if (book === undefined) continue;
      const px = (ticks: number) => unitsToDecimal(ticks, inst.tickSize);
      const qty = (lots: number) => unitsToDecimal(lots, inst.lotSize);
      lines.push('', `${inst.symbol}: ${book.restingOrderCount} resting orders`);
      for (const [side, name] of [
        [Side.Sell, 'ask'],
        [Side.Buy, 'bid'],
      ] as const) {
        const levels: string[] = [];
        for (let i = 0; i < Math.min(LEVELS_SHOWN, book.depth(side)); i++) {
          const l = book.level(side, i);
          if (l !== undefined) levels.push(`${qty(l.visibleLots)} @ ${px(l.priceTicks)} (${l.orderCount})`);
        }
        lines.push(`  ${name}s: ${levels.length === 0 ? '(none)' : levels.join(', ')}`);
      }
      const last = book.lastTrade();
      if (last.priceTicks > 0) lines.push(`  last trade: ${qty(last.qtyLots)} @ ${px(last.priceTicks)}`);
    }
    return { exitCode: 0, output: `${lines.join('\n')}\n` };
  } finally {
    await log.close();
  }
}
