export {
  type CheckResult,
  type CheckStats,
  check,
  type Property,
  type Violation,
} from './checker/checker.js';
export {
  checkMarketData,
  type FinalBook,
  type MarketDataInput,
  type MdCheck,
  type MdIssue,
} from './checker/md-replay.js';
export { checkReads, ORDER_MODEL } from './checker/reads.js';
export {
  checkTradesAndPositions,
  type FinalPosition,
  type InstrumentUnits,
  type PositionsInput,
  type TradeCheck,
  type TradeIssue,
  toUnits,
} from './checker/trades.js';
export { type AdminStatus, type MemberPorts, VenueProcess } from './cluster/venue-process.js';
export { type DiskFault, flipLogBit, flipSnapshotBit, frameSpans, tearTail } from './disk/disk-faults.js';
export { type CaseInput, corpus, type Expectation, type FuzzCase } from './fuzz/corpus.js';
export { type CaseResult, type FuzzOptions, type FuzzReport, runFuzz } from './fuzz/fuzzer.js';
export { MUTATIONS, type MutationKind, mutate } from './fuzz/mutate.js';
export { formatFuzzReport, fuzzMain } from './fuzz/run-fuzz.js';
export { linesWithSecrets } from './fuzz/secrets.js';
export { readVenueState, SingleVenue, type VenueState } from './fuzz/venue.js';
export type {
  CompleteEvent,
  FaultEvent,
  FinalOrderRead,
  FinalState,
  HistoryEvent,
  InvokeEvent,
  OfflineRebuild,
  OpKind,
  ReplicaState,
  ReportEvent,
} from './history/history.js';
export { History } from './history/history.js';
export {
  feedSnapshotSeqs,
  type MdLevel,
  type MdMessage,
  MdRecorder,
  type MdRecorderStats,
  parseMessage,
} from './marketdata/recorder.js';
export {
  COMBINED_NEMESES,
  GATEWAY_NEMESES,
  NEMESES,
  type NemesisKind,
  parseNemeses,
} from './nemesis/nemesis.js';
export { cutToDurable, type PowerLossReport } from './nemesis/power-loss.js';
export {
  FaultProxy,
  type FaultProxyOptions,
  type LinkFault,
  type LinkStats,
  type ProxyTarget,
} from './proxy/fault-proxy.js';
export { Prng } from './random/prng.js';
export { type ChaosOptions, type ChaosReport, ciOptions, ciTable, runChaos } from './run/run.js';
