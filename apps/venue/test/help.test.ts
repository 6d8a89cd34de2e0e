import { describe, expect, it } from 'vitest';
import { runCli, USAGE } from '../src/cli.js';

describe('venue --help documents every command', () => {
  it('lists each command with its options', async () => {
    const help = await runCli(['--help']);
    expect(help.exitCode).toBe(0);
    for (const text of [
      /^ {2}start /m,
      /^ {2}node /m,
      /^ {2}gateway /m,
      /^ {2}web .*--http-port P \[--gateway-url ws:\/\/H:P\/fix\]/m,
      /^ {2}bots /m,
      /^ {2}cluster status/m,
      /^ {2}cluster snapshot/m,
      /^ {2}cluster step-down/m,
      /^ {2}orders --account A/m,
      /^ {2}replay --data DIR/m,
      /--config FILE .*JSON or TOML/,
    ]) {
      expect(USAGE).toMatch(text);
    }
  });

  it('names a bad option of venue orders / venue web, with exit code 2', async () => {
    const o = await runCli(['orders', '--acount', 'CLIENT1']);
    expect(o.exitCode).toBe(2);
    expect(o.output).toMatch(
      /unknown option '--acount' for venue orders \(options: --config --data --account\)/,
    );
    const w = await runCli(['web', '--gateway-url', 'http://x']);
    expect(w.exitCode).toBe(2);
    expect(w.output).toMatch(/--gateway-url: expected ws:\/\/host:port\/fix/);
    const c = await runCli(['orders', '--account', 'CLIENT1', '--config', '/nonexistent/venue.toml']);
    expect(c.exitCode).toBe(2);
    expect(c.output).toMatch(/^config error: cannot read config file \/nonexistent\/venue.toml/);
  });
});
