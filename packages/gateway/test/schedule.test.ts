import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closedText,
  FileSessionStoreFactory,
  MemorySessionStoreFactory,
  nextOpenMs,
  parseSchedule,
  periodAt,
  type SessionSchedule,
  type SessionStoreFactory,
  Tag,
} from '@venue/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { Harness, order } from './fakes/session-harness.js';

const tempDirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-sched-'));
  tempDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-01-05 00:00 UTC (the session harness clock starts at 09:00 that day). */
const MON = Date.UTC(2026, 0, 5);
const at = (dayOffset: number, hh: number, mm = 0, ss = 0) =>
  MON + dayOffset * DAY + hh * HOUR + mm * MIN + ss * 1000;

const daily = (startTime: string, endTime: string) => parseSchedule('s', { startTime, endTime });
const weekly = (startDay: string, startTime: string, endDay: string, endTime: string) =>
  parseSchedule('s', { startDay, startTime, endDay, endTime });

describe('schedule arithmetic (UTC)', () => {
  it('daily 08:00-17:00: open inside, closed outside, next open named', () => {
    const s = daily('08:00:00', '17:00:00');
    expect(periodAt(s, at(0, 7, 59, 59))).toBeUndefined();
    expect(periodAt(s, at(0, 8))).toEqual({ startMs: at(0, 8), endMs: at(0, 17) });
    expect(periodAt(s, at(0, 16, 59, 59))).toEqual({ startMs: at(0, 8), endMs: at(0, 17) });
    expect(periodAt(s, at(0, 17))).toBeUndefined();
    expect(nextOpenMs(s, at(0, 7))).toBe(at(0, 8));
    expect(nextOpenMs(s, at(0, 18))).toBe(at(1, 8));
    expect(closedText(s, at(0, 18))).toBe(
      'Session is closed (schedule: daily 08:00:00-17:00:00 UTC); it opens next at 2026-01-06T08:00:00Z',
    );
  });

  it('daily 23:00-05:00 crosses midnight: one period from 23:00 to 05:00 next day', () => {
    const s = daily('23:00', '05:00');
    const p = { startMs: at(0, 23), endMs: at(1, 5) };
    expect(periodAt(s, at(0, 23))).toEqual(p);
    expect(periodAt(s, at(1, 0))).toEqual(p);
    expect(periodAt(s, at(1, 4, 59, 59))).toEqual(p);
    expect(periodAt(s, at(1, 5))).toBeUndefined();
    expect(periodAt(s, at(0, 22, 59, 59))).toBeUndefined();
    expect(periodAt(s, at(0, 2))).toEqual({ startMs: at(-1, 23), endMs: at(0, 5) });
    expect(nextOpenMs(s, at(1, 12))).toBe(at(1, 23));
  });

  it('start == end is open all day with a new period (sequence reset) at that time', () => {
    const s = daily('00:00:00', '00:00:00');
    expect(periodAt(s, at(0, 23, 59, 59))).toEqual({ startMs: at(0, 0), endMs: at(1, 0) });
    expect(periodAt(s, at(1, 0))).toEqual({ startMs: at(1, 0), endMs: at(2, 0) });
  });

  it('weekly Sunday 22:00 -> Friday 22:00: closed over the weekend, across the week boundary', () => {
    const s = weekly('Sunday', '22:00:00', 'Friday', '22:00:00');
    const p = { startMs: at(-1, 22), endMs: at(4, 22) }; // Sun 4 Jan 22:00 -> Fri 9 Jan 22:00
    expect(periodAt(s, at(0, 9))).toEqual(p);
    expect(periodAt(s, at(4, 21, 59, 59))).toEqual(p);
    expect(periodAt(s, at(4, 22))).toBeUndefined(); // Friday 22:00
    expect(periodAt(s, at(5, 12))).toBeUndefined(); // Saturday
    expect(periodAt(s, at(6, 21, 59, 59))).toBeUndefined(); // Sunday before the open
    expect(periodAt(s, at(6, 22))).toEqual({ startMs: at(6, 22), endMs: at(11, 22) });
    expect(nextOpenMs(s, at(5, 12))).toBe(at(6, 22));
    expect(closedText(s, at(5, 12))).toContain('it opens next at 2026-01-11T22:00:00Z');
  });

  it('weekly Friday 22:00 -> Sunday 22:00 is the weekend-only inverse', () => {
    const s = weekly('Fri', '22:00:00', 'Sun', '22:00:00');
    expect(periodAt(s, at(0, 9))).toBeUndefined();
    expect(periodAt(s, at(5, 3))).toEqual({ startMs: at(4, 22), endMs: at(6, 22) });
    expect(nextOpenMs(s, at(0, 9))).toBe(at(4, 22));
  });

  it('agrees with a minute-by-minute brute-force reference on random schedules and times', () => {
    // Reference: walk back minute by minute to the latest start instant, then check the end.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 150; i++) {
      const isWeekly = rnd(2) === 0;
      const sMin = rnd(24 * 60);
      const eMin = rnd(5) === 0 ? sMin : rnd(24 * 60);
      const sDay = rnd(7);
      const eDay = rnd(7);
      const t = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}:00`;
      const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
      const s: SessionSchedule = isWeekly
        ? weekly(days[sDay]!, t(sMin), days[eDay]!, t(eMin))
        : daily(t(sMin), t(eMin));
      const now = at(rnd(30), 0) + rnd(DAY / MIN) * MIN;
      const isStart = (ms: number) => {
        const d = new Date(ms);
        const m = d.getUTCHours() * 60 + d.getUTCMinutes();
        return m === sMin && (!isWeekly || d.getUTCDay() === sDay);
      };
      const isEnd = (ms: number) => {
        const d = new Date(ms);
        const m = d.getUTCHours() * 60 + d.getUTCMinutes();
        return m === eMin && (!isWeekly || d.getUTCDay() === eDay);
      };
      let start = now;
      while (!isStart(start)) start -= MIN; // bounded: at most one week of minutes
      let end = start + MIN;
      while (!isEnd(end) && !isStart(end)) end += MIN;
      const expected = now < end ? { startMs: start, endMs: end } : undefined;
      expect(periodAt(s, now), `${JSON.stringify(s)} at ${new Date(now).toISOString()}`).toEqual(expected);
      let next = now + MIN;
      while (!isStart(next)) next += MIN;
      expect(nextOpenMs(s, now)).toBe(next);
    }
  });

  it('parses the QuickFIX-like config form and names the key on bad input', () => {
    expect(parseSchedule('k', 'always')).toEqual({ kind: 'always' });
    expect(parseSchedule('k', {})).toEqual({ kind: 'always' });
    expect(daily('08:30', '17:00:30')).toEqual({ kind: 'daily', startSec: 30600, endSec: 61230 });
    expect(weekly('sunday', '22:00:00', 'FRI', '21:00:00')).toEqual({
      kind: 'weekly',
      startDay: 0,
      startSec: 79200,
      endDay: 5,
      endSec: 75600,
    });
    expect(() => parseSchedule('fixSchedule', { startTime: '25:00:00', endTime: '01:00:00' })).toThrow(
      /fixSchedule.startTime: expected a UTC time of day/,
    );
    expect(() => parseSchedule('fixSchedule', { startTime: '08:00:00' })).toThrow(/both required/);
    expect(() =>
      parseSchedule('fixSchedule', { startTime: '08:00:00', endTime: '09:00:00', startDay: 'Mon' }),
    ).toThrow(/needs both startDay and endDay/);
    expect(() =>
      parseSchedule('fixSchedule', {
        startTime: '08:00:00',
        endTime: '09:00:00',
        startDay: 'Funday',
        endDay: 'Mon',
      }),
    ).toThrow(/fixSchedule.startDay: expected a day name/);
    expect(() => parseSchedule('fixSchedule', { start: '08:00' })).toThrow(/unknown key 'start'/);
    expect(() => parseSchedule('fixSchedule', 7)).toThrow(/expected "always" or an object/);
  });
});

describe('session schedule with a simulated clock', () => {
  it('refuses a Logon outside the schedule with a Logout saying when it opens (UTC, ISO)', () => {
    const h = new Harness({ schedule: daily('23:00:00', '05:00:00') });
    h.clock.t = at(0, 12);
    const c = h.client();
    c.logon();
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toBe(
      'Session is closed (schedule: daily 23:00:00-05:00:00 UTC); it opens next at 2026-01-05T23:00:00Z',
    );
    expect(c.closed).toMatch(/logon refused/);
    expect(h.app.logons).toEqual([]);
    // No session state touched: the store was never opened at a new number.
    expect(h.stores.open('VENUE-CLIENT1').nextSenderSeq).toBe(1);
  });

  it('daily 23:00-05:00: continues across midnight, logs out at 05:00, resets at the next 23:00', () => {
    const h = new Harness({ schedule: daily('23:00:00', '05:00:00') });
    h.clock.t = at(0, 23, 30);
    const a = h.client();
    a.logon();
    expect(a.session.state).toBe('active');
    a.send('D', order('o1'));
    a.send('5', []);
    expect(a.closed).toBeDefined();
    // Reconnect after midnight: same period, sequence numbers continue.
    h.clock.t = at(1, 0, 30);
    const b = h.client();
    b.seq = a.seq;
    b.logon();
    expect(b.session.state).toBe('active');
    expect(b.last().getInt(Tag.MsgSeqNum)).toBe(3); // our Logon, Logout, then this Logon
    expect(b.session.expectedTargetSeq).toBe(b.seq);
    // 04:59:59 still open; at 05:00 the venue logs the session out, saying when it reopens.
    h.clock.t = at(1, 4, 59, 59);
    h.acceptor.onTimer();
    expect(b.session.state).toBe('active');
    h.clock.t = at(1, 5);
    h.acceptor.onTimer();
    expect(b.last().msgType).toBe('5');
    expect(b.last().get(Tag.Text)).toBe(
      'Session closed by schedule at 2026-01-06T05:00:00Z; it opens next at 2026-01-06T23:00:00Z',
    );
    expect(b.session.state).toBe('loggingOut');
    b.send('5', []);
    expect(b.session.state).toBe('closed');
    // 06:00: refused, opens at 23:00.
    h.clock.t = at(1, 6);
    const c = h.client();
    c.logon();
    expect(c.last().get(Tag.Text)).toMatch(/opens next at 2026-01-06T23:00:00Z$/);
    // 23:00: a new period, both directions start at 1.
    h.clock.t = at(1, 23);
    const d = h.client();
    d.logon();
    expect(d.session.state).toBe('active');
    expect(d.last().msgType).toBe('A');
    expect(d.last().getInt(Tag.MsgSeqNum)).toBe(1);
    expect(d.session.expectedTargetSeq).toBe(2);
  });

  it('weekly Sun 22:00 -> Fri 22:00: same numbers all week, logout Friday 22:00, reset Sunday 22:00', () => {
    const stores = new MemorySessionStoreFactory();
    const schedule = weekly('Sunday', '22:00:00', 'Friday', '22:00:00');
    let h = new Harness({ schedule }, stores);
    h.clock.t = at(0, 9); // Monday
    const a = h.client();
    a.logon();
    a.send('D', order('o1'));
    a.send('5', []);
    // Thursday, after a gateway restart (new acceptor, same stores): no reset inside the period.
    h = new Harness({ schedule }, stores);
    h.clock.t = at(3, 15);
    const b = h.client();
    b.seq = a.seq;
    b.logon();
    expect(b.session.state).toBe('active');
    expect(b.last().getInt(Tag.MsgSeqNum)).toBe(3); // continues: Logon, Logout, Logon
    // Friday 22:00: logged out (peer never answers: closed after the logout timeout).
    h.clock.t = at(4, 22);
    h.acceptor.onTimer();
    expect(b.last().get(Tag.Text)).toBe(
      'Session closed by schedule at 2026-01-09T22:00:00Z; it opens next at 2026-01-11T22:00:00Z',
    );
    h.clock.t = at(4, 22, 0, 5);
    h.acceptor.onTimer();
    expect(b.session.state).toBe('closed');
    // Saturday and Sunday 21:59:59: refused; Sunday 22:00 (after another restart): fresh numbers.
    for (const t of [at(5, 12), at(6, 21, 59, 59)]) {
      h.clock.t = t;
      const c = h.client();
      c.logon();
      expect(c.last().get(Tag.Text)).toMatch(/opens next at 2026-01-11T22:00:00Z$/);
    }
    h = new Harness({ schedule }, stores);
    h.clock.t = at(6, 22);
    const d = h.client();
    d.logon();
    expect(d.last().getInt(Tag.MsgSeqNum)).toBe(1);
    expect(d.session.expectedTargetSeq).toBe(2);
  });

  it.each([
    ['memory', () => new MemorySessionStoreFactory()],
    ['file', () => new FileSessionStoreFactory({ dir: tempDir(), fsync: 'never' })],
  ] as const)(
    'resets at the start of a new period after a restart in the closed window (%s store)',
    (_, make) => {
      // The venue did not see the end (it was down): the stored numbers are dated by the journal.
      const stores: SessionStoreFactory = make();
      const schedule = daily('08:00:00', '17:00:00');
      let h = new Harness({ schedule }, stores);
      h.clock.t = at(0, 16);
      const a = h.client();
      a.logon();
      a.send('D', order('o1'));
      expect(stores.open('VENUE-CLIENT1').nextTargetSeq).toBe(3);
      h = new Harness({ schedule }, stores);
      h.clock.t = at(1, 8, 0, 1);
      // An event for the offline session in the new period is journaled in the new numbering.
      h.acceptor.sendToSession('CLIENT1', '8', [{ tag: Tag.Text, value: 'offline' }]);
      expect(stores.open('VENUE-CLIENT1').nextSenderSeq).toBe(2);
      expect(stores.open('VENUE-CLIENT1').nextTargetSeq).toBe(1);
      const b = h.client();
      b.logon();
      expect(b.last().getInt(Tag.MsgSeqNum)).toBe(2); // seq 1 is the journaled event (a gap to resend)
      expect(b.session.expectedTargetSeq).toBe(2);
      stores.closeAll();
    },
  );

  it('a daily 00:00-00:00 session runs all day and starts a new period at midnight', () => {
    const h = new Harness({ schedule: daily('00:00:00', '00:00:00') });
    h.clock.t = at(0, 10);
    const a = h.client();
    a.logon();
    a.send('D', order('o1'));
    h.clock.t = at(1, 0);
    h.acceptor.onTimer();
    expect(a.last().get(Tag.Text)).toBe(
      'Session closed by schedule at 2026-01-06T00:00:00Z; it opens next at 2026-01-07T00:00:00Z',
    );
    a.send('5', []);
    expect(a.session.state).toBe('closed');
    const b = h.client();
    b.logon();
    expect(b.session.state).toBe('active');
    expect(b.last().getInt(Tag.MsgSeqNum)).toBe(1);
  });

  it('an application message that arrives after the end is rejected, not delivered', () => {
    const h = new Harness({ schedule: daily('08:00:00', '17:00:00') });
    h.clock.t = at(0, 16, 59);
    const a = h.client();
    a.logon();
    a.send('D', order('o1'));
    expect(h.app.messages.length).toBe(1);
    h.clock.t = at(0, 17, 0, 0); // no timer tick yet
    a.send('D', order('o2'));
    expect(h.app.messages.length).toBe(1);
    const types = a.received.slice(-2).map((m) => m.msgType);
    expect(types).toEqual(['5', '3']);
    expect(a.last().get(Tag.Text)).toBe('Session closed by schedule');
  });

  it('per-login schedules override the acceptor default', () => {
    const h = new Harness({ loginSchedules: { CLIENT2: daily('08:00:00', '17:00:00') } });
    h.clock.t = at(0, 20);
    const one = h.client('CLIENT1');
    one.logon();
    expect(one.session.state).toBe('active');
    const two = h.client('CLIENT2');
    two.logon();
    expect(two.last().get(Tag.Text)).toMatch(/opens next at 2026-01-06T08:00:00Z$/);
  });
});
