import { diffGenerated, generateFile, writeGenerated } from '../fs/generate-from-file.js';
import { SchemaError } from '../schema/schema-error.js';

export const USAGE = `usage: sbe-ts generate <schema.xml> --out <dir> [--check]

Generates TypeScript flyweight codecs for a FIX Simple Binary Encoding 1.0 XML schema.
--check writes nothing and fails when <dir> is not what the generator produces now.
Exit codes: 0 done, 1 bad arguments or I/O error, 2 invalid schema, 3 --check found differences.`;

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs the CLI with the arguments after the program name; returns the exit code. */
export function runCli(args: readonly string[], io: CliIo): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...rest] = args;
  let schemaPath: string | undefined;
  let outDir: string | undefined;
  let bad: string | undefined;
  let check = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--out' || arg === '-o') {
      outDir = rest[++i];
      if (outDir === undefined) bad = `${arg} needs a directory`;
    } else if (arg === '--check') check = true;
    else if (arg.startsWith('--out=')) outDir = arg.slice('--out='.length);
    else if (arg.startsWith('-')) bad = `unknown option ${arg}`;
    else if (schemaPath === undefined) schemaPath = arg;
    else bad = `unexpected argument ${arg}`;
  }
  if (command !== 'generate') bad ??= command === undefined ? 'no command' : `unknown command ${command}`;
  if (schemaPath === undefined) bad ??= 'no schema file';
  if (outDir === undefined || outDir === '') bad ??= 'no --out directory';
  if (bad !== undefined || schemaPath === undefined || outDir === undefined) {
    io.err(`sbe-ts: ${bad ?? 'bad arguments'}`);
    io.err(USAGE);
    return 1;
  }
  try {
    const files = generateFile(schemaPath);
    if (check) {
      const stale = diffGenerated(outDir, files);
      if (stale.length > 0) {
        io.err(`sbe-ts: ${outDir} is out of date with ${schemaPath}: ${stale.join(', ')}`);
        return 3;
      }
      io.out(`sbe-ts: ${outDir} is up to date with ${schemaPath}`);
      return 0;
    }
    writeGenerated(outDir, files);
    io.out(`sbe-ts: generated ${files.size} files from ${schemaPath} into ${outDir}`);
    return 0;
  } catch (e) {
    if (e instanceof SchemaError) {
      io.err(`sbe-ts: invalid schema: ${e.message}`);
      return 2;
    }
    io.err(`sbe-ts: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
