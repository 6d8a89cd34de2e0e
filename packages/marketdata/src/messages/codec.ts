import {
  BarEncoder,
  BestBidOfferEncoder,
  BookLevelUpdateEncoder,
  Channel,
  MESSAGE_HEADER_LENGTH,
  MessageDispatcher,
  OrderSnapshotEncoder,
  OrderSnapshotOrdersEncoder,
  OrderUpdateEncoder,
  SnapshotEncoder,
  SnapshotLevelsEncoder,
  StatsEncoder,
  TradeEncoder,
  TradingStatusEncoder,
} from '../generated/marketdata/index.js';
import type {
  ChannelName,
  FeedMessage,
  LevelAction,
  OrderActionCode,
  OrderSnapshotMessage,
  PhaseCode,
  SideCode,
  SnapshotLevel,
  SnapshotMessage,
  SnapshotOrder,
} from './messages.js';
import { PHASE_NAMES } from './messages.js';

/** Most levels one SBE snapshot can carry (the group count is a uint16; 65535 is its null). */
export const SNAPSHOT_LEVELS_MAX = 65_534;

const CHANNEL_CODE: Readonly<Record<ChannelName, Channel>> = {
  l1: Channel.L1,
  l2: Channel.L2,
  l2full: Channel.L2Full,
  trades: Channel.Trades,
  bars: Channel.Bars,
  stats: Channel.Stats,
  l3: Channel.L3,
  status: Channel.Status,
};
const CHANNEL_BY_CODE: readonly (ChannelName | undefined)[] = [
  undefined,
  'l1',
  'l2',
  'l2full',
  'trades',
  'bars',
  'stats',
  'l3',
  'status',
];

// Encoders are flyweights: one each, reused (encoding is synchronous).
const levelEnc = new BookLevelUpdateEncoder();
const bboEnc = new BestBidOfferEncoder();
const tradeEnc = new TradeEncoder();
const barEnc = new BarEncoder();
const statsEnc = new StatsEncoder();
const snapEnc = new SnapshotEncoder();
const orderEnc = new OrderUpdateEncoder();
const orderSnapEnc = new OrderSnapshotEncoder();
const statusEnc = new TradingStatusEncoder();
const dispatcher = new MessageDispatcher();
const SCRATCH = new Uint8Array(64 * 1024);

/** Encoded size of a message in SBE (header included). */
export function sbeLength(m: FeedMessage): number {
  switch (m.type) {
    case 'level':
      return MESSAGE_HEADER_LENGTH + BookLevelUpdateEncoder.BLOCK_LENGTH;
    case 'bbo':
      return MESSAGE_HEADER_LENGTH + BestBidOfferEncoder.BLOCK_LENGTH;
    case 'trade':
      return MESSAGE_HEADER_LENGTH + TradeEncoder.BLOCK_LENGTH;
    case 'bar':
      return MESSAGE_HEADER_LENGTH + BarEncoder.BLOCK_LENGTH;
    case 'stats':
      return MESSAGE_HEADER_LENGTH + StatsEncoder.BLOCK_LENGTH;
    case 'order':
      return MESSAGE_HEADER_LENGTH + OrderUpdateEncoder.BLOCK_LENGTH;
    case 'status':
      return MESSAGE_HEADER_LENGTH + TradingStatusEncoder.BLOCK_LENGTH;
    case 'orders':
      return (
        MESSAGE_HEADER_LENGTH +
        OrderSnapshotEncoder.BLOCK_LENGTH +
        4 +
        m.orders.length * OrderSnapshotOrdersEncoder.BLOCK_LENGTH
      );
    case 'snapshot':
      return (
        MESSAGE_HEADER_LENGTH +
        SnapshotEncoder.BLOCK_LENGTH +
        4 +
        m.levels.length * SnapshotLevelsEncoder.BLOCK_LENGTH
      );
  }
}

