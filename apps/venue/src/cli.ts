import { BACKUP_USAGE, runRestore, startBackup, takeBackupArgs } from './backup/backup-command.js';
import { DemoBots } from './bots/bots.js';
import { serveBotsMetrics } from './bots/bots-metrics.js';
import { runClusterCommand } from './cluster/cluster-command.js';
import { useExecFeedToken } from './cluster/execution-feed.js';
import { runMember } from './cluster/node-command.js';
import { runReplay } from './cluster/replay-command.js';
import { OWN_COMMANDS, runOwnCommand } from './commands/commands.js';
import { ConfigError, DEMO_ACCOUNTS, loadConfig, type VenueConfig } from './config/config.js';
import { commandLog, startCommandLog } from './logging/process-logs.js';
import { runShadowCommand } from './shadow/shadow-command.js';
import { memberArgsFor, type RunningVenue, startCluster, startGateway, startSingleProcess } from './start.js';
import { runUpgradeCommand } from './upgrade/upgrade-command.js';

export const USAGE = `venue <command> [options]

Commands:
  start    Start the whole venue (demo): three cluster members as separate processes (matching
           and market data replicated on each), the FIX gateway (TCP and WebSocket) as a cluster
           client, the web UI and the demo bots. A second start resumes from the data on disk.
             --single           everything in one process, no replication (no data kept)
             --no-bots          do not start the demo bots
             --host H           listen address (default 127.0.0.1)
             --http-port P      web UI, /fix and /md (default 8080; 0 = any free port)
             --fix-port P       FIX 4.4 over TCP (default 9878; 0 = any free port)
  node     Run one cluster member: venue node --id N (members, ports and data from the config).
           --rejoin: its data was lost (disk replaced, corrupt log deleted): it starts empty and
           does not vote until it has caught up, so a lost disk cannot elect a leader that lacks
           acknowledged orders.
  gateway  One more gateway on a running cluster: venue gateway --name G --http-port P --fix-port P
           (FIX over TCP and WebSocket, web UI, /md; its own FIX store in DATA/gateway-G; --bots
           to run the demo bots through it).
  web      The web UI server alone: venue web --http-port P [--gateway-url ws://H:P/fix]
           (static UI; /fix relayed to a gateway's FIX WebSocket, by default the configured
           host:httpPort; /md relayed to a live member's feed; cluster panel from the members'
           admin /status). Holds no session: restart it freely.
  bots     The demo bots alone: venue bots [--rate N] [--url ws://127.0.0.1:8080/fix]
           (a market maker and a taker over FIX/WebSocket; never ZVZZT).
  cluster status      Each member: role, term, leader, log/commit/applied/snapshot positions,
                      follower lag, sessions, elections, last election, state hash.
  cluster snapshot    Ask every member to take a snapshot now.
  cluster step-down [--to N]   Ask the leader to hand leadership to member N (default: its most
                      caught-up follower).
  orders --account A  The open orders of account A (a login of the config or an account id), read
           through the cluster: a read-only query entry in the log, so it reflects every order
           acknowledged before it. Prints a table; exit 2 for an unknown account.
  replay --data DIR [--to POSITION]
           Rebuild the book offline from a stopped member's data directory (e.g. data/node-1):
           newest snapshot, then the log up to POSITION; prints the state hash and the books.
${BACKUP_USAGE}  upgrade status | upgrade activate --version V
           The service version (behaviour of the state machines) is decided through the log: after
           every member runs a build that supports V (rolling restart, one member at a time), one
           log entry activates V and every replica switches at that position. Refused while a
           member's build cannot run V.
  shadow --data DIR --service matching@<module|current> [--to POSITION] [--hash-every N]
           Canary: a candidate build of the services applies the same log beside production;
           reports the first entry whose outputs or state hash differ, and how many differ.
  help     Show this text.

Options of every command:
  --config FILE   config file, JSON or TOML (*.toml; default: $VENUE_CONFIG); keys in
                  apps/venue/README.md; every key
                  has a VENUE_* environment override (e.g. VENUE_MEMBERS, VENUE_ADMIN_TOKEN)
  --data DIR      data directory (default ./data; member N uses DIR/node-N)
`;

export interface CliResult {
  exitCode: number;
  output: string;
}

type Overrides = NonNullable<Parameters<typeof loadConfig>[0]['overrides']>;

