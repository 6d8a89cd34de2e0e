import type { AdminEvent, ExecutionEvent, MassCancelEvent, TradeEvent } from '../events/events.js';
import * as sbe from '../generated/venue/index.js';
import { type Command, CommandType } from '../types/commands.js';
import type {
  CommandKind,
  ExecType,
  InstrumentStatus,
  OrderType,
  OrdStatus,
  Side,
  StpMode,
  TimeInForce,
} from '../types/enums.js';
import type { Reason } from '../types/reasons.js';

/** A payload that is not a well-formed command of schema 2. */
export class CommandDecodeError extends Error {
  constructor(
    message: string,
    readonly templateId: number,
  ) {
    super(message);
  }
}

const H = sbe.MESSAGE_HEADER_LENGTH;
/** Largest encoded command (AddInstrument) plus header, with room to spare. */
const COMMAND_BYTES_MAX = 256;

const enc = {
  newOrder: new sbe.NewOrderEncoder(),
  cancel: new sbe.CancelOrderEncoder(),
  replace: new sbe.ReplaceOrderEncoder(),
  massCancel: new sbe.MassCancelEncoder(),
  status: new sbe.OrderStatusRequestEncoder(),
  cod: new sbe.SetCancelOnDisconnectEncoder(),
  addInstrument: new sbe.AddInstrumentEncoder(),
  setStatus: new sbe.SetInstrumentStatusEncoder(),
  addAccount: new sbe.AddAccountEncoder(),
  setLimits: new sbe.SetRiskLimitsEncoder(),
  schedule: new sbe.SetTradingScheduleEncoder(),
};

/**
 * Encodes a client command as an SBE message (header + body), e.g. for a gateway or a test client.
 * The timestamp is not encoded (the log supplies it), nor the session (the cluster supplies it).
 * Throws RangeError for commands that only exist inside the service (Tick, SessionClosed) or for
 * values that do not fit (e.g. a ClOrdID over 32 ASCII chars).
 */
