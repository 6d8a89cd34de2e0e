import { formatUtcTimestamp } from '../fix/codec.js';
import {
  CXL_REJ_REASON_VALUES,
  CXL_REJ_RESPONSE_TO_VALUES,
  EXEC_TYPE_VALUES,
  isPublishedValue,
  MASS_CANCEL_REQUEST_TYPE_VALUES,
  MASS_CANCEL_RESPONSE_VALUES,
  MD_ENTRY_TYPE_VALUES,
  MD_UPDATE_ACTION_VALUES,
  ORD_STATUS_VALUES,
  ORD_TYPE_VALUES,
  publishedOr,
  SIDE_VALUES,
  TIME_IN_FORCE_VALUES,
  wireValues,
} from '../fix/definitions.js';
import type { FixField } from '../fix/message.js';
import { MsgType, Tag } from '../fix/tags.js';
import type { InstrumentCatalog } from './instruments.js';
import type {
  CancelRejectEvent,
  CxlRejReason,
  ExecType,
  ExecutionReportEvent,
  MassCancelReportEvent,
  MdEntryType,
  OrdStatus,
  OrdType,
  OutboundEvent,
  Side,
  TimeInForce,
} from './types.js';

const EXEC_TYPE: Readonly<Record<ExecType, string>> = wireValues(EXEC_TYPE_VALUES);
const ORD_STATUS: Readonly<Record<OrdStatus, string>> = wireValues(ORD_STATUS_VALUES);
const SIDE: Readonly<Record<Side, string>> = wireValues(SIDE_VALUES);
const ORD_TYPE: Readonly<Record<OrdType, string>> = wireValues(ORD_TYPE_VALUES);
const TIF: Readonly<Record<TimeInForce, string>> = wireValues(TIME_IN_FORCE_VALUES);
const CXL_REJ: Readonly<Record<CxlRejReason, string>> = wireValues(CXL_REJ_REASON_VALUES);
const CXL_REJ_RESPONSE_TO = wireValues(CXL_REJ_RESPONSE_TO_VALUES);
const MD_ENTRY: Readonly<Record<MdEntryType, string>> = wireValues(MD_ENTRY_TYPE_VALUES);
const MD_ACTION = wireValues(MD_UPDATE_ACTION_VALUES);
const MASS_CANCEL_TYPE = wireValues(MASS_CANCEL_REQUEST_TYPE_VALUES);
const MASS_CANCEL_RESPONSE = wireValues(MASS_CANCEL_RESPONSE_VALUES);

/** A reason code from the integration: a published FIX 4.4 value, else 99 (Other). */
const reasonCode = (tag: number, code: number | undefined) =>
  code === undefined ? undefined : publishedOr(tag, String(code), '99');

export interface Rendered {
  readonly msgType: string;
  readonly body: FixField[];
}

class Fields {
  readonly list: FixField[] = [];
  add(tag: number, value: string | number | undefined): this {
    if (value !== undefined) this.list.push({ tag, value: String(value) });
    return this;
  }
}

/** Renders a neutral event as a FIX 4.4 application message body (standard header added by the session). */
export function renderEvent(event: OutboundEvent, catalog: InstrumentCatalog, nowMs: number): Rendered {
  switch (event.kind) {
    case 'executionReport':
      return { msgType: MsgType.ExecutionReport, body: renderExecutionReport(event, catalog, nowMs) };
    case 'cancelReject':
      return { msgType: MsgType.OrderCancelReject, body: renderCancelReject(event) };
    case 'massCancelReport':
      return { msgType: MsgType.OrderMassCancelReport, body: renderMassCancelReport(event) };
    case 'securityList': {
      const f = new Fields()
        .add(Tag.SecurityReqID, event.securityReqId)
        .add(Tag.SecurityResponseID, event.responseId)
        .add(Tag.SecurityRequestResult, event.result)
        .add(Tag.TotNoRelatedSym, event.instruments.length)
        .add(Tag.NoRelatedSym, event.instruments.length);
      for (const i of event.instruments) {
        f.add(Tag.Symbol, i.symbol).add(Tag.SecurityDesc, i.description).add(Tag.Currency, i.currency);
        // FIX 4.4 has no tick-size tag (MinPriceIncrement 969 is FIX 5.0 and strict 4.4 engines
        // reject it): RoundLot carries the lot size, the entry's Text the tick size.
        f.add(Tag.RoundLot, i.lotSize).add(Tag.Text, `tickSize=${i.tickSize} lotSize=${i.lotSize}`);
      }
      return { msgType: MsgType.SecurityList, body: f.list };
    }
    case 'marketDataSnapshot': {
      const f = new Fields()
        .add(Tag.MDReqID, event.mdReqId)
        .add(Tag.Symbol, event.symbol)
        .add(Tag.LastMsgSeqNumProcessed, event.lastSeqProcessed)
        .add(Tag.NoMDEntries, event.entries.length);
      for (const e of event.entries) {
        f.add(Tag.MDEntryType, MD_ENTRY[e.type])
          .add(Tag.MDEntryPx, catalog.ticksToPrice(event.symbol, e.priceTicks))
          .add(Tag.MDEntrySize, catalog.lotsToQty(event.symbol, e.sizeLots))
          .add(Tag.NumberOfOrders, e.numberOfOrders);
      }
      return { msgType: MsgType.MarketDataSnapshotFullRefresh, body: f.list };
    }
    case 'marketDataIncremental': {
      const f = new Fields().add(Tag.MDReqID, event.mdReqId).add(Tag.NoMDEntries, event.entries.length);
      for (const e of event.entries) {
        f.add(Tag.MDUpdateAction, MD_ACTION[e.action])
          .add(Tag.MDEntryType, MD_ENTRY[e.type])
          .add(Tag.Symbol, e.symbol)
          .add(Tag.MDEntryPx, catalog.ticksToPrice(e.symbol, e.priceTicks))
          .add(Tag.MDEntrySize, catalog.lotsToQty(e.symbol, e.sizeLots))
          .add(Tag.NumberOfOrders, e.numberOfOrders);
      }
      return { msgType: MsgType.MarketDataIncrementalRefresh, body: f.list };
    }
    case 'marketDataReject':
      if (!isPublishedValue(Tag.MDReqRejReason, String(event.reason))) {
        throw new Error(`MDReqRejReason(281) ${event.reason} is not a FIX 4.4 value`);
      }
      return {
        msgType: MsgType.MarketDataRequestReject,
        body: new Fields()
          .add(Tag.MDReqID, event.mdReqId)
          .add(Tag.MDReqRejReason, event.reason)
          .add(Tag.Text, event.text).list,
      };
  }
}

