import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { generate, parseSchema } from '@venue/sbe-ts';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, schemaTargets } from '../scripts/gen-all.js';

// Generated code is committed; these tests fail when it no longer matches its schema or the
// generator. Fix: `pnpm --filter @venue/sbe-ts gen` and commit the result.
const targets = schemaTargets();

describe('committed generated code', () => {
  it('includes the sbe-ts fixtures and the market data schema', () => {
    const schemas = targets.map((t) => relative(REPO_ROOT, t.schemaPath));
    expect(schemas).toContain('packages/sbe-ts/test/schemas/car.xml');
    expect(schemas).toContain('packages/marketdata/schema/marketdata.xml');
  });

  for (const target of targets) {
    const name = relative(REPO_ROOT, target.schemaPath);
    it(`${name} matches ${relative(REPO_ROOT, target.outDir)}/`, () => {
      const files = generate(
        parseSchema(readFileSync(target.schemaPath, 'utf8'), basename(target.schemaPath)),
      );
      expect(
        existsSync(target.outDir),
        `${target.outDir} is missing: run pnpm --filter @venue/sbe-ts gen`,
      ).toBe(true);
      const committed = readdirSync(target.outDir)
        .filter((f) => f.endsWith('.ts'))
        .sort();
      expect(committed).toEqual([...files.keys()].sort());
      for (const [file, text] of files) {
        const onDisk = readFileSync(join(target.outDir, file), 'utf8');
        expect(
          onDisk === text,
          `${file} differs from the generator's output: run pnpm --filter @venue/sbe-ts gen`,
        ).toBe(true);
      }
    });
  }
});
