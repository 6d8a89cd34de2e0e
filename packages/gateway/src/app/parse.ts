import { parseUtcTimestamp } from '../fix/codec.js';
import {
  EXEC_INST_POST_ONLY,
  MASS_CANCEL_REQUEST_TYPE_VALUES,
  MD_ENTRY_TYPE_VALUES,
  namesByWire,
  ORD_TYPE_VALUES,
  SECURITY_LIST_REQUEST_TYPE_VALUES,
  SIDE_VALUES,
  SUBSCRIPTION_REQUEST_TYPE_VALUES,
  TIME_IN_FORCE_VALUES,
} from '../fix/definitions.js';
import type { FixMessage } from '../fix/message.js';
import { Tag } from '../fix/tags.js';
import type { InstrumentCatalog } from './instruments.js';
import type {
  CancelRequest,
  MarketDataRequest,
  MassCancelRequest,
  MdEntryType,
  NewOrderRequest,
  OrderStatusRequest,
  OrdType,
  ReplaceRequest,
  SecurityListRequest,
  Side,
  TimeInForce,
} from './types.js';

/** A validation failure: the text goes into Text(58) of the reject; `code` is the FIX reason. */
export interface Invalid {
  readonly ok: false;
  readonly text: string;
  readonly code: number;
}
export type Parsed<T> = { readonly ok: true; readonly req: T } | Invalid;

const bad = (text: string, code = 99): Invalid => ({ ok: false, text, code });

/** OrdRejReason(103) values used. */
export const OrdRejReason = {
  UnknownSymbol: 1,
  ExceedsLimit: 3,
  DuplicateOrder: 6,
  UnsupportedOrderCharacteristic: 11,
  IncorrectQuantity: 13,
  Other: 99,
} as const;

const SIDES: ReadonlyMap<string, Side> = namesByWire(SIDE_VALUES);
const ORD_TYPES: ReadonlyMap<string, OrdType> = namesByWire(ORD_TYPE_VALUES);
const TIFS: ReadonlyMap<string, TimeInForce> = namesByWire(TIME_IN_FORCE_VALUES);
const PRINTABLE_RE = /^[\x21-\x7e]+$/;
/** ClOrdID bound of the matching engine (CLORDID_LENGTH_MAX); other request ids get 64. */
export const CLORDID_CHARS_MAX = 32;
const ID_CHARS_MAX = 64;

function id(msg: FixMessage, tag: number, name: string): Parsed<string> {
  const v = msg.get(tag);
  if (v === undefined) return bad(`${name}(${tag}) is required`);
  const max = tag === Tag.ClOrdID || tag === Tag.OrigClOrdID ? CLORDID_CHARS_MAX : ID_CHARS_MAX;
  if (v.length > max || !PRINTABLE_RE.test(v)) {
    return bad(`${name}(${tag}) must be 1 to ${max} printable ASCII characters`);
  }
  return { ok: true, req: v };
}

function side(msg: FixMessage): Parsed<Side> {
  const s = SIDES.get(msg.get(Tag.Side) ?? '');
  return s === undefined
    ? bad('Side(54) must be 1 (Buy) or 2 (Sell)', OrdRejReason.UnsupportedOrderCharacteristic)
    : { ok: true, req: s };
}

function symbol(msg: FixMessage, catalog: InstrumentCatalog): Parsed<string> {
  const s = msg.get(Tag.Symbol);
  if (s === undefined) return bad('Symbol(55) is required', OrdRejReason.UnknownSymbol);
  if (catalog.get(s) === undefined)
    return bad(`Unknown symbol ${s.slice(0, 32)}`, OrdRejReason.UnknownSymbol);
  return { ok: true, req: s };
}

/** Account(1), if present, must be the session's own (ADMIN may name any). */
function account(msg: FixMessage, sessionAccount: string, admin: boolean): Parsed<string> {
  const a = msg.get(Tag.Account);
  if (a === undefined) return { ok: true, req: sessionAccount };
  if (a !== sessionAccount && !admin) return bad(`Account ${a.slice(0, 32)} is not this session's account`);
  return { ok: true, req: a };
}

interface OrderTerms {
  readonly ordType: OrdType;
  readonly timeInForce: TimeInForce;
  readonly qtyLots: number;
  readonly priceTicks: number | undefined;
  readonly stopPriceTicks: number | undefined;
  readonly expireAtMs: number | undefined;
  readonly displayQtyLots: number | undefined;
}

