import { ClusterClient } from '@venue/consensus/runtime';
import {
  decodeReply,
  type ExecutionReportMessage,
  encodeAccountOrdersQuery,
  OrderType,
  OrdStatus,
  Reason,
  Side,
  TimeInForce,
  unitsToDecimal,
} from '@venue/matching';
import type { VenueConfig } from '../config/config.js';

/** How long to look for a leader before telling the operator the cluster is not reachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The query's principal: the venue's admin principal (may read any account). */
const PRINCIPAL = 'venue-admin';

const SIDE_NAMES: Record<number, string> = { [Side.Buy]: 'buy', [Side.Sell]: 'sell' };
const TYPE_NAMES: Record<number, string> = {
  [OrderType.Market]: 'market',
  [OrderType.Limit]: 'limit',
  [OrderType.Stop]: 'stop',
  [OrderType.StopLimit]: 'stop-limit',
};
const TIF_NAMES: Record<number, string> = {
  [TimeInForce.Day]: 'day',
  [TimeInForce.GTC]: 'gtc',
  [TimeInForce.IOC]: 'ioc',
  [TimeInForce.FOK]: 'fok',
  [TimeInForce.GTD]: 'gtd',
};

/**
 * `venue orders --account A`: the account's open orders, read through the cluster. The query is a
 * log entry (matching's AccountOrdersQuery), so the answer comes after every order acknowledged
 * before it, whichever member leads; it changes no state. A is a login of the config or an account id.
 */
export async function runOrders(
  config: VenueConfig,
  account: string | undefined,
): Promise<{ exitCode: number; output: string }> {
  if (account === undefined || account === '') {
    return {
      exitCode: 2,
      output: 'venue orders needs --account A (a login such as CLIENT1, or an account id)\n',
    };
  }
  const byLogin = config.accounts.find((a) => a.login === account);
  let accountId: number;
  if (byLogin !== undefined) accountId = byLogin.accountId;
  else if (/^\d{1,10}$/.test(account) && Number(account) >= 1 && Number(account) <= 2 ** 31 - 1) {
    accountId = Number(account);
  } else {
    return {
      exitCode: 2,
      output: `unknown account '${account}': give a login of the config (${config.accounts.map((a) => a.login).join(', ')}) or a numeric account id\n`,
    };
  }
  const label = byLogin !== undefined ? `${byLogin.login} (account ${accountId})` : `account ${accountId}`;
  let client: ClusterClient;
  try {
    client = await ClusterClient.connect({
      members: config.cluster.members.map((m) => `${m.host}:${m.clientPort}`),
      principal: PRINCIPAL,
      failoverTimeoutMs: CONNECT_TIMEOUT_MS,
    });
  } catch (e) {
    return {
      exitCode: 1,
      output: `venue orders: no cluster leader reachable at ${config.cluster.members.map((m) => `${m.host}:${m.clientPort}`).join(', ')} (${(e as Error).message}); is the cluster running with this config?\n`,
    };
  }
  try {
    const response = await client.request(encodeAccountOrdersQuery(accountId));
    const messages = response.replies.flatMap((r) => decodeReply(r));
    const reject = messages.find((m) => m.type === 'reject');
    if (reject !== undefined) {
      if (reject.reason === Reason.UnknownAccount)
        return { exitCode: 2, output: `venue orders: ${label} is not known to the venue\n` };
      return { exitCode: 1, output: `venue orders: refused: ${reject.text}\n` };
    }
    const orders = messages.filter((m): m is ExecutionReportMessage => m.type === 'execution');
    return { exitCode: 0, output: formatOrders(config, label, orders) };
  } finally {
    await client.close();
  }
}

/** A table of open orders, decimals in the instrument's units (raw ticks/lots if it is not in the config). */
export function formatOrders(
  config: VenueConfig,
  label: string,
  orders: readonly ExecutionReportMessage[],
): string {
  const header = [
    'ORDER',
    'CLORDID',
    'SYMBOL',
    'SIDE',
    'TYPE',
    'TIF',
    'PRICE',
    'STOP',
    'QTY',
    'FILLED',
    'LEAVES',
    'STATUS',
  ];
  const rows = orders.map((o) => {
    const inst = config.instruments.find((i) => i.instrumentId === o.instrumentId);
    const px = (ticks: number) =>
      ticks === 0 ? '-' : inst === undefined ? `${ticks}t` : unitsToDecimal(ticks, inst.tickSize);
    const qty = (lots: number) => (inst === undefined ? `${lots}l` : unitsToDecimal(lots, inst.lotSize));
    return [
      String(o.orderId),
      o.clOrdId === '' ? '-' : o.clOrdId,
      inst?.symbol ?? `#${o.instrumentId}`,
      SIDE_NAMES[o.side] ?? String(o.side),
      TYPE_NAMES[o.orderType] ?? String(o.orderType),
      TIF_NAMES[o.tif] ?? String(o.tif),
      px(o.priceTicks),
      px(o.stopPriceTicks),
      qty(o.orderQtyLots),
      qty(o.cumQtyLots),
      qty(o.leavesQtyLots),
      o.ordStatus === OrdStatus.PartiallyFilled ? 'partial' : 'new',
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c >= 6 && c <= 10 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const note = orders.at(-1)?.text ?? '';
  const title = `${label}: ${orders.length === 0 ? 'no open orders' : `${orders.length} open order${orders.length === 1 ? '' : 's'}`}${note === '' ? '' : ` (${note})`}`;
  if (orders.length === 0) return `${title}\n`;
  return `${title}\n${line(header)}\n${rows.map(line).join('\n')}\n`;
}
