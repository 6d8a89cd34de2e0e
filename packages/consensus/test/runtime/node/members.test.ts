import { describe, expect, it } from 'vitest';
import { formatMembers, parseMembers } from '../../../src/runtime/node/members.js';

describe('parseMembers', () => {
  it('parses ids and hosts with default and explicit ports', () => {
    const m = parseMembers('1=10.0.0.1:9101, 2=node-b.example:9102:7000:7100,3=10.0.0.3:9103');
    expect(m).toEqual([
      { id: 1, host: '10.0.0.1', peerPort: 9101, clientPort: 9201, adminPort: 9301 },
      { id: 2, host: 'node-b.example', peerPort: 9102, clientPort: 7000, adminPort: 7100 },
      { id: 3, host: '10.0.0.3', peerPort: 9103, clientPort: 9203, adminPort: 9303 },
    ]);
    expect(parseMembers(formatMembers(m))).toEqual(m);
  });

  it('refuses malformed specs with the bad part named', () => {
    expect(() => parseMembers('1=a:1,2=b')).toThrow(/'2=b' is not id=host/);
    expect(() => parseMembers('1=a:1,1=b:2,3=c:3')).toThrow(/id 1 appears twice/);
    expect(() => parseMembers('1=a:1,2=b:2')).toThrow(/odd number/);
    expect(() => parseMembers('1=a:70000')).toThrow(/out of range/);
    expect(() => parseMembers('')).toThrow(/odd number/);
  });
});
