import { decimalToUnits } from '../decimal/decimal.js';
import { CommandType, type SetTradingScheduleCommand } from '../types/commands.js';
import { type TradingSchedule, VOL_AUCTION_MS_MAX, validSchedule } from './phases.js';

/**
 * An instrument's trading rules in human units, for reference data (genesis, venue config).
 * Times of day are UTC, 'HH:MM' or 'HH:MM:SS'. Without `schedule` the instrument trades
 * continuously all day (the demo default).
 */
export interface TradingSpec {
  readonly schedule?: {
    readonly preOpen: string;
    readonly openingAuction: string;
    readonly continuous: string;
    readonly closingAuction: string;
    readonly close: string;
  };
  /** Volatility band around the last trade price in percent, e.g. '2' (basis points inside); absent or '0': none. */
  readonly volatilityBandPercent?: string;
  /** Length of a volatility auction in seconds (required with a band). */
  readonly volatilityAuctionSeconds?: number;
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** 'HH:MM[:SS]' (UTC) -> ms after 00:00; throws RangeError with the expected form. */
export function timeOfDayMs(text: string): number {
  const m = TIME_RE.exec(text);
  if (m === null)
    throw new RangeError(`time of day ${JSON.stringify(text)}: expected HH:MM or HH:MM:SS (UTC)`);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** The admin command for a TradingSpec; throws RangeError naming what is wrong. */
export function tradingScheduleCommand(
  instrumentId: number,
  spec: TradingSpec,
  timestampMs = 0,
): SetTradingScheduleCommand {
  let schedule: TradingSchedule | null = null;
  if (spec.schedule !== undefined) {
    const s = spec.schedule;
    schedule = {
      preOpenMs: timeOfDayMs(s.preOpen),
      openingAuctionMs: timeOfDayMs(s.openingAuction),
      continuousMs: timeOfDayMs(s.continuous),
      closingAuctionMs: timeOfDayMs(s.closingAuction),
      closeMs: timeOfDayMs(s.close),
    };
    if (!validSchedule(schedule)) {
      throw new RangeError(
        'schedule: times must not decrease (preOpen <= openingAuction <= continuous <= closingAuction <= close)',
      );
    }
  }
  const bandText = spec.volatilityBandPercent ?? '0';
  const volBandBps = decimalToUnits(bandText, '0.01');
  if (volBandBps === undefined || volBandBps > 10_000) {
    throw new RangeError(
      `volatilityBandPercent ${JSON.stringify(bandText)}: expected 0..100 with at most 2 decimals`,
    );
  }
  const seconds = spec.volatilityAuctionSeconds ?? 0;
  const volAuctionMs = seconds * 1000;
  if (!Number.isSafeInteger(volAuctionMs) || volAuctionMs < 0 || volAuctionMs > VOL_AUCTION_MS_MAX) {
    throw new RangeError(
      `volatilityAuctionSeconds ${seconds}: expected an integer 0..${VOL_AUCTION_MS_MAX / 1000}`,
    );
  }
  if (volBandBps > 0 && volAuctionMs === 0) {
    throw new RangeError('volatilityAuctionSeconds: required (> 0) with a volatility band');
  }
  return {
    type: CommandType.SetTradingSchedule,
    timestampMs,
    instrumentId,
    schedule,
    volBandBps,
    volAuctionMs,
  };
}
