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
export type { ClusterClientOptions, ClusterResponse } from './client/cluster-client.js';
export { ClusterClient, ClusterClientError } from './client/cluster-client.js';
export type { ClusterNodeOptions, FollowerStatus, NodeStatus } from './node/cluster-node.js';
export { ClusterNode } from './node/cluster-node.js';
export type { MemberAddress } from './node/members.js';
export { formatMembers, parseMembers } from './node/members.js';
export { type OfflineLog, openOfflineLog } from './node/offline-log.js';
export { runNode } from './node/run-node.js';
// The storage API and the entry body codec: what a member writes to disk (benchmarks generate logs with it).
export { NodeStorage } from './storage/node-storage.js';
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
  encodeEntryBody,
  encodeMessage,
  entryKindOf,
  WireError,
} from './wire/codec.js';
export { FrameReader, frame } from './wire/frames.js';