/** Encodes one message as an SBE frame (message header + body). Deterministic byte for byte. */
export function encodeSbe(m: FeedMessage): Uint8Array {
  if (m.type === 'snapshot' && m.levels.length > SNAPSHOT_LEVELS_MAX) {
    throw new RangeError(
      `snapshot has ${m.levels.length} levels, SBE carries at most ${SNAPSHOT_LEVELS_MAX}`,
    );
  }
  const length = sbeLength(m);
  // Encode into a reused scratch buffer (the flyweights keep its DataView), then copy out.
  const buf = length <= SCRATCH.length ? SCRATCH : new Uint8Array(length);
  switch (m.type) {
    case 'level':
      levelEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .priceTicksAsNumber(m.priceTicks)
        .quantityLotsAsNumber(m.qtyLots)
        .instrumentId(m.instrumentId)
        .orderCount(m.orderCount)
        .side(m.side)
        .action(m.action)
        .channel(CHANNEL_CODE[m.channel]);
      break;
    case 'bbo':
      bboEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .bidPriceTicksAsNumber(m.bidPriceTicks)
        .bidQuantityLotsAsNumber(m.bidQtyLots)
        .askPriceTicksAsNumber(m.askPriceTicks)
        .askQuantityLotsAsNumber(m.askQtyLots)
        .instrumentId(m.instrumentId)
        .bidOrderCount(m.bidOrderCount)
        .askOrderCount(m.askOrderCount);
      break;
    case 'trade':
      tradeEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .tradeIdAsNumber(m.tradeId)
        .priceTicksAsNumber(m.priceTicks)
        .quantityLotsAsNumber(m.qtyLots)
        .makerOrderIdAsNumber(m.makerOrderId)
        .takerOrderIdAsNumber(m.takerOrderId)
        .instrumentId(m.instrumentId)
        .aggressorSide(m.aggressorSide);
      break;
    case 'bar':
      barEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .startMsAsNumber(m.startMs)
        .openTicksAsNumber(m.openTicks)
        .highTicksAsNumber(m.highTicks)
        .lowTicksAsNumber(m.lowTicks)
        .closeTicksAsNumber(m.closeTicks)
        .volumeLotsAsNumber(m.volumeLots)
        .notionalAsNumber(m.notional)
        .instrumentId(m.instrumentId)
        .intervalMs(m.intervalMs)
        .tradeCount(m.tradeCount);
      break;
    case 'stats':
      statsEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .windowStartMsAsNumber(m.windowStartMs)
        .openTicksAsNumber(m.openTicks)
        .highTicksAsNumber(m.highTicks)
        .lowTicksAsNumber(m.lowTicks)
        .lastTicksAsNumber(m.lastTicks)
        .volumeLotsAsNumber(m.volumeLots)
        .notionalAsNumber(m.notional)
        .instrumentId(m.instrumentId)
        .tradeCount(m.tradeCount);
      break;
    case 'order':
      orderEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .orderIdAsNumber(m.orderId)
        .priceTicksAsNumber(m.priceTicks)
        .quantityLotsAsNumber(m.qtyLots)
        .executedLotsAsNumber(m.executedLots)
        .tradeIdAsNumber(m.tradeId)
        .instrumentId(m.instrumentId)
        .side(m.side)
        .action(m.action);
      break;
    case 'status':
      statusEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .indicativePriceTicksAsNumber(m.indicativePriceTicks)
        .indicativeVolumeLotsAsNumber(m.indicativeVolumeLots)
        .imbalanceLotsAsNumber(m.imbalanceLots)
        .instrumentId(m.instrumentId)
        .phase(m.phase);
      break;
    case 'orders': {
      const g = orderSnapEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .instrumentId(m.instrumentId)
        .ordersCount(m.orders.length);
      for (const o of m.orders) {
        g.next()
          .orderIdAsNumber(o.orderId)
          .priceTicksAsNumber(o.priceTicks)
          .quantityLotsAsNumber(o.qtyLots)
          .side(o.side);
      }
      break;
    }
    case 'snapshot': {
      const g = snapEnc
        .wrapAndApplyHeader(buf, 0)
        .seqAsNumber(m.seq)
        .logPositionAsNumber(m.logPosition)
        .timestampMsAsNumber(m.timestampMs)
        .instrumentId(m.instrumentId)
        .channel(CHANNEL_CODE[m.channel])
        .levelsCount(m.levels.length);
      for (const l of m.levels) {
        g.next()
          .priceTicksAsNumber(l.priceTicks)
          .quantityLotsAsNumber(l.qtyLots)
          .orderCount(l.orderCount)
          .side(l.side);
      }
      break;
    }
  }
  return buf.slice(0, length);
}

function phaseCode(raw: number): PhaseCode {
  if (!Number.isInteger(raw) || raw < 1 || raw > 7) throw new Error(`bad trading phase ${raw}`);
  return raw as PhaseCode;
}

function side(raw: number): SideCode {
  if (raw !== 1 && raw !== 2) throw new Error(`bad side ${raw}`);
  return raw;
}

