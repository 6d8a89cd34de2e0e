import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SESSION_CONFIG, demoCredentials, FIX_TCP_PORT_DEFAULT } from '@venue/gateway';
import { describe, expect, it } from 'vitest';

// The ready-made initiator configs in examples/ must keep matching the demo venue and point at the
// published dictionary (QuickFIX C++ also loads its file in quickfix-interop.test.ts).
const file = (p: string) => fileURLToPath(new URL(`../../../examples/${p}`, import.meta.url));

/** QuickFIX settings file: section name (lower case) -> key -> value, sections merged with default. */
function sessionSettings(path: string): Map<string, string> {
  const out = new Map<string, string>();
  let sessions = 0;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section !== null) {
      if (section[1]!.toLowerCase() === 'session') sessions++;
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `${path}: ${line}`).toBeGreaterThan(0);
    out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  expect(sessions, path).toBe(1);
  return out;
}

describe('examples/: initiator configs for the demo venue', () => {
  for (const p of ['quickfix/venue.cfg', 'quickfixj/venue.cfg']) {
    it(`${p}: demo host, port, CompIDs and the published dictionary`, () => {
      const s = sessionSettings(file(p));
      expect(s.get('ConnectionType')).toBe('initiator');
      expect(s.get('SocketConnectHost')).toBe('127.0.0.1');
      expect(s.get('SocketConnectPort')).toBe(String(FIX_TCP_PORT_DEFAULT));
      expect(s.get('BeginString')).toBe('FIX.4.4');
      expect(s.get('SenderCompID')).toBe('CLIENT1');
      expect(s.get('TargetCompID')).toBe(DEFAULT_SESSION_CONFIG.venueCompId);
      expect(s.get('UseDataDictionary')).toBe('Y');
      const dict = resolve(dirname(file(p)), s.get('DataDictionary') ?? '');
      expect(existsSync(dict), dict).toBe(true);
      expect(dict).toBe(fileURLToPath(new URL('../dictionary/VENUE-FIX44.xml', import.meta.url)));
      expect(s.get('ResetOnLogon')).toBe('N');
    });
  }

  it('credentials are the demo login, sent as Username(553)/Password(554)', () => {
    const qf = sessionSettings(file('quickfix/venue.cfg'));
    const qfj = sessionSettings(file('quickfixj/venue.cfg'));
    expect([qf.get('Username'), qf.get('Password')]).toEqual(['CLIENT1', 'demo']);
    expect([qfj.get('LogonTag'), qfj.get('LogonTag1')]).toEqual(['553=CLIENT1', '554=demo']);
    expect(demoCredentials().authenticate('CLIENT1', 'demo')).toBeDefined();
    expect(qfj.get('NonStopSession')).toBe('Y');
    expect([qf.get('StartTime'), qf.get('EndTime')]).toEqual(['00:00:00', '00:00:00']);
  });
});
