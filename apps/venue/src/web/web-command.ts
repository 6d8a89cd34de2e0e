import { webUiRoot } from '@venue/web-ui';
import { ClusterSupervisor } from '../cluster/supervisor.js';
import type { VenueConfig } from '../config/config.js';
import { ProcessMetrics } from '../metrics/process-metrics.js';
import { startWebServer } from './server.js';

export interface RunningWeb {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `venue web`: the web UI server alone. It holds no FIX session and no cluster session: the pages
 * are static, `/md` is relayed to a live member's feed, `/fix` to a FIX gateway's WebSocket
 * (`gatewayFixUrl`, the gateway being the cluster client), and the cluster panel polls the members'
 * admin `/status`. So it can be restarted, or run several times, without touching trading.
 */
export async function startWebOnly(
  config: VenueConfig,
  gatewayFixUrl: string,
  log: (line: string) => void,
): Promise<RunningWeb> {
  const view = new ClusterSupervisor({ members: config.cluster.members, memberArgs: undefined, log });
  view.start();
  // Know the members before serving: a /md connection arriving before the first status poll would
  // find no member to relay to. Bounded: the UI also serves a cluster that is down.
  await view.waitForLeader(5_000).catch(() => {});
  const processMetrics = new ProcessMetrics();
  try {
    const web = await startWebServer({
      config,
      fixRelay: () => gatewayFixUrl,
      feed: {
        relay: () => {
          const m = view.feedMember();
          return m === undefined ? undefined : { url: `ws://${m.host}:${m.mdPort}/md`, memberId: m.id };
        },
      },
      cluster: view,
      webRoot: webUiRoot,
      metrics: () => processMetrics.render(),
    });
    return {
      url: web.url,
      async stop() {
        await web.close();
        await view.stop();
        processMetrics.stop();
      },
    };
  } catch (e) {
    await view.stop();
    processMetrics.stop();
    throw e;
  }
}
