import { decimalToUnits } from '../decimal/decimal.js';
import { type TradingSpec, tradingScheduleCommand } from '../phases/spec.js';
import type {
  AddAccountCommand,
  AddInstrumentCommand,
  SetTradingScheduleCommand,
} from '../types/commands.js';
import { CommandType } from '../types/commands.js';
import { InstrumentStatus, StpMode } from '../types/enums.js';

/** Instrument definition in human units (decimal strings), converted to an engine command. */
export interface InstrumentSpec {
  instrumentId: number;
  symbol: string;
  tickSize: string;
  lotSize: string;
  /** Decimal quantities in base units. */
  minQty: string;
  maxQty: string;
  refPrice: string;
  /** Band in percent of the reference price, e.g. '10' (integer basis points inside). */
  bandPercent: string;
  /** Phases, schedule and volatility interruption; absent: continuous all day. */
  trading?: TradingSpec;
}

export function instrumentCommand(spec: InstrumentSpec, timestampMs = 0): AddInstrumentCommand {
  const minQtyLots = decimalToUnits(spec.minQty, spec.lotSize);
  const maxQtyLots = decimalToUnits(spec.maxQty, spec.lotSize);
  const refPriceTicks = decimalToUnits(spec.refPrice, spec.tickSize);
  const bandBps = decimalToUnits(spec.bandPercent, '0.01');
  if (
    minQtyLots === undefined ||
    maxQtyLots === undefined ||
    refPriceTicks === undefined ||
    bandBps === undefined
  ) {
    throw new RangeError(`instrument ${spec.symbol}: quantities/prices must be multiples of lot/tick size`);
  }
  return {
    type: CommandType.AddInstrument,
    timestampMs,
    instrumentId: spec.instrumentId,
    symbol: spec.symbol,
    tickSize: spec.tickSize,
    lotSize: spec.lotSize,
    minQtyLots,
    maxQtyLots,
    refPriceTicks,
    bandBps,
    status: InstrumentStatus.Open,
  };
}

export const GENESIS_INSTRUMENTS: readonly InstrumentSpec[] = [
  {
    instrumentId: 1,
    symbol: 'BTC-USD',
    tickSize: '0.01',
    lotSize: '0.0001',
    minQty: '0.0001',
    maxQty: '100',
    refPrice: '60000.00',
    bandPercent: '10',
  },
  {
    instrumentId: 2,
    symbol: 'ETH-USD',
    tickSize: '0.01',
    lotSize: '0.001',
    minQty: '0.001',
    maxQty: '1000',
    refPrice: '3000.00',
    bandPercent: '10',
  },
  {
    instrumentId: 3,
    symbol: 'ACME',
    tickSize: '0.01',
    lotSize: '1',
    minQty: '1',
    maxQty: '1000000',
    refPrice: '50.00',
    bandPercent: '10',
  },
  {
    // The quiet test symbol (after Nasdaq's test issue): nobody trades it but tests.
    instrumentId: 4,
    symbol: 'ZVZZT',
    tickSize: '0.01',
    lotSize: '1',
    minQty: '1',
    maxQty: '1000000',
    refPrice: '100.00',
    bandPercent: '10',
  },
];

/** Demo accounts (logins match the demo gateway config). Limits: 0 = unlimited. */
export const GENESIS_ACCOUNTS: readonly Omit<AddAccountCommand, 'type' | 'timestampMs'>[] = [
  { accountId: 1, login: 'alice', stpMode: StpMode.CancelIncoming, ...demoLimits() },
  { accountId: 2, login: 'bob', stpMode: StpMode.CancelIncoming, ...demoLimits() },
  { accountId: 3, login: 'carol', stpMode: StpMode.CancelResting, ...demoLimits() },
  { accountId: 4, login: 'mm', stpMode: StpMode.CancelBoth, ...demoLimits() },
];

function demoLimits() {
  return { maxOrderQtyLots: 0, maxOrderNotional: 0, maxOpenOrders: 10_000, maxPositionLots: 0 };
}

/** The commands that define the genesis reference data, in log order. */
export function genesisCommands(
  timestampMs = 0,
): Array<AddInstrumentCommand | SetTradingScheduleCommand | AddAccountCommand> {
  return [
    ...GENESIS_INSTRUMENTS.map((s) => instrumentCommand(s, timestampMs)),
    // None of the demo instruments has a schedule (they trade continuously all day).
    ...GENESIS_INSTRUMENTS.filter((s) => s.trading !== undefined).map((s) =>
      tradingScheduleCommand(s.instrumentId, s.trading!, timestampMs),
    ),
    ...GENESIS_ACCOUNTS.map((a) => ({ type: CommandType.AddAccount, timestampMs, ...a })),
  ];
}
