import { Tag } from './tags.js';

/** One tag=value pair, value as the raw text of the wire (latin1, one char per byte). */
export interface FixField {
  readonly tag: number;
  readonly value: string;
}

/** A group instance: the fields of one repetition, in wire order. */
export type FixGroupEntry = FixMessage;

export const INT_RE = /^-?\d+$/;
export const DECIMAL_RE = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A decoded or to-be-encoded FIX message: fields in wire order (header, body, trailer).
 * Lookups return the first occurrence; repeating groups are read with `group()`.
 */
export class FixMessage {
  readonly fields: FixField[];

  constructor(fields: FixField[] = []) {
    this.fields = fields;
  }

  static of(pairs: ReadonlyArray<readonly [number, string | number]>): FixMessage {
    return new FixMessage(pairs.map(([tag, value]) => ({ tag, value: String(value) })));
  }

  get msgType(): string {
    return this.get(Tag.MsgType) ?? '';
  }

  has(tag: number): boolean {
    return this.fields.some((f) => f.tag === tag);
  }

  get(tag: number): string | undefined {
    for (const f of this.fields) if (f.tag === tag) return f.value;
    return undefined;
  }

  /** Integer field; undefined when absent or not a valid integer. */
  getInt(tag: number): number | undefined {
    const v = this.get(tag);
    if (v === undefined || !INT_RE.test(v)) return undefined;
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }

  /** BOOLEAN field (Y/N); undefined when absent or neither. */
  getBool(tag: number): boolean | undefined {
    const v = this.get(tag);
    if (v === 'Y') return true;
    if (v === 'N') return false;
    return undefined;
  }

  set(tag: number, value: string | number): this {
    const text = String(value);
    const i = this.fields.findIndex((f) => f.tag === tag);
    if (i >= 0) this.fields[i] = { tag, value: text };
    else this.fields.push({ tag, value: text });
    return this;
  }

  add(tag: number, value: string | number): this {
    this.fields.push({ tag, value: String(value) });
    return this;
  }

  /**
   * Reads repeating group `countTag`: each entry starts with `firstTag` and may contain `memberTags`.
   * Returns an error text when the count disagrees with the entries found (SessionRejectReason 16).
   */
  group(
    countTag: number,
    firstTag: number,
    memberTags: ReadonlyArray<number>,
  ): { ok: true; entries: FixGroupEntry[] } | { ok: false; error: string } {
    const start = this.fields.findIndex((f) => f.tag === countTag);
    if (start < 0) return { ok: true, entries: [] };
    const countText = this.fields[start]!.value;
    if (!INT_RE.test(countText)) return { ok: false, error: `NumInGroup ${countTag} is not an integer` };
    const count = Number(countText);
    const members = new Set(memberTags);
    members.add(firstTag);
    const entries: FixGroupEntry[] = [];
    let current: FixField[] | undefined;
    for (let i = start + 1; i < this.fields.length; i++) {
      const f = this.fields[i]!;
      if (f.tag === firstTag) {
        current = [f];
        entries.push(new FixMessage(current));
      } else if (current !== undefined && members.has(f.tag)) {
        current.push(f);
      } else {
        break;
      }
    }
    if (entries.length !== count) {
      return { ok: false, error: `NumInGroup ${countTag}=${count} but ${entries.length} entries found` };
    }
    return { ok: true, entries };
  }

  /** Human-readable form with `|` delimiters (logs and tests). */
  toString(): string {
    return this.fields.map((f) => `${f.tag}=${f.value}`).join('|');
  }
}
