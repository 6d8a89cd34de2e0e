import { ConfigError, loadConfig, type VenueConfig } from '../config/config.js';
import { commandLog } from '../logging/process-logs.js';
import { startWebOnly } from '../web/web-command.js';
import { runOrders } from './orders.js';

export interface CommandIo {
  readonly waitForSignal?: boolean;
}

/** Commands with their own options, parsed here: `venue orders`, `venue web`. */
export const OWN_COMMANDS = ['orders', 'web'] as const;

interface Options {
  file: string | undefined;
  account: string | undefined;
  gatewayUrl: string | undefined;
  overrides: { host?: string; httpPort?: string; dataDir?: string };
}

function parse(command: string, args: readonly string[]): Options | { error: string } {
  const o: Options = { file: undefined, account: undefined, gatewayUrl: undefined, overrides: {} };
  const allowed =
    command === 'orders'
      ? ['--config', '--data', '--account']
      : ['--config', '--data', '--host', '--http-port', '--port', '--gateway-url'];
  for (let i = 0; i < args.length; i++) {
    const key = args[i] ?? '';
    if (key === '--') continue;
    if (!allowed.includes(key))
      return { error: `unknown option '${key}' for venue ${command} (options: ${allowed.join(' ')})` };
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `option ${key} needs a value` };
    i += 1;
    if (key === '--config') o.file = value;
    else if (key === '--data') o.overrides.dataDir = value;
    else if (key === '--account') o.account = value;
    else if (key === '--host') o.overrides.host = value;
    else if (key === '--http-port' || key === '--port') o.overrides.httpPort = value;
    else if (key === '--gateway-url') {
      if (!/^wss?:\/\/[^\s/]+(\/\S*)?$/.test(value))
        return { error: `--gateway-url: expected ws://host:port/fix, got '${value}'` };
      o.gatewayUrl = value;
    }
  }
  return o;
}

/** Runs `venue orders` / `venue web`; returns an exit code and text, never throws on bad input. */
export async function runOwnCommand(
  command: (typeof OWN_COMMANDS)[number],
  args: readonly string[],
  io: CommandIo,
): Promise<{ exitCode: number; output: string }> {
  const parsed = parse(command, args);
  if ('error' in parsed) return { exitCode: 2, output: `${parsed.error}\n(run 'venue --help')\n` };
  let config: VenueConfig;
  let fileConfig: VenueConfig;
  try {
    config = loadConfig({ file: parsed.file, env: process.env, overrides: parsed.overrides });
    fileConfig = loadConfig({ file: parsed.file, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) return { exitCode: 2, output: `config error: ${e.message}\n` };
    throw e;
  }
  if (command === 'orders') return runOrders(config, parsed.account);

  // The gateway serves /fix on the configured HTTP port; this server must listen elsewhere.
  const gatewayUrl = parsed.gatewayUrl ?? `ws://${fileConfig.host}:${fileConfig.httpPort}/fix`;
  if (parsed.gatewayUrl === undefined && config.httpPort === fileConfig.httpPort && config.httpPort !== 0) {
    return {
      exitCode: 2,
      output: `venue web: port ${config.httpPort} is the gateway's (its /fix is where this server relays FIX): give --http-port P (another port) or --gateway-url ws://host:port/fix\n`,
    };
  }
  let web: Awaited<ReturnType<typeof startWebOnly>>;
  try {
    web = await startWebOnly(config, gatewayUrl, commandLog(config, 'web').log);
  } catch (e) {
    return { exitCode: 1, output: `venue web failed: ${(e as Error).message}\n` };
  }
  console.log(
    `venue web ready ${web.url}/ (FIX relayed to ${gatewayUrl}; pid ${process.pid}; Ctrl-C to stop)`,
  );
  if (io.waitForSignal !== false) {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  await web.stop();
  return { exitCode: 0, output: io.waitForSignal === false ? '' : 'venue web stopped\n' };
}