export function encodeCommand(cmd: Command): Uint8Array {
  const buf = new Uint8Array(COMMAND_BYTES_MAX);
  let body: number;
  switch (cmd.type) {
    case CommandType.NewOrder:
      body = enc.newOrder
        .wrapAndApplyHeader(buf, 0)
        .priceTicksAsNumber(cmd.priceTicks)
        .stopPriceTicksAsNumber(cmd.stopPriceTicks)
        .qtyLotsAsNumber(cmd.qtyLots)
        .displayQtyLotsAsNumber(cmd.displayQtyLots)
        .expireAtMsAsNumber(cmd.expireAtMs)
        .accountId(cmd.accountId)
        .instrumentId(cmd.instrumentId)
        .side(cmd.side)
        .ordType(cmd.orderType)
        .timeInForce(cmd.tif)
        .postOnly(cmd.postOnly ? 1 : 0)
        .clOrdId(cmd.clOrdId)
        .encodedLength();
      break;
    case CommandType.Cancel:
      body = enc.cancel
        .wrapAndApplyHeader(buf, 0)
        .orderIdAsNumber(cmd.orderId)
        .accountId(cmd.accountId)
        .origClOrdId(cmd.origClOrdId)
        .clOrdId(cmd.clOrdId)
        .encodedLength();
      break;
    case CommandType.Replace:
      body = enc.replace
        .wrapAndApplyHeader(buf, 0)
        .orderIdAsNumber(cmd.orderId)
        .qtyLotsAsNumber(cmd.qtyLots)
        .priceTicksAsNumber(cmd.priceTicks)
        .stopPriceTicksAsNumber(cmd.stopPriceTicks)
        .accountId(cmd.accountId)
        .origClOrdId(cmd.origClOrdId)
        .clOrdId(cmd.clOrdId)
        .encodedLength();
      break;
    case CommandType.MassCancel:
      body = enc.massCancel
        .wrapAndApplyHeader(buf, 0)
        .accountId(cmd.accountId)
        .instrumentId(cmd.instrumentId)
        .side(cmd.side)
        .clOrdId(cmd.clOrdId)
        .encodedLength();
      break;
    case CommandType.OrderStatus:
      body = enc.status
        .wrapAndApplyHeader(buf, 0)
        .orderIdAsNumber(cmd.orderId)
        .accountId(cmd.accountId)
        .origClOrdId(cmd.origClOrdId)
        .encodedLength();
      break;
    case CommandType.SetCancelOnDisconnect:
      body = enc.cod
        .wrapAndApplyHeader(buf, 0)
        .enabled(cmd.enabled ? 1 : 0)
        .encodedLength();
      break;
    case CommandType.AddInstrument:
      body = enc.addInstrument
        .wrapAndApplyHeader(buf, 0)
        .minQtyLotsAsNumber(cmd.minQtyLots)
        .maxQtyLotsAsNumber(cmd.maxQtyLots)
        .refPriceTicksAsNumber(cmd.refPriceTicks)
        .instrumentId(cmd.instrumentId)
        .bandBps(cmd.bandBps)
        .status(cmd.status)
        .symbol(cmd.symbol)
        .tickSize(cmd.tickSize)
        .lotSize(cmd.lotSize)
        .encodedLength();
      break;
    case CommandType.SetInstrumentStatus:
      body = enc.setStatus
        .wrapAndApplyHeader(buf, 0)
        .instrumentId(cmd.instrumentId)
        .status(cmd.status)
        .encodedLength();
      break;
    case CommandType.AddAccount:
      body = enc.addAccount
        .wrapAndApplyHeader(buf, 0)
        .maxOrderQtyLotsAsNumber(cmd.maxOrderQtyLots)
        .maxOrderNotionalAsNumber(cmd.maxOrderNotional)
        .maxPositionLotsAsNumber(cmd.maxPositionLots)
        .accountId(cmd.accountId)
        .maxOpenOrders(cmd.maxOpenOrders)
        .stpMode(cmd.stpMode)
        .login(cmd.login)
        .encodedLength();
      break;
    case CommandType.SetRiskLimits:
      body = enc.setLimits
        .wrapAndApplyHeader(buf, 0)
        .maxOrderQtyLotsAsNumber(cmd.maxOrderQtyLots)
        .maxOrderNotionalAsNumber(cmd.maxOrderNotional)
        .maxPositionLotsAsNumber(cmd.maxPositionLots)
        .accountId(cmd.accountId)
        .maxOpenOrders(cmd.maxOpenOrders)
        .stpMode(cmd.stpMode)
        .encodedLength();
      break;
    case CommandType.SetTradingSchedule: {
      const sc = cmd.schedule;
      body = enc.schedule
        .wrapAndApplyHeader(buf, 0)
        .instrumentId(cmd.instrumentId)
        .preOpenMs(sc?.preOpenMs ?? 0)
        .openingAuctionMs(sc?.openingAuctionMs ?? 0)
        .continuousMs(sc?.continuousMs ?? 0)
        .closingAuctionMs(sc?.closingAuctionMs ?? 0)
        .closeMs(sc?.closeMs ?? 0)
        .volBandBps(cmd.volBandBps)
        .volAuctionMs(cmd.volAuctionMs)
        .scheduled(sc === null ? 0 : 1)
        .encodedLength();
      break;
    }
    default:
      throw new RangeError(`command type ${cmd.type} is internal to the service and has no wire form`);
  }
  return buf.slice(0, H + body);
}

const dispatcher = new sbe.MessageDispatcher();

function bool(raw: number, what: string, templateId: number): boolean {
  if (raw !== 0 && raw !== 1) throw new CommandDecodeError(`${what}: ${raw} is not a boolean`, templateId);
  return raw === 1;
}

/**
 * Decodes one command message. `timestampMs` and `sessionId` come from the log entry. Enum values
 * are passed through raw: the engine validates them and rejects with a reason code.
 * Throws CommandDecodeError for anything malformed (never a crash further down).
 */
