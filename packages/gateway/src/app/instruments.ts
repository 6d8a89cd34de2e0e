import { Decimal } from 'decimal.js';
import type { Instrument } from './types.js';

/** Exact decimal arithmetic for the edges; 40 significant digits covers any FIX price/qty text. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export type Converted = { ok: true; value: number } | { ok: false; text: string };

/** Instruments the gateway knows: symbol -> tick and lot sizes (for text <-> integer conversion). */
export class InstrumentCatalog {
  private readonly bySymbol = new Map<string, Instrument>();
  private readonly ticks = new Map<string, { tick: Decimal; lot: Decimal }>();

  constructor(instruments: ReadonlyArray<Instrument>) {
    for (const i of instruments) {
      if (this.bySymbol.has(i.symbol)) throw new Error(`duplicate instrument ${i.symbol}`);
      const tick = new D(i.tickSize);
      const lot = new D(i.lotSize);
      if (!tick.isFinite() || tick.lte(0) || !lot.isFinite() || lot.lte(0)) {
        throw new Error(`instrument ${i.symbol}: tick and lot sizes must be positive decimals`);
      }
      this.bySymbol.set(i.symbol, i);
      this.ticks.set(i.symbol, { tick, lot });
    }
  }

  get(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol);
  }

  /** All instruments sorted by symbol (deterministic SecurityList). */
  list(): Instrument[] {
    return [...this.bySymbol.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
    );
  }

  /** Price text -> integer ticks; refuses values off the tick grid. */
  priceToTicks(symbol: string, text: string, what = 'price'): Converted {
    return this.toUnits(symbol, text, 'tick', what);
  }

  /** Quantity text -> integer lots (must be > 0); refuses values off the lot grid. */
  qtyToLots(symbol: string, text: string, what = 'quantity'): Converted {
    const r = this.toUnits(symbol, text, 'lot', what);
    if (r.ok && r.value <= 0) return { ok: false, text: `${what} ${text} must be positive` };
    return r;
  }

  ticksToPrice(symbol: string, ticks: number): string {
    return this.fromUnits(symbol, ticks, 'tick');
  }

  lotsToQty(symbol: string, lots: number): string {
    return this.fromUnits(symbol, lots, 'lot');
  }

  /** notional (tick x lot units) / qtyLots as a price text, rounded half-even to 10 decimals. */
  avgPrice(symbol: string, notionalTickLots: number, qtyLots: number): string {
    const s = this.ticks.get(symbol);
    if (s === undefined || qtyLots <= 0) return '0';
    return new D(notionalTickLots).div(qtyLots).mul(s.tick).toDecimalPlaces(10).toFixed();
  }

  private toUnits(symbol: string, text: string, unit: 'tick' | 'lot', what: string): Converted {
    const s = this.ticks.get(symbol);
    if (s === undefined) return { ok: false, text: `Unknown symbol ${symbol}` };
    const step = unit === 'tick' ? s.tick : s.lot;
    let v: Decimal;
    try {
      v = new D(text);
    } catch {
      return { ok: false, text: `${what} '${text}' is not a decimal number` };
    }
    if (!v.isFinite()) return { ok: false, text: `${what} '${text}' is not a finite number` };
    const units = v.div(step);
    if (!units.isInteger()) {
      return {
        ok: false,
        text: `${what} ${text} is not a multiple of the ${unit} size ${step.toFixed()} for ${symbol}`,
      };
    }
    if (units.abs().gt(Number.MAX_SAFE_INTEGER))
      return { ok: false, text: `${what} ${text} is out of range` };
    return { ok: true, value: units.toNumber() };
  }

  private fromUnits(symbol: string, units: number, unit: 'tick' | 'lot'): string {
    const s = this.ticks.get(symbol);
    if (s === undefined) throw new Error(`unknown symbol ${symbol}`);
    if (!Number.isSafeInteger(units)) throw new Error(`${unit}s must be a safe integer, got ${units}`);
    return new D(units).mul(unit === 'tick' ? s.tick : s.lot).toFixed();
  }
}

/** The demo instruments (same symbols, tick and lot sizes as the matching engine's genesis set). */
export const DEMO_INSTRUMENTS: ReadonlyArray<Instrument> = [
  {
    symbol: 'BTC-USD',
    tickSize: '0.01',
    lotSize: '0.0001',
    currency: 'USD',
    description: 'Bitcoin / US dollar',
  },
  {
    symbol: 'ETH-USD',
    tickSize: '0.01',
    lotSize: '0.001',
    currency: 'USD',
    description: 'Ether / US dollar',
  },
  { symbol: 'ACME', tickSize: '0.01', lotSize: '1', currency: 'USD', description: 'Acme Corp. common stock' },
  {
    symbol: 'ZVZZT',
    tickSize: '0.01',
    lotSize: '1',
    currency: 'USD',
    description: 'Test issue (not traded)',
  },
];
