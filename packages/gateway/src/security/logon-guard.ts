/** Limits of the logon guard and of connections per remote address (FixGateway `security`). */
export interface SecurityConfig {
  /** Failed logons per login allowed before it is locked (then each failure doubles the lock). */
  readonly logonFailuresFreePerLogin: number;
  /** Failed logons per remote address allowed before the address is locked. */
  readonly logonFailuresFreePerAddress: number;
  /** First lock after the free failures; doubles with each further failure. */
  readonly logonLockBaseMs: number;
  /** Longest lock. */
  readonly logonLockMaxMs: number;
  /** A login's or address's failure count is forgotten this long after its last failure. */
  readonly logonFailureMemoryMs: number;
  /** Bound on tracked logins and on tracked addresses (least recently failed are dropped first). */
  readonly logonTrackedMax: number;
  /** Simultaneous connections (logged on or not) from one remote address; 0 = no limit. */
  readonly connectionsPerAddressMax: number;
}

export const DEFAULT_SECURITY_CONFIG: SecurityConfig = {
  logonFailuresFreePerLogin: 5,
  logonFailuresFreePerAddress: 20,
  logonLockBaseMs: 1_000,
  logonLockMaxMs: 60_000,
  logonFailureMemoryMs: 15 * 60_000,
  logonTrackedMax: 10_000,
  connectionsPerAddressMax: 256,
};

export function checkSecurityConfig(c: SecurityConfig): void {
  const int = (name: keyof SecurityConfig, min: number) => {
    const v = c[name];
    if (!Number.isSafeInteger(v) || v < min)
      throw new Error(`security.${name} must be an integer >= ${min}, got ${v}`);
  };
  int('logonFailuresFreePerLogin', 0);
  int('logonFailuresFreePerAddress', 0);
  int('logonLockBaseMs', 1);
  int('logonLockMaxMs', 1);
  int('logonFailureMemoryMs', 1);
  int('logonTrackedMax', 1);
  int('connectionsPerAddressMax', 0);
  if (c.logonLockMaxMs < c.logonLockBaseMs)
    throw new Error('security.logonLockMaxMs must be >= logonLockBaseMs');
}

interface Failures {
  count: number;
  lastFailureMs: number;
  lockedUntilMs: number;
}

/** One bounded failure table (per login, or per address): insertion order = least recently failed first. */
class FailureTable {
  private readonly entries = new Map<string, Failures>();

  constructor(
    private readonly free: number,
    private readonly config: SecurityConfig,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  private live(key: string, nowMs: number): Failures | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && nowMs - e.lastFailureMs >= this.config.logonFailureMemoryMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Milliseconds until `key` may try again (0 = now). */
  lockedForMs(key: string, nowMs: number): number {
    const e = this.live(key, nowMs);
    return e === undefined ? 0 : Math.max(0, e.lockedUntilMs - nowMs);
  }

  failure(key: string, nowMs: number): void {
    const e = this.live(key, nowMs) ?? { count: 0, lastFailureMs: nowMs, lockedUntilMs: 0 };
    e.count += 1;
    e.lastFailureMs = nowMs;
    const over = e.count - this.free;
    if (over > 0) {
      const c = this.config;
      // 2^(over-1) x base, capped (the exponent is bounded so the number stays exact).
      e.lockedUntilMs = nowMs + Math.min(c.logonLockMaxMs, c.logonLockBaseMs * 2 ** Math.min(over - 1, 30));
    }
    this.entries.delete(key); // re-insert: most recent last
    this.entries.set(key, e);
    while (this.entries.size > this.config.logonTrackedMax) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * Slows password guessing: after a few failed logons a login, or a remote address, is locked for
 * an exponentially growing time (bounded); while locked every logon from it is refused without
 * looking at the password, with a Text saying when to retry. A success clears the login's count.
 * Memory is bounded (at most `logonTrackedMax` logins and as many addresses). Time comes from the
 * caller (the session's injected clock).
 */
export class LogonGuard {
  private readonly logins: FailureTable;
  private readonly addresses: FailureTable;

  constructor(readonly config: SecurityConfig = DEFAULT_SECURITY_CONFIG) {
    checkSecurityConfig(config);
    this.logins = new FailureTable(config.logonFailuresFreePerLogin, config);
    this.addresses = new FailureTable(config.logonFailuresFreePerAddress, config);
  }

  /** Why a logon attempt must be refused before its password is checked, or undefined. */
  refusal(login: string, address: string | undefined, nowMs: number): string | undefined {
    const byLogin = this.logins.lockedForMs(login, nowMs);
    const byAddress = address === undefined ? 0 : this.addresses.lockedForMs(address, nowMs);
    const waitMs = Math.max(byLogin, byAddress);
    if (waitMs === 0) return undefined;
    const what = byLogin >= byAddress ? 'this login' : 'this address';
    return `Too many failed logons for ${what}: retry in ${Math.ceil(waitMs / 1000)} s`;
  }

  failure(login: string, address: string | undefined, nowMs: number): void {
    this.logins.failure(login, nowMs);
    if (address !== undefined) this.addresses.failure(address, nowMs);
  }

  success(login: string): void {
    this.logins.clear(login);
  }

  /** Tracked entries (for tests and metrics). */
  get tracked(): { logins: number; addresses: number } {
    return { logins: this.logins.size, addresses: this.addresses.size };
  }
}
