export type {
  ClientSession,
  ClusteredService,
  LogPosition,
  Role,
  ServiceContext,
  SessionCloseReason,
  SnapshotWriter,
} from './service.js';
