import { ConfigError, loadConfig, type VenueConfig } from './config/config.js';
import { startSingleProcess } from './start.js';

export const USAGE = `venue <command> [options]

Commands:
  start    Start the venue in demo mode: matching, market data, FIX gateway (TCP and WebSocket)
           and the web UI. Options:
             --config FILE      JSON config (see apps/venue/README.md); env VENUE_* overrides it
             --host H           listen address (default 127.0.0.1)
             --http-port P      web UI, /fix and /md (default 8080; 0 = any free port)
             --fix-port P       FIX 4.4 over TCP (default 9878; 0 = any free port)
             --data DIR         data directory (default ./data)
             --no-bots          do not start the demo bots
  help     Show this text.
`;

export interface CliResult {
  exitCode: number;
  output: string;
}

type Overrides = NonNullable<Parameters<typeof loadConfig>[0]['overrides']>;

/** Parses argv and runs a command. Returns an exit code; never throws on bad input. */
export async function runCli(
  argv: readonly string[],
  io: { waitForSignal?: boolean } = {},
): Promise<CliResult> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { exitCode: 0, output: USAGE };
  }
  if (command === 'start') {
    const parsed = parseStartOptions(rest);
    if ('error' in parsed) return { exitCode: 2, output: `${parsed.error}\n\n${USAGE}` };
    let config: VenueConfig;
    try {
      config = loadConfig({ file: parsed.file, env: process.env, overrides: parsed.overrides });
    } catch (e) {
      if (e instanceof ConfigError) return { exitCode: 2, output: `config error: ${e.message}\n` };
      throw e;
    }
    const venue = await startSingleProcess(config, (line) => console.log(line));
    console.log(
      [
        `venue ready http=${venue.httpUrl} fix=${config.host}:${venue.fixPort}`,
        `  web UI:        ${venue.httpUrl}/`,
        `  FIX over TCP:  ${config.host}:${venue.fixPort}  (FIX 4.4, TargetCompID ${config.targetCompId})`,
        `  FIX over WS:   ${venue.httpUrl.replace(/^http/, 'ws')}/fix`,
        `  market data:   ${venue.httpUrl.replace(/^http/, 'ws')}/md`,
        config.demo
          ? `  demo logins:   ${config.accounts
              .filter((a) => /^CLIENT\d+$/.test(a.login) || a.admin)
              .map((a) => `${a.login}/${a.password}`)
              .join(' ')}`
          : '',
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

function parseStartOptions(
  args: readonly string[],
): { file: string | undefined; overrides: Overrides } | { error: string } {
  const overrides: Overrides = {};
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const key = args[i];
    if (key === '--no-bots') {
      overrides.bots = 'false';
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `option ${key} needs a value` };
    i += 1;
    switch (key) {
      case '--config':
        file = value;
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
        break;
      default:
        return { error: `unknown option '${key}'` };
    }
  }
  return { file, overrides };
}
