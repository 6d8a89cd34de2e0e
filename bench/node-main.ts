/** One replicated-log member with the consensus package's no-op bench service: `node-main.ts '<json options>'`. */
import { fileURLToPath } from 'node:url';
import { runNode } from '@venue/consensus/runtime';

const NOOP_SERVICE = fileURLToPath(new URL('../packages/consensus/bench/noop-service.ts', import.meta.url));
const opts = JSON.parse(process.argv[2] ?? '{}');
await runNode({ serviceModule: NOOP_SERVICE, ...opts });
