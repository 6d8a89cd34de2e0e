// Regenerates every committed codec of the monorepo: `pnpm --filter @venue/sbe-ts gen`.
//   packages/<pkg>/schema/<name>.xml   -> packages/<pkg>/src/generated/<name>/
//   packages/sbe-ts/test/schemas/<name>.xml -> packages/sbe-ts/test/generated/<name>/ (test fixtures)
//   packages/sbe-ts/bench/schemas/<name>.xml -> packages/sbe-ts/bench/generated/<name>/ (benchmark)
// The drift test (test/drift.test.ts) uses the same list to check nothing committed is stale.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateFromFile } from '../src/index.js';

export interface SchemaTarget {
  readonly schemaPath: string;
  readonly outDir: string;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every schema of the repository and the directory its generated code is committed in, sorted. */
export function schemaTargets(repoRoot: string = REPO_ROOT): SchemaTarget[] {
  const targets: SchemaTarget[] = [];
  const packagesDir = join(repoRoot, 'packages');
  for (const pkg of readdirSync(packagesDir).sort()) {
    const schemaDir = join(packagesDir, pkg, 'schema');
    for (const xml of xmlFiles(schemaDir)) {
      targets.push({
        schemaPath: join(schemaDir, xml),
        outDir: join(packagesDir, pkg, 'src', 'generated', stem(xml)),
      });
    }
  }
  const fixtures = join(packagesDir, 'sbe-ts', 'test', 'schemas');
  for (const xml of xmlFiles(fixtures)) {
    targets.push({
      schemaPath: join(fixtures, xml),
      outDir: join(packagesDir, 'sbe-ts', 'test', 'generated', stem(xml)),
    });
  }
  const bench = join(packagesDir, 'sbe-ts', 'bench', 'schemas');
  for (const xml of xmlFiles(bench)) {
    targets.push({
      schemaPath: join(bench, xml),
      outDir: join(packagesDir, 'sbe-ts', 'bench', 'generated', stem(xml)),
    });
  }
  return targets;
}

function xmlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort();
}

function stem(file: string): string {
  return basename(file, '.xml');
}

/** With arguments, only the schemas whose path contains one of them: `gen matching`. */
function main(filters: readonly string[]): void {
  for (const t of schemaTargets()) {
    if (filters.length > 0 && !filters.some((f) => relative(REPO_ROOT, t.schemaPath).includes(f))) continue;
    const files = generateFromFile(t.schemaPath, t.outDir);
    process.stdout.write(
      `${relative(REPO_ROOT, t.schemaPath)} -> ${relative(REPO_ROOT, t.outDir)}/ (${files.length} files)\n`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
