import { ALWAYS_OPEN, parseSchedule, type SessionSchedule } from '@venue/gateway';

/** FIX trading-session schedules (UTC): the default for every login, and per-login overrides. */
export interface FixScheduleConfig {
  readonly default: SessionSchedule;
  readonly logins: Readonly<Record<string, SessionSchedule>>;
}

/** Demo default: always open, no scheduled sequence reset. */
export const ALWAYS_OPEN_FIX_SCHEDULE: FixScheduleConfig = { default: ALWAYS_OPEN, logins: {} };

/**
 * Config key `fixSchedule`: `"always"`, or `{ "startTime": "22:00:00", "endTime": "21:00:00",
 * ["startDay": "Sunday", "endDay": "Friday",] ["logins": { "CLIENT2": { ... } | "always" }] }`.
 * Throws an Error naming the key (the caller wraps it as a ConfigError).
 */
export function parseFixSchedule(v: unknown): FixScheduleConfig {
  if (v === undefined) return ALWAYS_OPEN_FIX_SCHEDULE;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { default: parseSchedule('fixSchedule', v), logins: {} };
  }
  const known = ['startTime', 'endTime', 'startDay', 'endDay', 'logins'];
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new Error(`fixSchedule: unknown key '${k}' (known: ${known.join(', ')})`);
  }
  const { logins, ...rest } = v as Record<string, unknown>;
  const out: Record<string, SessionSchedule> = {};
  if (logins !== undefined) {
    if (logins === null || typeof logins !== 'object' || Array.isArray(logins)) {
      throw new Error('fixSchedule.logins: expected an object { "<login>": schedule }');
    }
    for (const [login, s] of Object.entries(logins))
      out[login] = parseSchedule(`fixSchedule.logins.${login}`, s);
  }
  return { default: parseSchedule('fixSchedule', rest), logins: out };
}
