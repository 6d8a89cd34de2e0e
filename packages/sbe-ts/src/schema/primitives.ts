import type { PrimitiveType } from './ir.js';

export interface PrimitiveInfo {
  readonly size: number;
  readonly integer: boolean;
  readonly signed: boolean;
  /** 64-bit integers are bigint in TypeScript. */
  readonly big: boolean;
  /** Defaults from the SBE specification (section "Range attributes"). */
  readonly nullValue: string;
  readonly minValue: string;
  readonly maxValue: string;
  /** The DataView accessor suffix: get<X>/set<X>. */
  readonly accessor: string;
}

export const PRIMITIVES: Readonly<Record<PrimitiveType, PrimitiveInfo>> = {
  char: info(1, true, false, false, '0', '32', '126', 'Uint8'),
  int8: info(1, true, true, false, '-128', '-127', '127', 'Int8'),
  int16: info(2, true, true, false, '-32768', '-32767', '32767', 'Int16'),
  int32: info(4, true, true, false, '-2147483648', '-2147483647', '2147483647', 'Int32'),
  int64: info(
    8,
    true,
    true,
    true,
    '-9223372036854775808',
    '-9223372036854775807',
    '9223372036854775807',
    'BigInt64',
  ),
  uint8: info(1, true, false, false, '255', '0', '254', 'Uint8'),
  uint16: info(2, true, false, false, '65535', '0', '65534', 'Uint16'),
  uint32: info(4, true, false, false, '4294967295', '0', '4294967294', 'Uint32'),
  uint64: info(8, true, false, true, '18446744073709551615', '0', '18446744073709551614', 'BigUint64'),
  float: info(4, false, true, false, 'NaN', '-3.4028234663852886e+38', '3.4028234663852886e+38', 'Float32'),
  double: info(
    8,
    false,
    true,
    false,
    'NaN',
    '-1.7976931348623157e+308',
    '1.7976931348623157e+308',
    'Float64',
  ),
};

function info(
  size: number,
  integer: boolean,
  signed: boolean,
  big: boolean,
  nullValue: string,
  minValue: string,
  maxValue: string,
  accessor: string,
): PrimitiveInfo {
  return { size, integer, signed, big, nullValue, minValue, maxValue, accessor };
}

export function isPrimitiveType(name: string): name is PrimitiveType {
  return Object.hasOwn(PRIMITIVES, name);
}

/** Full representable range of an integer primitive (null values live inside it). */
export function integerRange(type: PrimitiveType): { min: bigint; max: bigint } {
  const p = PRIMITIVES[type];
  if (!p.integer) throw new Error(`not an integer type: ${type}`);
  const bits = BigInt(p.size * 8);
  if (type === 'char') return { min: 0n, max: 255n };
  if (p.signed) return { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n };
  return { min: 0n, max: (1n << bits) - 1n };
}

/** Parses an integer literal (decimal or 0x hex); undefined when it is not one. */
export function parseIntegerLiteral(text: string): bigint | undefined {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return BigInt(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  return undefined;
}

/** True when `text` is a value the primitive can hold. */
export function fitsPrimitive(type: PrimitiveType, text: string): boolean {
  const p = PRIMITIVES[type];
  if (!p.integer) {
    const t = text.trim();
    return t === 'NaN' || (t !== '' && Number.isFinite(Number(t)));
  }
  const v = parseIntegerLiteral(text);
  if (v === undefined) return false;
  const r = integerRange(type);
  return v >= r.min && v <= r.max;
}
