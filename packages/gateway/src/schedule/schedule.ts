/**
 * FIX session schedules in UTC (like QuickFIX's StartTime/EndTime/StartDay/EndDay, without time
 * zones: UTC only, so there is no DST and no locale-dependent start of week).
 *
 * A schedule is a cycle (one day or one week) with one open window per cycle. A window may cross
 * midnight (daily 23:00-05:00) or the end of the week (weekly Fri 22:00 -> Sun 22:00 is closed over
 * the weekend, Sun 22:00 -> Fri 22:00 open). Start == end means a window as long as the cycle: the
 * session is always open but a new session period (sequence reset) begins at that time.
 * Pure functions of the time given: callers pass the injected clock's time.
 */

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;
/** 1970-01-04 00:00 UTC was a Sunday: weekly cycles are counted from there. */
const WEEK_ORIGIN_MS = 3 * DAY_SECONDS * 1000;

export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

export type SessionSchedule =
  | { readonly kind: 'always' }
  /** Open every day from startSec to endSec (seconds after 00:00 UTC; end < start crosses midnight). */
  | { readonly kind: 'daily'; readonly startSec: number; readonly endSec: number }
  /** Open from (startDay, startSec) to (endDay, endSec); days 0 = Sunday .. 6 = Saturday. */
  | {
      readonly kind: 'weekly';
      readonly startDay: number;
      readonly startSec: number;
      readonly endDay: number;
      readonly endSec: number;
    };

/** Open all the time, never a scheduled sequence reset (the demo default). */
export const ALWAYS_OPEN: SessionSchedule = { kind: 'always' };

/** One session period: sequence numbers are valid within it; [startMs, endMs). */
export interface SessionPeriod {
  readonly startMs: number;
  readonly endMs: number;
}

const ALWAYS_PERIOD: SessionPeriod = {
  startMs: Number.NEGATIVE_INFINITY,
  endMs: Number.POSITIVE_INFINITY,
};

interface Cycle {
  readonly originMs: number;
  readonly cycleMs: number;
  /** Window start, offset from the cycle origin. */
  readonly startOffsetMs: number;
  /** Window length, 0 < lengthMs <= cycleMs. */
  readonly lengthMs: number;
}

function cycleOf(s: Exclude<SessionSchedule, { kind: 'always' }>): Cycle {
  if (s.kind === 'daily') {
    checkSec(s.startSec);
    checkSec(s.endSec);
    const len = mod(s.endSec - s.startSec, DAY_SECONDS);
    return {
      originMs: 0,
      cycleMs: DAY_SECONDS * 1000,
      startOffsetMs: s.startSec * 1000,
      lengthMs: (len === 0 ? DAY_SECONDS : len) * 1000,
    };
  }
  checkSec(s.startSec);
  checkSec(s.endSec);
  checkDay(s.startDay);
  checkDay(s.endDay);
  const start = s.startDay * DAY_SECONDS + s.startSec;
  const len = mod(s.endDay * DAY_SECONDS + s.endSec - start, WEEK_SECONDS);
  return {
    originMs: WEEK_ORIGIN_MS,
    cycleMs: WEEK_SECONDS * 1000,
    startOffsetMs: start * 1000,
    lengthMs: (len === 0 ? WEEK_SECONDS : len) * 1000,
  };
}

/** The session period containing `nowMs`, or undefined when the schedule is closed then. */
export function periodAt(s: SessionSchedule, nowMs: number): SessionPeriod | undefined {
  if (s.kind === 'always') return ALWAYS_PERIOD;
  assertTime(nowMs);
  const c = cycleOf(s);
  const startMs = latestStartAtOrBefore(c, nowMs);
  return nowMs < startMs + c.lengthMs ? { startMs, endMs: startMs + c.lengthMs } : undefined;
}

/** Start of the next session period strictly after `nowMs` (undefined for an always-open schedule). */
export function nextOpenMs(s: SessionSchedule, nowMs: number): number | undefined {
  if (s.kind === 'always') return undefined;
  assertTime(nowMs);
  const c = cycleOf(s);
  return latestStartAtOrBefore(c, nowMs) + c.cycleMs;
}

function latestStartAtOrBefore(c: Cycle, nowMs: number): number {
  const base = c.originMs + c.startOffsetMs;
  const k = Math.floor((nowMs - base) / c.cycleMs);
  const startMs = base + k * c.cycleMs;
  if (!(startMs <= nowMs && nowMs - startMs < c.cycleMs)) throw new Error('schedule: cycle arithmetic');
  return startMs;
}

