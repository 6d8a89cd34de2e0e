/**
 * `@venue/consensus/runtime`: the I/O shell around the pure core (node:fs, node:net, worker threads).
 * Kept out of the main entry so that importing the core never pulls in sockets or files.
 */

export type { MemberStatusRow } from './admin/cluster-admin.js';
export {
  clusterStatus,
  formatClusterStatus,
  requestSnapshot,
  requestStepDown,
} from './admin/cluster-admin.js';
export {
  BackupError,
  ClusterBackup,
  type ClusterBackupOptions,
  type ClusterBackupStatus,
  seedMemberFromBackup,
} from './backup/cluster-backup.js';
export {
  type MemberLogChunk,
  MemberLogError,
  type MemberRequestOptions,
  type MemberSnapshot,
  readMemberLog,
  readMemberSnapshot,
} from './backup/member-log.js';
export type { ClusterClientOptions, ClusterResponse } from './client/cluster-client.js';
export { ClusterClient, ClusterClientError } from './client/cluster-client.js';
export type { ClusterNodeOptions, FollowerStatus, NodeStatus } from './node/cluster-node.js';
export { ClusterNode } from './node/cluster-node.js';
export type { MemberAddress } from './node/members.js';
export { formatMembers, parseMembers } from './node/members.js';
export {
  type OfflineLog,
  type OfflineLogWriter,
  openOfflineLog,
  openOfflineLogWriter,
} from './node/offline-log.js';
export { runNode } from './node/run-node.js';
export type { ServiceMetricsContext } from './node/worker-protocol.js';
export { METRICS_EXPORT } from './node/worker-protocol.js';
export type { LogFields, LogLevel, RuntimeLogger } from './observe/logger.js';
export { lineLogger } from './observe/logger.js';
export type { HealthEvent, ServiceHealthOptions } from './observe/service-health.js';
export { ServiceHealth } from './observe/service-health.js';
export type { TrendChange, TrendOptions } from './observe/trend.js';
export { TrendWatch } from './observe/trend.js';
// Test-only durable watermarks (VENUE_FAULT_HOOKS=1): the chaos suite's power-loss nemesis reads them.
export type { DurableRecord } from './storage/durable-watermark.js';
export { DURABLE_WATERMARK_FILE, readDurableWatermarks } from './storage/durable-watermark.js';
// A member's data directory (log + hard state + snapshots): the recovery benchmark writes snapshots with it.
export { markDataDirRejoin, NodeStorage } from './storage/node-storage.js';
export type { Durability } from './storage/segment-log.js';
export type { PeerAddress, PeerTransportOptions, PeerTransportStats } from './transport/peer-transport.js';
export { PeerTransport } from './transport/peer-transport.js';
export type { ClientEgress, ClientIngress, ResponseStatusName } from './wire/codec.js';
export {
  decodeClientEgress,
  decodeClientIngress,
  decodePeerFrame,
  encodeClientEgress,
  encodeClientIngress,
  encodeMessage,
  WireError,
} from './wire/codec.js';
export { FrameReader, frame } from './wire/frames.js';
