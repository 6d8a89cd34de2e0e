/**
 * Exact decimal <-> integer-unit conversion for the edges (gateway, admin config, display).
 * The engine itself only sees integer ticks and lots. BigInt keeps this exact with no float.
 */

const DECIMAL_RE = /^(\d{1,18})(?:\.(\d{1,18}))?$/;

interface Scaled {
  readonly digits: bigint;
  readonly scale: number;
}

function parse(text: string): Scaled | undefined {
  const m = DECIMAL_RE.exec(text);
  if (m === null) return undefined;
  const frac = m[2] ?? '';
  return { digits: BigInt((m[1] ?? '') + frac), scale: frac.length };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** True for a canonical positive decimal such as '0.01', '1', '0.0001'. */
export function isPositiveDecimal(text: string): boolean {
  const p = parse(text);
  return p !== undefined && p.digits > 0n;
}

/**
 * Converts a decimal amount to a whole number of units (e.g. price '100.25' with tick '0.01' ->
 * 10025). Returns undefined if the text is malformed, not a multiple of the unit, or too large
 * for an exact JS integer.
 */
export function decimalToUnits(text: string, unit: string): number | undefined {
  const v = parse(text);
  const u = parse(unit);
  if (v === undefined || u === undefined || u.digits === 0n) return undefined;
  const scale = Math.max(v.scale, u.scale);
  const vn = v.digits * pow10(scale - v.scale);
  const un = u.digits * pow10(scale - u.scale);
  if (vn % un !== 0n) return undefined;
  const q = vn / un;
  if (q > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(q);
}

/** Formats a whole number of units as a decimal string (e.g. 10025 ticks of '0.01' -> '100.25'). */
export function unitsToDecimal(units: number, unit: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`units must be a safe integer: ${units}`);
  const u = parse(unit);
  if (u === undefined) throw new RangeError(`bad unit: ${unit}`);
  const neg = units < 0;
  const n = BigInt(neg ? -units : units) * u.digits;
  let s = n.toString();
  if (u.scale > 0) {
    s = s.padStart(u.scale + 1, '0');
    s = `${s.slice(0, s.length - u.scale)}.${s.slice(s.length - u.scale)}`;
  }
  return neg ? `-${s}` : s;
}
