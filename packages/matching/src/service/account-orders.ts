import type { MatchingEngine } from '../engine/engine.js';
import { ExecutionEvent } from '../events/events.js';
import * as sbe from '../generated/venue/index.js';
import {
  CommandKind,
  ExecType,
  type OrderType,
  OrdStatus,
  type Side,
  type TimeInForce,
} from '../types/enums.js';
import { Reason } from '../types/reasons.js';
import { appendExecution, appendReject, type ReplyBuffer } from './codec.js';

/**
 * The read-only account query (`venue orders --account`): it goes through the log like any command,
 * so its answer reflects every order acknowledged before it, on whichever member answers. It reads
 * the engine and changes nothing: no exec id is consumed and the state hash stays the same.
 */

/** SBE template of the query (schema 2). */
export const ACCOUNT_ORDERS_TEMPLATE_ID = sbe.AccountOrdersQueryDecoder.TEMPLATE_ID;

/** Orders in one answer at most (about 200 bytes each: well within a client frame). */
export const ACCOUNT_ORDERS_MAX = 2000;

const H = sbe.MESSAGE_HEADER_LENGTH;
const header = new sbe.MessageHeaderDecoder();
const decoder = new sbe.AccountOrdersQueryDecoder();
const encoder = new sbe.AccountOrdersQueryEncoder();
const report = new ExecutionEvent();

/** The query for an account's live orders, as a command payload for the cluster. */
export function encodeAccountOrdersQuery(accountId: number): Uint8Array {
  const buf = new Uint8Array(H + sbe.AccountOrdersQueryEncoder.BLOCK_LENGTH);
  encoder.wrapAndApplyHeader(buf, 0).accountId(accountId);
  return buf;
}

/** The account id if `payload` is an account query (schema 2, template 7), else undefined. */
export function decodeAccountOrdersQuery(payload: Uint8Array): number | undefined {
  if (payload.length < H) return undefined;
  header.wrap(payload, 0);
  if (
    header.schemaId() !== sbe.AccountOrdersQueryDecoder.SCHEMA_ID ||
    header.templateId() !== sbe.AccountOrdersQueryDecoder.TEMPLATE_ID ||
    payload.length < H + header.blockLength()
  ) {
    return undefined;
  }
  return decoder.wrapWithHeader(payload, 0).accountId();
}

/**
 * Appends the answer: one OrderStatus ExecutionReport per live order of the account, ascending
 * order id (the last one says so if the list was cut at `max`), or a Reject for an
 * unknown account. No report at all means the account has no live order.
 */
export function appendAccountOrders(
  out: ReplyBuffer,
  engine: MatchingEngine,
  accountId: number,
  timestampMs: number,
  max = ACCOUNT_ORDERS_MAX,
): void {
  const account = engine.account(accountId);
  if (account === undefined) {
    appendReject(
      out,
      timestampMs,
      Reason.UnknownAccount,
      sbe.AccountOrdersQueryDecoder.TEMPLATE_ID,
      CommandKind.OrderStatus,
      `account ${accountId} is unknown`,
    );
    return;
  }
  const total = account.openOrders;
  let shown = 0;
  engine.forEachAccountOrder(accountId, max, (orderId) => {
    const o = engine.order(orderId);
    if (o === undefined) throw new Error(`account ${accountId} lists order ${orderId} that is not live`);
    shown += 1;
    const e = report;
    e.execType = ExecType.OrderStatus;
    e.ordStatus = o.cumQtyLots > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New;
    e.execId = 0;
    e.orderId = o.id;
    e.clOrdId = o.clOrdId;
    e.origClOrdId = '';
    e.accountId = o.accountId;
    e.sessionId = o.sessionId;
    e.instrumentId = o.instrumentId;
    e.side = o.side as Side;
    e.orderType = o.orderType as OrderType;
    e.tif = o.tif as TimeInForce;
    e.priceTicks = o.priceTicks;
    e.stopPriceTicks = o.stopPriceTicks;
    e.orderQtyLots = o.orderQtyLots;
    e.displayQtyLots = o.displayLots;
    e.lastPxTicks = 0;
    e.lastQtyLots = 0;
    e.cumQtyLots = o.cumQtyLots;
    e.leavesQtyLots = o.leavesLots;
    e.cumNotional = o.cumNotional;
    e.tradeId = 0;
    e.aggressor = false;
    e.reason = Reason.None;
    // The last report says when the list was cut: the reader must know it is not complete.
    e.text = shown === max && total > shown ? `first ${shown} of ${total} live orders` : '';
    e.rejectedCommand = 0;
    e.timestampMs = timestampMs;
    appendExecution(out, e);
  });
}