export function decodeCommand(payload: Uint8Array, timestampMs: number, sessionId: number): Command {
  let templateId = 0;
  try {
    if (payload.length < H) throw new CommandDecodeError('payload shorter than a message header', 0);
    const m = dispatcher.wrap(payload, 0);
    templateId = dispatcher.header.templateId();
    if (m === null) {
      throw new CommandDecodeError(
        `not a matching command (schema ${dispatcher.header.schemaId()}, template ${templateId})`,
        templateId,
      );
    }
    switch (m.sbeName) {
      case 'NewOrder':
        return {
          type: CommandType.NewOrder,
          timestampMs,
          accountId: m.accountId(),
          sessionId,
          instrumentId: m.instrumentId(),
          clOrdId: m.clOrdId(),
          side: m.sideRaw() as Side,
          orderType: m.ordTypeRaw() as OrderType,
          tif: m.timeInForceRaw() as TimeInForce,
          priceTicks: m.priceTicksAsNumber(),
          stopPriceTicks: m.stopPriceTicksAsNumber(),
          qtyLots: m.qtyLotsAsNumber(),
          displayQtyLots: m.displayQtyLotsAsNumber(),
          postOnly: bool(m.postOnlyRaw(), 'postOnly', templateId),
          expireAtMs: m.expireAtMsAsNumber(),
        };
      case 'CancelOrder':
        return {
          type: CommandType.Cancel,
          timestampMs,
          accountId: m.accountId(),
          orderId: m.orderIdAsNumber(),
          origClOrdId: m.origClOrdId(),
          clOrdId: m.clOrdId(),
        };
      case 'ReplaceOrder':
        return {
          type: CommandType.Replace,
          timestampMs,
          accountId: m.accountId(),
          orderId: m.orderIdAsNumber(),
          origClOrdId: m.origClOrdId(),
          clOrdId: m.clOrdId(),
          qtyLots: m.qtyLotsAsNumber(),
          priceTicks: m.priceTicksAsNumber(),
          stopPriceTicks: m.stopPriceTicksAsNumber(),
        };
      case 'MassCancel':
        return {
          type: CommandType.MassCancel,
          timestampMs,
          accountId: m.accountId(),
          instrumentId: m.instrumentId(),
          side: m.sideRaw() as Side | 0,
          clOrdId: m.clOrdId(),
        };
      case 'OrderStatusRequest':
        return {
          type: CommandType.OrderStatus,
          timestampMs,
          accountId: m.accountId(),
          orderId: m.orderIdAsNumber(),
          origClOrdId: m.origClOrdId(),
        };
      case 'SetCancelOnDisconnect':
        return {
          type: CommandType.SetCancelOnDisconnect,
          timestampMs,
          sessionId,
          enabled: bool(m.enabledRaw(), 'enabled', templateId),
        };
      case 'AddInstrument':
        return {
          type: CommandType.AddInstrument,
          timestampMs,
          instrumentId: m.instrumentId(),
          symbol: m.symbol(),
          tickSize: m.tickSize(),
          lotSize: m.lotSize(),
          minQtyLots: m.minQtyLotsAsNumber(),
          maxQtyLots: m.maxQtyLotsAsNumber(),
          refPriceTicks: m.refPriceTicksAsNumber(),
          bandBps: m.bandBps(),
          status: m.statusRaw() as InstrumentStatus,
        };
      case 'SetInstrumentStatus':
        return {
          type: CommandType.SetInstrumentStatus,
          timestampMs,
          instrumentId: m.instrumentId(),
          status: m.statusRaw() as InstrumentStatus,
        };
      case 'AddAccount':
        return {
          type: CommandType.AddAccount,
          timestampMs,
          accountId: m.accountId(),
          login: m.login(),
          stpMode: m.stpModeRaw() as StpMode,
          maxOrderQtyLots: m.maxOrderQtyLotsAsNumber(),
          maxOrderNotional: m.maxOrderNotionalAsNumber(),
          maxOpenOrders: m.maxOpenOrders(),
          maxPositionLots: m.maxPositionLotsAsNumber(),
        };
      case 'SetRiskLimits':
        return {
          type: CommandType.SetRiskLimits,
          timestampMs,
          accountId: m.accountId(),
          stpMode: m.stpModeRaw() as StpMode,
          maxOrderQtyLots: m.maxOrderQtyLotsAsNumber(),
          maxOrderNotional: m.maxOrderNotionalAsNumber(),
          maxOpenOrders: m.maxOpenOrders(),
          maxPositionLots: m.maxPositionLotsAsNumber(),
        };
      case 'SetTradingSchedule':
        return {
          type: CommandType.SetTradingSchedule,
          timestampMs,
          instrumentId: m.instrumentId(),
          schedule: bool(m.scheduledRaw(), 'scheduled', templateId)
            ? {
                preOpenMs: m.preOpenMs(),
                openingAuctionMs: m.openingAuctionMs(),
                continuousMs: m.continuousMs(),
                closingAuctionMs: m.closingAuctionMs(),
                closeMs: m.closeMs(),
              }
            : null,
          volBandBps: m.volBandBps(),
          volAuctionMs: m.volAuctionMs(),
        };
      default:
        throw new CommandDecodeError(`template ${templateId} (${m.sbeName}) is not a command`, templateId);
    }
  } catch (err) {
    if (err instanceof CommandDecodeError) throw err;
    throw new CommandDecodeError(err instanceof Error ? err.message : 'malformed command', templateId);
  }
}

