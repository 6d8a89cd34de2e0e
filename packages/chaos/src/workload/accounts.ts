import { type AccountConfig, DEMO_ACCOUNTS } from '@venue/venue';

/**
 * Who the workload's processes are. Processes 0..3 are the FIX clients (CLIENT1..CLIENT4, even
 * numbers over TCP, odd over WebSocket); processes 4..7 are the direct clients of the cluster client
 * (DIRECT1..DIRECT4), each with its own trading account, which the suite adds to the venue's config.
 */
const FIX_LOGINS = ['CLIENT1', 'CLIENT2', 'CLIENT3', 'CLIENT4'] as const;
/** FIX clients at most (processes 0..CLIENTS_MAX-1). */
export const CLIENTS_MAX = FIX_LOGINS.length;
/** Direct (cluster-client) processes at most; they are numbered from CLIENTS_MAX on. */
export const DIRECT_MAX = 4;
/** First account id of the direct logins (the demo accounts use 1..4 and 90..99). */
const DIRECT_ACCOUNT_ID_FIRST = 11;

export type Transport = 'tcp' | 'ws' | 'direct';

/** The process number of the i-th direct client (i from 0). */
export function directProcess(i: number): number {
  if (!(Number.isInteger(i) && i >= 0 && i < DIRECT_MAX))
    throw new Error(`at most ${DIRECT_MAX} direct clients`);
  return CLIENTS_MAX + i;
}

/** The login a workload process trades as. */
export function loginOf(process: number): string {
  const fix = FIX_LOGINS[process];
  if (fix !== undefined) return fix;
  const i = process - CLIENTS_MAX;
  if (Number.isInteger(i) && i >= 0 && i < DIRECT_MAX) return `DIRECT${i + 1}`;
  throw new Error(
    `no workload process ${process}: ${CLIENTS_MAX} FIX clients and ${DIRECT_MAX} direct clients at most`,
  );
}

/** How a workload process reaches the venue. */
export function transportOf(process: number): Transport {
  loginOf(process); // validates
  if (process >= CLIENTS_MAX) return 'direct';
  return process % 2 === 0 ? 'tcp' : 'ws';
}

/** The trading accounts of the direct clients (login DIRECTn, account id 10+n), for the venue config. */
export const DIRECT_ACCOUNTS: readonly AccountConfig[] = Array.from({ length: DIRECT_MAX }, (_, i) => ({
  login: loginOf(directProcess(i)),
  password: 'demo',
  accountId: DIRECT_ACCOUNT_ID_FIRST + i,
  admin: false,
  cancelOnDisconnect: false,
}));

/** The venue's accounts in a chaos run: the demo accounts plus the direct clients'. */
export const CHAOS_ACCOUNTS: readonly AccountConfig[] = [...DEMO_ACCOUNTS, ...DIRECT_ACCOUNTS];

/** The account id of a direct process's login. */
export function accountIdOf(process: number): number {
  const login = loginOf(process);
  const a = CHAOS_ACCOUNTS.find((x) => x.login === login);
  if (a === undefined) throw new Error(`no account for ${login}`);
  return a.accountId;
}