export function renderExecutionReport(
  e: ExecutionReportEvent,
  catalog: InstrumentCatalog,
  nowMs: number,
): FixField[] {
  const known = catalog.get(e.symbol) !== undefined;
  const px = (ticks: number | undefined) =>
    ticks === undefined || !known ? undefined : catalog.ticksToPrice(e.symbol, ticks);
  const qty = (lots: number | undefined) =>
    lots === undefined ? undefined : known ? catalog.lotsToQty(e.symbol, lots) : String(lots);
  if (e.leavesQtyLots < 0 || e.cumQtyLots < 0) throw new Error('ExecutionReport: negative quantities');
  const f = new Fields()
    .add(Tag.OrderID, e.orderId)
    .add(Tag.ClOrdID, e.clOrdId)
    .add(Tag.OrigClOrdID, e.origClOrdId)
    .add(Tag.ExecID, e.execId)
    .add(Tag.ExecType, EXEC_TYPE[e.execType])
    .add(Tag.OrdStatus, ORD_STATUS[e.ordStatus])
    .add(Tag.OrdRejReason, reasonCode(Tag.OrdRejReason, e.ordRejReason))
    .add(Tag.Account, e.account)
    .add(Tag.Symbol, e.symbol)
    .add(Tag.Side, SIDE[e.side])
    .add(Tag.OrderQty, qty(e.orderQtyLots))
    .add(Tag.OrdType, e.ordType === undefined ? undefined : ORD_TYPE[e.ordType])
    .add(Tag.Price, px(e.priceTicks))
    .add(Tag.TimeInForce, e.timeInForce === undefined ? undefined : TIF[e.timeInForce]);
  if (e.execType === 'trade') {
    f.add(Tag.LastQty, qty(e.lastQtyLots)).add(Tag.LastPx, px(e.lastPxTicks));
  }
  f.add(Tag.LeavesQty, qty(e.leavesQtyLots))
    .add(Tag.CumQty, qty(e.cumQtyLots))
    .add(Tag.AvgPx, known ? catalog.avgPrice(e.symbol, e.cumNotionalTickLots, e.cumQtyLots) : '0')
    .add(Tag.TransactTime, formatUtcTimestamp(e.transactTimeMs ?? nowMs))
    .add(Tag.Text, e.text);
  return f.list;
}

function renderCancelReject(e: CancelRejectEvent): FixField[] {
  return new Fields()
    .add(Tag.OrderID, e.orderId === '' ? 'NONE' : e.orderId)
    .add(Tag.ClOrdID, e.clOrdId)
    .add(Tag.OrigClOrdID, e.origClOrdId)
    .add(Tag.OrdStatus, ORD_STATUS[e.ordStatus])
    .add(Tag.CxlRejResponseTo, CXL_REJ_RESPONSE_TO[e.responseTo])
    .add(Tag.CxlRejReason, CXL_REJ[e.reason])
    .add(Tag.Text, e.text).list;
}

function renderMassCancelReport(e: MassCancelReportEvent): FixField[] {
  const requestType = e.scope === 'all' ? MASS_CANCEL_TYPE.all : MASS_CANCEL_TYPE.security;
  return new Fields()
    .add(Tag.ClOrdID, e.clOrdId)
    .add(Tag.OrderID, e.reportId)
    .add(Tag.MassCancelRequestType, requestType)
    .add(
      Tag.MassCancelResponse,
      e.accepted
        ? e.scope === 'all'
          ? MASS_CANCEL_RESPONSE.all
          : MASS_CANCEL_RESPONSE.security
        : MASS_CANCEL_RESPONSE.rejected,
    )
    .add(
      Tag.MassCancelRejectReason,
      e.accepted ? undefined : reasonCode(Tag.MassCancelRejectReason, e.rejectReason ?? 99),
    )
    .add(Tag.TotalAffectedOrders, e.affectedOrders)
    .add(Tag.Symbol, e.symbol)
    .add(Tag.Text, e.text).list;
}