// ---------------------------------------------------------------------------- events -> bytes

/** Growable byte buffer for one session's reply (concatenated SBE messages). */
export class ReplyBuffer {
  bytes = new Uint8Array(1024);
  length = 0;

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

const TEXT_BYTES_MAX = 1024;
const erEnc = new sbe.ExecutionReportEncoder();
const trEnc = new sbe.TradeEncoder();
const rjEnc = new sbe.RejectEncoder();
const mcEnc = new sbe.MassCancelReportEncoder();
const adEnc = new sbe.AdminAckEncoder();

export function appendExecution(out: ReplyBuffer, e: ExecutionEvent): void {
  out.reserve(H + sbe.ExecutionReportEncoder.BLOCK_LENGTH + 2 + TEXT_BYTES_MAX);
  const n = erEnc
    .wrapAndApplyHeader(out.bytes, out.length)
    .execIdAsNumber(e.execId)
    .orderIdAsNumber(e.orderId)
    .priceTicksAsNumber(e.priceTicks)
    .stopPriceTicksAsNumber(e.stopPriceTicks)
    .orderQtyLotsAsNumber(e.orderQtyLots)
    .displayQtyLotsAsNumber(e.displayQtyLots)
    .lastPxTicksAsNumber(e.lastPxTicks)
    .lastQtyLotsAsNumber(e.lastQtyLots)
    .cumQtyLotsAsNumber(e.cumQtyLots)
    .leavesQtyLotsAsNumber(e.leavesQtyLots)
    .cumNotionalAsNumber(e.cumNotional)
    .tradeIdAsNumber(e.tradeId)
    .timestampMsAsNumber(e.timestampMs)
    .accountId(e.accountId)
    .instrumentId(e.instrumentId)
    .reason(e.reason)
    .execType(e.execType)
    .ordStatus(e.ordStatus)
    .side(e.side)
    .ordType(e.orderType)
    .timeInForce(e.tif)
    .aggressor(e.aggressor ? 1 : 0)
    .rejectedCommand(e.rejectedCommand)
    .clOrdId(e.clOrdId)
    .origClOrdId(e.origClOrdId)
    .text(e.text)
    .encodedLength();
  out.length += H + n;
}

export function appendTrade(out: ReplyBuffer, t: TradeEvent): void {
  out.reserve(H + sbe.TradeEncoder.BLOCK_LENGTH);
  const n = trEnc
    .wrapAndApplyHeader(out.bytes, out.length)
    .tradeIdAsNumber(t.tradeId)
    .priceTicksAsNumber(t.priceTicks)
    .qtyLotsAsNumber(t.qtyLots)
    .makerOrderIdAsNumber(t.makerOrderId)
    .takerOrderIdAsNumber(t.takerOrderId)
    .timestampMsAsNumber(t.timestampMs)
    .instrumentId(t.instrumentId)
    .makerAccountId(t.makerAccountId)
    .takerAccountId(t.takerAccountId)
    .aggressorSide(t.aggressorSide as Side)
    .encodedLength();
  out.length += H + n;
}

export function appendReject(
  out: ReplyBuffer,
  timestampMs: number,
  reason: number,
  templateId: number,
  rejectedCommand: number,
  text: string,
): void {
  out.reserve(H + sbe.RejectEncoder.BLOCK_LENGTH + 2 + TEXT_BYTES_MAX);
  const n = rjEnc
    .wrapAndApplyHeader(out.bytes, out.length)
    .timestampMsAsNumber(timestampMs)
    .reason(reason)
    .templateId(templateId)
    .rejectedCommand(rejectedCommand as CommandKind)
    .text(text.length > 256 ? text.slice(0, 256) : text)
    .encodedLength();
  out.length += H + n;
}

export function appendMassCancel(out: ReplyBuffer, m: MassCancelEvent): void {
  out.reserve(H + sbe.MassCancelReportEncoder.BLOCK_LENGTH);
  const n = mcEnc
    .wrapAndApplyHeader(out.bytes, out.length)
    .timestampMsAsNumber(m.timestampMs)
    .accountId(m.accountId)
    .instrumentId(m.instrumentId)
    .canceledCount(m.canceledCount)
    .side(m.side)
    .clOrdId(m.clOrdId)
    .encodedLength();
  out.length += H + n;
}

export function appendAdmin(out: ReplyBuffer, a: AdminEvent): void {
  out.reserve(H + sbe.AdminAckEncoder.BLOCK_LENGTH);
  const n = adEnc
    .wrapAndApplyHeader(out.bytes, out.length)
    .timestampMsAsNumber(a.timestampMs)
    .id(a.id)
    .kind(a.kind)
    .encodedLength();
  out.length += H + n;
}

// ---------------------------------------------------------------------------- bytes -> records

export interface ExecutionReportMessage {
  readonly type: 'execution';
  readonly execType: ExecType;
  readonly ordStatus: OrdStatus;
  readonly execId: number;
  readonly orderId: number;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly accountId: number;
  readonly instrumentId: number;
  readonly side: number;
  readonly orderType: number;
  readonly tif: number;
  readonly priceTicks: number;
  readonly stopPriceTicks: number;
  readonly orderQtyLots: number;
  readonly displayQtyLots: number;
  readonly lastPxTicks: number;
  readonly lastQtyLots: number;
  readonly cumQtyLots: number;
  readonly leavesQtyLots: number;
  readonly cumNotional: number;
  readonly tradeId: number;
  readonly aggressor: boolean;
  readonly reason: Reason;
  readonly text: string;
  readonly rejectedCommand: number;
  readonly timestampMs: number;
}

export interface TradeMessage {
  readonly type: 'trade';
  readonly tradeId: number;
  readonly instrumentId: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressorSide: number;
  readonly makerOrderId: number;
  readonly takerOrderId: number;
  readonly makerAccountId: number;
  readonly takerAccountId: number;
  readonly timestampMs: number;
}

export interface RejectMessage {
  readonly type: 'reject';
  readonly timestampMs: number;
  readonly reason: number;
  readonly templateId: number;
  readonly rejectedCommand: number;
  readonly text: string;
}

export interface MassCancelReportMessage {
  readonly type: 'massCancel';
  readonly timestampMs: number;
  readonly accountId: number;
  readonly instrumentId: number;
  readonly side: number;
  readonly canceledCount: number;
  readonly clOrdId: string;
}

export interface AdminAckMessage {
  readonly type: 'admin';
  readonly timestampMs: number;
  readonly kind: number;
  readonly id: number;
}

export type ReplyMessage =
  | ExecutionReportMessage
  | TradeMessage
  | RejectMessage
  | MassCancelReportMessage
  | AdminAckMessage;

const replyDispatcher = new sbe.MessageDispatcher();

/** Decodes a reply payload (concatenated messages) into plain records (allocates; for clients/tests). */
export function decodeReply(payload: Uint8Array): ReplyMessage[] {
  const out: ReplyMessage[] = [];
  let pos = 0;
  while (pos < payload.length) {
    const m = replyDispatcher.wrap(payload, pos);
    if (m === null) throw new RangeError(`unknown message at offset ${pos}`);
    switch (m.sbeName) {
      case 'ExecutionReport':
        out.push({
          type: 'execution',
          execType: m.execTypeRaw() as ExecType,
          ordStatus: m.ordStatusRaw() as OrdStatus,
          execId: m.execIdAsNumber(),
          orderId: m.orderIdAsNumber(),
          clOrdId: m.clOrdId(),
          origClOrdId: m.origClOrdId(),
          accountId: m.accountId(),
          instrumentId: m.instrumentId(),
          side: m.side(),
          orderType: m.ordType(),
          tif: m.timeInForce(),
          priceTicks: m.priceTicksAsNumber(),
          stopPriceTicks: m.stopPriceTicksAsNumber(),
          orderQtyLots: m.orderQtyLotsAsNumber(),
          displayQtyLots: m.displayQtyLotsAsNumber(),
          lastPxTicks: m.lastPxTicksAsNumber(),
          lastQtyLots: m.lastQtyLotsAsNumber(),
          cumQtyLots: m.cumQtyLotsAsNumber(),
          leavesQtyLots: m.leavesQtyLotsAsNumber(),
          cumNotional: m.cumNotionalAsNumber(),
          tradeId: m.tradeIdAsNumber(),
          aggressor: m.aggressorRaw() === 1,
          reason: m.reason() as Reason,
          rejectedCommand: m.rejectedCommandRaw(),
          timestampMs: m.timestampMsAsNumber(),
          text: m.text(),
        });
        break;
      case 'Trade':
        out.push({
          type: 'trade',
          tradeId: m.tradeIdAsNumber(),
          instrumentId: m.instrumentId(),
          priceTicks: m.priceTicksAsNumber(),
          qtyLots: m.qtyLotsAsNumber(),
          aggressorSide: m.aggressorSideRaw(),
          makerOrderId: m.makerOrderIdAsNumber(),
          takerOrderId: m.takerOrderIdAsNumber(),
          makerAccountId: m.makerAccountId(),
          takerAccountId: m.takerAccountId(),
          timestampMs: m.timestampMsAsNumber(),
        });
        break;
      case 'Reject':
        out.push({
          type: 'reject',
          timestampMs: m.timestampMsAsNumber(),
          reason: m.reason(),
          templateId: m.templateId(),
          rejectedCommand: m.rejectedCommandRaw(),
          text: m.text(),
        });
        break;
      case 'MassCancelReport':
        out.push({
          type: 'massCancel',
          timestampMs: m.timestampMsAsNumber(),
          accountId: m.accountId(),
          instrumentId: m.instrumentId(),
          side: m.sideRaw(),
          canceledCount: m.canceledCount(),
          clOrdId: m.clOrdId(),
        });
        break;
      case 'AdminAck':
        out.push({
          type: 'admin',
          timestampMs: m.timestampMsAsNumber(),
          kind: m.kind(),
          id: m.id(),
        });
        break;
      default:
        throw new RangeError(`message ${m.sbeName} at offset ${pos} is not a reply`);
    }
    pos += H + m.encodedLength();
  }
  return out;
}
