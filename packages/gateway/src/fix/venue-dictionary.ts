import { FIX44_FIELDS } from './generated/fix44-fields.js';

/** One entry of a message definition: a field, or a repeating group (first item = delimiter). */
export type DictItem =
  | { readonly tag: number; readonly required: boolean }
  | { readonly group: number; readonly required: boolean; readonly items: ReadonlyArray<DictItem> };

export interface DictMessage {
  readonly name: string;
  readonly msgType: string;
  readonly category: 'admin' | 'app';
  readonly items: ReadonlyArray<DictItem>;
}

const f = (tag: number, required = false): DictItem => ({ tag, required });
const g = (group: number, required: boolean, items: DictItem[]): DictItem => ({ group, required, items });

/** The venue's FIX 4.4 profile: exactly the fields we send and accept (a subset of FIX 4.4). */
export const VENUE_HEADER: ReadonlyArray<DictItem> = [
  f(8, true),
  f(9, true),
  f(35, true),
  f(49, true),
  f(56, true),
  f(34, true),
  f(43),
  f(97),
  f(52, true),
  f(122),
  f(369),
];
export const VENUE_TRAILER: ReadonlyArray<DictItem> = [f(93), f(89), f(10, true)];

export const VENUE_MESSAGES: ReadonlyArray<DictMessage> = [
  { name: 'Heartbeat', msgType: '0', category: 'admin', items: [f(112)] },
  { name: 'TestRequest', msgType: '1', category: 'admin', items: [f(112, true)] },
  { name: 'ResendRequest', msgType: '2', category: 'admin', items: [f(7, true), f(16, true)] },
  { name: 'Reject', msgType: '3', category: 'admin', items: [f(45, true), f(371), f(372), f(373), f(58)] },
  { name: 'SequenceReset', msgType: '4', category: 'admin', items: [f(123), f(36, true)] },
  { name: 'Logout', msgType: '5', category: 'admin', items: [f(58)] },
  {
    name: 'ExecutionReport',
    msgType: '8',
    category: 'app',
    items: [
      f(37, true),
      f(11),
      f(41),
      f(17, true),
      f(150, true),
      f(39, true),
      f(103),
      f(1),
      f(55, true),
      f(54, true),
      f(38),
      f(40),
      f(44),
      f(99),
      f(59),
      f(126),
      f(18),
      f(32),
      f(31),
      f(151, true),
      f(14, true),
      f(6, true),
      f(60),
      f(58),
      f(797), // CopyMsgIndicator: Y on drop-copy sessions' copies
    ],
  },
  {
    name: 'OrderCancelReject',
    msgType: '9',
    category: 'app',
    items: [f(37, true), f(11, true), f(41, true), f(39, true), f(434, true), f(102), f(58)],
  },
  {
    name: 'Logon',
    msgType: 'A',
    category: 'admin',
    items: [f(98, true), f(108, true), f(141), f(789), f(553), f(554)],
  },
  {
    name: 'NewOrderSingle',
    msgType: 'D',
    category: 'app',
    items: [
      f(11, true),
      f(1),
      f(18),
      f(111),
      f(55, true),
      f(54, true),
      f(60, true),
      f(38, true),
      f(40, true),
      f(44),
      f(99),
      f(59),
      f(126),
      f(58),
    ],
  },
  {
    name: 'OrderCancelRequest',
    msgType: 'F',
    category: 'app',
    items: [f(41, true), f(37), f(11, true), f(1), f(55, true), f(54, true), f(60, true), f(38), f(58)],
  },
  {
    name: 'OrderStatusRequest',
    msgType: 'H',
    category: 'app',
    items: [f(37), f(11, true), f(1), f(55, true), f(54, true)],
  },
  {
    name: 'OrderCancelReplaceRequest',
    msgType: 'G',
    category: 'app',
    items: [
      f(37),
      f(41, true),
      f(11, true),
      f(1),
      f(18),
      f(111),
      f(55, true),
      f(54, true),
      f(60, true),
      f(38, true),
      f(40, true),
      f(44),
      f(99),
      f(59),
      f(126),
      f(58),
    ],
  },
  {
    name: 'MarketDataRequest',
    msgType: 'V',
    category: 'app',
    items: [
      f(262, true),
      f(263, true),
      f(264, true),
      f(265),
      f(266),
      g(267, true, [f(269, true)]),
      g(146, true, [f(55, true)]),
    ],
  },
  {
    name: 'MarketDataSnapshotFullRefresh',
    msgType: 'W',
    category: 'app',
    items: [f(262), f(55, true), g(268, true, [f(269, true), f(270), f(271), f(273), f(346)])],
  },
  {
    name: 'MarketDataIncrementalRefresh',
    msgType: 'X',
    category: 'app',
    items: [f(262), g(268, true, [f(279, true), f(269), f(55), f(270), f(271), f(346)])],
  },
  { name: 'MarketDataRequestReject', msgType: 'Y', category: 'app', items: [f(262, true), f(281), f(58)] },
  {
    name: 'BusinessMessageReject',
    msgType: 'j',
    category: 'app',
    items: [f(45), f(372, true), f(379), f(380, true), f(58)],
  },
  {
    name: 'OrderMassCancelRequest',
    msgType: 'q',
    category: 'app',
    items: [f(11, true), f(530, true), f(1), f(55), f(54), f(60, true), f(58)],
  },
  {
    name: 'OrderMassCancelReport',
    msgType: 'r',
    category: 'app',
    items: [f(11), f(37, true), f(530, true), f(531, true), f(532), f(533), f(55), f(58)],
  },
  { name: 'SecurityListRequest', msgType: 'x', category: 'app', items: [f(320, true), f(559, true), f(55)] },
  {
    name: 'SecurityList',
    msgType: 'y',
    category: 'app',
    items: [
      f(320, true),
      f(322, true),
      f(560, true),
      f(393),
      g(146, false, [f(55, true), f(107), f(15), f(561), f(58)]),
    ],
  },
];

