import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXEC_FEED_TOKEN_ENV,
  EXEC_FEED_TOKEN_FILE,
  useExecFeedToken,
} from '../src/cluster/execution-feed.js';

/** `venue start` keeps the feed token in the data directory; a gateway started by hand reads it. */
describe('execution-feed token shared through the data directory', () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'venue-token-'));
    saved = process.env[EXEC_FEED_TOKEN_ENV];
    delete process.env[EXEC_FEED_TOKEN_ENV];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[EXEC_FEED_TOKEN_ENV];
    else process.env[EXEC_FEED_TOKEN_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('start creates it (0600), a gateway on the same data directory gets the same one', () => {
    expect(useExecFeedToken(dir, false)).toBe('none'); // a gateway before any start: nothing to read
    expect(process.env[EXEC_FEED_TOKEN_ENV]).toBeUndefined();
    expect(useExecFeedToken(dir, true)).toBe('created');
    const token = process.env[EXEC_FEED_TOKEN_ENV];
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const path = join(dir, EXEC_FEED_TOKEN_FILE);
    expect(readFileSync(path, 'utf8').trim()).toBe(token);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    delete process.env[EXEC_FEED_TOKEN_ENV]; // another process
    expect(useExecFeedToken(dir, false)).toBe('file');
    expect(process.env[EXEC_FEED_TOKEN_ENV]).toBe(token);
    delete process.env[EXEC_FEED_TOKEN_ENV];
    expect(useExecFeedToken(dir, true)).toBe('file'); // a second start keeps it
    expect(process.env[EXEC_FEED_TOKEN_ENV]).toBe(token);
  });

  it('the environment wins; a damaged file is refused with the fix, never used', () => {
    process.env[EXEC_FEED_TOKEN_ENV] = 'from-the-environment-0123';
    writeFileSync(join(dir, EXEC_FEED_TOKEN_FILE), 'other-token-abcdef-0123\n');
    expect(useExecFeedToken(dir, false)).toBe('env');
    expect(process.env[EXEC_FEED_TOKEN_ENV]).toBe('from-the-environment-0123');
    delete process.env[EXEC_FEED_TOKEN_ENV];
    writeFileSync(join(dir, EXEC_FEED_TOKEN_FILE), 'short\n');
    expect(() => useExecFeedToken(dir, false)).toThrow(
      /does not hold a token.*delete it or set VENUE_EXEC_FEED_TOKEN/,
    );
    expect(process.env[EXEC_FEED_TOKEN_ENV]).toBeUndefined();
  });
});
