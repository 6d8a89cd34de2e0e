import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const PURE_DIRS = ['core', 'service-host', 'check'];
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'timers'],
  [/from\s+['"]node:/, 'node: imports (I/O)'],
  [/\bprocess\./, 'process'],
];

describe('the core is pure (no clock, randomness, timers or I/O)', () => {
  for (const dir of [...PURE_DIRS, 'sim']) {
    it(`src/${dir}`, () => {
      const files = readdirSync(join(src, dir)).filter((f) => f.endsWith('.ts') && f !== 'cli.ts');
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const text = readFileSync(join(src, dir, f), 'utf8');
        for (const [pattern, what] of FORBIDDEN) {
          expect(pattern.test(text), `${dir}/${f} uses ${what}`).toBe(false);
        }
      }
    });
  }
});
