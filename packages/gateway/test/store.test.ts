import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSessionStore, FileSessionStoreFactory, MemorySessionStore, Tag } from '@venue/gateway';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, order } from './fakes/session-harness.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gw-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('file store', () => {
  it('persists seqnums and journal across reopen', () => {
    const dir = tmp();
    const s = new FileSessionStore(dir, 'always', 100);
    s.append(1, 'one\x01');
    s.append(2, 'two\x01');
    s.setNextTargetSeq(7);
    s.close();
    const r = new FileSessionStore(dir, 'always', 100);
    expect(r.nextSenderSeq).toBe(3);
    expect(r.nextTargetSeq).toBe(7);
    expect(r.range(1, 10)).toEqual([
      { seq: 1, wire: 'one\x01' },
      { seq: 2, wire: 'two\x01' },
    ]);
    r.close();
  });

  it('recovers from a torn last journal record and a stale seqnum file', () => {
    const dir = tmp();
    const s = new FileSessionStore(dir, 'never', 100);
    s.append(1, 'a');
    s.append(2, 'b');
    s.close();
    const journal = join(dir, 'journal');
    writeFileSync(journal, `${readFileSync(journal, 'latin1')}3 10\npartial`, 'latin1');
    writeFileSync(join(dir, 'seqnums'), '2 1\n'.padEnd(48, ' '));
    const r = new FileSessionStore(dir, 'never', 100);
    expect(r.nextSenderSeq).toBe(3); // journal is ahead of the seqnum file
    expect(r.range(1, 5).map((x) => x.seq)).toEqual([1, 2]);
    r.append(3, 'c');
    r.close();
    const r2 = new FileSessionStore(dir, 'never', 100);
    expect(r2.range(1, 5).map((x) => x.wire)).toEqual(['a', 'b', 'c']);
    r2.close();
  });

  it('bounds the journal: keeps the newest N, compacts the file', () => {
    const dir = tmp();
    const s = new FileSessionStore(dir, 'batch', 10);
    for (let i = 1; i <= 45; i++) s.append(i, `m${i}`);
    s.sync();
    expect(s.oldestRetainedSeq).toBe(36);
    expect(s.range(1, 100).map((r) => r.seq)).toEqual([36, 37, 38, 39, 40, 41, 42, 43, 44, 45]);
    expect(statSync(join(dir, 'journal')).size).toBeLessThan(20 * 12);
    s.close();
    const r = new FileSessionStore(dir, 'batch', 10);
    expect(r.nextSenderSeq).toBe(46);
    expect(r.oldestRetainedSeq).toBe(36);
    r.close();
  });

  it('reset empties the journal and restarts both seqs at 1', () => {
    const dir = tmp();
    const s = new FileSessionStore(dir, 'always', 10);
    s.append(1, 'x');
    s.setNextTargetSeq(4);
    s.reset();
    s.close();
    const r = new FileSessionStore(dir, 'always', 10);
    expect([r.nextSenderSeq, r.nextTargetSeq, r.range(1, 9).length]).toEqual([1, 1, 0]);
    r.close();
  });

  it('refuses out-of-order appends and unsafe session keys', () => {
    const m = new MemorySessionStore(5);
    expect(() => m.append(2, 'x')).toThrow(/append seq 2/);
    const f = new FileSessionStoreFactory({ dir: tmp(), fsync: 'never' });
    expect(() => f.open('../etc')).toThrow(/unsafe/);
  });
});

describe('gateway restart: a client resumes without a reset', () => {
  it('keeps both sequence numbers and can resend pre-restart messages', () => {
    const dir = tmp();
    const stores1 = new FileSessionStoreFactory({ dir, fsync: 'always' });
    const h1 = new Harness({}, stores1);
    const c = h1.client();
    c.logon(); // in 1, out 1
    c.send('D', order('a')); // in 2
    c.session.sendApp('8', [{ tag: 37, value: 'BEFORE' }]); // out 2
    // Gateway process dies: no Logout exchanged.
    stores1.closeAll();

    const stores2 = new FileSessionStoreFactory({ dir, fsync: 'always' });
    const h2 = new Harness({}, stores2);
    const c2 = h2.client();
    c2.seq = c.seq; // client continues at 3
    c2.logon();
    const logon = c2.last();
    expect(logon.msgType).toBe('A');
    expect(logon.getInt(Tag.MsgSeqNum)).toBe(3);
    expect(logon.get(Tag.ResetSeqNumFlag)).toBeUndefined();
    expect(c2.session.expectedTargetSeq).toBe(4);
    c2.send('2', [
      [7, 2],
      [16, 0],
    ]);
    expect(c2.received.map((m) => [m.msgType, m.getInt(Tag.MsgSeqNum), m.get(Tag.OrderID)])).toEqual([
      ['A', 3, undefined],
      ['8', 2, 'BEFORE'],
      ['4', 3, undefined],
    ]);
    stores2.closeAll();
  });
});
