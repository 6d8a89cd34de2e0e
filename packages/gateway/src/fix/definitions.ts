import { BusinessRejectReason, SessionRejectReason, Tag } from './tags.js';

/**
 * The venue's FIX 4.4 dialect in one place: the messages it accepts and emits with their fields,
 * which fields are required, and the values of every enumerated field it reads or writes. The
 * session layer's validation (required tags), the application layer's parsing and rendering (enum
 * values) and the published QuickFIX data dictionary (`venueDictionaryXml()`) all read these
 * definitions, so the published dialect cannot drift from what the gateway does. Tag numbers,
 * names and types are FIX 4.4's (src/fix/generated/fix44-fields.ts, from QuickFIX's FIX44.xml).
 */

/**
 * How a field is required: `session` = required, a missing one gets a session Reject(3) 373=1;
 * `app` = required by the venue, a missing one gets the message's business reject (ExecutionReport
 * 150=8, OrderCancelReject, BusinessMessageReject ...) with a Text; omitted = optional.
 */
export type Requirement = 'session' | 'app';

/** One entry of a message definition: a field, or a repeating group (first item = delimiter). */
export type DictItem =
  | { readonly tag: number; readonly required: boolean; readonly requirement?: Requirement }
  | { readonly group: number; readonly required: boolean; readonly items: ReadonlyArray<DictItem> };

export interface DictMessage {
  readonly name: string;
  readonly msgType: string;
  readonly category: 'admin' | 'app';
  /** `in`: the venue accepts it; `out`: the venue sends it; `both`. */
  readonly direction: 'in' | 'out' | 'both';
  readonly items: ReadonlyArray<DictItem>;
}

/** CopyMsgIndicator(797): Y on every ExecutionReport a drop-copy session receives. */
export const COPY_MSG_INDICATOR = 797;

const f = (tag: number, requirement?: Requirement): DictItem =>
  requirement === undefined ? { tag, required: false } : { tag, required: true, requirement };
const g = (group: number, required: boolean, items: DictItem[]): DictItem => ({ group, required, items });
const R = 'session';
const A = 'app';

export const VENUE_HEADER: ReadonlyArray<DictItem> = [
  f(Tag.BeginString, R),
  f(Tag.BodyLength, R),
  f(Tag.MsgType, R),
  f(Tag.SenderCompID, R),
  f(Tag.TargetCompID, R),
  f(Tag.MsgSeqNum, R),
  f(Tag.PossDupFlag),
  f(97), // PossResend: tolerated
  f(Tag.SendingTime, R),
  f(Tag.OrigSendingTime),
  f(Tag.LastMsgSeqNumProcessed),
];
export const VENUE_TRAILER: ReadonlyArray<DictItem> = [f(93), f(89), f(Tag.CheckSum, R)];

