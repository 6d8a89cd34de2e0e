import {
  type DictItem,
  VENUE_FIELD_VALUES,
  VENUE_HEADER,
  VENUE_MESSAGES,
  VENUE_TRAILER,
} from './definitions.js';
import { FIX44_FIELDS } from './generated/fix44-fields.js';

/**
 * The venue's FIX 4.4 dialect (src/fix/definitions.ts) as a QuickFIX data dictionary (XML): the
 * messages, fields, repeating groups, required flags and enumerated values the venue accepts and
 * sends. Give it to a QuickFIX, QuickFIX/J or QuickFIX/n initiator (`DataDictionary=`) to validate
 * everything the venue sends. Field numbers, names and types are FIX 4.4's. Published as
 * `dictionary/VENUE-FIX44.xml` (a drift test keeps the file equal to this output).
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
  for (const tag of [...VENUE_FIELD_VALUES.keys()]) {
    if (!used.has(tag)) throw new Error(`venue dictionary: enumerated field ${tag} is in no message`);
  }
  for (const tag of [...used].sort((a, b) => a - b)) {
    const d = byTag.get(tag)!;
    const values = VENUE_FIELD_VALUES.get(tag);
    if (values === undefined) {
      xml += `  <field number='${tag}' name='${d.name}' type='${d.type}' />\n`;
      continue;
    }
    xml += `  <field number='${tag}' name='${d.name}' type='${d.type}'>\n`;
    for (const [v, desc] of values) xml += `   <value enum='${v}' description='${desc}' />\n`;
    xml += '  </field>\n';
  }
  return `${xml} </fields>\n</fix>\n`;
}