/** Parses argv and runs a command. Returns an exit code; never throws on bad input. */
export async function runCli(
  argv: readonly string[],
  io: { waitForSignal?: boolean; out?: { write(text: string): void; isTTY?: boolean } } = {},
): Promise<CliResult> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { exitCode: 0, output: USAGE };
  }
  if (command === 'shadow') return runShadowCommand(rest, io.out ?? process.stdout);
  const own = OWN_COMMANDS.find((c) => c === command);
  if (own !== undefined) return runOwnCommand(own, rest, io);
  if (command === 'backup' || command === 'restore') return runBackupOrRestore(command, rest, io);
  if (command === 'upgrade') return runUpgrade(rest);
  const commands = ['start', 'node', 'gateway', 'bots', 'cluster', 'replay'];
  if (!commands.includes(command)) {
    return { exitCode: 2, output: `unknown command '${command}': run 'venue --help' for the list\n` };
  }
  // `venue cluster <sub>` takes its options after the subcommand.
  const parsed = parseStartOptions(command === 'cluster' ? rest.slice(1) : rest);
  if ('error' in parsed) return { exitCode: 2, output: `${parsed.error}\n\n${USAGE}` };
  const loaded = configOf(parsed);
  if ('exitCode' in loaded) return loaded;
  const config = loaded.config;
  if (command === 'gateway' || command === 'node') {
    try {
      useExecFeedToken(config.dataDir, false); // the token `venue start` keeps in the data directory
    } catch (e) {
      return { exitCode: 2, output: `venue ${command}: ${(e as Error).message}\n` };
    }
  }
  if (command === 'gateway' || command === 'bots') {
    const { log } = commandLog(
      config,
      command,
      command === 'gateway' ? `gateway-${parsed.name ?? 'g2'}` : command,
    );
    let stop: () => Promise<void>;
    if (command === 'gateway') {
      const withBots = { ...config, bots: { ...config.bots, enabled: parsed.bots === true } };
      try {
        const gw = await startGateway(withBots, parsed.name ?? 'g2', log);
        console.log(
          `venue gateway ready http=${gw.httpUrl} fix=${config.host}:${gw.fixPort} (pid ${process.pid})`,
        );
        stop = () => gw.stop();
      } catch (e) {
        return { exitCode: 1, output: `venue gateway failed: ${(e as Error).message}\n` };
      }
    } else {
      const maker = config.accounts.find((a) => a.login === 'BOTMM');
      const taker = config.accounts.find((a) => a.login === 'BOTTAKER');
      if (maker === undefined || taker === undefined) {
        return { exitCode: 2, output: 'venue bots: the config needs the accounts BOTMM and BOTTAKER\n' };
      }
      const bots = new DemoBots({
        fixWsUrl: parsed.url ?? `ws://${config.host}:${config.httpPort}/fix`,
        instruments: config.instruments,
        maker,
        taker,
        ratePerSecond: parsed.rate ?? config.bots.ratePerSecond,
        log,
      });
      let metrics: Awaited<ReturnType<typeof serveBotsMetrics>>;
      try {
        await bots.start();
        metrics = await serveBotsMetrics(bots, config.host);
      } catch (e) {
        bots.stop();
        return { exitCode: 1, output: `venue bots: ${(e as Error).message}\n` };
      }
      if (metrics.url !== undefined) log(`bots: metrics at ${metrics.url}`);
      stop = async () => {
        bots.stop();
        await metrics.close();
      };
    }
    if (io.waitForSignal === false) {
      await stop();
      return { exitCode: 0, output: '' };
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await stop();
    return { exitCode: 0, output: `venue ${command} stopped\n` };
  }
  if (command === 'replay') {
    const dataDir = parsed.overrides.dataDir;
    if (dataDir === undefined)
      return {
        exitCode: 2,
        output: 'venue replay needs --data DIR (a member directory such as data/node-1)\n',
      };
    try {
      return await runReplay(config, dataDir, parsed.to, io.out ?? process.stdout);
    } catch (e) {
      return { exitCode: 2, output: `venue replay: ${(e as Error).message}\n` };
    }
  }
  if (command === 'cluster') {
    try {
      return await runClusterCommand(config, rest[0], parsed.to);
    } catch (e) {
      return { exitCode: 2, output: `venue cluster: ${(e as Error).message}\n` };
    }
  }
  if (command === 'node') {
    if (parsed.id === undefined) return { exitCode: 2, output: `venue node needs --id N\n\n${USAGE}` };
    try {
      await runMember(config, parsed.id, { rejoin: parsed.rejoin });
    } catch (e) {
      return { exitCode: 2, output: `venue node: ${(e as Error).message}\n` };
    }
    await new Promise<never>(() => {}); // runNode exits the process on SIGTERM/SIGINT
  }
  if (command === 'start') {
    const { log, where: logWhere } = startCommandLog(config);
    let venue: RunningVenue;
    try {
      venue =
        config.cluster.mode === 'single'
          ? await startSingleProcess(config, log)
          : await startCluster(config, memberArgsFor(parsed.passthrough), log);
    } catch (e) {
      return { exitCode: 1, output: `venue start failed: ${(e as Error).message}\n` };
    }
    console.log(
      [
        `venue ready http=${venue.httpUrl} fix=${config.host}:${venue.fixPort}`,
        `  web UI:        ${venue.httpUrl}/`,
        `  FIX over TCP:  ${config.host}:${venue.fixPort}  (FIX 4.4, TargetCompID ${config.targetCompId})`,
        `  FIX over WS:   ${venue.httpUrl.replace(/^http/, 'ws')}/fix`,
        `  market data:   ${venue.httpUrl.replace(/^http/, 'ws')}/md`,
        config.demo
          ? `  demo logins:   ${config.accounts
              .filter((a) => /^CLIENT\d+$/.test(a.login) || a.admin || a.role === 'dropcopy')
              // Only the shipped demo passwords are printed; configured ones stay secret.
              .map(
                (a) =>
                  `${a.login}/${DEMO_ACCOUNTS.some((d) => d.login === a.login && d.password === a.password) ? a.password : '(password from the config)'}${a.role === 'dropcopy' ? ' (drop copy)' : ''}`,
              )
              .join(' ')}`
          : '',
        config.cluster.mode === 'cluster'
          ? `  cluster:       ${config.cluster.members
              .map(
                (m) =>
                  `node ${m.id} pid ${venue.cluster.status().members.find((s) => s.id === m.id)?.pid ?? '?'} (client ${m.host}:${m.clientPort}, admin http://${m.host}:${m.adminPort}/status, feed ws://${m.host}:${m.mdPort}/md)`,
              )
              .join('\n                 ')}`
          : '  cluster:       none (--single: one process, no replication)',
        `  logs:          ${logWhere} (JSON lines; members: node-N.log beside it; warnings also here)`,
        `  pid ${process.pid}; Ctrl-C to stop`,
      ]
        .filter((l) => l !== '')
        .join('\n'),
    );
    if (io.waitForSignal === false) {
      await venue.stop();
      return { exitCode: 0, output: '' };
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await venue.stop();
    return { exitCode: 0, output: 'venue stopped\n' };
  }
  return { exitCode: 2, output: `unknown command '${command}': run 'venue --help' for the list\n` };
}

interface ParsedOptions {
  file: string | undefined;
  id: number | undefined;
  to: number | undefined;
  name: string | undefined;
  url: string | undefined;
  rate: number | undefined;
  bots: boolean | undefined;
  /** `venue node --rejoin`: this member's data was lost (see ClusterNodeOptions.rejoin). */
  rejoin: boolean;
  overrides: Overrides;
  /** Options that members started by `venue start` must see too (same config and data). */
  passthrough: string[];
}

function parseStartOptions(args: readonly string[]): ParsedOptions | { error: string } {
  const overrides: Overrides = {};
  let file: string | undefined;
  let id: number | undefined;
  let to: number | undefined;
  let name: string | undefined;
  let url: string | undefined;
  let rate: number | undefined;
  let bots: boolean | undefined;
  let rejoin = false;
  const passthrough: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const key = args[i];
    // `pnpm start -- --single` hands the separator through: it means nothing here.
    if (key === '--') continue;
    if (key === '--no-bots') {
      overrides.bots = 'false';
      bots = false;
      continue;
    }
    if (key === '--bots') {
      bots = true;
      continue;
    }
    if (key === '--single') {
      overrides.mode = 'single';
      continue;
    }
    if (key === '--rejoin') {
      rejoin = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `option ${key} needs a value` };
    i += 1;
    switch (key) {
      case '--config':
        file = value;
        passthrough.push(key, value);
        break;
      case '--name':
        if (!/^[A-Za-z0-9_-]{1,32}$/.test(value))
          return { error: `--name: letters, digits, _ and - (1..32), got '${value}'` };
        name = value;
        break;
      case '--url':
        url = value;
        break;
      case '--rate':
        rate = Number(value);
        if (!Number.isInteger(rate) || rate < 1 || rate > 10_000)
          return { error: `--rate must be 1..10000 per second, got '${value}'` };
        break;
      case '--to':
        to = Number(value);
        if (!Number.isInteger(to) || to < 0)
          return { error: `--to must be a log position (integer >= 0), got '${value}'` };
        break;
      case '--id':
        id = Number(value);
        if (!Number.isInteger(id) || id < 1)
          return { error: `--id must be a positive integer, got '${value}'` };
        break;
      case '--host':
        overrides.host = value;
        break;
      case '--http-port':
      case '--port':
        overrides.httpPort = value;
        break;
      case '--fix-port':
        overrides.fixTcpPort = value;
        break;
      case '--data':
        overrides.dataDir = value;
        passthrough.push(key, value);
        break;
      default:
        return { error: `unknown option '${key}'` };
    }
  }
  return { file, id, to, name, url, rate, bots, rejoin, overrides, passthrough };
}

/** `venue backup` / `venue restore`: their own options, then the common ones (--config, --data). */
async function runBackupOrRestore(
  command: 'backup' | 'restore',
  argv: readonly string[],
  io: { waitForSignal?: boolean },
): Promise<CliResult> {
  const b = takeBackupArgs(argv);
  if (b.error !== undefined) return { exitCode: 2, output: `${b.error}\n\n${USAGE}` };
  const parsed = parseStartOptions(b.rest);
  if ('error' in parsed) return { exitCode: 2, output: `${parsed.error}\n\n${USAGE}` };
  const loaded = configOf(parsed);
  if ('exitCode' in loaded) return loaded;
  const config = loaded.config;
  if (command === 'restore') return runRestore(config, b.from);
  let running: Awaited<ReturnType<typeof startBackup>>;
  try {
    running = await startBackup(
      config,
      {
        ...(b.backupDir === undefined ? {} : { backupDir: b.backupDir }),
        ...(b.port === undefined ? {} : { port: b.port }),
      },
      commandLog(config, 'backup').log,
    );
  } catch (e) {
    return { exitCode: 1, output: `venue backup: ${(e as Error).message}\n` };
  }
  console.log(`venue backup running: ${running.url}/status, ${running.url}/metrics (pid ${process.pid})`);
  if (io.waitForSignal !== false)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  const s = running.backup.status();
  await running.stop();
  return { exitCode: 0, output: `venue backup stopped at position ${s.position} (lag ${s.lagEntries})\n` };
}

/** `venue upgrade status | activate --version V [--config F]`. */
async function runUpgrade(argv: readonly string[]): Promise<CliResult> {
  const [sub, ...rest] = argv;
  let version: number | undefined;
  const others: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--version') {
      const v = Number(rest[i + 1]);
      if (!Number.isSafeInteger(v) || v < 1)
        return { exitCode: 2, output: `--version expects a positive integer, got '${rest[i + 1] ?? ''}'\n` };
      version = v;
      i++;
    } else others.push(rest[i] as string);
  }
  const parsed = parseStartOptions(others);
  if ('error' in parsed) return { exitCode: 2, output: `${parsed.error}\n\n${USAGE}` };
  const loaded = configOf(parsed);
  if ('exitCode' in loaded) return loaded;
  const config = loaded.config;
  try {
    return await runUpgradeCommand(config, sub, version);
  } catch (e) {
    return { exitCode: 1, output: `venue upgrade: ${(e as Error).message}\n` };
  }
}

/** The configuration the parsed options name (file, environment, options), or the CLI error to print. */
function configOf(parsed: ParsedOptions): { config: VenueConfig } | CliResult {
  try {
    return { config: loadConfig({ file: parsed.file, env: process.env, overrides: parsed.overrides }) };
  } catch (e) {
    if (e instanceof ConfigError) return { exitCode: 2, output: `config error: ${e.message}\n` };
    throw e;
  }
}