function orderTerms(msg: FixMessage, sym: string, catalog: InstrumentCatalog): Parsed<OrderTerms> {
  const ordType = ORD_TYPES.get(msg.get(Tag.OrdType) ?? '');
  if (ordType === undefined) {
    return bad(
      'OrdType(40) must be 1 (Market), 2 (Limit), 3 (Stop) or 4 (Stop limit)',
      OrdRejReason.UnsupportedOrderCharacteristic,
    );
  }
  const tifText = msg.get(Tag.TimeInForce) ?? TIME_IN_FORCE_VALUES.day[0];
  const timeInForce = TIFS.get(tifText);
  if (timeInForce === undefined) {
    return bad(
      `TimeInForce(59)=${tifText.slice(0, 4)} is not supported (0 Day, 1 GTC, 3 IOC, 4 FOK, 6 GTD)`,
      OrdRejReason.UnsupportedOrderCharacteristic,
    );
  }
  const qtyText = msg.get(Tag.OrderQty);
  if (qtyText === undefined) return bad('OrderQty(38) is required', OrdRejReason.IncorrectQuantity);
  const qty = catalog.qtyToLots(sym, qtyText, 'OrderQty(38)');
  if (!qty.ok) return bad(qty.text, OrdRejReason.IncorrectQuantity);
  let priceTicks: number | undefined;
  const priceText = msg.get(Tag.Price);
  if (ordType === 'limit' || ordType === 'stopLimit') {
    if (priceText === undefined) return bad('Price(44) is required for limit orders');
    const p = catalog.priceToTicks(sym, priceText, 'Price(44)');
    if (!p.ok) return bad(p.text);
    if (p.value <= 0) return bad(`Price(44) ${priceText} must be positive`);
    priceTicks = p.value;
  } else if (priceText !== undefined) {
    return bad('Price(44) is not allowed on market and stop orders');
  }
  let stopPriceTicks: number | undefined;
  const stopText = msg.get(Tag.StopPx);
  if (ordType === 'stop' || ordType === 'stopLimit') {
    if (stopText === undefined) return bad('StopPx(99) is required for stop orders');
    const p = catalog.priceToTicks(sym, stopText, 'StopPx(99)');
    if (!p.ok) return bad(p.text);
    if (p.value <= 0) return bad(`StopPx(99) ${stopText} must be positive`);
    stopPriceTicks = p.value;
  }
  if (ordType === 'market' && timeInForce !== 'ioc' && timeInForce !== 'fok' && msg.has(Tag.TimeInForce)) {
    return bad('Market orders must be IOC or FOK', OrdRejReason.UnsupportedOrderCharacteristic);
  }
  let expireAtMs: number | undefined;
  const expireText = msg.get(Tag.ExpireTime);
  if (timeInForce === 'gtd') {
    if (expireText === undefined) return bad('ExpireTime(126) is required with TimeInForce(59)=6 (GTD)');
    expireAtMs = parseUtcTimestamp(expireText);
    if (expireAtMs === undefined)
      return bad(`ExpireTime(126) '${expireText.slice(0, 32)}' is not a UTC timestamp`);
  } else if (expireText !== undefined) {
    return bad('ExpireTime(126) is only allowed with TimeInForce(59)=6 (GTD)');
  }
  let displayQtyLots: number | undefined;
  const floorText = msg.get(Tag.MaxFloor);
  if (floorText !== undefined) {
    const d = catalog.qtyToLots(sym, floorText, 'MaxFloor(111)');
    if (!d.ok) return bad(d.text, OrdRejReason.IncorrectQuantity);
    if (d.value > qty.value)
      return bad('MaxFloor(111) must not exceed OrderQty(38)', OrdRejReason.IncorrectQuantity);
    if (ordType !== 'limit') return bad('MaxFloor(111) (iceberg) requires a limit order');
    displayQtyLots = d.value;
  }
  return {
    ok: true,
    req: { ordType, timeInForce, qtyLots: qty.value, priceTicks, stopPriceTicks, expireAtMs, displayQtyLots },
  };
}

export function parseNewOrder(
  msg: FixMessage,
  acct: string,
  admin: boolean,
  catalog: InstrumentCatalog,
): Parsed<NewOrderRequest> {
  const clOrdId = id(msg, Tag.ClOrdID, 'ClOrdID');
  if (!clOrdId.ok) return clOrdId;
  const a = account(msg, acct, admin);
  if (!a.ok) return a;
  const sym = symbol(msg, catalog);
  if (!sym.ok) return sym;
  const sd = side(msg);
  if (!sd.ok) return sd;
  const terms = orderTerms(msg, sym.req, catalog);
  if (!terms.ok) return terms;
  const execInst = msg.get(Tag.ExecInst) ?? '';
  const postOnly = execInst.split(' ').includes(EXEC_INST_POST_ONLY[0]);
  if (postOnly && terms.req.ordType !== 'limit')
    return bad('ExecInst(18)=6 (post-only) requires a limit order');
  return {
    ok: true,
    req: {
      clOrdId: clOrdId.req,
      account: a.req,
      symbol: sym.req,
      side: sd.req,
      ...terms.req,
      postOnly,
      transactTimeMs: parseUtcTimestamp(msg.get(Tag.TransactTime) ?? ''),
    },
  };
}

