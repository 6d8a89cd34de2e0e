/**
 * The gateway's view of the cluster: every request it offered on its cluster session, timed from
 * the offer to the response (replication to a majority, commit, apply on the leader's services and
 * the way back, resubmission after a failover included), and how each ended.
 */

import { counter, LatencyHistogram } from './metrics.js';

export class ClusterClientMetrics {
  readonly roundTrip = new LatencyHistogram();
  offered = 0;
  refusedWindowFull = 0;
  failed = 0;
  /** Offers refused while no cluster session was open (being reopened). */
  refusedNoSession = 0;
  /** Cluster sessions that ended under the gateway (closed by the cluster, or no leader in time). */
  sessionsLost = 0;
  /** New sessions opened after one ended. */
  sessionsReopened = 0;
  private readonly statuses = new Map<string, number>();

  /** One response with its status (`applied`, `duplicate`, `stale`, ...), `ms` after the offer. */
  responded(status: string, ms: number): void {
    this.roundTrip.record(ms);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  render(): string {
    const statusLines = [...this.statuses.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `venue_cluster_responses_total{status="${s}"} ${n}`);
    return [
      this.roundTrip.render(
        'venue_cluster_round_trip_seconds',
        'Gateway: cluster request offered until its response (replicate, commit, apply, reply)',
      ),
      counter('venue_cluster_requests_total', 'Requests offered on the cluster session', this.offered),
      counter(
        'venue_cluster_requests_window_full_total',
        'Offers refused by the client window (back-pressure)',
        this.refusedWindowFull,
      ),
      counter(
        'venue_cluster_requests_failed_total',
        'Requests that failed (no leader in time, closed)',
        this.failed,
      ),
      counter(
        'venue_cluster_requests_no_session_total',
        'Offers refused while the cluster session was being reopened',
        this.refusedNoSession,
      ),
      counter(
        'venue_cluster_sessions_lost_total',
        'Cluster sessions that ended under the gateway (closed by the cluster, or no leader in time)',
        this.sessionsLost,
      ),
      counter(
        'venue_cluster_sessions_reopened_total',
        'New cluster sessions opened after one ended',
        this.sessionsReopened,
      ),
      [
        '# HELP venue_cluster_responses_total Responses by status',
        '# TYPE venue_cluster_responses_total counter',
        ...statusLines,
      ].join('\n'),
    ].join('\n');
  }
}
