import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type DictItem,
  fieldName,
  fieldType,
  isPublishedValue,
  REQUIRED_BODY_TAGS,
  VENUE_FIELD_VALUES,
  VENUE_MESSAGES,
  venueDictionaryXml,
} from '@venue/gateway';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

/** Minimal reader of a QuickFIX dictionary: fields (name, type, enum values) and message contents. */
function parseQuickfixXml(xml: string) {
  const fieldsXml = xml.slice(xml.lastIndexOf('<fields>'));
  const fields = new Map<string, { tag: number; type: string; values: Map<string, string> }>();
  for (const m of fieldsXml.matchAll(
    /<field number='(\d+)' name='(\w+)' type='(\w+)'\s*(?:\/>|>([\s\S]*?)<\/field>)/g,
  )) {
    const values = new Map<string, string>();
    for (const v of (m[4] ?? '').matchAll(/<value enum='([^']*)' description='([^']*)'/g)) {
      values.set(v[1]!, v[2]!);
    }
    fields.set(m[2]!, { tag: Number(m[1]), type: m[3]!, values });
  }
  const components = new Map<string, string>();
  const compXml = xml.slice(xml.indexOf('<components>'), xml.lastIndexOf('<fields>'));
  for (const m of compXml.matchAll(/<component name='(\w+)'>([\s\S]*?)\n {1,2}<\/component>/g)) {
    components.set(m[1]!, m[2]!);
  }
  /** Every field and group name in a body in document order (components expanded). */
  const inOrder = (body: string, depth = 0): string[] => {
    if (depth > 10) throw new Error('component nesting too deep');
    const out: string[] = [];
    for (const m of body.matchAll(/<(field|group|component) name='(\w+)'/g)) {
      if (m[1] === 'component') out.push(...inOrder(components.get(m[2]!) ?? '', depth + 1));
      else out.push(m[2]!);
    }
    return out;
  };
  const messages = new Map<string, { name: string; fields: Set<string>; order: string[] }>();
  for (const m of xml.matchAll(/<message name='(\w+)' msgtype='(\w+)' msgcat='\w+'>([\s\S]*?)<\/message>/g)) {
    const order = inOrder(m[3]!);
    messages.set(m[2]!, { name: m[1]!, fields: new Set(order), order });
  }
  const header = new Set(inOrder(xml.slice(xml.indexOf('<header>'), xml.indexOf('</header>'))));
  return { fields, messages, header };
}

/** Fields the venue accepts beyond FIX 4.4's message definition (documented in the README). */
const EXTENSIONS = new Set(['OrderMassCancelRequest.Account']);

/** Names of a group's delimiter and fields (FIX 4.4 names), in our order. */
const venueGroupNames = (group: DictItem): string[] => {
  const name = fieldName;
  return 'tag' in group
    ? [name(group.tag)]
    : [name(group.group), ...group.items.flatMap((i) => ('tag' in i ? [name(i.tag)] : venueGroupNames(i)))];
};

const flat = (items: ReadonlyArray<DictItem>): DictItem[] =>
  items.flatMap((i) => ('tag' in i ? [i] : [{ tag: i.group, required: i.required }, ...flat(i.items)]));

