/**
 * `/metrics` of the `venue bots` process (every venue process has one): what the bots sent and got
 * back, and the process's own health. Port from VENUE_BOTS_METRICS_PORT (default 8140; 0 = any free
 * port; 'off' = none).
 */
import * as http from 'node:http';
import { counter } from '../metrics/metrics.js';
import { ProcessMetrics } from '../metrics/process-metrics.js';
import type { DemoBots } from './bots.js';

export const BOTS_METRICS_PORT_ENV = 'VENUE_BOTS_METRICS_PORT';
const DEFAULT_PORT = 8140;

export function botsMetricsText(bots: DemoBots, processMetrics: ProcessMetrics): string {
  const s = bots.stats;
  return [
    counter('venue_bots_orders_sent_total', 'NewOrderSingle messages the bots sent', s.ordersSent),
    counter('venue_bots_cancels_sent_total', 'OrderCancelRequest messages the bots sent', s.cancelsSent),
    counter('venue_bots_execution_reports_total', 'ExecutionReports the bots received', s.executionReports),
    counter('venue_bots_fills_total', 'Fill reports the bots received', s.fills),
    counter(
      'venue_bots_rejects_total',
      'Rejected orders, cancel rejects and session rejects received',
      s.rejects,
    ),
  ]
    .join('\n')
    .concat('\n', processMetrics.render(), '\n');
}

/** Serves /metrics for the bots; resolves with the URL, or undefined when turned off. */
export async function serveBotsMetrics(
  bots: DemoBots,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string | undefined; close(): Promise<void> }> {
  const raw = env[BOTS_METRICS_PORT_ENV];
  if (raw === 'off') return { url: undefined, close: async () => {} };
  const port = raw === undefined || raw === '' ? DEFAULT_PORT : Number(raw);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    throw new Error(`${BOTS_METRICS_PORT_ENV} must be a port 0..65535 or 'off', got '${raw}'`);
  const processMetrics = new ProcessMetrics();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(botsMetricsText(bots, processMetrics));
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end('{"error":"GET /metrics"}\n');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    url: `http://${host}:${bound}/metrics`,
    close: async () => {
      processMetrics.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
