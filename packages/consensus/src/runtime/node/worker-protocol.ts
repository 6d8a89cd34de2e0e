/**
 * Messages between the consensus thread (main) and the service thread (worker). postMessage keeps
 * order, so "install snapshot" always precedes the entries that follow it.
 */

import type { Entry } from '../../core/types.js';
import type { Role } from '../../service.js';
import type { ServiceHostConfig } from '../../service-host/host.js';
import type { SnapshotLayout } from '../../service-host/incremental-snapshot.js';
import type { ResponseStatusName } from '../wire/codec.js';

/**
 * Name of the optional export of the service module that renders its own Prometheus text; the
 * member appends it to `/metrics`. Called between entries on the service thread.
 */
export const METRICS_EXPORT = 'metricsText';

/** What the service module's `metricsText(ctx)` is told. */
export interface ServiceMetricsContext {
  /** Last log position the service host applied. */
  readonly appliedIndex: number;
}

export interface ServiceWorkerData {
  /** Absolute path or file URL of an ES module exporting the service factory. */
  readonly serviceModule: string;
  /** Name of the factory export (default `createServices`): `(args) => ClusteredService[]`. */
  readonly serviceExport: string;
  /** Passed to the factory (structured-cloneable: instruments, configuration). */
  readonly serviceArgs: unknown;
  readonly host: ServiceHostConfig;
  /** Snapshot bytes to start from (service host format), or null on a fresh start. */
  readonly snapshot: Uint8Array | null;
}

export type ToWorker =
  | { readonly t: 'apply'; readonly entries: readonly Entry[] }
  | { readonly t: 'install'; readonly index: number; readonly data: Uint8Array }
  | { readonly t: 'take-snapshot'; readonly id: number }
  | { readonly t: 'housekeeping'; readonly nowMs: number }
  | { readonly t: 'role'; readonly role: Role }
  | { readonly t: 'status'; readonly id: number }
  /** Prometheus text from the service module's optional `metricsText` export. */
  | { readonly t: 'metrics'; readonly id: number };

/** What applying produced for clients (only the leader sends it). */
export type WorkerEgress =
  | {
      readonly type: 'response';
      readonly sessionId: number;
      readonly requestSeq: number;
      readonly status: ResponseStatusName;
      readonly replies: readonly Uint8Array[];
    }
  | { readonly type: 'event'; readonly sessionId: number; readonly payload: Uint8Array }
  | {
      readonly type: 'opened';
      /** Log position of the session-open entry. */
      readonly index: number;
      readonly sessionId: number;
      readonly nonce: number;
      readonly principal: string;
    }
  | { readonly type: 'open-rejected'; readonly nonce: number; readonly principal: string }
  | {
      readonly type: 'session-closed';
      /** Log position of the entry that closed it. */
      readonly index: number;
      readonly sessionId: number;
      readonly reason: string;
    };

export type FromWorker =
  | { readonly t: 'ready'; readonly applied: number; readonly startMs: number }
  | {
      readonly t: 'applied';
      readonly index: number;
      readonly term: number;
      readonly egress: readonly WorkerEgress[];
      readonly busyMs: number;
    }
  | {
      readonly t: 'snapshot';
      readonly id: number;
      readonly index: number;
      readonly term: number;
      readonly timestampMs: number;
      /**
       * The image: pieces (moved from the worker, not copied) and counts of the pieces streamed
       * before by 'snapshot-chunks' with this id (`assembleSnapshot`).
       */
      readonly layout: SnapshotLayout;
      /** From the request to the complete image (entries kept being applied meanwhile). */
      readonly tookMs: number;
      /** Longest time the snapshot held the service thread at once (the log-processing stall). */
      readonly stepMaxMs: number;
    }
  | {
      /** Pieces of snapshot `id` as they are written (moved, in order), before its 'snapshot'. */
      readonly t: 'snapshot-chunks';
      readonly id: number;
      readonly chunks: readonly Uint8Array[];
    }
  | {
      readonly t: 'housekeeping';
      readonly timers: readonly { serviceIndex: number; correlationId: number; deadlineMs: number }[];
      readonly sessions: readonly number[];
    }
  | {
      readonly t: 'status';
      readonly id: number;
      readonly applied: number;
      readonly hash: string;
      readonly sessions: number;
      readonly timers: number;
      readonly serviceVersion: number;
      readonly serviceVersionSince: number;
    }
  | { readonly t: 'metrics'; readonly id: number; readonly text: string }
  | { readonly t: 'fatal'; readonly message: string };
