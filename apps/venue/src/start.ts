import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeServiceControlResponse,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
} from '@venue/consensus';
import {
  ConfiguredCredentials,
  FileSessionStoreFactory,
  FixGateway,
  FixTcpServer,
  type GatewayEvents,
  type OrderEntryHandler,
} from '@venue/gateway';
import type { FeedSource } from '@venue/marketdata';
import { webUiRoot } from '@venue/web-ui';
import { DemoBots } from './bots/bots.js';
import {
  type DropCopySource,
  type FeedFollower,
  followExecutionFeed,
  followMemberExecutions,
  observeLocalExecutions,
} from './bridge/drop-copy.js';
import { FixMarketData, localFeedPort, remoteFeedPort } from './bridge/fix-market-data.js';
import { type CommandChannel, MatchingOrderEntry } from './bridge/order-entry.js';
import { OwnReports } from './bridge/own-reports.js';
import { openClusterChannel } from './cluster/cluster-channel.js';
import { EXECUTION_FEED_PATH, useExecFeedToken } from './cluster/execution-feed.js';
import { ClusterSupervisor } from './cluster/supervisor.js';
import type { VenueConfig } from './config/config.js';
import { adminTokenOf } from './config/security.js';
import { genesisPayloads } from './local/genesis.js';
import { InProcessLog } from './local/in-process-log.js';
import { logFileFor } from './logging/logger.js';
import { ProcessMetrics } from './metrics/process-metrics.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { serviceVersionMax } from './upgrade/upgrade-command.js';
import type { FeedMember } from './web/md-relay.js';
import { gatewaySecurity } from './web/security.js';
import { type ClusterView, startWebServer } from './web/server.js';

export interface RunningVenue {
  readonly httpUrl: string;
  readonly fixPort: number;
  readonly cluster: ClusterView;
  stop(): Promise<void>;
}

interface Front {
  readonly httpUrl: string;
  readonly fixPort: number;
  readonly gateway: FixGateway;
  stop(): Promise<void>;
}

/** The gateway side of the venue: FIX over TCP and WebSocket, the web server (UI, /md, /api) and the bots. */
async function startFront(
  config: VenueConfig,
  createHandler: (events: GatewayEvents) => OrderEntryHandler,
  feed: { readonly local: FeedSource } | { readonly relay: () => FeedMember | undefined },
  cluster: ClusterView,
  log: (line: string) => void,
  /** Names this gateway's FIX session store under the data directory. */
  gatewayName = 'gateway',
  /** Observability hooks: more /metrics text, the local market-data hub. */
  observe: Pick<Parameters<typeof startWebServer>[0], 'onMarketDataHub'> & { metrics?: () => string } = {},
): Promise<Front> {
  const credentials = new ConfiguredCredentials(
    config.accounts.map((a) => ({
      username: a.login,
      password: a.password,
      account: a.login,
      admin: a.admin,
      cancelOnDisconnect: a.cancelOnDisconnect,
      ...(a.role === undefined ? {} : { role: a.role }),
      ...(a.entitledAccounts === undefined ? {} : { entitledAccounts: a.entitledAccounts }),
    })),
    { production: !config.demo },
  );
  const gateway = new FixGateway({
    credentials,
    stores: new FileSessionStoreFactory({
      dir: join(resolve(config.dataDir), gatewayName, 'fix-sessions'),
      fsync: 'batch',
    }),
    instruments: config.instruments.map((i) => ({
      symbol: i.symbol,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      currency: i.currency,
      description: i.description,
    })),
    createHandler,
    session: {
      throttleMsgsPerSec: config.fixThrottleMsgsPerSec,
      venueCompId: config.targetCompId,
      schedule: config.fixSchedule.default,
      loginSchedules: config.fixSchedule.logins,
    },
    ...gatewaySecurity(config),
    log: (line) => log(`gateway: ${line}`),
  });
  gateway.start();
  const processMetrics = new ProcessMetrics();
  const tcp = new FixTcpServer({ gateway, host: config.host, port: config.fixTcpPort });
  const tcpAddress = await tcp.listen();
  let web: Awaited<ReturnType<typeof startWebServer>>;
  try {
    web = await startWebServer({
      config,
      gateway,
      feed,
      webRoot: webUiRoot,
      cluster,
      metrics: () =>
        [
          gateway.handler instanceof MatchingOrderEntry
            ? gateway.handler.roundTrip.render(
                'venue_order_round_trip_seconds',
                'Gateway offer to first reply: replication, commit, matching and the way back',
              )
            : '',
          observe.metrics?.() ?? '',
          processMetrics.render(),
        ]
          .filter((p) => p !== '')
          .join('\n'),
      ...(observe.onMarketDataHub === undefined ? {} : { onMarketDataHub: observe.onMarketDataHub }),
    });
  } catch (e) {
    await tcp.close();
    gateway.stop();
    processMetrics.stop();
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
    gateway,
    async stop() {
      bots?.stop();
      await web.close();
      await tcp.close();
      gateway.stop();
      processMetrics.stop();
    },
  };
}

