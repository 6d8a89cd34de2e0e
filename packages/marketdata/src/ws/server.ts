import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { type FeedSource, type HubLimits, MarketDataHub } from './hub.js';

export interface MarketDataPluginOptions {
  readonly source: FeedSource;
  /** URL path of the WebSocket endpoint. */
  readonly path?: string;
  readonly limits?: Partial<HubLimits>;
  /** Receives the hub (stats, close) once the plugin is registered. */
  readonly onHub?: (hub: MarketDataHub) => void;
}

export const DEFAULT_MD_PATH = '/md';

/**
 * Fastify plugin serving the market-data WebSocket at `path` (default /md). Registers
 * @fastify/websocket unless the server already has it. The hub is closed with the server.
 */
export async function marketDataPlugin(
  fastify: FastifyInstance,
  opts: MarketDataPluginOptions,
): Promise<void> {
  const limits = opts.limits ?? {};
  if (!fastify.hasDecorator('websocketServer')) {
    await fastify.register(websocket, {
      options: { maxPayload: limits.requestBytesMax ?? 4_096 },
    });
  }
  const hub = new MarketDataHub(opts.source, limits);
  opts.onHub?.(hub);
  fastify.addHook('onClose', async () => hub.close());
  fastify.get(opts.path ?? DEFAULT_MD_PATH, { websocket: true }, (socket) => hub.accept(socket));
}

export interface MarketDataServer {
  /** ws://127.0.0.1:<port><path> */
  readonly url: string;
  readonly port: number;
  readonly hub: MarketDataHub;
  close(): Promise<void>;
}

/** A standalone fastify server with only the market-data endpoint (tests, tools). */
export async function startMarketDataServer(
  opts: MarketDataPluginOptions & { readonly host?: string; readonly port?: number },
): Promise<MarketDataServer> {
  const app = Fastify({ logger: false });
  let hub: MarketDataHub | undefined;
  await app.register(marketDataPlugin, {
    ...opts,
    onHub: (h) => {
      hub = h;
      opts.onHub?.(h);
    },
  });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('market-data server: no TCP address');
  if (hub === undefined) throw new Error('market-data server: plugin did not start');
  const path = opts.path ?? DEFAULT_MD_PATH;
  return {
    url: `ws://${host}:${address.port}${path}`,
    port: address.port,
    hub,
    close: () => app.close(),
  };
}
