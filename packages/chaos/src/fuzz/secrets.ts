import { randomBytes } from 'node:crypto';

/** Logins of the fuzz venue: CLIENT1..CLIENT4 and ADMIN, each with a distinctive random password. */
export function fuzzAccounts(): Array<{
  login: string;
  password: string;
  accountId: number;
  admin: boolean;
  cancelOnDisconnect: boolean;
}> {
  const pw = (login: string) => `Pw-${login}-${randomBytes(6).toString('hex')}`;
  return [
    ...[1, 2, 3, 4].map((n) => ({
      login: `CLIENT${n}`,
      password: pw(`CLIENT${n}`),
      accountId: n,
      admin: false,
      cancelOnDisconnect: false,
    })),
    { login: 'ADMIN', password: pw('ADMIN'), accountId: 99, admin: true, cancelOnDisconnect: false },
  ];
}

/**
 * Lines of a process's output that give a secret away: any of `secrets` verbatim, or a FIX
 * Password(554) field printed with its value.
 */
export function linesWithSecrets(output: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of output.split('\n')) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH is the FIX delimiter.
    if (secrets.some((s) => s !== '' && line.includes(s)) || /(^|[\x01|])554=[^\x01|]/.test(line)) {
      found.push(line.slice(0, 300));
    }
  }
  return found;
}

/** A random admin token for the fuzz venue (checked to stay out of its output too). */
export function fuzzAdminToken(): string {
  return `tok-${randomBytes(16).toString('hex')}`;
}