function ownFeedMetrics(f: FeedFollower): string {
  const s = f.stats();
  return [
    '# HELP venue_own_reports_reconnects_total Own-report feed connections lost or moved',
    '# TYPE venue_own_reports_reconnects_total counter',
    `venue_own_reports_reconnects_total ${s.reconnects}`,
    '# HELP venue_own_reports_gap_reports_total Reports no member held any more when the gateway came back (missing)',
    '# TYPE venue_own_reports_gap_reports_total counter',
    `venue_own_reports_gap_reports_total ${s.gapReports}`,
  ].join('\n');
}

/** Prometheus text parts joined by newlines (parts carry no trailing newline). */
function joinMetrics(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join('\n');
}

/** Creates the bridge between FIX sessions and a command channel opened for it. */
function bridgeOn(
  config: VenueConfig,
  open: (
    onReply: (tag: number, payload: Uint8Array) => void,
    onFailed: (tag: number, text: string) => void,
  ) => CommandChannel,
  marketData?: () => FixMarketData,
): (events: GatewayEvents) => OrderEntryHandler {
  return (events) => {
    let bridge: MatchingOrderEntry | undefined;
    const channel = open(
      (tag, payload) => bridge?.onReply(tag, payload),
      (tag, text) => bridge?.onRequestFailed(tag, text),
    );
    bridge = new MatchingOrderEntry(events, channel, config.instruments, config.accounts, marketData?.());
    return bridge;
  };
}

/**
 * Starts the venue in one process: the services on an in-process log (no replication), the FIX
 * gateway, market data and the web UI. `venue start --single`, and tests.
 */
export async function startSingleProcess(
  config: VenueConfig,
  log: (line: string) => void,
): Promise<RunningVenue> {
  const venueLog = new InProcessLog();
  venueLog.start();
  const serviceMetrics = new ServiceMetrics();
  serviceMetrics.attach(venueLog.venueServices);
  // A fresh venue runs the newest service version this build has (before genesis: schedules need it).
  venueLog.activateServiceVersion(serviceVersionMax());
  const admin = venueLog.openSession('venue-admin', () => {});
  for (const p of genesisPayloads(config)) admin.offer(p);
  const cluster: ClusterView = {
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
  };
  let dropCopy: DropCopySource | undefined;
  let front: Front;
  try {
    front = await startFront(
      config,
      bridgeOn(
        config,
        (onReply) => venueLog.openSession('gateway-1', onReply),
        () => new FixMarketData(config.instruments, localFeedPort(venueLog.venueServices.marketdata, log)),
      ),
      { local: venueLog.venueServices.marketdata },
      cluster,
      log,
      'gateway',
      {
        metrics: () => joinMetrics(serviceMetrics.render(venueLog.appliedIndex), dropCopy?.metrics()),
        onMarketDataHub: (hub) => serviceMetrics.addHub(hub.stats),
      },
    );
  } catch (e) {
    venueLog.stop();
    throw e;
  }
  dropCopy = observeLocalExecutions({
    gateway: front.gateway,
    instruments: config.instruments,
    accounts: config.accounts,
    cursorDir: undefined,
    log,
    matching: venueLog.venueServices.matching,
  });
  return {
    httpUrl: front.httpUrl,
    fixPort: front.fixPort,
    cluster,
    async stop() {
      dropCopy?.stop();
      await front.stop();
      venueLog.stop();
    },
  };
}