function channel(raw: number): ChannelName {
  const c = CHANNEL_BY_CODE[raw];
  if (c === undefined) throw new Error(`bad channel ${raw}`);
  return c;
}

/** Decodes one SBE frame produced by encodeSbe (clients, tests). Throws on anything else. */
export function decodeSbe(bytes: Uint8Array): FeedMessage {
  const d = dispatcher.wrap(bytes, 0);
  if (d === null) throw new Error('not a market-data SBE message');
  switch (d.sbeName) {
    case 'OrderUpdate': {
      const action = d.actionRaw();
      if (action > 4) throw new Error(`bad order action ${action}`);
      return {
        type: 'order',
        channel: 'l3',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        action: action as OrderActionCode,
        orderId: d.orderIdAsNumber(),
        side: side(d.sideRaw()),
        priceTicks: d.priceTicksAsNumber(),
        qtyLots: d.quantityLotsAsNumber(),
        executedLots: d.executedLotsAsNumber(),
        tradeId: d.tradeIdAsNumber(),
      };
    }
    case 'OrderSnapshot': {
      const head = {
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
      };
      const orders: SnapshotOrder[] = [];
      for (const o of d.orders()) {
        orders.push({
          orderId: o.orderIdAsNumber(),
          side: side(o.sideRaw()),
          priceTicks: o.priceTicksAsNumber(),
          qtyLots: o.quantityLotsAsNumber(),
        });
      }
      const snap: OrderSnapshotMessage = { type: 'orders', channel: 'l3', ...head, orders };
      return snap;
    }
    case 'BookLevelUpdate': {
      const c = channel(d.channelRaw());
      const action = d.actionRaw();
      if (c !== 'l2' && c !== 'l2full') throw new Error(`level update on channel ${c}`);
      if (action > 2) throw new Error(`bad action ${action}`);
      return {
        type: 'level',
        channel: c,
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        side: side(d.sideRaw()),
        action: action as LevelAction,
        priceTicks: d.priceTicksAsNumber(),
        qtyLots: d.quantityLotsAsNumber(),
        orderCount: d.orderCount(),
      };
    }
    case 'BestBidOffer':
      return {
        type: 'bbo',
        channel: 'l1',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        bidPriceTicks: d.bidPriceTicksAsNumber(),
        bidQtyLots: d.bidQuantityLotsAsNumber(),
        bidOrderCount: d.bidOrderCount(),
        askPriceTicks: d.askPriceTicksAsNumber(),
        askQtyLots: d.askQuantityLotsAsNumber(),
        askOrderCount: d.askOrderCount(),
      };
    case 'Trade':
      return {
        type: 'trade',
        channel: 'trades',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        tradeId: d.tradeIdAsNumber(),
        priceTicks: d.priceTicksAsNumber(),
        qtyLots: d.quantityLotsAsNumber(),
        aggressorSide: side(d.aggressorSideRaw()),
        makerOrderId: d.makerOrderIdAsNumber(),
        takerOrderId: d.takerOrderIdAsNumber(),
      };
    case 'Bar':
      return {
        type: 'bar',
        channel: 'bars',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        intervalMs: d.intervalMs(),
        startMs: d.startMsAsNumber(),
        openTicks: d.openTicksAsNumber(),
        highTicks: d.highTicksAsNumber(),
        lowTicks: d.lowTicksAsNumber(),
        closeTicks: d.closeTicksAsNumber(),
        volumeLots: d.volumeLotsAsNumber(),
        notional: d.notionalAsNumber(),
        tradeCount: d.tradeCount(),
      };
    case 'Stats':
      return {
        type: 'stats',
        channel: 'stats',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        windowStartMs: d.windowStartMsAsNumber(),
        openTicks: d.openTicksAsNumber(),
        highTicks: d.highTicksAsNumber(),
        lowTicks: d.lowTicksAsNumber(),
        lastTicks: d.lastTicksAsNumber(),
        volumeLots: d.volumeLotsAsNumber(),
        notional: d.notionalAsNumber(),
        tradeCount: d.tradeCount(),
      };
    case 'TradingStatus':
      return {
        type: 'status',
        channel: 'status',
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        phase: phaseCode(d.phaseRaw()),
        indicativePriceTicks: d.indicativePriceTicksAsNumber(),
        indicativeVolumeLots: d.indicativeVolumeLotsAsNumber(),
        imbalanceLots: d.imbalanceLotsAsNumber(),
      };
    case 'Snapshot': {
      const levels: SnapshotLevel[] = [];
      const head = {
        instrumentId: d.instrumentId(),
        seq: d.seqAsNumber(),
        logPosition: d.logPositionAsNumber(),
        timestampMs: d.timestampMsAsNumber(),
        channel: channel(d.channelRaw()),
      };
      for (const l of d.levels()) {
        levels.push({
          side: side(l.sideRaw()),
          priceTicks: l.priceTicksAsNumber(),
          qtyLots: l.quantityLotsAsNumber(),
          orderCount: l.orderCount(),
        });
      }
      const snap: SnapshotMessage = { type: 'snapshot', ...head, levels };
      return snap;
    }
  }
}