/**
 * The venue's FIX 4.4 profile as a QuickFIX data dictionary (XML): give it to a QuickFIX, QuickFIX/J
 * or QuickFIX/n initiator (`DataDictionary=`) to validate everything the venue sends. Field numbers,
 * names and types are FIX 4.4's.
 */
export function venueDictionaryXml(): string {
  const byTag = new Map(FIX44_FIELDS.map(([tag, name, type]) => [tag, { name, type }]));
  const used = new Set<number>();
  const name = (tag: number) => {
    const d = byTag.get(tag);
    if (d === undefined) throw new Error(`venue dictionary: tag ${tag} is not a FIX 4.4 field`);
    used.add(tag);
    return d.name;
  };
  const yn = (b: boolean) => (b ? 'Y' : 'N');
  const items = (list: ReadonlyArray<DictItem>, indent: string): string =>
    list
      .map((it) =>
        'tag' in it
          ? `${indent}<field name='${name(it.tag)}' required='${yn(it.required)}' />\n`
          : `${indent}<group name='${name(it.group)}' required='${yn(it.required)}'>\n${items(it.items, `${indent} `)}${indent}</group>\n`,
      )
      .join('');
  let xml = "<fix type='FIX' major='4' minor='4' servicepack='0'>\n";
  xml += ` <header>\n${items(VENUE_HEADER, '  ')} </header>\n <messages>\n`;
  for (const m of VENUE_MESSAGES) {
    xml += `  <message name='${m.name}' msgtype='${m.msgType}' msgcat='${m.category}'>\n${items(m.items, '   ')}  </message>\n`;
  }
  xml += ` </messages>\n <trailer>\n${items(VENUE_TRAILER, '  ')} </trailer>\n <components>\n </components>\n <fields>\n`;
  for (const tag of [...used].sort((a, b) => a - b)) {
    const d = byTag.get(tag)!;
    xml += `  <field number='${tag}' name='${d.name}' type='${d.type}' />\n`;
  }
  return `${xml} </fields>\n</fix>\n`;
}
