import { describe, expect, it } from 'vitest';
import { fieldOfText } from '../src/lib/ticket.js';

describe('reject text -> ticket field', () => {
  it('uses RefTagID first, then the tag named in the text, then keywords', () => {
    expect(fieldOfText('Value is incorrect', '44')).toBe('price');
    expect(fieldOfText('Value is incorrect', '38')).toBe('quantity');
    expect(fieldOfText('Value is incorrect', '99')).toBe('stopPx');
    expect(fieldOfText('Price(44) 100.005 is not a multiple of the tick size 0.01 for ZVZZT')).toBe('price');
    expect(fieldOfText('OrderQty(38) 0 must be positive')).toBe('quantity');
    expect(fieldOfText('StopPx(99) missing for a stop order; Price(44) ignored')).toBe('stopPx');
    expect(fieldOfText('price outside the 10% band')).toBe('price');
    expect(fieldOfText('quantity above the maximum')).toBe('quantity');
    expect(fieldOfText('Throttle limit exceeded: at most 200 messages per second')).toBe('general');
    expect(fieldOfText('unknown symbol', '55')).toBe('general');
  });
});