export const VENUE_MESSAGES: ReadonlyArray<DictMessage> = [
  { name: 'Heartbeat', msgType: '0', category: 'admin', direction: 'both', items: [f(Tag.TestReqID)] },
  {
    name: 'TestRequest',
    msgType: '1',
    category: 'admin',
    direction: 'both',
    items: [f(Tag.TestReqID, R)],
  },
  {
    name: 'ResendRequest',
    msgType: '2',
    category: 'admin',
    direction: 'both',
    items: [f(Tag.BeginSeqNo, R), f(Tag.EndSeqNo, R)],
  },
  {
    name: 'Reject',
    msgType: '3',
    category: 'admin',
    direction: 'both',
    items: [f(Tag.RefSeqNum, R), f(Tag.RefTagID), f(Tag.RefMsgType), f(Tag.SessionRejectReason), f(Tag.Text)],
  },
  {
    name: 'SequenceReset',
    msgType: '4',
    category: 'admin',
    direction: 'both',
    items: [f(Tag.GapFillFlag), f(Tag.NewSeqNo, R)],
  },
  { name: 'Logout', msgType: '5', category: 'admin', direction: 'both', items: [f(Tag.Text)] },
  {
    name: 'ExecutionReport',
    msgType: '8',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.OrderID, R),
      f(Tag.ClOrdID),
      f(Tag.OrigClOrdID),
      f(Tag.ExecID, R),
      f(Tag.ExecType, R),
      f(Tag.OrdStatus, R),
      f(Tag.OrdRejReason),
      f(Tag.Account),
      f(Tag.Symbol, R),
      f(Tag.Side, R),
      f(Tag.OrderQty),
      f(Tag.OrdType),
      f(Tag.Price),
      f(Tag.StopPx),
      f(Tag.TimeInForce),
      f(Tag.ExpireTime),
      f(Tag.ExecInst),
      f(Tag.LastQty),
      f(Tag.LastPx),
      f(Tag.LeavesQty, R),
      f(Tag.CumQty, R),
      f(Tag.AvgPx, R),
      f(Tag.TransactTime),
      f(Tag.Text),
      f(COPY_MSG_INDICATOR), // Y on drop-copy sessions' copies
    ],
  },
  {
    name: 'OrderCancelReject',
    msgType: '9',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.OrderID, R),
      f(Tag.ClOrdID, R),
      f(Tag.OrigClOrdID, R),
      f(Tag.OrdStatus, R),
      f(Tag.CxlRejResponseTo, R),
      f(Tag.CxlRejReason),
      f(Tag.Text),
    ],
  },
  {
    name: 'Logon',
    msgType: 'A',
    category: 'admin',
    direction: 'both',
    items: [
      f(Tag.EncryptMethod, R),
      f(Tag.HeartBtInt, R),
      f(Tag.ResetSeqNumFlag),
      f(Tag.NextExpectedMsgSeqNum),
      f(Tag.Username),
      f(Tag.Password),
    ],
  },
  {
    name: 'NewOrderSingle',
    msgType: 'D',
    category: 'app',
    direction: 'in',
    items: [
      f(Tag.ClOrdID, R),
      f(Tag.Account),
      f(Tag.ExecInst),
      f(Tag.MaxFloor),
      f(Tag.Symbol, A),
      f(Tag.Side, R),
      f(Tag.TransactTime, R),
      f(Tag.OrderQty, A),
      f(Tag.OrdType, R),
      f(Tag.Price),
      f(Tag.StopPx),
      f(Tag.TimeInForce),
      f(Tag.ExpireTime),
      f(Tag.Text),
    ],
  },
  {
    name: 'OrderCancelRequest',
    msgType: 'F',
    category: 'app',
    direction: 'in',
    items: [
      f(Tag.OrigClOrdID, R),
      f(Tag.OrderID),
      f(Tag.ClOrdID, R),
      f(Tag.Account),
      f(Tag.Symbol, A),
      f(Tag.Side, R),
      f(Tag.TransactTime, R),
      f(Tag.OrderQty),
      f(Tag.Text),
    ],
  },
  {
    name: 'OrderStatusRequest',
    msgType: 'H',
    category: 'app',
    direction: 'in',
    items: [f(Tag.OrderID), f(Tag.ClOrdID, R), f(Tag.Account), f(Tag.Symbol, A), f(Tag.Side, R)],
  },
  {
    name: 'OrderCancelReplaceRequest',
    msgType: 'G',
    category: 'app',
    direction: 'in',
    items: [
      f(Tag.OrderID),
      f(Tag.OrigClOrdID, R),
      f(Tag.ClOrdID, R),
      f(Tag.Account),
      f(Tag.ExecInst),
      f(Tag.MaxFloor),
      f(Tag.Symbol, A),
      f(Tag.Side, R),
      f(Tag.TransactTime, R),
      f(Tag.OrderQty, A),
      f(Tag.OrdType, R),
      f(Tag.Price),
      f(Tag.StopPx),
      f(Tag.TimeInForce),
      f(Tag.ExpireTime),
      f(Tag.Text),
    ],
  },
  {
    name: 'MarketDataRequest',
    msgType: 'V',
    category: 'app',
    direction: 'in',
    items: [
      f(Tag.MDReqID, R),
      f(Tag.SubscriptionRequestType, R),
      f(Tag.MarketDepth, R),
      f(Tag.MDUpdateType),
      f(266), // AggregatedBook: accepted, the venue always aggregates by price
      g(Tag.NoMDEntryTypes, true, [f(Tag.MDEntryType, R)]),
      g(Tag.NoRelatedSym, true, [f(Tag.Symbol, R)]),
    ],
  },
  {
    name: 'MarketDataSnapshotFullRefresh',
    msgType: 'W',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.MDReqID),
      f(Tag.Symbol, R),
      g(Tag.NoMDEntries, true, [
        f(Tag.MDEntryType, R),
        f(Tag.MDEntryPx),
        f(Tag.MDEntrySize),
        f(Tag.MDEntryTime),
        f(Tag.NumberOfOrders),
      ]),
    ],
  },
  {
    name: 'MarketDataIncrementalRefresh',
    msgType: 'X',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.MDReqID),
      g(Tag.NoMDEntries, true, [
        f(Tag.MDUpdateAction, R),
        f(Tag.MDEntryType),
        f(Tag.Symbol),
        f(Tag.MDEntryPx),
        f(Tag.MDEntrySize),
        f(Tag.NumberOfOrders),
      ]),
    ],
  },
  {
    name: 'MarketDataRequestReject',
    msgType: 'Y',
    category: 'app',
    direction: 'out',
    items: [f(Tag.MDReqID, R), f(Tag.MDReqRejReason), f(Tag.Text)],
  },
  {
    name: 'BusinessMessageReject',
    msgType: 'j',
    category: 'app',
    direction: 'both',
    items: [
      f(Tag.RefSeqNum),
      f(Tag.RefMsgType, R),
      f(Tag.BusinessRejectRefID),
      f(Tag.BusinessRejectReason, R),
      f(Tag.Text),
    ],
  },
  {
    name: 'OrderMassCancelRequest',
    msgType: 'q',
    category: 'app',
    direction: 'in',
    items: [
      f(Tag.ClOrdID, R),
      f(Tag.MassCancelRequestType, R),
      f(Tag.Account),
      f(Tag.Symbol),
      f(Tag.Side),
      f(Tag.TransactTime, R),
      f(Tag.Text),
    ],
  },
  {
    name: 'OrderMassCancelReport',
    msgType: 'r',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.ClOrdID),
      f(Tag.OrderID, R),
      f(Tag.MassCancelRequestType, R),
      f(Tag.MassCancelResponse, R),
      f(Tag.MassCancelRejectReason),
      f(Tag.TotalAffectedOrders),
      f(Tag.Symbol),
      f(Tag.Text),
    ],
  },
  {
    name: 'SecurityListRequest',
    msgType: 'x',
    category: 'app',
    direction: 'in',
    items: [f(Tag.SecurityReqID, R), f(Tag.SecurityListRequestType, R), f(Tag.Symbol)],
  },
  {
    name: 'SecurityList',
    msgType: 'y',
    category: 'app',
    direction: 'out',
    items: [
      f(Tag.SecurityReqID, R),
      f(Tag.SecurityResponseID, R),
      f(Tag.SecurityRequestResult, R),
      f(Tag.TotNoRelatedSym),
      g(Tag.NoRelatedSym, false, [
        f(Tag.Symbol, R),
        f(Tag.SecurityDesc),
        f(Tag.Currency),
        f(Tag.RoundLot),
        f(Tag.Text),
      ]),
    ],
  },
];

