import { formatUtcTimestamp } from '@venue/gateway';
import { decimalToUnits, unitsToDecimal } from '@venue/matching';
import type { InstrumentConfig } from '../config/config.js';
import { FixClient } from '../fix-client/fix-client.js';

export interface BotsOptions {
  /** ws://host:port/fix */
  readonly fixWsUrl: string;
  readonly instruments: readonly InstrumentConfig[];
  readonly maker: { readonly login: string; readonly password: string };
  readonly taker: { readonly login: string; readonly password: string };
  /** Quote refreshes (maker) and aggressive orders (taker) per second, across instruments. */
  readonly ratePerSecond: number;
  readonly log?: (line: string) => void;
}

/** The quiet test symbol is never traded by the bots (examples and acceptance tests use it). */
export const QUIET_SYMBOL = 'ZVZZT';

interface Quoted {
  readonly inst: InstrumentConfig;
  refTicks: number;
  readonly minTicks: number;
  readonly maxTicks: number;
  readonly lotUnits: number;
}

/**
 * Demo traffic: a market maker quoting a few levels around a random-walking reference price and a
 * taker crossing the spread now and then. Both are ordinary FIX-over-WebSocket clients; bots live
 * outside the state machines, so they may use Math.random and timers.
 */
export class DemoBots {
  private maker: FixClient | undefined;
  private taker: FixClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly books: Quoted[];
  private readonly live = new Map<string, string[]>();
  /** What the bots sent and got back (for the bots process's /metrics). */
  readonly stats = { ordersSent: 0, cancelsSent: 0, executionReports: 0, fills: 0, rejects: 0 };

  constructor(private readonly options: BotsOptions) {
    this.books = options.instruments
      .filter((i) => i.symbol !== QUIET_SYMBOL)
      .map((inst) => {
        const refTicks = decimalToUnits(inst.refPrice, inst.tickSize) ?? 1;
        const band = Math.floor((refTicks * Number(inst.bandPercent)) / 100);
        // Minimum order in lots; quotes are a small multiple of it.
        const lotUnits = Math.max(1, decimalToUnits(inst.minQty, inst.lotSize) ?? 1);
        return {
          inst,
          refTicks,
          minTicks: refTicks - Math.floor(band / 2),
          maxTicks: refTicks + Math.floor(band / 2),
          lotUnits,
        };
      });
  }

  async start(): Promise<void> {
    const { maker, taker } = this.options;
    this.maker = await FixClient.ws(this.options.fixWsUrl, {
      username: maker.login,
      password: maker.password,
    });
    this.taker = await FixClient.ws(this.options.fixWsUrl, {
      username: taker.login,
      password: taker.password,
    });
    for (const c of [this.maker, this.taker]) {
      c.onMessage((m) => {
        if (m.msgType === '8') {
          this.stats.executionReports++;
          const execType = m.get(150);
          if (execType === 'F') this.stats.fills++;
          else if (execType === '8') this.stats.rejects++;
        } else if (m.msgType === '9' || m.msgType === '3' || m.msgType === 'j') this.stats.rejects++;
      });
      const r = await c.logon();
      if (r.msgType !== 'A') throw new Error(`bot logon refused: ${r.get(58) ?? r.msgType}`);
    }
    const periodMs = Math.max(20, Math.floor(1000 / Math.max(1, this.options.ratePerSecond)));
    this.timer = setInterval(() => this.step(), periodMs);
    this.options.log?.(
      `bots: quoting ${this.books.map((b) => b.inst.symbol).join(', ')} every ${periodMs} ms`,
    );
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.maker?.close();
    this.taker?.close();
  }

  private step(): void {
    const book = this.books[this.seq % this.books.length];
    this.seq += 1;
    if (book === undefined || this.maker === undefined || this.taker === undefined) return;
    if (this.maker.isClosed || this.taker.isClosed) return;
    // Random walk of the reference price, kept well inside the band.
    const stepTicks = Math.max(1, Math.round(book.refTicks * 0.0005));
    book.refTicks = Math.min(
      book.maxTicks,
      Math.max(book.minTicks, book.refTicks + Math.round((Math.random() - 0.5) * 2 * stepTicks)),
    );
    const symbol = book.inst.symbol;
    for (const id of this.live.get(symbol) ?? []) {
      this.stats.cancelsSent++;
      this.maker.send('F', [
        [41, id],
        [11, `${id}-X`],
        [55, symbol],
        [54, id.includes('-B') ? 1 : 2],
        [60, txTime()],
      ]);
    }
    const ids: string[] = [];
    const spreadTicks = Math.max(1, stepTicks);
    for (let level = 0; level < 3; level++) {
      for (const side of [1, 2] as const) {
        const id = `MM${this.seq}-${side === 1 ? 'B' : 'S'}${level}`;
        const px = book.refTicks + (side === 1 ? -1 : 1) * (spreadTicks * (level + 1));
        const qty = book.lotUnits * (1 + Math.floor(Math.random() * 5));
        this.stats.ordersSent++;
        this.maker.send(
          'D',
          order(
            id,
            symbol,
            side,
            unitsToDecimal(qty, book.inst.lotSize),
            unitsToDecimal(px, book.inst.tickSize),
            1,
          ),
        );
        ids.push(id);
      }
    }
    this.live.set(symbol, ids);
    if (Math.random() < 0.5) {
      const side = Math.random() < 0.5 ? 1 : 2;
      const px = book.refTicks + (side === 1 ? 2 : -2) * spreadTicks;
      const qty = book.lotUnits * (1 + Math.floor(Math.random() * 3));
      this.stats.ordersSent++;
      this.taker.send(
        'D',
        order(
          `TK${this.seq}`,
          symbol,
          side,
          unitsToDecimal(qty, book.inst.lotSize),
          unitsToDecimal(px, book.inst.tickSize),
          3,
        ),
      );
    }
  }
}

function order(
  clOrdId: string,
  symbol: string,
  side: 1 | 2,
  qty: string,
  price: string,
  tif: 1 | 3,
): ReadonlyArray<readonly [number, string | number]> {
  return [
    [11, clOrdId],
    [55, symbol],
    [54, side],
    [38, qty],
    [40, 2],
    [44, price],
    [59, tif],
    [60, txTime()],
  ];
}

function txTime(): string {
  // nondeterminism-ok: a FIX client's TransactTime
  return formatUtcTimestamp(Date.now());
}
