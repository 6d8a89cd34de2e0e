import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { type FixGateway, serveFixWebSocket } from '@venue/gateway';
import { type FeedSource, type MarketDataHub, marketDataPlugin } from '@venue/marketdata';
import Fastify, { type FastifyInstance } from 'fastify';
import type { VenueConfig } from '../config/config.js';
import { counter, gauge } from '../metrics/metrics.js';
import { registerFixRelay } from './fix-relay.js';
import { type FeedMember, type RelayStats, registerMarketDataRelay } from './md-relay.js';

/** One member as the cluster panel shows it. */
export interface MemberStatus {
  readonly id: number;
  readonly role: 'leader' | 'follower' | 'candidate' | 'down';
  readonly term: number;
  readonly logPosition: number;
  readonly commitPosition: number;
  readonly appliedPosition: number;
  readonly lagEntries: number;
  readonly lastHeartbeatMs: number | null;
  readonly pid: number | null;
}

export interface ClusterView {
  status(): {
    leaderId: number;
    members: MemberStatus[];
    events: { timestampMs: number; nodeId: number; text: string }[];
  };
  /** Demo mode only. Resolves false when the member is unknown. */
  kill?(id: number): Promise<boolean>;
  restart?(id: number): Promise<boolean>;
  /**
   * Rolling restart (an upgrade of the members' build): one member at a time, followers first, the
   * leader after handing leadership away; each restarted with `env` and waited for until caught up.
   */
  rollingRestart?(env: Readonly<Record<string, string>>): Promise<string[]>;
}

export interface WebServerOptions {
  readonly config: VenueConfig;
  /** The FIX gateway in this process; without one (`venue web`) /fix is relayed to `fixRelay`. */
  readonly gateway?: FixGateway;
  readonly fixRelay?: () => string | undefined;
  /** The feed in this process (single mode), or where to relay /md (cluster mode). */
  readonly feed: { readonly local: FeedSource } | { readonly relay: () => FeedMember | undefined };
  readonly cluster: ClusterView;
  /** More Prometheus text for /metrics (e.g. the order round-trip histogram). */
  readonly metrics?: () => string;
  /** Receives the local market-data hub (single mode), e.g. for its stats. */
  readonly onMarketDataHub?: (hub: MarketDataHub) => void;
  /** Built web UI; served at / when it exists. */
  readonly webRoot?: string;
}

export interface WebServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' } },
  required: ['error'],
} as const;

