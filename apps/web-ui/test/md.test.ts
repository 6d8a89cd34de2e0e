import { describe, expect, it } from 'vitest';
import { type FeedMsg, parseMdFrame, StreamState } from '../src/lib/md.js';

const base = { instrumentId: 1, logPosition: 1, timestampMs: 0 };
const snap = (seq: number): FeedMsg => ({ ...base, type: 'snapshot', channel: 'l2', seq, levels: [] });
const level = (seq: number): FeedMsg => ({
  ...base,
  type: 'level',
  channel: 'l2',
  seq,
  side: 'buy',
  action: 'new',
  priceTicks: 1,
  qtyLots: 1,
  orderCount: 1,
});

describe('market-data stream rules', () => {
  it('waits for the in-band snapshot, applies +1, ignores duplicates, flags gaps', () => {
    const s = new StreamState('l2');
    expect(s.subscribeRequest(1)).toEqual({
      op: 'subscribe',
      instrumentId: 1,
      channel: 'l2',
      format: 'json',
    });
    expect(s.accept(level(3))).toBe('waiting');
    expect(s.accept(snap(10))).toBe('snapshot');
    expect(s.accept(level(10))).toBe('duplicate');
    expect(s.accept(level(11))).toBe('apply');
    expect(s.accept(level(13))).toBe('gap');
    expect(s.stale).toBe(true);
    expect(s.last).toBe(11);
    // The replay fills the gap.
    expect(s.accept(level(12))).toBe('apply');
    expect(s.accept(level(13))).toBe('apply');
    expect(s.stale).toBe(false);
  });

  it('resubscribes with fromSeq after a reconnect and falls back to a snapshot', () => {
    const s = new StreamState('trades');
    s.subscribeRequest(2);
    s.accept({ ...snap(4), channel: 'trades' });
    expect(s.subscribeRequest(2)).toEqual({
      op: 'subscribe',
      instrumentId: 2,
      channel: 'trades',
      format: 'json',
      fromSeq: 5,
    });
    expect(s.accept({ ...level(5), channel: 'trades' })).toBe('apply');
    s.resetForSnapshot();
    expect(s.accept({ ...level(9), channel: 'trades' })).toBe('waiting');
    expect(s.accept({ ...snap(20), channel: 'trades' })).toBe('snapshot');
  });

  it('full-state channels take the newest message without recovery', () => {
    const s = new StreamState('stats');
    const stats = (seq: number): FeedMsg => ({
      ...base,
      type: 'stats',
      channel: 'stats',
      seq,
      openTicks: 1,
      highTicks: 1,
      lowTicks: 1,
      lastTicks: 1,
      volumeLots: 1,
      tradeCount: 1,
    });
    expect(s.accept(stats(7))).toBe('snapshot');
    expect(s.accept(stats(8))).toBe('apply');
    expect(s.accept(stats(12))).toBe('snapshot');
    expect(s.stale).toBe(false);
  });

  it('parses frames defensively', () => {
    expect(parseMdFrame('{')).toBeUndefined();
    expect(parseMdFrame('[]')).toBeUndefined();
    expect(parseMdFrame('{"type":"level","seq":"x","instrumentId":1,"channel":"l2"}')).toBeUndefined();
    expect(parseMdFrame('{"type":"subscribed","instrumentId":1,"channel":"l2","mode":"replay"}')?.kind).toBe(
      'control',
    );
    expect(parseMdFrame(JSON.stringify(level(1)))?.kind).toBe('feed');
    expect(parseMdFrame('{"type":"member","nodeId":2}')).toEqual({
      kind: 'control',
      msg: { type: 'member', nodeId: 2 },
    });
  });
});
