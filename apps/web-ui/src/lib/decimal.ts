import { Decimal } from 'decimal.js';

// Prices are integer ticks and quantities integer lots on the wire of the feed; the UI shows and
// sends decimal text. All arithmetic is exact (decimal.js), never binary floating point.

export interface Grid {
  readonly tickSize: string;
  readonly lotSize: string;
}

function decimalPlaces(step: string): number {
  return new Decimal(step).decimalPlaces();
}

/** Ticks -> decimal text with the tick size's number of decimals, e.g. 10001 x 0.01 -> "100.01". */
export function ticksToText(ticks: number, tickSize: string): string {
  return new Decimal(ticks).times(tickSize).toFixed(decimalPlaces(tickSize));
}

/** Lots -> decimal text with the lot size's number of decimals. */
export function lotsToText(lots: number, lotSize: string): string {
  return new Decimal(lots).times(lotSize).toFixed(decimalPlaces(lotSize));
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** Parses decimal text; undefined when not a plain decimal number. */
export function parseDecimal(text: string): Decimal | undefined {
  const t = text.trim();
  if (!DECIMAL_RE.test(t)) return undefined;
  return new Decimal(t);
}

/** Decimal text -> whole number of steps; undefined when off the grid or not a number. */
export function textToSteps(text: string, step: string): number | undefined {
  const d = parseDecimal(text);
  if (d === undefined) return undefined;
  const steps = d.div(step);
  if (!steps.isInteger() || !steps.abs().lte(Number.MAX_SAFE_INTEGER)) return undefined;
  return steps.toNumber();
}

/**
 * Steps a decimal text by `count` grid steps (negative = down). An off-grid value first snaps to the
 * grid in the stepping direction. Never goes below `min` steps.
 */
export function stepText(text: string, step: string, count: number, minSteps = 0): string {
  const places = decimalPlaces(step);
  const d = parseDecimal(text) ?? new Decimal(0);
  const ratio = d.div(step);
  let steps: Decimal;
  if (ratio.isInteger()) steps = ratio.plus(count);
  else steps = count > 0 ? ratio.ceil().plus(count - 1) : ratio.floor().plus(count + 1);
  if (steps.lt(minSteps)) steps = new Decimal(minSteps);
  return steps.times(step).toFixed(places);
}

/** Decimal text shown with the step's number of decimals when that loses nothing ("100.5" -> "100.50"). */
export function formatOnGrid(text: string, step: string): string {
  const d = parseDecimal(text);
  if (d === undefined) return text;
  const places = decimalPlaces(step);
  return d.decimalPlaces() <= places ? d.toFixed(places) : d.toString();
}

/** Exact decimal arithmetic helpers on text, for P&L. */
export const dec = {
  add: (a: string, b: string): string => new Decimal(a).plus(b).toString(),
  sub: (a: string, b: string): string => new Decimal(a).minus(b).toString(),
  mul: (a: string, b: string): string => new Decimal(a).times(b).toString(),
  cmp: (a: string, b: string): number => new Decimal(a).cmp(b),
  fixed: (a: string, places: number): string => new Decimal(a).toFixed(places),
  isZero: (a: string): boolean => new Decimal(a).isZero(),
};

export { Decimal };
