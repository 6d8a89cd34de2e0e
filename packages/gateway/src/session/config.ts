import { ALWAYS_OPEN, type SessionSchedule } from '../schedule/schedule.js';

/** Injected time source: the session layer never reads the system clock itself. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface SessionConfig {
  /** Our CompID: counterparties must send TargetCompID(56) equal to it. */
  readonly venueCompId: string;
  readonly heartBtIntSecMin: number;
  readonly heartBtIntSecMax: number;
  /** Disconnect a connection that sends no Logon within this time. */
  readonly logonTimeoutMs: number;
  /** Wait this long for the counterparty's Logout after we send one (graceful logout). */
  readonly logoutTimeoutMs: number;
  /** Inbound messages per second per session; over it, application messages are rejected. */
  readonly throttleMsgsPerSec: number;
  /** Log out a session whose rejected (over-limit) messages in one second exceed this factor x limit. */
  readonly throttleLogoutFactor: number;
  /** Reject (373=10) and log out when SendingTime is further than this from our clock; 0 disables. */
  readonly sendingTimeToleranceMs: number;
  /** Largest accepted frame (bytes, whole message); bigger ones log the session out. */
  readonly frameBytesMax: number;
  /** Trading-session schedule (UTC) of every login without its own entry in `loginSchedules`. */
  readonly schedule: SessionSchedule;
  /** Per-login schedules (key: Username/SenderCompID), overriding `schedule`. */
  readonly loginSchedules: Readonly<Record<string, SessionSchedule>>;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  venueCompId: 'VENUE',
  heartBtIntSecMin: 1,
  heartBtIntSecMax: 300,
  logonTimeoutMs: 10_000,
  logoutTimeoutMs: 2_000,
  throttleMsgsPerSec: 200,
  throttleLogoutFactor: 10,
  sendingTimeToleranceMs: 120_000,
  frameBytesMax: 64 * 1024,
  schedule: ALWAYS_OPEN,
  loginSchedules: {},
};

/** The schedule that applies to a login. */
export function scheduleFor(config: SessionConfig, username: string): SessionSchedule {
  return Object.hasOwn(config.loginSchedules, username)
    ? (config.loginSchedules[username] ?? config.schedule)
    : config.schedule;
}
