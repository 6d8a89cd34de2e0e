export const PACKAGE_NAME = '@venue/marketdata';

export type { ApplyResult, BookLevel, BookOrder } from './client/book.js';
export { L2Book, L3Book } from './client/book.js';
export type { ClientOptions, ClientStream } from './client/client.js';
export { CLIENT_STREAMS_MAX, MarketDataClient } from './client/client.js';
export type { AuctionView, BookSource, FeedConfig } from './feed/feed.js';
export { DEFAULT_FEED_CONFIG, MarketDataFeed } from './feed/feed.js';
export { feedStateHash, readFeedSnapshot, writeFeedSnapshot } from './feed/snapshot.js';
export {
  decodeJson,
  decodeSbe,
  encodeJson,
  encodeSbe,
  SNAPSHOT_LEVELS_MAX,
  sbeLength,
} from './messages/codec.js';
export type {
  BarMessage,
  BboMessage,
  ChannelName,
  FeedMessage,
  LevelMessage,
  OrderActionCode,
  OrderMessage,
  OrderSnapshotMessage,
  PhaseCode,
  SideCode,
  SnapshotLevel,
  SnapshotMessage,
  SnapshotOrder,
  Stamp,
  StatsMessage,
  StatusMessage,
  TradeMessage,
} from './messages/messages.js';
export {
  BAR_INTERVALS_MS,
  CHANNELS,
  isChannelName,
  isFullStateChannel,
  LevelAction,
  OrderAction,
  PHASE_NAMES,
} from './messages/messages.js';
export type { MarketDataMetricsInput } from './metrics/marketdata-metrics.js';
export { renderMarketDataMetrics } from './metrics/marketdata-metrics.js';
export { FeedRing, StreamRing } from './ring/ring.js';
export type { FeedListener, MarketDataServiceOptions } from './service/service.js';
export { BAR_TIMER_ID, FOLLOW_TIMER_ID, LISTENERS_MAX, MarketDataService } from './service/service.js';
export { teeSink } from './service/tee.js';
export type { FeedSource, FeedSourceListener, HubLimits, HubStats, WireFormat } from './ws/hub.js';
export { CloseCode, DEFAULT_HUB_LIMITS, MarketDataHub } from './ws/hub.js';
export type { MarketDataPluginOptions, MarketDataServer } from './ws/server.js';
export { DEFAULT_MD_PATH, marketDataPlugin, startMarketDataServer } from './ws/server.js';
