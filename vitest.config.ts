import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source, so `vitest run` needs no prior build.
const src = (dir: string) => fileURLToPath(new URL(`./${dir}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@venue/sbe-ts': src('packages/sbe-ts'),
      // Before '@venue/consensus': the first matching alias wins and a prefix would match.
      '@venue/consensus/runtime': fileURLToPath(
        new URL('./packages/consensus/src/runtime/index.ts', import.meta.url),
      ),
      '@venue/consensus': src('packages/consensus'),
      '@venue/matching': src('packages/matching'),
      '@venue/marketdata': src('packages/marketdata'),
      '@venue/gateway': src('packages/gateway'),
      '@venue/web-ui': src('apps/web-ui'),
      '@venue/chaos': src('packages/chaos'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
