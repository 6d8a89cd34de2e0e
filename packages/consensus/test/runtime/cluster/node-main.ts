/** Child process of the cluster tests: `node --import tsx node-main.ts '<json options>'`. */
import { fileURLToPath } from 'node:url';
import { runNode } from '../../../src/runtime/node/run-node.js';

const opts = JSON.parse(process.argv[2] ?? '{}');
await runNode({
  serviceModule: fileURLToPath(new URL('./counter-service.ts', import.meta.url)),
  ...opts,
});
