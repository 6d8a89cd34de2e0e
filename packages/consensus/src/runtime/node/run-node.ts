/** Process entry: start a ClusterNode and shut it down cleanly on SIGTERM / SIGINT. */

import { type LogLevel, lineLogger } from '../observe/logger.js';
import { ClusterNode, type ClusterNodeOptions } from './cluster-node.js';

/**
 * Starts the member and installs signal handlers: SIGTERM/SIGINT stop accepting clients, take a
 * snapshot (unless `snapshotOnClose: false`), close sockets and storage, then exit 0. A start-up
 * refusal (corrupt log, locked directory, ...) is printed and exits 2.
 */
export async function runNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const logger =
    options.logger ??
    lineLogger(options.log ?? ((line: string) => process.stdout.write(`${line}\n`)), `node ${options.id}: `);
  const print = (level: LogLevel, event: string, msg: string) =>
    logger.log(level, event, { nodeId: options.id }, msg);
  let node: ClusterNode;
  try {
    node = await ClusterNode.start(options);
  } catch (err) {
    print('fatal', 'refusing-to-start', `REFUSING TO START: ${(err as Error).message}`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    print('info', 'shutdown', `${signal}: shutting down`);
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        print('error', 'shutdown-failed', `shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return node;
}
