import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type DictItem,
  fieldType,
  REQUIRED_BODY_TAGS,
  VENUE_MESSAGES,
  venueDictionaryXml,
} from '@venue/gateway';
import { describe, expect, it } from 'vitest';

const flat = (items: ReadonlyArray<DictItem>): DictItem[] =>
  items.flatMap((i) => ('tag' in i ? [i] : [{ tag: i.group, required: i.required }, ...flat(i.items)]));

describe('published QuickFIX dictionary (spec/FIX44-venue.xml)', () => {
  it('is up to date with venueDictionaryXml()', () => {
    const file = readFileSync(fileURLToPath(new URL('../spec/FIX44-venue.xml', import.meta.url)), 'utf8');
    expect(file).toBe(venueDictionaryXml());
  });

  it('requires at least what FIX 4.4 requires for the inbound messages we validate', () => {
    for (const [msgType, required] of Object.entries(REQUIRED_BODY_TAGS)) {
      const m = VENUE_MESSAGES.find((x) => x.msgType === msgType);
      expect(m, msgType).toBeDefined();
      const ours = new Set(
        flat(m?.items ?? [])
          .filter((i) => 'tag' in i && i.required)
          .map((i) => ('tag' in i ? i.tag : 0)),
      );
      for (const tag of required) expect(ours.has(tag), `${msgType} requires ${tag}`).toBe(true);
    }
  });

  it('declares every field with its FIX 4.4 type and groups as NUMINGROUP', () => {
    const xml = venueDictionaryXml();
    for (const m of VENUE_MESSAGES) {
      for (const i of m.items) if (!('tag' in i)) expect(fieldType(i.group)).toBe('NUMINGROUP');
    }
    expect(xml).toContain("<field number='44' name='Price' type='PRICE' />");
    expect(xml).toContain("<group name='NoMDEntries' required='Y'>");
  });
});
