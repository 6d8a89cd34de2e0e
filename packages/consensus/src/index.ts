export type { CheckResult, Model, Operation } from './check/linearizability.js';
export { checkLinearizable } from './check/linearizability.js';
export type { RaftConfig } from './core/config.js';
export { defaultRaftTuning, validateConfig } from './core/config.js';
export { RaftLog } from './core/log.js';
export type { NodeStatus } from './core/node.js';
export { RaftNode } from './core/node.js';
export { Prng } from './core/prng.js';
export type {
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  Mutations,
  NodeId,
  Proposal,
  ProposeResult,
  RaftRole,
  Ready,
  RestartState,
  Snapshot,
} from './core/types.js';
export type {
  ClientSession,
  ClusteredService,
  LogPosition,
  Role,
  ServiceContext,
  SessionCloseReason,
  SnapshotCursor,
  SnapshotWriter,
} from './service.js';
export { ByteReader, ByteWriter, hashHex } from './service-host/bytes.js';
export type { Egress, ServiceControlOutcome, ServiceHostConfig } from './service-host/host.js';
export {
  decodeServiceControlResponse,
  defaultServiceHostConfig,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
  ServiceHost,
  SnapshotFormatError,
  UnsupportedServiceVersionError,
} from './service-host/host.js';
export {
  assembleSnapshot,
  concatChunks,
  HostSnapshotCursor,
  layoutPieces,
  type SnapshotLayout,
} from './service-host/incremental-snapshot.js';
export type { ReplicaConfig, ReplicaOutput } from './service-host/replica.js';
export { Replica } from './service-host/replica.js';

export type { RegisterInput, RegisterOp } from './sim/register-service.js';
export {
  decodeRegisterOutput,
  encodeRegisterInput,
  RegisterService,
  registerModel,
} from './sim/register-service.js';
export type { Faults, SimMutations, SimOptions, SimResult, SimStats } from './sim/simulator.js';
export { describeMessage, runSimulation, SIM_PROFILES, SIM_VERSION } from './sim/simulator.js';