/** Required header tags beyond 8/9 (which the codec checks): the session layer rejects without them. */
export const REQUIRED_HEADER_TAGS: ReadonlyArray<number> = VENUE_HEADER.flatMap((i) =>
  'tag' in i && i.requirement === 'session' && i.tag !== Tag.BeginString && i.tag !== Tag.BodyLength
    ? [i.tag]
    : [],
);

/**
 * Top-level tags whose absence gets a session Reject 373=1, per inbound message type (those FIX 4.4
 * itself requires). Venue-level requirements (`app`, e.g. Symbol, OrderQty) are checked by the
 * application layer with business rejects.
 */
export const REQUIRED_BODY_TAGS: Readonly<Record<string, ReadonlyArray<number>>> = Object.fromEntries(
  VENUE_MESSAGES.filter((m) => m.direction !== 'out').map((m) => [
    m.msgType,
    m.items.flatMap((i) =>
      'tag' in i ? (i.requirement === 'session' ? [i.tag] : []) : i.required ? [i.group] : [],
    ),
  ]),
);

// ---------------------------------------------------------------------------------------------
// Enumerated values. Each map: the gateway's neutral name -> [wire value, FIX44.xml description].
// Parsing and rendering use the wire values; the published dictionary lists exactly these values.

/** [wire value, FIX 4.4 (QuickFIX FIX44.xml) description]. */
export type EnumValue = readonly [value: string, description: string];
type Enum<K extends string> = Readonly<Record<K, EnumValue>>;