export function parseCancel(
  msg: FixMessage,
  acct: string,
  admin: boolean,
  catalog: InstrumentCatalog,
): Parsed<CancelRequest> {
  const clOrdId = id(msg, Tag.ClOrdID, 'ClOrdID');
  if (!clOrdId.ok) return clOrdId;
  const orig = id(msg, Tag.OrigClOrdID, 'OrigClOrdID');
  if (!orig.ok) return orig;
  const a = account(msg, acct, admin);
  if (!a.ok) return a;
  const sym = symbol(msg, catalog);
  if (!sym.ok) return sym;
  const sd = side(msg);
  if (!sd.ok) return sd;
  return {
    ok: true,
    req: {
      clOrdId: clOrdId.req,
      origClOrdId: orig.req,
      orderId: msg.get(Tag.OrderID),
      account: a.req,
      symbol: sym.req,
      side: sd.req,
    },
  };
}

export function parseReplace(
  msg: FixMessage,
  acct: string,
  admin: boolean,
  catalog: InstrumentCatalog,
): Parsed<ReplaceRequest> {
  const base = parseCancel(msg, acct, admin, catalog);
  if (!base.ok) return base;
  const terms = orderTerms(msg, base.req.symbol, catalog);
  if (!terms.ok) return terms;
  return { ok: true, req: { ...base.req, ...terms.req } };
}

export function parseOrderStatus(
  msg: FixMessage,
  acct: string,
  admin: boolean,
  catalog: InstrumentCatalog,
): Parsed<OrderStatusRequest> {
  const clOrdId = id(msg, Tag.ClOrdID, 'ClOrdID');
  if (!clOrdId.ok) return clOrdId;
  const a = account(msg, acct, admin);
  if (!a.ok) return a;
  const sym = symbol(msg, catalog);
  if (!sym.ok) return sym;
  const sd = side(msg);
  if (!sd.ok) return sd;
  return {
    ok: true,
    req: {
      clOrdId: clOrdId.req,
      orderId: msg.get(Tag.OrderID),
      account: a.req,
      symbol: sym.req,
      side: sd.req,
    },
  };
}

/** MassCancelRejectReason(532) values used. */
export const MassCancelRejectReason = {
  NotSupported: 0,
  UnknownSecurity: 1,
  Other: 99,
} as const;

export function parseMassCancel(
  msg: FixMessage,
  acct: string,
  admin: boolean,
  catalog: InstrumentCatalog,
): Parsed<MassCancelRequest> {
  const clOrdId = id(msg, Tag.ClOrdID, 'ClOrdID');
  if (!clOrdId.ok) return clOrdId;
  const a = account(msg, acct, admin);
  if (!a.ok) return bad(a.text, MassCancelRejectReason.Other);
  const type = msg.get(Tag.MassCancelRequestType);
  let sideValue: Side | undefined;
  if (msg.has(Tag.Side)) {
    const sd = side(msg);
    if (!sd.ok) return bad(sd.text, MassCancelRejectReason.Other);
    sideValue = sd.req;
  }
  if (type === MASS_CANCEL_REQUEST_TYPE_VALUES.all[0])
    return {
      ok: true,
      req: { clOrdId: clOrdId.req, account: a.req, scope: 'all', symbol: undefined, side: sideValue },
    };
  if (type === MASS_CANCEL_REQUEST_TYPE_VALUES.security[0]) {
    const sym = symbol(msg, catalog);
    if (!sym.ok) return bad(sym.text, MassCancelRejectReason.UnknownSecurity);
    return {
      ok: true,
      req: { clOrdId: clOrdId.req, account: a.req, scope: 'symbol', symbol: sym.req, side: sideValue },
    };
  }
  return bad(
    `MassCancelRequestType(530)=${(type ?? '').slice(0, 4)} is not supported (1 by security, 7 all orders)`,
    MassCancelRejectReason.NotSupported, // 0; 6 would mean 'unknown trading session'
  );
}