/** argv that starts cluster member `id` with the same configuration as this process. */
export type MemberArgs = (id: number) => string[];

const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

/** `node <main.js> node --id N` plus the options that select this configuration. */
export function memberArgsFor(passthrough: readonly string[]): MemberArgs {
  return (id) => [MAIN_JS, 'node', '--id', String(id), ...passthrough];
}

/**
 * The gateway side on a running cluster: a cluster session for the FIX gateway (TCP and
 * WebSocket), the web server and the bots. Several gateways may run against one cluster, each with
 * its own principal, ports and FIX session store.
 */
async function startGatewayOnCluster(
  config: VenueConfig,
  view: ClusterSupervisor,
  principal: string,
  log: (line: string) => void,
): Promise<{ front: Front; dropCopy: DropCopySource | undefined; stop(): Promise<void> }> {
  let bridge: MatchingOrderEntry | undefined;
  const channel = await openClusterChannel({
    members: view.clientAddresses(),
    principal,
    onReply: (tag, payload) => bridge?.onReply(tag, payload),
    onFailed: (tag, text, outcomeUnknown) => bridge?.onRequestFailed(tag, text, outcomeUnknown),
    log: (line) => log(`gateway cluster client: ${line}`),
  });
  // FIX market data follows a member's feed, like the /md relay, and moves on member loss.
  const marketData = new FixMarketData(
    config.instruments,
    remoteFeedPort({
      url: () => {
        const m = view.feedMember();
        return m === undefined ? undefined : `ws://${m.host}:${m.mdPort}/md`;
      },
      log,
    }),
  );
  const handler = (events: GatewayEvents): OrderEntryHandler => {
    bridge = new MatchingOrderEntry(events, channel, config.instruments, config.accounts, marketData);
    return bridge;
  };
  const storeName = principal === 'gateway-1' ? 'gateway' : principal;
  let dropCopy: DropCopySource | undefined;
  let ownReports: OwnReports | undefined;
  let ownFeed: FeedFollower | undefined;
  let front: Front;
  try {
    front = await startFront(
      config,
      handler,
      {
        relay: () => {
          const m = view.feedMember();
          return m === undefined ? undefined : { url: `ws://${m.host}:${m.mdPort}/md`, memberId: m.id };
        },
      },
      view,
      log,
      storeName,
      {
        metrics: () =>
          joinMetrics(
            channel.metrics.render(),
            dropCopy?.metrics(),
            ownReports?.metrics(),
            ownFeed === undefined ? undefined : ownFeedMetrics(ownFeed),
          ),
      },
    );
  } catch (e) {
    marketData.stop();
    await channel.close();
    throw e;
  }
  const feedMember = (exclude: ReadonlySet<number>) => {
    const m = view.feedMember(exclude);
    return m === undefined
      ? undefined
      : { id: m.id, url: `ws://${m.host}:${m.mdPort}${EXECUTION_FEED_PATH}` };
  };
  // Trading sessions' order events from the log-ordered feed too: nothing is lost across a restart
  // of this gateway or a change of its cluster session (see bridge/own-reports.ts).
  try {
    ownReports = new OwnReports({
      acceptor: front.gateway.acceptor,
      events: front.gateway.events,
      dir: join(resolve(config.dataDir), storeName, 'own-reports'),
      instruments: config.instruments,
      accounts: config.accounts,
      log,
    });
  } catch (e) {
    await front.stop();
    marketData.stop();
    await channel.close();
    throw e;
  }
  if (bridge !== undefined) bridge.reports = ownReports;
  ownFeed = followExecutionFeed(ownReports, { member: feedMember, log, name: 'own reports' });
  // Drop copy follows a member's execution feed (log order), not this gateway's replies.
  dropCopy = followMemberExecutions({
    gateway: front.gateway,
    instruments: config.instruments,
    accounts: config.accounts,
    cursorDir: join(resolve(config.dataDir), storeName, 'dropcopy'),
    log,
    member: feedMember,
  });
  return {
    front,
    dropCopy,
    async stop() {
      dropCopy?.stop();
      ownFeed?.stop();
      await front.stop();
      ownReports?.close();
      marketData.stop();
      await channel.close();
    },
  };
}