export const SIDE_VALUES = { buy: ['1', 'BUY'], sell: ['2', 'SELL'] } as const satisfies Enum<string>;
export const ORD_TYPE_VALUES = {
  market: ['1', 'MARKET'],
  limit: ['2', 'LIMIT'],
  stop: ['3', 'STOP'],
  stopLimit: ['4', 'STOP_LIMIT'],
} as const satisfies Enum<string>;
export const TIME_IN_FORCE_VALUES = {
  day: ['0', 'DAY'],
  gtc: ['1', 'GOOD_TILL_CANCEL'],
  ioc: ['3', 'IMMEDIATE_OR_CANCEL'],
  fok: ['4', 'FILL_OR_KILL'],
  gtd: ['6', 'GOOD_TILL_DATE'],
} as const satisfies Enum<string>;
export const EXEC_TYPE_VALUES = {
  new: ['0', 'NEW'],
  canceled: ['4', 'CANCELED'],
  replaced: ['5', 'REPLACE'],
  pendingCancel: ['6', 'PENDING_CANCEL'],
  rejected: ['8', 'REJECTED'],
  pendingNew: ['A', 'PENDING_NEW'],
  expired: ['C', 'EXPIRED'],
  pendingReplace: ['E', 'PENDING_REPLACE'],
  trade: ['F', 'TRADE'],
  orderStatus: ['I', 'ORDER_STATUS'],
} as const satisfies Enum<string>;
export const ORD_STATUS_VALUES = {
  new: ['0', 'NEW'],
  partiallyFilled: ['1', 'PARTIALLY_FILLED'],
  filled: ['2', 'FILLED'],
  canceled: ['4', 'CANCELED'],
  pendingCancel: ['6', 'PENDING_CANCEL'],
  rejected: ['8', 'REJECTED'],
  pendingNew: ['A', 'PENDING_NEW'],
  expired: ['C', 'EXPIRED'],
  pendingReplace: ['E', 'PENDING_REPLACE'],
} as const satisfies Enum<string>;
export const CXL_REJ_REASON_VALUES = {
  tooLate: ['0', 'TOO_LATE_TO_CANCEL'],
  unknownOrder: ['1', 'UNKNOWN_ORDER'],
  alreadyPending: ['3', 'ORDER_ALREADY_IN_PENDING_CANCEL_OR_PENDING_REPLACE_STATUS'],
  duplicateClOrdId: ['6', 'DUPLICATE_CLORDID'],
  other: ['99', 'OTHER'],
} as const satisfies Enum<string>;
export const CXL_REJ_RESPONSE_TO_VALUES = {
  cancel: ['1', 'ORDER_CANCEL_REQUEST'],
  replace: ['2', 'ORDER_CANCEL_REPLACE_REQUEST'],
} as const satisfies Enum<string>;
export const MD_ENTRY_TYPE_VALUES = {
  bid: ['0', 'BID'],
  offer: ['1', 'OFFER'],
  trade: ['2', 'TRADE'],
} as const satisfies Enum<string>;
export const MD_UPDATE_ACTION_VALUES = {
  new: ['0', 'NEW'],
  change: ['1', 'CHANGE'],
  delete: ['2', 'DELETE'],
} as const satisfies Enum<string>;
export const SUBSCRIPTION_REQUEST_TYPE_VALUES = {
  snapshot: ['0', 'SNAPSHOT'],
  subscribe: ['1', 'SNAPSHOT_PLUS_UPDATES'],
  unsubscribe: ['2', 'DISABLE_PREVIOUS_SNAPSHOT_PLUS_UPDATE_REQUEST'],
} as const satisfies Enum<string>;
/** Accepted (and echoed in a rejecting OrderMassCancelReport): all of FIX 4.4; 1 and 7 are supported. */
export const MASS_CANCEL_REQUEST_TYPE_VALUES = {
  security: ['1', 'CANCEL_ORDERS_FOR_A_SECURITY'],
  underlying: ['2', 'CANCEL_ORDERS_FOR_AN_UNDERLYING_SECURITY'],
  product: ['3', 'CANCEL_ORDERS_FOR_A_PRODUCT'],
  cfiCode: ['4', 'CANCEL_ORDERS_FOR_A_CFICODE'],
  securityType: ['5', 'CANCEL_ORDERS_FOR_A_SECURITYTYPE'],
  tradingSession: ['6', 'CANCEL_ORDERS_FOR_A_TRADING_SESSION'],
  all: ['7', 'CANCEL_ALL_ORDERS'],
} as const satisfies Enum<string>;
export const MASS_CANCEL_RESPONSE_VALUES = {
  rejected: ['0', 'CANCEL_REQUEST_REJECTED'],
  security: ['1', 'CANCEL_ORDERS_FOR_A_SECURITY'],
  all: ['7', 'CANCEL_ALL_ORDERS'],
} as const satisfies Enum<string>;
export const SECURITY_LIST_REQUEST_TYPE_VALUES = {
  symbol: ['0', 'SYMBOL'],
  all: ['4', 'ALL_SECURITIES'],
} as const satisfies Enum<string>;
/** ExecInst(18) value for post-only (the only ExecInst the venue reads). */
export const EXEC_INST_POST_ONLY: EnumValue = ['6', 'PARTICIPATE_DONT_INITIATE'];
const YES_NO = { yes: ['Y', 'YES'], no: ['N', 'NO'] } as const satisfies Enum<string>;