export function parseSecurityListRequest(msg: FixMessage): Parsed<SecurityListRequest> {
  const reqId = id(msg, Tag.SecurityReqID, 'SecurityReqID');
  if (!reqId.ok) return reqId;
  const type = msg.get(Tag.SecurityListRequestType);
  if (type === SECURITY_LIST_REQUEST_TYPE_VALUES.all[0])
    return { ok: true, req: { securityReqId: reqId.req, scope: 'all', symbol: undefined } };
  if (type === SECURITY_LIST_REQUEST_TYPE_VALUES.symbol[0]) {
    const s = msg.get(Tag.Symbol);
    if (s === undefined) return bad('Symbol(55) is required with SecurityListRequestType(559)=0', 1);
    return { ok: true, req: { securityReqId: reqId.req, scope: 'symbol', symbol: s } };
  }
  return bad(
    `SecurityListRequestType(559)=${(type ?? '').slice(0, 4)} is not supported (0 symbol, 4 all)`,
    1,
  );
}

/** MDReqRejReason(281) values used. */
export const MdReqRejReason = {
  UnknownSymbol: 0,
  DuplicateMdReqId: 1,
  UnsupportedSubscriptionRequestType: 4,
  UnsupportedMarketDepth: 5,
  UnsupportedMdEntryType: 8,
} as const;

const SUBSCRIPTIONS: ReadonlyMap<string, MarketDataRequest['subscription']> = namesByWire(
  SUBSCRIPTION_REQUEST_TYPE_VALUES,
);
const MD_ENTRY_TYPES: ReadonlyMap<string, MdEntryType> = namesByWire(MD_ENTRY_TYPE_VALUES);
const MD_SYMBOLS_MAX = 100;

export function parseMarketDataRequest(
  msg: FixMessage,
  catalog: InstrumentCatalog,
): Parsed<MarketDataRequest> {
  const reqId = id(msg, Tag.MDReqID, 'MDReqID');
  if (!reqId.ok) return reqId;
  const subText = msg.get(Tag.SubscriptionRequestType);
  const subscription = SUBSCRIPTIONS.get(subText ?? '');
  if (subscription === undefined) {
    return bad(
      `SubscriptionRequestType(263)=${(subText ?? '').slice(0, 4)} must be 0, 1 or 2`,
      MdReqRejReason.UnsupportedSubscriptionRequestType,
    );
  }
  const depth = msg.getInt(Tag.MarketDepth);
  if (depth === undefined || depth < 0 || depth > 1000) {
    return bad('MarketDepth(264) must be 0 (full) to 1000', MdReqRejReason.UnsupportedMarketDepth);
  }
  const typesGroup = msg.group(Tag.NoMDEntryTypes, Tag.MDEntryType, []);
  if (!typesGroup.ok) return bad(typesGroup.error, MdReqRejReason.UnsupportedMdEntryType);
  const entryTypes: MdEntryType[] = [];
  for (const e of typesGroup.entries) {
    const t = MD_ENTRY_TYPES.get(e.get(Tag.MDEntryType) ?? '');
    if (t === undefined) {
      return bad(
        `MDEntryType(269)=${(e.get(Tag.MDEntryType) ?? '').slice(0, 4)} is not supported (0 Bid, 1 Offer, 2 Trade)`,
        MdReqRejReason.UnsupportedMdEntryType,
      );
    }
    if (!entryTypes.includes(t)) entryTypes.push(t);
  }
  if (entryTypes.length === 0)
    return bad(
      'NoMDEntryTypes(267) must list at least one MDEntryType',
      MdReqRejReason.UnsupportedMdEntryType,
    );
  const symGroup = msg.group(Tag.NoRelatedSym, Tag.Symbol, [Tag.SecurityDesc]);
  if (!symGroup.ok) return bad(symGroup.error, MdReqRejReason.UnknownSymbol);
  const symbols: string[] = [];
  for (const e of symGroup.entries) {
    const s = e.get(Tag.Symbol) ?? '';
    if (catalog.get(s) === undefined)
      return bad(`Unknown symbol ${s.slice(0, 32)}`, MdReqRejReason.UnknownSymbol);
    if (!symbols.includes(s)) symbols.push(s);
  }
  if (symbols.length === 0 || symbols.length > MD_SYMBOLS_MAX) {
    return bad(`NoRelatedSym(146) must list 1 to ${MD_SYMBOLS_MAX} symbols`, MdReqRejReason.UnknownSymbol);
  }
  return { ok: true, req: { mdReqId: reqId.req, subscription, depth, entryTypes, symbols } };
}
