import { startDemo } from './start.js';

export const USAGE = `venue <command> [options]

Commands:
  start [--host H] [--port P]   Start the venue in demo mode (what exists so far: the web endpoint).
  help                          Show this text.
`;

export interface CliResult {
  exitCode: number;
  output: string;
}

/** Parses argv and runs a command. Returns an exit code; never throws on bad input. */
export async function runCli(argv: readonly string[]): Promise<CliResult> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { exitCode: 0, output: USAGE };
  }
  if (command === 'start') {
    const opts = parseOptions(rest);
    if ('error' in opts) return { exitCode: 2, output: `${opts.error}\n\n${USAGE}` };
    await startDemo(opts);
    return { exitCode: 0, output: '' };
  }
  return { exitCode: 2, output: `unknown command '${command}': run 'venue --help' for the list\n` };
}

function parseOptions(args: readonly string[]): { host: string; port: number } | { error: string } {
  let host = process.env['VENUE_HOST'] ?? '127.0.0.1';
  let port = Number(process.env['VENUE_HTTP_PORT'] ?? 8080);
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    const value = args[i + 1];
    if (value === undefined) return { error: `option ${key} needs a value` };
    if (key === '--host') host = value;
    else if (key === '--port') port = Number(value);
    else return { error: `unknown option '${key}'` };
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return { error: `--port must be an integer 0..65535, got '${port}'` };
  }
  return { host, port };
}