/**
 * Reason codes an integration (the OrderEntryHandler) may pass in events: every FIX 4.4 value is
 * published, and rendering maps anything else to 99 (Other) so no emitted message fails FIX 4.4.
 */
const ORD_REJ_REASON_VALUES: ReadonlyArray<EnumValue> = [
  ['0', 'BROKER'],
  ['1', 'UNKNOWN_SYMBOL'],
  ['2', 'EXCHANGE_CLOSED'],
  ['3', 'ORDER_EXCEEDS_LIMIT'],
  ['4', 'TOO_LATE_TO_ENTER'],
  ['5', 'UNKNOWN_ORDER'],
  ['6', 'DUPLICATE_ORDER'],
  ['7', 'DUPLICATE_OF_A_VERBALLY_COMMUNICATED_ORDER'],
  ['8', 'STALE_ORDER'],
  ['9', 'TRADE_ALONG_REQUIRED'],
  ['10', 'INVALID_INVESTOR_ID'],
  ['11', 'UNSUPPORTED_ORDER_CHARACTERISTIC'],
  ['13', 'INCORRECT_QUANTITY'],
  ['14', 'INCORRECT_ALLOCATED_QUANTITY'],
  ['15', 'UNKNOWN_ACCOUNT'],
  ['99', 'OTHER'],
];
const MASS_CANCEL_REJECT_REASON_VALUES: ReadonlyArray<EnumValue> = [
  ['0', 'MASS_CANCEL_NOT_SUPPORTED'],
  ['1', 'INVALID_OR_UNKNOWN_SECURITY'],
  ['2', 'INVALID_OR_UNKNOWN_UNDERLYING'],
  ['3', 'INVALID_OR_UNKNOWN_PRODUCT'],
  ['4', 'INVALID_OR_UNKNOWN_CFICODE'],
  ['5', 'INVALID_OR_UNKNOWN_SECURITY_TYPE'],
  ['6', 'INVALID_OR_UNKNOWN_TRADING_SESSION'],
  ['99', 'OTHER'],
];
const MD_REQ_REJ_REASON_VALUES: ReadonlyArray<EnumValue> = [
  ['0', 'UNKNOWN_SYMBOL'],
  ['1', 'DUPLICATE_MDREQID'],
  ['2', 'INSUFFICIENT_BANDWIDTH'],
  ['3', 'INSUFFICIENT_PERMISSIONS'],
  ['4', 'UNSUPPORTED_SUBSCRIPTIONREQUESTTYPE'],
  ['5', 'UNSUPPORTED_MARKETDEPTH'],
  ['6', 'UNSUPPORTED_MDUPDATETYPE'],
  ['7', 'UNSUPPORTED_AGGREGATEDBOOK'],
  ['8', 'UNSUPPORTED_MDENTRYTYPE'],
];
const SECURITY_REQUEST_RESULT_VALUES: ReadonlyArray<EnumValue> = [
  ['0', 'VALID_REQUEST'],
  ['1', 'INVALID_OR_UNSUPPORTED_REQUEST'],
  ['2', 'NO_INSTRUMENTS_FOUND_THAT_MATCH_SELECTION_CRITERIA'],
];
const SESSION_REJECT_REASON_DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: 'INVALID_TAG_NUMBER',
  1: 'REQUIRED_TAG_MISSING',
  2: 'TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE',
  3: 'UNDEFINED_TAG',
  4: 'TAG_SPECIFIED_WITHOUT_A_VALUE',
  5: 'VALUE_IS_INCORRECT',
  6: 'INCORRECT_DATA_FORMAT_FOR_VALUE',
  9: 'COMPID_PROBLEM',
  10: 'SENDINGTIME_ACCURACY_PROBLEM',
  11: 'INVALID_MSGTYPE',
  13: 'TAG_APPEARS_MORE_THAN_ONCE',
  14: 'TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER',
  16: 'INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP',
  99: 'OTHER',
};
const BUSINESS_REJECT_REASON_DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: 'OTHER',
  1: 'UNKOWN_ID', // sic: FIX44.xml's spelling
  2: 'UNKNOWN_SECURITY',
  3: 'UNSUPPORTED_MESSAGE_TYPE',
  4: 'APPLICATION_NOT_AVAILABLE',
  5: 'CONDITIONALLY_REQUIRED_FIELD_MISSING',
  6: 'NOT_AUTHORIZED',
};

