import { describe, expect, it } from 'vitest';
import { lotsToText, stepText, textToSteps, ticksToText } from '../src/lib/decimal.js';

describe('tick/lot conversions (exact decimals)', () => {
  it('renders ticks and lots with the grid precision', () => {
    expect(ticksToText(10001, '0.01')).toBe('100.01');
    expect(ticksToText(6000000, '0.01')).toBe('60000.00');
    expect(ticksToText(3, '0.05')).toBe('0.15');
    expect(lotsToText(12345, '0.0001')).toBe('1.2345');
    expect(lotsToText(7, '1')).toBe('7');
    // 0.1 + 0.2 style float traps do not exist here.
    expect(ticksToText(30, '0.01')).toBe('0.30');
    expect(ticksToText(9007199254740991, '0.01')).toBe('90071992547409.91');
  });

  it('parses text to steps only when on the grid', () => {
    expect(textToSteps('100.01', '0.01')).toBe(10001);
    expect(textToSteps('100.005', '0.01')).toBeUndefined();
    expect(textToSteps('0.15', '0.05')).toBe(3);
    expect(textToSteps('abc', '0.01')).toBeUndefined();
    expect(textToSteps('1e3', '0.01')).toBeUndefined();
    expect(textToSteps(' 2 ', '1')).toBe(2);
  });

  it('steps by tick and lot, snapping off-grid values in the stepping direction', () => {
    expect(stepText('100.00', '0.01', 1)).toBe('100.01');
    expect(stepText('100.00', '0.01', -1)).toBe('99.99');
    expect(stepText('100.005', '0.01', 1)).toBe('100.01');
    expect(stepText('100.005', '0.01', -1)).toBe('100.00');
    expect(stepText('', '0.0001', 1, 1)).toBe('0.0001');
    expect(stepText('1', '1', -1, 1)).toBe('1');
    expect(stepText('0.10', '0.05', 2)).toBe('0.20');
  });
});
