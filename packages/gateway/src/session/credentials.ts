import { createHash, timingSafeEqual } from 'node:crypto';

/** One FIX login: Username(553) = SenderCompID, its password and venue account. */
export interface AccountConfig {
  readonly username: string;
  /** Plain password (demo configs) or... */
  readonly password?: string;
  /** ...its SHA-256 hex digest (production configs). */
  readonly passwordSha256?: string;
  /** Venue account the session trades for; defaults to the username. */
  readonly account?: string;
  /** Report cancel-on-disconnect to the order-entry handler when this session drops. */
  readonly cancelOnDisconnect?: boolean;
  /** May act on every account (operations / ADMIN). */
  readonly admin?: boolean;
  /** 'dropcopy': a read-only session receiving copies of the entitled accounts' ExecutionReports. */
  readonly role?: 'trading' | 'dropcopy';
  /** Drop copy only: the accounts whose ExecutionReports it receives (`*` = every account). */
  readonly entitledAccounts?: ReadonlyArray<string>;
}

export interface AuthenticatedUser {
  readonly username: string;
  readonly account: string;
  readonly cancelOnDisconnect: boolean;
  readonly admin: boolean;
  /** Set on drop-copy logins (read-only; see src/dropcopy). Absent = a trading session. */
  readonly dropCopy?: { readonly entitledAccounts: ReadonlyArray<string> };
}

/** Checks Logon credentials. Implementations must not reveal which part was wrong. */
export interface CredentialStore {
  authenticate(username: string, password: string): AuthenticatedUser | undefined;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const PASSWORD_MIN_CHARS_PRODUCTION = 12;

export class ConfiguredCredentials implements CredentialStore {
  private readonly accounts = new Map<string, { digest: Buffer; user: AuthenticatedUser }>();

  /** `production: true` refuses short or demo passwords at construction (clear error, no start). */
  constructor(accounts: ReadonlyArray<AccountConfig>, options: { production?: boolean } = {}) {
    for (const a of accounts) {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(a.username)) throw new Error(`invalid username '${a.username}'`);
      if (this.accounts.has(a.username)) throw new Error(`duplicate username '${a.username}'`);
      let digest: Buffer;
      if (a.passwordSha256 !== undefined) {
        if (!/^[0-9a-f]{64}$/.test(a.passwordSha256)) throw new Error(`bad passwordSha256 for ${a.username}`);
        digest = Buffer.from(a.passwordSha256, 'hex');
      } else if (a.password !== undefined) {
        if (options.production === true && a.password.length < PASSWORD_MIN_CHARS_PRODUCTION) {
          throw new Error(
            `password of ${a.username} is shorter than ${PASSWORD_MIN_CHARS_PRODUCTION} characters (production)`,
          );
        }
        digest = sha256(a.password);
      } else {
        throw new Error(`account ${a.username} has no password`);
      }
      const dropCopy = dropCopyOf(a);
      this.accounts.set(a.username, {
        digest,
        user: {
          username: a.username,
          account: a.account ?? a.username,
          cancelOnDisconnect: a.cancelOnDisconnect ?? false,
          admin: a.admin ?? false,
          ...(dropCopy === undefined ? {} : { dropCopy }),
        },
      });
    }
  }

  authenticate(username: string, password: string): AuthenticatedUser | undefined {
    const entry = this.accounts.get(username);
    const digest = sha256(password);
    // Compare even for unknown users so timing does not reveal which usernames exist.
    const ok = timingSafeEqual(entry?.digest ?? sha256(`\u0000${password}`), digest);
    return ok && entry !== undefined ? entry.user : undefined;
  }
}

/** Validates the drop-copy fields of one login (clear errors at construction, never at logon). */
function dropCopyOf(a: AccountConfig): AuthenticatedUser['dropCopy'] {
  if (a.role === undefined || a.role === 'trading') {
    if (a.entitledAccounts !== undefined)
      throw new Error(`account ${a.username}: entitledAccounts needs role 'dropcopy'`);
    return undefined;
  }
  if (a.role !== 'dropcopy') throw new Error(`account ${a.username}: unknown role '${String(a.role)}'`);
  if (a.admin === true || a.cancelOnDisconnect === true)
    throw new Error(`account ${a.username}: a drop-copy login cannot be admin or cancel-on-disconnect`);
  const list = a.entitledAccounts ?? [];
  if (list.length === 0 || list.length > 10_000)
    throw new Error(`account ${a.username}: a drop-copy login needs 1..10000 entitledAccounts`);
  for (const acct of list) {
    if (acct !== '*' && !/^[A-Za-z0-9_.-]{1,64}$/.test(acct))
      throw new Error(`account ${a.username}: invalid entitled account '${acct}'`);
  }
  return { entitledAccounts: [...new Set(list)] };
}

/** The demo logins shipped with the venue: CLIENT1..CLIENT4 / `demo`, ADMIN / `admin`, drop copy DROPCOPY / `demo`. */
export function demoCredentials(options: { cancelOnDisconnect?: boolean } = {}): ConfiguredCredentials {
  const cod = options.cancelOnDisconnect ?? false;
  return new ConfiguredCredentials([
    { username: 'CLIENT1', password: 'demo', cancelOnDisconnect: cod },
    { username: 'CLIENT2', password: 'demo', cancelOnDisconnect: cod },
    { username: 'CLIENT3', password: 'demo', cancelOnDisconnect: cod },
    { username: 'CLIENT4', password: 'demo', cancelOnDisconnect: cod },
    { username: 'ADMIN', password: 'admin', admin: true },
    {
      username: 'DROPCOPY',
      password: 'demo',
      role: 'dropcopy',
      entitledAccounts: ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'],
    },
  ]);
}
