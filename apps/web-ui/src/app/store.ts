import { Blotter, computePositions, type Fill, type Position } from '../lib/blotter.js';
import { formatOnGrid, lotsToText, ticksToText } from '../lib/decimal.js';
import { type FixField, type FixMessage, fixTimestamp } from '../lib/fix.js';
import { L2Book } from '../lib/ladder.js';
import type { BarMsg, FeedMsg, StatsMsg, StreamVerdict } from '../lib/md.js';
import { fieldOfText, type TicketField } from '../lib/ticket.js';
import { type ConnState, FixClient } from './fixclient.js';
import { MdClient } from './mdclient.js';

export interface VenueConfig {
  readonly demo: boolean;
  readonly fixWsPath: string;
  readonly mdWsPath: string;
  readonly targetCompId: string;
  readonly demoLogins: ReadonlyArray<string>;
}

export interface Instrument {
  readonly instrumentId: number;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly referencePrice?: string;
  readonly description?: string;
  readonly status?: string;
}

export interface TapeTrade {
  readonly tradeId: number;
  readonly price: string;
  readonly qty: string;
  readonly side: 'buy' | 'sell';
  readonly timeMs: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

export type { TicketField };

export interface TicketState {
  side: 'buy' | 'sell';
  ordType: 'limit' | 'market' | 'stop' | 'stopLimit';
  price: string;
  stopPx: string;
  quantity: string;
  /** TimeInForce(59): 0 Day, 1 GTC, 3 IOC, 4 FOK. */
  tif: string;
  postOnly: boolean;
}

const TAPE_MAX = 200;
const LATENCY_MAX = 120;
const BARS_MAX = 2_000;
const LOG_MAX = 50;

let clOrdCounter = 0;
function newClOrdId(user: string): string {
  return `${user}-${Date.now().toString(36)}-${++clOrdCounter}`;
}

/** Whole client state; React re-renders on `version`. */
export class Store {
  version = 0;
  private listeners = new Set<() => void>();
  config: VenueConfig | undefined;
  instruments: Instrument[] = [];
  selectedId: number | undefined;
  username: string | undefined;
  isAdmin = false;
  password = '';
  fixState: ConnState = 'idle';
  fixDetail: string | undefined;
  mdConnected = false;
  /** Cluster member serving the feed, when the venue names it. */
  feedNodeId: number | undefined;
  latencyMs: number | undefined;
  readonly orderRtts: Array<{ timeMs: number; rttMs: number }> = [];
  blotter = new Blotter();
  readonly book = new L2Book();
  bookStale = false;
  tape: TapeTrade[] = [];
  readonly bars = new Map<number, BarMsg>();
  lastPrice = new Map<string, string>();
  /** 24 h rolling stats of the selected instrument (from the `stats` channel). */
  stats: StatsMsg | undefined;
  ticketErrors: Partial<Record<TicketField, string>> = {};
  blotterErrors = new Map<string, string>();
  log: string[] = [];
  ticket: TicketState = {
    side: 'buy',
    ordType: 'limit',
    price: '',
    stopPx: '',
    quantity: '',
    tif: '0',
    postOnly: false,
  };
  private fix: FixClient | undefined;
  private md: MdClient | undefined;
  /** ClOrdID -> OrderID of OrderStatusRequests in flight. */
  private readonly statusRequests = new Map<string, string>();
  private readonly sentAt = new Map<
    string,
    { atMs: number; kind: 'new' | 'cancel' | 'replace'; orderId?: string }
  >();

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  setTicket(patch: Partial<TicketState>): void {
    this.ticket = { ...this.ticket, ...patch };
    this.changed();
  }

  changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  private note(text: string): void {
    this.log = [`${new Date().toISOString().slice(11, 19)} ${text}`, ...this.log].slice(0, LOG_MAX);
  }

  get instrument(): Instrument | undefined {
    return this.instruments.find((i) => i.instrumentId === this.selectedId);
  }

  instrumentBySymbol(symbol: string): Instrument | undefined {
    return this.instruments.find((i) => i.symbol === symbol);
  }

  async load(): Promise<void> {
    const [config, instruments] = await Promise.all([
      fetch('api/config').then((r) => r.json() as Promise<VenueConfig>),
      fetch('api/instruments').then((r) => r.json() as Promise<Instrument[]>),
    ]);
    this.config = config;
    this.instruments = instruments;
    this.selectedId = instruments[0]?.instrumentId;
    this.changed();
  }

