import { isPublishedValue } from '../fix/definitions.js';
import type { FixField, FixMessage } from '../fix/message.js';
import { BusinessRejectReason, MsgType, Tag } from '../fix/tags.js';
import type { SessionAcceptor } from '../session/acceptor.js';
import type { FixSession, SessionApplication } from '../session/session.js';
import type { InstrumentCatalog } from './instruments.js';
import {
  type Invalid,
  parseCancel,
  parseMarketDataRequest,
  parseMassCancel,
  parseNewOrder,
  parseOrderStatus,
  parseReplace,
  parseSecurityListRequest,
} from './parse.js';
import { renderEvent } from './render.js';
import type { GatewayEvents, OrderEntryHandler, OutboundEvent, SessionContext } from './types.js';

const SUPPORTED: ReadonlySet<string> = new Set([
  MsgType.NewOrderSingle,
  MsgType.OrderCancelRequest,
  MsgType.OrderCancelReplaceRequest,
  MsgType.OrderStatusRequest,
  MsgType.OrderMassCancelRequest,
  MsgType.SecurityListRequest,
  MsgType.MarketDataRequest,
]);

/**
 * The application layer: turns validated inbound FIX application messages into neutral requests
 * for the OrderEntryHandler (or answers invalid ones with the FIX-appropriate reject), and renders
 * the handler's events back to FIX.
 */
export class OrderEntryApp implements SessionApplication, GatewayEvents {
  readonly supportedMsgTypes = SUPPORTED;
  handler: OrderEntryHandler | undefined;
  acceptor: SessionAcceptor | undefined;
  private rejectCounter = 0;
  readonly stats = { requests: 0, appRejects: 0, renderErrors: 0, handlerErrors: 0, events: 0 };

  constructor(
    readonly catalog: InstrumentCatalog,
    /** Prefix of gateway-generated ExecIDs (unique per process start). */
    private readonly execIdPrefix: string,
    private readonly log: (text: string) => void = () => {},
  ) {}

  private ctxOf(session: FixSession, msg?: FixMessage): SessionContext {
    const user = session.user!;
    return {
      sessionKey: session.sessionKey!,
      username: user.username,
      account: user.account,
      admin: user.admin,
      msgSeqNum: msg?.getInt(Tag.MsgSeqNum) ?? 0,
    };
  }

  onLogon(session: FixSession): void {
    const { msgSeqNum: _, ...ctx } = this.ctxOf(session);
    this.guard('onLogon', () => this.handler?.onLogon?.(ctx));
  }

  onDisconnect(session: FixSession, reason: string): void {
    const { msgSeqNum: _, ...ctx } = this.ctxOf(session);
    const info = { reason, cancelOnDisconnect: session.user?.cancelOnDisconnect ?? false };
    // Runs from socket 'close' events: an exception here must not escape.
    this.guard('onDisconnect', () => this.handler?.onDisconnect(ctx, info));
  }