const SIDE_TEXT = ['', 'buy', 'sell'] as const;
const ACTION_TEXT = ['new', 'change', 'delete'] as const;
const ORDER_ACTION_TEXT = ['add', 'execute', 'modify', 'replace', 'delete'] as const;

/**
 * JSON text of a message for browsers: the in-memory shape, with sides as "buy"/"sell" and level
 * actions as "new"/"change"/"delete". Field order is fixed, so the text is deterministic.
 */
export function encodeJson(m: FeedMessage): string {
  switch (m.type) {
    case 'level':
      return JSON.stringify({ ...m, side: SIDE_TEXT[m.side], action: ACTION_TEXT[m.action] });
    case 'trade':
      return JSON.stringify({ ...m, aggressorSide: SIDE_TEXT[m.aggressorSide] });
    case 'order':
      return JSON.stringify({ ...m, side: SIDE_TEXT[m.side], action: ORDER_ACTION_TEXT[m.action] });
    case 'orders':
      return JSON.stringify({ ...m, orders: m.orders.map((o) => ({ ...o, side: SIDE_TEXT[o.side] })) });
    case 'status':
      return JSON.stringify({ ...m, phase: PHASE_NAMES[m.phase] });
    case 'snapshot':
      return JSON.stringify({
        ...m,
        levels: m.levels.map((l) => ({ ...l, side: SIDE_TEXT[l.side] })),
      });
    default:
      return JSON.stringify(m);
  }
}

function sideFromText(v: unknown): SideCode {
  if (v === 'buy') return 1;
  if (v === 'sell') return 2;
  throw new Error(`bad side ${String(v)}`);
}

/** Parses a JSON feed message (the inverse of encodeJson; light validation for clients/tests). */
export function decodeJson(text: string): FeedMessage {
  const o = JSON.parse(text) as Record<string, unknown>;
  switch (o.type) {
    case 'level': {
      const action = ACTION_TEXT.indexOf(o.action as (typeof ACTION_TEXT)[number]);
      if (action < 0) throw new Error(`bad action ${String(o.action)}`);
      return { ...(o as unknown as FeedMessage), side: sideFromText(o.side), action } as FeedMessage;
    }
    case 'trade':
      return {
        ...(o as unknown as FeedMessage),
        aggressorSide: sideFromText(o.aggressorSide),
      } as FeedMessage;
    case 'order': {
      const action = ORDER_ACTION_TEXT.indexOf(o.action as (typeof ORDER_ACTION_TEXT)[number]);
      if (action < 0) throw new Error(`bad order action ${String(o.action)}`);
      return { ...(o as unknown as FeedMessage), side: sideFromText(o.side), action } as FeedMessage;
    }
    case 'orders': {
      const orders = (o.orders as Record<string, unknown>[]).map((x) => ({
        ...(x as unknown as SnapshotOrder),
        side: sideFromText(x.side),
      }));
      return { ...(o as unknown as OrderSnapshotMessage), orders };
    }
    case 'snapshot': {
      const levels = (o.levels as Record<string, unknown>[]).map((l) => ({
        ...(l as unknown as SnapshotLevel),
        side: sideFromText(l.side),
      }));
      return { ...(o as unknown as SnapshotMessage), levels };
    }
    case 'status': {
      const phase = PHASE_NAMES.indexOf(o.phase as (typeof PHASE_NAMES)[number]);
      if (phase < 1) throw new Error(`bad trading phase ${String(o.phase)}`);
      return { ...(o as unknown as FeedMessage), phase: phase as PhaseCode } as FeedMessage;
    }
    case 'bbo':
    case 'bar':
    case 'stats':
      return o as unknown as FeedMessage;
    default:
      throw new Error(`not a feed message: type ${String(o.type)}`);
  }
}
