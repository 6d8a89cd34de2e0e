import { join, resolve } from 'node:path';
import { ConfiguredCredentials, FileSessionStoreFactory, FixGateway, FixTcpServer } from '@venue/gateway';
import { webUiRoot } from '@venue/web-ui';
import { DemoBots } from './bots/bots.js';
import { MatchingOrderEntry } from './bridge/order-entry.js';
import type { VenueConfig } from './config/config.js';
import { genesisPayloads } from './local/genesis.js';
import { InProcessLog } from './local/in-process-log.js';
import { startWebServer, type WebServer } from './web/server.js';

export interface RunningVenue {
  readonly httpUrl: string;
  readonly fixPort: number;
  readonly log: InProcessLog;
  stop(): Promise<void>;
}

/**
 * Starts the venue in one process: the services on an in-process log, the FIX gateway (TCP and
 * WebSocket), market data and the web UI. (The replicated three-node start replaces the
 * in-process log with cluster members as the consensus runtime lands.)
 */
export async function startSingleProcess(
  config: VenueConfig,
  log: (line: string) => void,
): Promise<RunningVenue> {
  const venueLog = new InProcessLog();
  venueLog.start();
  const admin = venueLog.openSession('venue-admin', () => {});
  for (const p of genesisPayloads(config)) admin.offer(p);

  const credentials = new ConfiguredCredentials(
    config.accounts.map((a) => ({
      username: a.login,
      password: a.password,
      account: a.login,
      admin: a.admin,
      cancelOnDisconnect: a.cancelOnDisconnect,
    })),
    { production: !config.demo },
  );
  const gateway = new FixGateway({
    credentials,
    stores: new FileSessionStoreFactory({
      dir: join(resolve(config.dataDir), 'gateway', 'fix-sessions'),
      fsync: 'batch',
    }),
    instruments: config.instruments.map((i) => ({
      symbol: i.symbol,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      currency: i.currency,
      description: i.description,
    })),
    createHandler: (events) => {
      let bridge: MatchingOrderEntry | undefined;
      const channel = venueLog.openSession('gateway-1', (seq, payload) => bridge?.onReply(seq, payload));
      bridge = new MatchingOrderEntry(events, channel, config.instruments, config.accounts);
      return bridge;
    },
    log: (line) => log(`gateway: ${line}`),
  });
  gateway.start();
  const tcp = new FixTcpServer({ gateway, host: config.host, port: config.fixTcpPort });
  const tcpAddress = await tcp.listen();

  let web: WebServer;
  try {
    web = await startWebServer({
      config,
      gateway,
      feed: venueLog.venueServices.marketdata,
      webRoot: webUiRoot,
      cluster: {
        status: () => ({
          leaderId: 1,
          members: [
            {
              id: 1,
              role: 'leader',
              term: 1,
              logPosition: venueLog.appliedIndex,
              commitPosition: venueLog.appliedIndex,
              appliedPosition: venueLog.appliedIndex,
              lagEntries: 0,
              lastHeartbeatMs: null,
              pid: process.pid,
            },
          ],
          events: [],
        }),
      },
    });
  } catch (e) {
    await tcp.close();
    gateway.stop();
    venueLog.stop();
    throw e;
  }

  let bots: DemoBots | undefined;
  const maker = config.accounts.find((a) => a.login === 'BOTMM');
  const taker = config.accounts.find((a) => a.login === 'BOTTAKER');
  if (config.bots.enabled && maker !== undefined && taker !== undefined) {
    bots = new DemoBots({
      fixWsUrl: `${web.url.replace(/^http/, 'ws')}/fix`,
      instruments: config.instruments,
      maker,
      taker,
      ratePerSecond: config.bots.ratePerSecond,
      log,
    });
    await bots.start();
  } else if (config.bots.enabled) {
    log('bots: not started (the config has no BOTMM and BOTTAKER accounts)');
  }

  return {
    httpUrl: web.url,
    fixPort: tcpAddress.port,
    log: venueLog,
    async stop() {
      bots?.stop();
      await web.close();
      await tcp.close();
      gateway.stop();
      venueLog.stop();
    },
  };
}