/**
 * The venue's HTTP face: web UI (static), FIX over WebSocket at /fix, the market-data WebSocket at
 * /md and a small public REST API (reference data, cluster status; demo-only admin controls).
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const { config } = opts;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });

  // One upgrade router for both WebSocket endpoints (two independent upgrade listeners would
  // answer each other's paths with 404). Each endpoint bounds its own frames below this cap.
  await app.register(websocket, { options: { maxPayload: 256 * 1024, perMessageDeflate: false } });
  const gateway = opts.gateway;
  if (gateway !== undefined)
    app.get('/fix', { websocket: true }, (socket, req) => serveFixWebSocket(gateway, socket, req.raw));
  else registerFixRelay(app, opts.fixRelay ?? (() => undefined));
  let relay: RelayStats | undefined;
  if ('local' in opts.feed)
    await app.register(marketDataPlugin, {
      source: opts.feed.local,
      path: '/md',
      ...(opts.onMarketDataHub === undefined ? {} : { onHub: opts.onMarketDataHub }),
    });
  else relay = registerMarketDataRelay(app, opts.feed.relay);

  app.get(
    '/api/config',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              demo: { type: 'boolean' },
              fixWsPath: { type: 'string' },
              mdWsPath: { type: 'string' },
              targetCompId: { type: 'string' },
              fixTcpPort: { type: 'integer' },
              demoLogins: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async () => ({
      demo: config.demo,
      fixWsPath: '/fix',
      mdWsPath: '/md',
      targetCompId: config.targetCompId,
      fixTcpPort: config.fixTcpPort,
      demoLogins: config.demo
        ? config.accounts.filter((a) => /^CLIENT\d+$/.test(a.login)).map((a) => a.login)
        : [],
    }),
  );

  app.get(
    '/api/instruments',
    {
      schema: {
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                instrumentId: { type: 'integer' },
                symbol: { type: 'string' },
                tickSize: { type: 'string' },
                lotSize: { type: 'string' },
                minQty: { type: 'string' },
                maxQty: { type: 'string' },
                referencePrice: { type: 'string' },
                bandPercent: { type: 'string' },
                description: { type: 'string' },
                currency: { type: 'string' },
                status: { type: 'string' },
              },
            },
          },
        },
      },
    },
    async () =>
      config.instruments.map((i) => ({
        instrumentId: i.instrumentId,
        symbol: i.symbol,
        tickSize: i.tickSize,
        lotSize: i.lotSize,
        minQty: i.minQty,
        maxQty: i.maxQty,
        referencePrice: i.refPrice,
        bandPercent: i.bandPercent,
        description: i.description,
        currency: i.currency,
        status: 'open',
      })),
  );

  app.get('/api/cluster', async () => ({ demo: config.demo, ...opts.cluster.status() }));

  const control = async (
    req: { params: { id: number }; headers: Record<string, string | string[] | undefined> },
    reply: { code(n: number): { send(b: unknown): unknown } },
    action: 'kill' | 'restart',
  ) => {
    if (!config.demo) return reply.code(404).send({ error: 'cluster controls exist only in demo mode' });
    if (!isAdmin(config, req.headers['authorization'])) {
      return reply.code(403).send({ error: 'admin login required (Authorization: Basic ADMIN:<password>)' });
    }
    const fn = opts.cluster[action];
    if (fn === undefined) return reply.code(409).send({ error: `${action} is not available in this mode` });
    const ok = await fn.call(opts.cluster, req.params.id);
    if (!ok) return reply.code(404).send({ error: `no cluster member ${req.params.id} run by this process` });
    return reply.code(202).send({ ok: true, action, id: req.params.id });
  };
  const controlSchema = {
    params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
    response: { 403: errorSchema, 404: errorSchema, 409: errorSchema },
  } as const;
  app.post<{ Params: { id: number } }>(
    '/api/cluster/nodes/:id/kill',
    { schema: controlSchema },
    (req, reply) => control(req, reply, 'kill'),
  );
  app.post<{ Params: { id: number } }>(
    '/api/cluster/nodes/:id/restart',
    { schema: controlSchema },
    (req, reply) => control(req, reply, 'restart'),
  );

  app.get('/status', async () => ({ venue: 'up', demo: config.demo, cluster: opts.cluster.status() }));

  app.get('/metrics', async (_req, reply) => {
    const c = opts.gateway?.acceptor.counters();
    const cluster = opts.cluster.status();
    const parts = [
      ...(c === undefined ? [] : gatewayMetrics(c)),
      gauge('venue_cluster_leader_id', 'Current leader (0 = none known)', cluster.leaderId),
      ...cluster.members.map((m) =>
        [
          `venue_cluster_member_up{member="${m.id}"} ${m.role === 'down' ? 0 : 1}`,
          `venue_cluster_member_term{member="${m.id}"} ${m.term}`,
          `venue_cluster_member_commit_position{member="${m.id}"} ${m.commitPosition}`,
          `venue_cluster_member_applied_position{member="${m.id}"} ${m.appliedPosition}`,
          `venue_cluster_member_lag_entries{member="${m.id}"} ${m.lagEntries}`,
        ].join('\n'),
      ),
      relay === undefined ? '' : relayMetrics(relay),
      opts.metrics?.() ?? '',
    ];
    return reply.type('text/plain; version=0.0.4').send(`${parts.filter((p) => p !== '').join('\n')}\n`);
  });

  const webRoot = opts.webRoot;
  if (webRoot !== undefined && existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/' });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>Venue</title><h1>Venue</h1><p>The web UI is not built: run <code>pnpm --filter @venue/web-ui build</code>.</p>',
        ),
    );
  }

  const url = await app.listen({ host: config.host, port: config.httpPort });
  return {
    app,
    url,
    async close() {
      await app.close();
    },
  };
}

function gatewayMetrics(c: ReturnType<FixGateway['acceptor']['counters']>): string[] {
  return [
    gauge('venue_gateway_connections', 'FIX connections open (TCP and WebSocket)', c.connections),
    gauge('venue_gateway_sessions_logged_on', 'FIX sessions logged on', c.loggedOn),
    counter('venue_gateway_connections_total', 'FIX connections accepted', c.connectionsTotal),
    counter('venue_gateway_messages_received_total', 'FIX messages received', c.received),
    counter('venue_gateway_messages_sent_total', 'FIX messages sent', c.sent),
    counter('venue_gateway_session_rejects_total', 'Session-level Reject(3) sent', c.rejects),
    counter('venue_gateway_business_rejects_total', 'BusinessMessageReject(j) sent', c.businessRejects),
    counter('venue_gateway_throttled_total', 'Messages refused by the per-session throttle', c.throttled),
    counter('venue_gateway_garbled_total', 'Garbled frames ignored', c.garbled),
  ];
}

function relayMetrics(r: RelayStats): string {
  return [
    gauge('venue_md_relay_connections', '/md browser connections relayed to a member feed', r.connections),
    counter('venue_md_relay_connections_total', '/md connections relayed since start', r.connectionsTotal),
    counter('venue_md_relay_dropped_slow_total', '/md connections closed as slow consumers', r.droppedSlow),
  ].join('\n');
}

function isAdmin(config: VenueConfig, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const account = config.accounts.find((a) => a.login === login);
  return account?.admin === true && account.password === password;
}