describe('published QuickFIX dictionary (dictionary/VENUE-FIX44.xml)', () => {
  const fix44 = parseQuickfixXml(read('../dictionary/FIX44.xml'));
  const venue = parseQuickfixXml(read('../dictionary/VENUE-FIX44.xml'));

  it('is the generator output of the gateway definitions (run pnpm --filter @venue/gateway gen:dictionary)', () => {
    expect(read('../dictionary/VENUE-FIX44.xml')).toBe(venueDictionaryXml());
  });

  it('is a subset of the standard FIX44.xml: messages, fields per message, types and enum values', () => {
    expect(fix44.messages.size).toBeGreaterThan(90);
    expect(venue.messages.size).toBe(VENUE_MESSAGES.length);
    expect(venue.fields.get('Side')?.tag).toBe(54);
    for (const [msgType, m] of venue.messages) {
      const std = fix44.messages.get(msgType);
      expect(std?.name, msgType).toBe(m.name);
      for (const name of m.fields) {
        if (!EXTENSIONS.has(`${m.name}.${name}`)) {
          expect(std?.fields.has(name), `${m.name}.${name}`).toBe(true);
        }
      }
    }
    for (const name of venue.header) expect(fix44.header.has(name), `header ${name}`).toBe(true);
    for (const [name, f] of venue.fields) {
      const std = fix44.fields.get(name);
      expect(std?.tag, name).toBe(f.tag);
      expect(std?.type, name).toBe(f.type);
      for (const [v, desc] of f.values) {
        // Prefix: FIX44.xml merges 11 and 12 of OrdRejReason into one garbled description.
        expect(std?.values.get(v)?.startsWith(desc), `${name}=${v} ${desc}`).toBe(true);
      }
    }
  });

  it('orders the fields of each repeating group as FIX44.xml does (QuickFIX/J checks group order)', () => {
    let groups = 0;
    for (const m of VENUE_MESSAGES) {
      const std = fix44.messages.get(m.msgType)!.order;
      for (const item of m.items) {
        if ('tag' in item) continue;
        groups++;
        const names = venueGroupNames(item);
        const start = std.indexOf(names[0]!);
        const positions = names.map((n) => std.indexOf(n, start));
        expect(
          positions.every((p) => p >= 0),
          `${m.name} ${names.join(',')}`,
        ).toBe(true);
        expect(positions, `${m.name} ${names.join(',')}`).toEqual([...positions].sort((a, b) => a - b));
      }
    }
    expect(groups).toBe(5);
  });

  it('publishes every value the parser accepts and the renderer emits', () => {
    const values = (tag: number) => (VENUE_FIELD_VALUES.get(tag) ?? []).map(([v]) => v);
    expect(values(54)).toEqual(['1', '2']);
    expect(values(40)).toEqual(['1', '2', '3', '4']);
    expect(values(59)).toEqual(['0', '1', '3', '4', '6']);
    expect(values(150)).toEqual(['0', '4', '5', '6', '8', 'A', 'C', 'E', 'F', 'I']);
    expect(isPublishedValue(103, '12')).toBe(false); // not in QuickFIX's FIX44.xml
    expect(isPublishedValue(58, 'anything')).toBe(true); // not enumerated
    expect(venue.fields.get('Side')?.values).toEqual(
      new Map([
        ['1', 'BUY'],
        ['2', 'SELL'],
      ]),
    );
  });

  it('session-level required tags are those the definitions mark, and at least what FIX 4.4 requires', () => {
    expect(REQUIRED_BODY_TAGS['D']).toEqual([11, 54, 60, 40]);
    expect(REQUIRED_BODY_TAGS['V']).toEqual([262, 263, 264, 267, 146]);
    expect(REQUIRED_BODY_TAGS['8']).toBeUndefined(); // outbound only: not validated on input
    for (const [msgType, required] of Object.entries(REQUIRED_BODY_TAGS)) {
      const m = VENUE_MESSAGES.find((x) => x.msgType === msgType);
      const ours = new Set(flat(m?.items ?? []).flatMap((i) => ('tag' in i && i.required ? [i.tag] : [])));
      for (const tag of required) expect(ours.has(tag), `${msgType} requires ${tag}`).toBe(true);
    }
  });

  it('declares groups as NUMINGROUP', () => {
    for (const m of VENUE_MESSAGES) {
      for (const i of m.items) if (!('tag' in i)) expect(fieldType(i.group)).toBe('NUMINGROUP');
    }
    expect(venueDictionaryXml()).toContain("<group name='NoMDEntries' required='Y'>");
  });
});