/** `2026-01-11T22:00:00Z` (ISO 8601, UTC; milliseconds only when not zero). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `daily 23:00:00-05:00:00 UTC`, `weekly Sunday 22:00:00 - Friday 22:00:00 UTC`, `always open`. */
export function describeSchedule(s: SessionSchedule): string {
  switch (s.kind) {
    case 'always':
      return 'always open';
    case 'daily':
      return `daily ${hms(s.startSec)}-${hms(s.endSec)} UTC`;
    case 'weekly':
      return `weekly ${WEEKDAYS[s.startDay]} ${hms(s.startSec)} - ${WEEKDAYS[s.endDay]} ${hms(s.endSec)} UTC`;
  }
}

/** Text(58) of the Logout refusing a Logon outside the schedule. */
export function closedText(s: SessionSchedule, nowMs: number): string {
  const next = nextOpenMs(s, nowMs);
  const when = next === undefined ? '' : `; it opens next at ${isoUtc(next)}`;
  return `Session is closed (schedule: ${describeSchedule(s)})${when}`;
}

/**
 * Parses the configuration form, QuickFIX-like:
 * `{ "startTime": "22:00:00", "endTime": "21:00:00" }` (daily) or with `"startDay": "Sunday",
 * "endDay": "Friday"` (weekly; day names in English, 3-letter abbreviations accepted);
 * `"always"` or `{}` for always open. Throws an Error naming `key` on bad input.
 */
export function parseSchedule(key: string, v: unknown): SessionSchedule {
  if (v === 'always') return ALWAYS_OPEN;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`${key}: expected "always" or an object { startTime, endTime[, startDay, endDay] }`);
  }
  const o = v as Record<string, unknown>;
  const allowed = new Set(['startTime', 'endTime', 'startDay', 'endDay']);
  for (const k of Object.keys(o)) {
    if (!allowed.has(k)) throw new Error(`${key}: unknown key '${k}' (known: ${[...allowed].join(', ')})`);
  }
  if (Object.keys(o).length === 0) return ALWAYS_OPEN;
  if (o['startTime'] === undefined || o['endTime'] === undefined) {
    throw new Error(`${key}: startTime and endTime are both required (HH:MM:SS, UTC)`);
  }
  const startSec = parseTime(`${key}.startTime`, o['startTime']);
  const endSec = parseTime(`${key}.endTime`, o['endTime']);
  const hasStartDay = o['startDay'] !== undefined;
  if (hasStartDay !== (o['endDay'] !== undefined)) {
    throw new Error(`${key}: a weekly schedule needs both startDay and endDay`);
  }
  if (!hasStartDay) return { kind: 'daily', startSec, endSec };
  return {
    kind: 'weekly',
    startDay: parseDay(`${key}.startDay`, o['startDay']),
    startSec,
    endDay: parseDay(`${key}.endDay`, o['endDay']),
    endSec,
  };
}

function parseTime(key: string, v: unknown): number {
  const m = typeof v === 'string' ? /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v) : null;
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  const sec = Number(m?.[3] ?? '0');
  if (m === null || h > 23 || min > 59 || sec > 59) {
    throw new Error(
      `${key}: expected a UTC time of day HH:MM:SS (00:00:00..23:59:59), got ${JSON.stringify(v)}`,
    );
  }
  return h * 3600 + min * 60 + sec;
}

function parseDay(key: string, v: unknown): number {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  const i = WEEKDAYS.findIndex(
    (d) => s.length >= 3 && d.toLowerCase().startsWith(s) && (s.length === 3 || s === d.toLowerCase()),
  );
  if (i < 0)
    throw new Error(`${key}: expected a day name such as "Sunday" or "Sun", got ${JSON.stringify(v)}`);
  return i;
}

function hms(sec: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(sec / 3600))}:${p(Math.floor(sec / 60) % 60)}:${p(sec % 60)}`;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function checkSec(sec: number): void {
  if (!(Number.isInteger(sec) && sec >= 0 && sec < DAY_SECONDS)) throw new Error(`schedule: bad time ${sec}`);
}

function checkDay(day: number): void {
  if (!(Number.isInteger(day) && day >= 0 && day <= 6)) throw new Error(`schedule: bad day ${day}`);
}

function assertTime(ms: number): void {
  if (!Number.isFinite(ms)) throw new Error(`schedule: time ${ms} is not finite`);
}