/** Sends the genesis reference data through the log (idempotent: duplicates are rejected). */
async function sendGenesis(
  config: VenueConfig,
  view: ClusterSupervisor,
  log: (line: string) => void,
): Promise<void> {
  const admin = await openClusterChannel({
    members: view.clientAddresses(),
    principal: 'venue-admin',
    onReply: () => {},
    onFailed: (_tag, reason) => log(`genesis: ${reason}`),
  });
  try {
    // `venue start` runs every member on this build, so it brings the cluster to this build's newest
    // service version (refused harmlessly when already there) before genesis, whose trading
    // schedules need it. Members started elsewhere are upgraded with `venue upgrade activate`.
    const r = await admin.client.request(
      encodeActivateServiceVersion(serviceVersionMax()),
      SERVICE_CONTROL_INDEX,
    );
    const outcome = r.replies[0] === undefined ? undefined : decodeServiceControlResponse(r.replies[0]);
    if (outcome?.accepted) log(`service version: ${outcome.detail}`);
    await Promise.all(genesisPayloads(config).map((p) => admin.client.request(p)));
  } finally {
    await admin.close();
  }
}

/**
 * Starts the replicated venue: the cluster members as child processes (each a consensus node with
 * matching and market data on its service thread), then the gateway as a cluster client, the web
 * UI and the bots. Kill any member: the others elect a leader and the gateway follows it.
 */
export async function startCluster(
  config: VenueConfig,
  memberArgs: MemberArgs,
  log: (line: string) => void,
): Promise<RunningVenue> {
  // The members it spawns inherit the execution feed's secret (drop copy, own reports); kept in the
  // data directory for gateways and members started by hand beside it (see execution-feed.ts).
  useExecFeedToken(config.dataDir, true);
  const supervisor = new ClusterSupervisor({
    members: config.cluster.members,
    memberArgs,
    log,
    env: memberLogEnv(config),
    ...(adminTokenOf(config) === undefined ? {} : { adminToken: adminTokenOf(config) as string }),
  });
  supervisor.start();
  try {
    const leader = await supervisor.waitForLeader(30_000);
    log(`cluster: leader is node ${leader}`);
    await sendGenesis(config, supervisor, log);
    const gateway = await startGatewayOnCluster(config, supervisor, 'gateway-1', log);
    return {
      httpUrl: gateway.front.httpUrl,
      fixPort: gateway.front.fixPort,
      cluster: supervisor,
      async stop() {
        await gateway.stop();
        await supervisor.stop();
      },
    };
  } catch (e) {
    await supervisor.stop();
    throw e;
  }
}

/**
 * Members started by `venue start` write their JSON logs to <data>/logs/node-N... unless the
 * operator chose a destination (VENUE_LOG_DIR / VENUE_LOG_FILE).
 */
function memberLogEnv(config: VenueConfig): NodeJS.ProcessEnv {
  if (logFileFor('node') !== undefined) return process.env;
  return { ...process.env, VENUE_LOG_DIR: join(resolve(config.dataDir), 'logs') };
}

/**
 * `venue gateway --name G`: one more gateway (FIX TCP + WebSocket, web server, optional bots) on a
 * cluster that runs elsewhere; the cluster panel shows the members but cannot kill them.
 */
export async function startGateway(
  config: VenueConfig,
  name: string,
  log: (line: string) => void,
): Promise<RunningVenue> {
  const view = new ClusterSupervisor({ members: config.cluster.members, memberArgs: undefined, log });
  view.start();
  try {
    const leader = await view.waitForLeader(30_000);
    log(`cluster: leader is node ${leader}`);
    await sendGenesis(config, view, log);
    const gateway = await startGatewayOnCluster(config, view, `gateway-${name}`, log);
    return {
      httpUrl: gateway.front.httpUrl,
      fixPort: gateway.front.fixPort,
      cluster: view,
      async stop() {
        await gateway.stop();
        await view.stop();
      },
    };
  } catch (e) {
    await view.stop();
    throw e;
  }
}
