export { type CommandChannel, MatchingOrderEntry } from './bridge/order-entry.js';
export { type CliResult, runCli, USAGE } from './cli.js';
export {
  type AccountConfig,
  ConfigError,
  DEFAULT_CONFIG,
  DEMO_ACCOUNTS,
  DEMO_INSTRUMENTS,
  type InstrumentConfig,
  loadConfig,
  type VenueConfig,
} from './config/config.js';
export { FixClient, type FixClientOptions } from './fix-client/fix-client.js';
export { InProcessLog } from './local/in-process-log.js';
export { type RunningVenue, startSingleProcess } from './start.js';
