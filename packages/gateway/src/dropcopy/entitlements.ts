import type { AuthenticatedUser } from '../session/credentials.js';

/** Entitlement of every account (config `entitledAccounts: ['*']`). */
export const ALL_ACCOUNTS = '*';

/** A drop-copy login as the publisher needs it: who, and which accounts it may see. */
export interface DropCopyUser {
  readonly username: string;
  readonly entitledAccounts: ReadonlyArray<string>;
}

/** True when `user` is a drop-copy login. */
export function isDropCopy(user: AuthenticatedUser | undefined): boolean {
  return user?.dropCopy !== undefined;
}

/**
 * The entitlement filter: does a drop-copy login see reports of `account`? An event without an
 * account (it could not be attributed) is never copied, not even to a `*` login.
 */
export function isEntitled(user: DropCopyUser, account: string | undefined): boolean {
  if (account === undefined || account === '') return false;
  for (const a of user.entitledAccounts) if (a === ALL_ACCOUNTS || a === account) return true;
  return false;
}

/** Text(58) of the BusinessMessageReject a drop-copy session gets for any application message. */
export function readOnlyText(user: AuthenticatedUser, msgType: string): string {
  const name = msgTypeName(msgType);
  return `Drop-copy session ${user.username} is read-only: ${name}(35=${msgType}) is not accepted`;
}

const MSG_TYPE_NAMES: Readonly<Record<string, string>> = {
  D: 'NewOrderSingle',
  F: 'OrderCancelRequest',
  G: 'OrderCancelReplaceRequest',
  H: 'OrderStatusRequest',
  q: 'OrderMassCancelRequest',
  x: 'SecurityListRequest',
  V: 'MarketDataRequest',
  '8': 'ExecutionReport',
};

function msgTypeName(msgType: string): string {
  return MSG_TYPE_NAMES[msgType] ?? 'message';
}