  private guard(what: string, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.stats.handlerErrors++;
      this.log(`handler ${what} failed: ${(e as Error).message}`);
    }
  }

  onMessage(session: FixSession, msg: FixMessage): void {
    const handler = this.handler;
    const ctx = this.ctxOf(session, msg);
    if (handler === undefined) {
      session.sendBusinessReject(
        ctx.msgSeqNum,
        msg.msgType,
        BusinessRejectReason.ApplicationNotAvailable,
        'Order entry is not available',
      );
      return;
    }
    const { account, admin } = ctx;
    const cat = this.catalog;
    switch (msg.msgType) {
      case MsgType.NewOrderSingle: {
        const p = parseNewOrder(msg, account, admin, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onNewOrder(ctx, p.req));
        else this.rejectOrder(session, msg, p);
        return;
      }
      case MsgType.OrderCancelRequest: {
        const p = parseCancel(msg, account, admin, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onCancel(ctx, p.req));
        else this.rejectCancel(session, msg, p, '1');
        return;
      }
      case MsgType.OrderCancelReplaceRequest: {
        const p = parseReplace(msg, account, admin, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onReplace(ctx, p.req));
        else this.rejectCancel(session, msg, p, '2');
        return;
      }
      case MsgType.OrderStatusRequest: {
        const p = parseOrderStatus(msg, account, admin, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onOrderStatus(ctx, p.req));
        else this.reject(session, MsgType.BusinessMessageReject, [], msg, p, BusinessRejectReason.Other);
        return;
      }
      case MsgType.OrderMassCancelRequest: {
        const p = parseMassCancel(msg, account, admin, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onMassCancel(ctx, p.req));
        else if (!isPublishedValue(Tag.MassCancelRequestType, msg.get(Tag.MassCancelRequestType) ?? ''))
          // The report must echo a valid MassCancelRequestType(530): reject at business level.
          this.reject(session, MsgType.BusinessMessageReject, [], msg, p, BusinessRejectReason.Other);
        else
          this.reject(
            session,
            MsgType.OrderMassCancelReport,
            [
              { tag: Tag.ClOrdID, value: msg.get(Tag.ClOrdID) ?? '' },
              { tag: Tag.OrderID, value: 'NONE' },
              { tag: Tag.MassCancelRequestType, value: msg.get(Tag.MassCancelRequestType) ?? '' },
              { tag: Tag.MassCancelResponse, value: '0' },
              { tag: Tag.MassCancelRejectReason, value: String(p.code) },
            ],
            msg,
            p,
          );
        return;
      }
      case MsgType.SecurityListRequest: {
        const p = parseSecurityListRequest(msg);
        if (p.ok) this.dispatch(session, msg, () => handler.onSecurityListRequest(ctx, p.req));
        else {
          // FIX 4.4's SecurityList has no top-level Text(58): SecurityRequestResult(560)=1 says it.
          this.stats.appRejects++;
          this.log(`SecurityListRequest from ${session.sessionKey} rejected: ${p.text}`);
          session.sendApp(MsgType.SecurityList, [
            { tag: Tag.SecurityReqID, value: msg.get(Tag.SecurityReqID) ?? '' },
            { tag: Tag.SecurityResponseID, value: `${this.execIdPrefix}-SL${++this.rejectCounter}` },
            { tag: Tag.SecurityRequestResult, value: '1' },
          ]);
        }
        return;
      }
      case MsgType.MarketDataRequest: {
        const p = parseMarketDataRequest(msg, cat);
        if (p.ok) this.dispatch(session, msg, () => handler.onMarketDataRequest(ctx, p.req));
        else
          this.reject(
            session,
            MsgType.MarketDataRequestReject,
            [
              { tag: Tag.MDReqID, value: msg.get(Tag.MDReqID) ?? '' },
              { tag: Tag.MDReqRejReason, value: String(p.code) },
            ],
            msg,
            p,
          );
        return;
      }
      default:
        session.sendBusinessReject(
          ctx.msgSeqNum,
          msg.msgType,
          BusinessRejectReason.UnsupportedMessageType,
          `Unsupported message type ${msg.msgType}`,
        );
    }
  }

  /** Calls the handler; a throwing handler (integration bug) costs one request, not the session. */
  private dispatch(session: FixSession, msg: FixMessage, call: () => void): void {
    this.stats.requests++;
    try {
      call();
    } catch (e) {
      this.stats.handlerErrors++;
      this.log(`handler failed on ${msg.msgType} from ${session.sessionKey}: ${(e as Error).message}`);
      session.sendBusinessReject(
        msg.getInt(Tag.MsgSeqNum) ?? 0,
        msg.msgType,
        BusinessRejectReason.ApplicationNotAvailable,
        'Internal error: the request was not processed',
        msg.get(Tag.ClOrdID),
      );
    }
  }

  private reject(
    session: FixSession,
    msgType: string,
    fields: FixField[],
    msg: FixMessage,
    p: Invalid,
    businessReason?: number,
  ): void {
    this.stats.appRejects++;
    if (msgType === MsgType.BusinessMessageReject) {
      session.sendBusinessReject(
        msg.getInt(Tag.MsgSeqNum) ?? 0,
        msg.msgType,
        businessReason ?? 0,
        p.text,
        msg.get(Tag.ClOrdID),
      );
      return;
    }
    session.sendApp(msgType, [...fields, { tag: Tag.Text, value: p.text }]);
  }

  /** ExecutionReport 150=8/39=8 for a NewOrderSingle that fails validation. */
  private rejectOrder(session: FixSession, msg: FixMessage, p: Invalid): void {
    // An ExecutionReport must carry a valid Side(54): with none to echo, reject at business level.
    if (!isPublishedValue(Tag.Side, msg.get(Tag.Side) ?? '')) {
      this.reject(session, MsgType.BusinessMessageReject, [], msg, p, BusinessRejectReason.Other);
      return;
    }
    this.reject(
      session,
      MsgType.ExecutionReport,
      [
        { tag: Tag.OrderID, value: 'NONE' },
        { tag: Tag.ClOrdID, value: msg.get(Tag.ClOrdID) ?? '' },
        { tag: Tag.ExecID, value: `${this.execIdPrefix}-R${++this.rejectCounter}` },
        { tag: Tag.ExecType, value: '8' },
        { tag: Tag.OrdStatus, value: '8' },
        { tag: Tag.OrdRejReason, value: String(p.code) },
        { tag: Tag.Symbol, value: msg.get(Tag.Symbol) ?? '[N/A]' },
        { tag: Tag.Side, value: msg.get(Tag.Side) ?? '1' },
        ...(msg.has(Tag.OrderQty) ? [{ tag: Tag.OrderQty, value: msg.get(Tag.OrderQty)! }] : []),
        { tag: Tag.LeavesQty, value: '0' },
        { tag: Tag.CumQty, value: '0' },
        { tag: Tag.AvgPx, value: '0' },
      ],
      msg,
      p,
    );
  }

  /** OrderCancelReject (434=1 cancel, 2 replace) for a request that fails validation. */
  private rejectCancel(session: FixSession, msg: FixMessage, p: Invalid, responseTo: '1' | '2'): void {
    this.reject(
      session,
      MsgType.OrderCancelReject,
      [
        { tag: Tag.OrderID, value: msg.get(Tag.OrderID) ?? 'NONE' },
        { tag: Tag.ClOrdID, value: msg.get(Tag.ClOrdID) ?? '' },
        { tag: Tag.OrigClOrdID, value: msg.get(Tag.OrigClOrdID) ?? '' },
        { tag: Tag.OrdStatus, value: '8' },
        { tag: Tag.CxlRejResponseTo, value: responseTo },
        { tag: Tag.CxlRejReason, value: '99' },
      ],
      msg,
      p,
    );
  }

  /** GatewayEvents: render an event and send it (journaled if the session is offline). */
  emit(username: string, event: OutboundEvent): void {
    const acceptor = this.acceptor;
    if (acceptor === undefined) throw new Error('OrderEntryApp: no acceptor');
    let rendered: ReturnType<typeof renderEvent>;
    try {
      rendered = renderEvent(event, this.catalog, acceptor.clock.nowMs());
    } catch (e) {
      // A bad event from the integration must not take the gateway down: log and drop it.
      this.stats.renderErrors++;
      this.log(`dropped ${event.kind} for ${username}: ${(e as Error).message}`);
      return;
    }
    this.stats.events++;
    try {
      acceptor.sendToSession(username, rendered.msgType, rendered.body);
    } catch (e) {
      // e.g. the store cannot be written: the event is lost for FIX; the client can ask OrderStatus.
      this.stats.renderErrors++;
      this.log(`could not send ${event.kind} to ${username}: ${(e as Error).message}`);
    }
  }
}
