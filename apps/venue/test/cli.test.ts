import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

describe('venue cli', () => {
  it('prints usage for --help', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('start');
  });
  it('rejects an unknown command with a hint', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/unknown command 'frobnicate'.*--help/);
  });
  it('rejects a bad port', async () => {
    const r = await runCli(['start', '--port', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.output).toContain('httpPort: expected an integer');
  });
  it('ignores the bare -- that pnpm passes through, and names a bad option', async () => {
    const bad = await runCli(['start', '--', '--frob', 'x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/unknown option '--frob'/);
  });
});
