import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'venue-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: string): string {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  return path;
}

const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('venue configuration', () => {
  it('has working defaults: demo, four instruments with ZVZZT, three members', () => {
    const c = loadConfig({});
    expect(c).toEqual(DEFAULT_CONFIG);
    expect(c.instruments.find((i) => i.symbol === 'ZVZZT')).toMatchObject({
      tickSize: '0.01',
      lotSize: '1',
      refPrice: '100.00',
      bandPercent: '10',
    });
    expect(c.cluster.members).toHaveLength(3);
  });

  it('layers file, environment and options, in that order', () => {
    const f = file(
      JSON.stringify({
        httpPort: 9000,
        fixThrottleMsgsPerSec: 5000,
        bots: { enabled: true, ratePerSecond: 9 },
      }),
    );
    const c = loadConfig({
      file: f,
      env: { VENUE_HTTP_PORT: '9001', VENUE_BOTS: 'false' },
      overrides: { httpPort: '9002' },
    });
    expect(c.httpPort).toBe(9002);
    expect(c.fixThrottleMsgsPerSec).toBe(5000);
    expect(c.bots).toEqual({ enabled: false, ratePerSecond: 9 });
  });

  it('names the key and what was expected', () => {
    expect(problem(() => loadConfig({ file: file('{"httpPrt": 1}') }))).toMatch(
      /unknown config key 'httpPrt'/,
    );
    expect(problem(() => loadConfig({ file: file('{"fixThrottleMsgsPerSec": 0}') }))).toMatch(
      /fixThrottleMsgsPerSec: expected an integer 1\.\.1000000/,
    );
    expect(
      problem(() => loadConfig({ file: file('{"cluster": {"members": [{"id": 1}, {"id": 2}]}}') })),
    ).toMatch(/cluster\.members: expected an odd number/);
    expect(
      problem(() =>
        loadConfig({
          file: file('{"instruments": [{"instrumentId": 1, "symbol": "X", "tickSize": "0,01"}]}'),
        }),
      ),
    ).toMatch(/instruments\[0\]\.tickSize: expected a decimal string/);
    expect(problem(() => loadConfig({ file: file('not json') }))).toMatch(/is not valid JSON/);
  });

  it('a member may listen for peers on another port than the one it advertises (peerListenPort)', () => {
    const member = (extra: string) =>
      `{"id": 1, "host": "127.0.0.1", "peerPort": 9101, "clientPort": 9201, "adminPort": 9301, "mdPort": 9401${extra}}`;
    const c = loadConfig({ file: file(`{"cluster": {"members": [${member(', "peerListenPort": 9501')}]}}`) });
    expect(c.cluster.members[0]?.peerPort).toBe(9101);
    expect(c.cluster.members[0]?.peerListenPort).toBe(9501);
    expect(
      loadConfig({ file: file(`{"cluster": {"members": [${member('')}]}}`) }).cluster.members[0],
    ).not.toHaveProperty('peerListenPort');
    expect(
      problem(() =>
        loadConfig({ file: file(`{"cluster": {"members": [${member(', "peerListenPort": 0')}]}}`) }),
      ),
    ).toMatch(/cluster\.members\[0\]\.peerListenPort: expected an integer 1\.\.65535/);
  });

  it('refuses demo passwords in production', () => {
    expect(problem(() => loadConfig({ env: { VENUE_DEMO: 'false' } }))).toMatch(
      /production \(demo: false\) needs at least 12 characters/,
    );
  });
});
