export { type CliResult, runCli, USAGE } from './cli.js';
