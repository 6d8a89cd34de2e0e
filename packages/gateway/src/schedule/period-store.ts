import { decodeFix, parseUtcTimestamp } from '../fix/codec.js';
import { Tag } from '../fix/tags.js';
import type { SessionStore } from '../store/store.js';
import { periodAt, type SessionPeriod, type SessionSchedule } from './schedule.js';

/**
 * SendingTime of the newest journaled message, or undefined when the journal is empty or
 * unreadable. Every Logon we accept journals our Logon answer, so the newest record tells in which
 * session period the store's sequence numbers were last used (no extra state in the store format).
 */
export function lastSentMs(store: SessionStore): number | undefined {
  const last = store.nextSenderSeq - 1;
  if (last < 1) return undefined;
  const rec = store.range(last, last)[0];
  if (rec === undefined) return undefined;
  const d = decodeFix(rec.wire);
  if (d.kind === 'garbled') return undefined;
  return parseUtcTimestamp(d.msg.get(Tag.SendingTime) ?? '');
}

/**
 * True when the store holds sequence numbers from before `period` started: they must be reset
 * (both directions) before the session is used in this period. A store at 1/1 needs no reset; one
 * whose last message cannot be dated is reset (it cannot be shown to belong to this period).
 */
export function storeIsFromEarlierPeriod(store: SessionStore, period: SessionPeriod): boolean {
  if (period.startMs === Number.NEGATIVE_INFINITY) return false;
  if (store.nextSenderSeq === 1 && store.nextTargetSeq === 1) return false;
  const t = lastSentMs(store);
  return t === undefined || t < period.startMs;
}

/**
 * Resets the store when `nowMs` is inside a session period that began after the store was last
 * used. Returns true when it reset. Outside the schedule nothing changes (the next Logon decides).
 */
export function resetIfNewPeriod(store: SessionStore, schedule: SessionSchedule, nowMs: number): boolean {
  const period = periodAt(schedule, nowMs);
  if (period === undefined || !storeIsFromEarlierPeriod(store, period)) return false;
  store.reset();
  return true;
}