  private wsUrl(path: string): string {
    const u = new URL(path, window.location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  }

  login(username: string, password: string): void {
    const cfg = this.config;
    if (cfg === undefined) return;
    this.username = username;
    this.password = password;
    this.isAdmin = username === 'ADMIN';
    this.fix = new FixClient(
      this.wsUrl(cfg.fixWsPath),
      { username, password, targetCompId: cfg.targetCompId, heartBtIntSec: 10 },
      {
        onState: (s, detail) => {
          if (s === 'connected' && this.fixState === 'reconnecting') this.refreshOpenOrders();
          this.fixState = s;
          this.fixDetail = detail;
          this.note(`FIX ${s}${detail === undefined ? '' : `: ${detail}`}`);
          this.changed();
        },
        onApp: (m) => this.onFixApp(m),
        onSessionReject: (m) => this.onSessionReject(m),
        onLatency: (rtt) => {
          this.latencyMs = rtt;
          this.changed();
        },
      },
      sessionSeqStore(username),
    );
    this.fix.start();
    this.md = new MdClient(this.wsUrl(cfg.mdWsPath), {
      onState: (c) => {
        this.mdConnected = c;
        this.note(`market data ${c ? 'connected' : 'disconnected'}`);
        this.changed();
      },
      onFeed: (m, v) => this.onFeed(m, v),
      onError: (t) => {
        this.note(`market data ${t}`);
        this.changed();
      },
      onMember: (id) => {
        this.feedNodeId = id;
        this.changed();
      },
    });
    this.md.start();
    this.selectInstrument(this.selectedId);
    this.changed();
  }

  logout(): void {
    this.fix?.stop();
    if (this.username !== undefined)
      window.sessionStorage.removeItem(`venue.fix.nextOutSeq.${this.username}`);
    this.md?.stop();
    this.username = undefined;
    this.fixState = 'idle';
    // Nothing of this login may show under the next one.
    this.blotter = new Blotter();
    this.blotterErrors.clear();
    this.ticketErrors = {};
    this.statusRequests.clear();
    this.sentAt.clear();
    this.orderRtts.length = 0;
    this.log = [];
    this.latencyMs = undefined;
    this.changed();
  }

  selectInstrument(id: number | undefined): void {
    if (this.selectedId !== undefined && this.selectedId !== id) this.md?.unsubscribe(this.selectedId);
    this.selectedId = id;
    this.book.reset([]);
    this.tape = [];
    this.bars.clear();
    this.stats = undefined;
    this.ticketErrors = {};
    if (id !== undefined) this.md?.subscribe(id, ['l2', 'trades', 'bars', 'stats']);
    this.changed();
  }

  private onFeed(m: FeedMsg, verdict: StreamVerdict): void {
    if (m.instrumentId !== this.selectedId) return;
    const inst = this.instrument;
    if (inst === undefined) return;
    if (verdict === 'gap') {
      if (m.channel === 'l2') this.bookStale = true;
      this.changed();
      return;
    }
    if (verdict !== 'apply' && verdict !== 'snapshot') return;
    switch (m.type) {
      case 'snapshot':
        if (m.channel === 'l2') {
          this.book.reset(m.levels ?? []);
          this.bookStale = false;
        } else if (m.channel === 'trades') this.tape = [];
        break;
      case 'level': {
        const err = this.book.apply(m);
        if (err !== undefined) this.note(`book: ${err}`);
        break;
      }
      case 'trade': {
        const price = ticksToText(m.priceTicks, inst.tickSize);
        this.tape = [
          {
            tradeId: m.tradeId,
            price,
            qty: lotsToText(m.qtyLots, inst.lotSize),
            side: m.aggressorSide,
            timeMs: m.timestampMs,
            priceTicks: m.priceTicks,
            qtyLots: m.qtyLots,
          },
          ...this.tape,
        ].slice(0, TAPE_MAX);
        this.lastPrice.set(inst.symbol, price);
        break;
      }
      case 'bar':
        if (m.intervalMs === 1000) {
          this.bars.set(m.startMs, m);
          if (this.bars.size > BARS_MAX) this.bars.delete(this.bars.keys().next().value!);
        }
        break;
      case 'stats':
        this.stats = m;
        if (m.lastTicks !== null && !this.lastPrice.has(inst.symbol)) {
          this.lastPrice.set(inst.symbol, ticksToText(m.lastTicks, inst.tickSize));
        }
        break;
      default:
        break;
    }
    this.changed();
  }

  private recordRtt(clOrdId: string): void {
    const sent = this.sentAt.get(clOrdId);
    if (sent === undefined) return;
    this.sentAt.delete(clOrdId);
    const now = Date.now();
    this.orderRtts.push({ timeMs: now, rttMs: now - sent.atMs });
    if (this.orderRtts.length > LATENCY_MAX) this.orderRtts.shift();
  }

  private onFixApp(m: FixMessage): void {
    const type = m.msgType;
    const clOrdId = m.get(11) ?? '';
    if (type === '8') {
      const sent = this.sentAt.get(clOrdId);
      this.recordRtt(clOrdId);
      // The answer to an OrderStatusRequest after a reconnect (ClOrdID in 11 or, on rejects, 41).
      const statusKey = [m.get(11), m.get(41)].find((k) => k !== undefined && this.statusRequests.has(k));
      const statusOrderId = statusKey === undefined ? undefined : this.statusRequests.get(statusKey);
      if (statusKey !== undefined) this.statusRequests.delete(statusKey);
      if (statusOrderId !== undefined && m.get(150) === '8') {
        const text = m.get(58) ?? 'unknown order';
        this.blotter.markUnknown(statusOrderId, text);
        this.note(`order ${statusOrderId}: ${text}`);
        this.changed();
        return;
      }
      const out = this.blotter.onExecutionReport(m);
      if (out.kind === 'reject') {
        if (sent?.kind === 'new' || sent === undefined) {
          this.ticketErrors = { [fieldOfText(out.text)]: out.text };
        }
        this.note(`rejected ${clOrdId}: ${out.text}`);
      } else if (out.kind === 'fill') {
        this.lastPrice.set(out.fill.symbol, this.lastPrice.get(out.fill.symbol) ?? out.fill.price);
        this.note(`fill ${out.fill.side} ${out.fill.qty} ${out.fill.symbol} @ ${out.fill.price}`);
      } else if (out.kind === 'ack' && sent?.kind === 'new') {
        this.ticketErrors = {};
      } else if (out.kind === 'update') {
        this.blotterErrors.delete(out.order.orderId);
      }
    } else if (type === '9') {
      const sent = this.sentAt.get(clOrdId);
      this.recordRtt(clOrdId);
      const text = m.get(58) ?? 'cancel/replace rejected';
      const orderId = m.get(37) !== 'NONE' ? m.get(37) : sent?.orderId;
      if (orderId !== undefined) this.blotterErrors.set(orderId, text);
      this.note(`cancel/replace rejected: ${text}`);
    } else if (type === 'j' && m.get(372) === 'H') {
      const orderId = this.statusRequests.get(m.get(379) ?? '');
      const text = m.get(58) ?? 'order status refused';
      if (orderId !== undefined) this.blotter.markUnknown(orderId, text);
      this.note(`order status refused: ${text}`);
    } else if (type === 'j') {
      const text = m.get(58) ?? 'business reject';
      this.ticketErrors = { general: text };
      this.note(`business reject: ${text}`);
    } else if (type === 'r') {
      this.recordRtt(clOrdId);
      const text =
        m.get(531) === '0'
          ? `mass cancel rejected: ${m.get(58) ?? ''}`
          : `mass cancel: ${m.get(533) ?? '?'} orders`;
      this.note(text);
    } else if (type === 'y') {
      // SecurityList: the REST instrument list is authoritative for ids.
    }
    this.changed();
  }

  private onSessionReject(m: FixMessage): void {
    const text = m.get(58) ?? 'rejected';
    this.ticketErrors = { [fieldOfText(text, m.get(371))]: text };
    this.note(`session reject: ${text}`);
    this.changed();
  }

  private send(
    fields: FixField[],
    clOrdId: string,
    kind: 'new' | 'cancel' | 'replace',
    orderId?: string,
  ): boolean {
    const ok = this.fix?.send(fields) ?? false;
    if (ok) {
      this.sentAt.set(
        clOrdId,
        orderId === undefined ? { atMs: Date.now(), kind } : { atMs: Date.now(), kind, orderId },
      );
      if (this.sentAt.size > 1000) this.sentAt.delete(this.sentAt.keys().next().value!);
    } else {
      this.ticketErrors = { general: 'not connected: order not sent' };
    }
    this.changed();
    return ok;
  }

  placeOrder(o: TicketState = this.ticket): boolean {
    const inst = this.instrument;
    if (inst === undefined || this.username === undefined) return false;
    this.ticketErrors = {};
    const clOrdId = newClOrdId(this.username);
    const typeCode = { market: '1', limit: '2', stop: '3', stopLimit: '4' }[o.ordType];
    const fields: FixField[] = [
      [35, 'D'],
      [11, clOrdId],
      [55, inst.symbol],
      [54, o.side === 'buy' ? '1' : '2'],
      [60, nowFix()],
      [38, o.quantity.trim() || '0'],
      [40, typeCode],
    ];
    if (o.ordType === 'limit' || o.ordType === 'stopLimit') fields.push([44, o.price.trim() || '0']);
    if (o.ordType === 'stop' || o.ordType === 'stopLimit') fields.push([99, o.stopPx.trim() || '0']);
    fields.push([59, o.tif]);
    if (o.postOnly) fields.push([18, '6']);
    return this.send(fields, clOrdId, 'new');
  }

  /** OrderMassCancelRequest (q) for every open order of this account (530=7). */
  cancelAll(): boolean {
    if (this.username === undefined) return false;
    const clOrdId = newClOrdId(this.username);
    return this.send(
      [
        [35, 'q'],
        [11, clOrdId],
        [530, '7'],
        [60, nowFix()],
      ],
      clOrdId,
      'cancel',
    );
  }

  /** After a reconnect: ask the venue for the status of every order we think is open. */
  private refreshOpenOrders(): void {
    for (const o of this.blotter.openOrders()) {
      this.statusRequests.set(o.clOrdId, o.orderId);
      if (this.statusRequests.size > 1000)
        this.statusRequests.delete(this.statusRequests.keys().next().value!);
      this.fix?.send([
        [35, 'H'],
        [11, o.clOrdId],
        [37, o.orderId],
        [55, o.symbol],
        [54, o.side === 'buy' ? '1' : '2'],
      ]);
    }
  }

  cancel(orderId: string): boolean {
    const o = this.blotter.orders.get(orderId);
    if (o === undefined || this.username === undefined) return false;
    const clOrdId = newClOrdId(this.username);
    return this.send(
      [
        [35, 'F'],
        [41, o.clOrdId],
        [37, o.orderId],
        [11, clOrdId],
        [55, o.symbol],
        [54, o.side === 'buy' ? '1' : '2'],
        [60, nowFix()],
        [38, o.orderQty],
      ],
      clOrdId,
      'cancel',
      orderId,
    );
  }

  amend(orderId: string, price: string, quantity: string): boolean {
    const o = this.blotter.orders.get(orderId);
    if (o === undefined || this.username === undefined) return false;
    this.blotterErrors.delete(orderId);
    const clOrdId = newClOrdId(this.username);
    const fields: FixField[] = [
      [35, 'G'],
      [41, o.clOrdId],
      [37, o.orderId],
      [11, clOrdId],
      [55, o.symbol],
      [54, o.side === 'buy' ? '1' : '2'],
      [60, nowFix()],
      [38, quantity.trim() || '0'],
      [40, o.ordType],
    ];
    if (o.ordType === '2' || o.ordType === '4') fields.push([44, price.trim() || '0']);
    return this.send(fields, clOrdId, 'replace', orderId);
  }

  /** Venue decimal text in the instrument's grid precision ("100.5" -> "100.50"). */
  fmtPrice(symbol: string, text: string | undefined): string {
    const inst = this.instrumentBySymbol(symbol);
    if (text === undefined) return '';
    return inst === undefined ? text : formatOnGrid(text, inst.tickSize);
  }

  fmtQty(symbol: string, text: string): string {
    const inst = this.instrumentBySymbol(symbol);
    return inst === undefined ? text : formatOnGrid(text, inst.lotSize);
  }

  positions(): Position[] {
    return computePositions(this.blotter.fills, this.lastPrice);
  }

  fills(): Fill[] {
    return this.blotter.fills;
  }
}

/** Per tab and login: a reload continues the FIX session (and gets the blotter back by resend). */
function sessionSeqStore(username: string) {
  const key = `venue.fix.nextOutSeq.${username}`;
  return {
    load: (): number | undefined => {
      const v = window.sessionStorage.getItem(key);
      return v === null ? undefined : Number(v);
    },
    save: (n: number): void => window.sessionStorage.setItem(key, String(n)),
  };
}

function nowFix(): string {
  return fixTimestamp(Date.now());
}

export const store = new Store();
