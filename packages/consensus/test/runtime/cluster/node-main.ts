/** Child process of the cluster tests: `node --import tsx node-main.ts '<json options>'`. */
import { fileURLToPath } from 'node:url';
import { runNode } from '../../../src/runtime/node/run-node.js';
import type { RuntimeLogger } from '../../../src/runtime/observe/logger.js';

const opts = JSON.parse(process.argv[2] ?? '{}');
// `jsonLog: true`: structured events as JSON lines (what a process backs RuntimeLogger with).
const logger: RuntimeLogger | undefined = opts.jsonLog
  ? {
      log: (level, event, fields, msg) =>
        process.stdout.write(`${JSON.stringify({ level, event, ...fields, msg })}\n`),
    }
  : undefined;
await runNode({
  serviceModule: fileURLToPath(new URL('./counter-service.ts', import.meta.url)),
  ...opts,
  ...(logger === undefined ? {} : { logger }),
});
