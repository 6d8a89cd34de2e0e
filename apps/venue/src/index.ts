/**
 * Following a member's log-ordered execution feed (`/executions`, every ExecutionReport by
 * position = ExecID, moving to another member on loss): what a gateway's own reports and drop copy
 * use, and what any other cluster client that must not miss a report can use. The feed token is
 * read from `EXEC_FEED_TOKEN_ENV` (VENUE_EXEC_FEED_TOKEN) of the calling process.
 */
export {
  type ExecutionSink,
  type FeedFollower,
  type FeedMemberRef,
  followExecutionFeed,
  isOrderEvent,
} from './bridge/drop-copy.js';
export {
  type CommandChannel,
  fixExecTypeOf,
  fixOrdStatusOf,
  MatchingOrderEntry,
} from './bridge/order-entry.js';
export { type CliResult, runCli, USAGE } from './cli.js';
export { EXEC_FEED_TOKEN_ENV, EXECUTION_FEED_PATH } from './cluster/execution-feed.js';
export {
  type OfflineBook,
  type OfflineLevel,
  type OfflineOrder,
  type OfflinePosition,
  type OfflineState,
  readOfflineState,
} from './cluster/offline-orders.js';
export { formatOrders, runOrders } from './commands/orders.js';
export {
  type AccountConfig,
  type ClusterConfig,
  ConfigError,
  DEFAULT_CONFIG,
  DEMO_ACCOUNTS,
  DEMO_INSTRUMENTS,
  type InstrumentConfig,
  loadConfig,
  type MemberConfig,
  type VenueConfig,
} from './config/config.js';
export { ENV_OVERRIDES } from './config/env.js';
export { FixClient, type FixClientOptions, type FixSeqNums, readSeqFile } from './fix-client/fix-client.js';
export { InProcessLog } from './local/in-process-log.js';
export { createVenueServices, TeedMatchingService, type VenueServices } from './local/services.js';
export { ProgressBar, type ProgressOut, progressLine } from './progress/progress.js';
export {
  type Divergence,
  type DivergenceKind,
  formatShadowReport,
  runShadow,
  type ServicesBuild,
  type ShadowOptions,
  type ShadowReport,
} from './shadow/shadow.js';
export {
  type MemberArgs,
  memberArgsFor,
  type RunningVenue,
  startCluster,
  startSingleProcess,
} from './start.js';
export { type RunningWeb, startWebOnly } from './web/web-command.js';