const codes = (values: Readonly<Record<string, number>>, descriptions: Readonly<Record<number, string>>) =>
  Object.values(values)
    .sort((a, b) => a - b)
    .map((v): EnumValue => {
      const d = descriptions[v];
      if (d === undefined) throw new Error(`definitions: no FIX 4.4 description for value ${v}`);
      return [String(v), d];
    });

/** Every enumerated field the gateway reads or writes, with the values it accepts or emits. */
export const VENUE_FIELD_VALUES: ReadonlyMap<number, ReadonlyArray<EnumValue>> = new Map<
  number,
  ReadonlyArray<EnumValue>
>([
  [Tag.ExecInst, [EXEC_INST_POST_ONLY]],
  [Tag.OrdStatus, Object.values(ORD_STATUS_VALUES)],
  [Tag.OrdType, Object.values(ORD_TYPE_VALUES)],
  [Tag.PossDupFlag, Object.values(YES_NO)],
  [Tag.Side, Object.values(SIDE_VALUES)],
  [Tag.TimeInForce, Object.values(TIME_IN_FORCE_VALUES)],
  [Tag.EncryptMethod, [['0', 'NONE']]],
  [Tag.CxlRejReason, Object.values(CXL_REJ_REASON_VALUES)],
  [Tag.OrdRejReason, ORD_REJ_REASON_VALUES],
  [Tag.GapFillFlag, Object.values(YES_NO)],
  [Tag.ResetSeqNumFlag, Object.values(YES_NO)],
  [Tag.ExecType, Object.values(EXEC_TYPE_VALUES)],
  [Tag.SubscriptionRequestType, Object.values(SUBSCRIPTION_REQUEST_TYPE_VALUES)],
  [
    Tag.MDUpdateType,
    [
      ['0', 'FULL_REFRESH'],
      ['1', 'INCREMENTAL_REFRESH'],
    ],
  ],
  [266, Object.values(YES_NO)],
  [Tag.MDEntryType, Object.values(MD_ENTRY_TYPE_VALUES)],
  [Tag.MDUpdateAction, Object.values(MD_UPDATE_ACTION_VALUES)],
  [Tag.MDReqRejReason, MD_REQ_REJ_REASON_VALUES],
  [Tag.SessionRejectReason, codes(SessionRejectReason, SESSION_REJECT_REASON_DESCRIPTIONS)],
  [Tag.BusinessRejectReason, codes(BusinessRejectReason, BUSINESS_REJECT_REASON_DESCRIPTIONS)],
  [Tag.CxlRejResponseTo, Object.values(CXL_REJ_RESPONSE_TO_VALUES)],
  [Tag.MassCancelRequestType, Object.values(MASS_CANCEL_REQUEST_TYPE_VALUES)],
  [Tag.MassCancelResponse, Object.values(MASS_CANCEL_RESPONSE_VALUES)],
  [Tag.MassCancelRejectReason, MASS_CANCEL_REJECT_REASON_VALUES],
  [Tag.SecurityListRequestType, Object.values(SECURITY_LIST_REQUEST_TYPE_VALUES)],
  [Tag.SecurityRequestResult, SECURITY_REQUEST_RESULT_VALUES],
]);

/** True when `value` is a published value of enumerated field `tag` (or the field is not enumerated). */
export function isPublishedValue(tag: number, value: string): boolean {
  const values = VENUE_FIELD_VALUES.get(tag);
  return values === undefined || values.some(([v]) => v === value);
}

/** `value` when published for `tag`, else the fallback (e.g. 99 Other for reason codes). */
export function publishedOr(tag: number, value: string, fallback: string): string {
  if (!isPublishedValue(tag, fallback)) throw new Error(`definitions: ${fallback} is not a value of ${tag}`);
  return isPublishedValue(tag, value) ? value : fallback;
}

/** Neutral name -> wire value. */
export function wireValues<K extends string>(e: Enum<K>): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const k of Object.keys(e) as K[]) out[k] = e[k][0];
  return out;
}

/** Wire value -> neutral name (a Map: no prototype keys). */
export function namesByWire<K extends string>(e: Enum<K>): ReadonlyMap<string, K> {
  return new Map((Object.keys(e) as K[]).map((k) => [e[k][0], k]));
}
