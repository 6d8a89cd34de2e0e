/** Process entry: start a ClusterNode and shut it down cleanly on SIGTERM / SIGINT. */

import { ClusterNode, type ClusterNodeOptions } from './cluster-node.js';

/**
 * Starts the member and installs signal handlers: SIGTERM/SIGINT stop accepting clients, take a
 * snapshot (unless `snapshotOnClose: false`), close sockets and storage, then exit 0. A start-up
 * refusal (corrupt log, locked directory, ...) is printed and exits 2.
 */
export async function runNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const print = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let node: ClusterNode;
  try {
    node = await ClusterNode.start(options);
  } catch (err) {
    print(`node ${options.id}: REFUSING TO START: ${(err as Error).message}`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`node ${options.id}: ${signal}: shutting down`);
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        print(`node ${options.id}: shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return node;
}
