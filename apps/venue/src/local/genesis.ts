import {
  CommandType,
  encodeCommand,
  instrumentCommand,
  StpMode,
  tradingScheduleCommand,
} from '@venue/matching';
import type { VenueConfig } from '../config/config.js';

/**
 * The reference data of a fresh venue as admin commands for the log (instruments, then accounts).
 * Sent again on every start: a definition that exists already is rejected by matching as a
 * duplicate and changes nothing, so this is idempotent.
 */
export function genesisPayloads(config: VenueConfig): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const i of config.instruments) out.push(encodeCommand(instrumentCommand(i)));
  // Schedules (issue 13) after the instruments; re-sent on every start, which is harmless: the
  // same schedule again moves nothing (the instrument is already in the phase it gives).
  for (const i of config.instruments) {
    if (i.trading !== undefined) out.push(encodeCommand(tradingScheduleCommand(i.instrumentId, i.trading)));
  }
  const limits = {
    maxOrderQtyLots: 0,
    maxOrderNotional: 0,
    maxOpenOrders: config.security.maxOpenOrdersPerAccount,
    maxPositionLots: 0,
  };
  for (const a of config.accounts) {
    if (a.role === 'dropcopy') continue; // read-only login: no trading account
    out.push(
      encodeCommand({
        type: CommandType.AddAccount,
        timestampMs: 0,
        accountId: a.accountId,
        login: a.login,
        stpMode: StpMode.CancelIncoming,
        ...limits,
      }),
    );
  }
  return out;
}
