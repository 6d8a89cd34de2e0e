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

describe('file store group commit (batch policy)', () => {
  const journalText = (dir: string) => readFileSync(join(dir, 'journal'), 'latin1');
  const syncAsync = (f: FileSessionStoreFactory) =>
    new Promise<void>((resolve, reject) => f.syncAllAsync((e) => (e ? reject(e) : resolve())));

  it('buffers appends until a sync round writes them with the seqnums; range sees them at once', async () => {
    const dir = tmp();
    const f = new FileSessionStoreFactory({ dir, fsync: 'batch' });
    const s = f.open('VENUE-C1');
    s.append(1, 'one\x01');
    s.append(2, 'two\x01');
    s.setNextTargetSeq(5);
    expect(s.range(1, 9).map((r) => r.wire)).toEqual(['one\x01', 'two\x01']);
    expect(journalText(join(dir, 'VENUE-C1'))).toBe(''); // nothing written yet
    await syncAsync(f);
    expect(journalText(join(dir, 'VENUE-C1'))).toBe('1 4\none\x01\n2 4\ntwo\x01\n');
    expect(readFileSync(join(dir, 'VENUE-C1', 'seqnums'), 'latin1').startsWith('3 5\n')).toBe(true);
    f.closeAll();
    const r = new FileSessionStore(join(dir, 'VENUE-C1'), 'batch', 100);
    expect([r.nextSenderSeq, r.nextTargetSeq, r.range(1, 9).length]).toEqual([3, 5, 2]);
    r.close();
  });

  it('callers in the same turn share one round; a caller during a round waits for the next one', async () => {
    const dir = tmp();
    const f = new FileSessionStoreFactory({ dir, fsync: 'batch' });
    const a = f.open('A');
    const b = f.open('B');
    a.append(1, 'a1');
    b.append(1, 'b1');
    const order: string[] = [];
    const first = new Promise<void>((resolve) =>
      f.syncAllAsync(() => {
        order.push('first');
        resolve();
      }),
    );
    const second = new Promise<void>((resolve) =>
      f.syncAllAsync(() => {
        order.push('second');
        resolve();
      }),
    );
    // Wait until the shared round is in flight, then write more and ask again.
    await new Promise((r) => setImmediate(r));
    expect(f.syncStats.rounds).toBe(1);
    a.append(2, 'a2');
    const third = new Promise<void>((resolve) =>
      f.syncAllAsync(() => {
        order.push('third');
        resolve();
      }),
    );
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
    expect(f.syncStats.rounds).toBe(2); // a1+b1 together, then a2 (B was clean: not synced again)
    expect(f.syncStats.fdatasyncs).toBe(4 + 2);
    expect(journalText(join(dir, 'A'))).toBe('1 2\na1\n2 2\na2\n');
    f.closeAll();
  });

  it('a round with nothing written completes without an fsync', async () => {
    const f = new FileSessionStoreFactory({ dir: tmp(), fsync: 'batch' });
    f.open('A');
    await syncAsync(f);
    expect(f.syncStats.fdatasyncs).toBe(0);
    f.closeAll();
  });

  it('compaction and close while a round is in flight keep every record', async () => {
    const dir = tmp();
    const f = new FileSessionStoreFactory({ dir, fsync: 'batch', journalMessagesMax: 5 });
    const s = f.open('A');
    for (let i = 1; i <= 4; i++) s.append(i, `m${i}`);
    const done = syncAsync(f);
    await new Promise((r) => setImmediate(r)); // the round's fdatasyncs are running
    for (let i = 5; i <= 12; i++) s.append(i, `m${i}`); // compacts at 10
    f.closeAll(); // closes (after a blocking sync) while the async round may still run
    await done;
    const r = new FileSessionStore(join(dir, 'A'), 'batch', 5);
    expect(r.nextSenderSeq).toBe(13);
    expect(r.range(1, 20).map((x) => x.seq)).toEqual([8, 9, 10, 11, 12]);
    r.close();
  });

  it("'always' and 'never' answer an async sync at once, with the data already written", async () => {
    for (const fsync of ['always', 'never'] as const) {
      const dir = tmp();
      const f = new FileSessionStoreFactory({ dir, fsync });
      f.open('A').append(1, 'x');
      expect(journalText(join(dir, 'A'))).toBe('1 1\nx\n');
      await syncAsync(f);
      expect(f.syncStats.rounds).toBe(0);
      f.closeAll();
    }
  });
});
