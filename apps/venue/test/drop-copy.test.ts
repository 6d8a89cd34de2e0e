import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeFix,
  encodeFix,
  type FixField,
  FixFramer,
  type FixMessage,
  formatUtcTimestamp,
} from '@venue/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberConfig } from '../src/config/config.js';
import { FixClient } from '../src/fix-client/fix-client.js';
import { type RunningVenue, startCluster, startGateway } from '../src/start.js';
import { freeMembers, memberLauncher, testConfig } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the drop-copy client saw of one message. */
interface Seen {
  readonly seq: number;
  readonly msgType: string;
  readonly possDup: boolean;
  readonly msg: FixMessage;
  readonly atMs: number;
}

/**
 * A FIX initiator that behaves like an engine with a persistent store: its sequence numbers in
 * both directions survive reconnects (no ResetSeqNumFlag), it asks for a resend when the venue's
 * MsgSeqNum jumps ahead, applies gap fills, and records which sequence numbers it has covered.
 */
class PersistentFixClient {
  outSeq = 1;
  expectedIn = 1;
  /** Every sequence number accepted in order (application, admin, or inside a gap fill). */
  readonly covered = new Set<number>();
  readonly seen: Seen[] = [];
  private socket: Socket | undefined;
  private resendPending = false;

  constructor(
    public port: number,
    readonly username: string,
  ) {}

  async connect(): Promise<FixMessage> {
    const socket = connect({ host: '127.0.0.1', port: this.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    this.socket = socket;
    this.resendPending = false;
    const framer = new FixFramer(64 * 1024);
    let logon: ((m: FixMessage) => void) | undefined;
    const logonSeen = new Promise<FixMessage>((resolve) => {
      logon = resolve;
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) {
        if (ev.kind !== 'frame') continue;
        const r = decodeFix(ev.text);
        if (r.kind !== 'ok') continue;
        this.onMessage(r.msg);
        if (r.msg.msgType === 'A' || r.msg.msgType === '5') logon?.(r.msg);
      }
    });
    this.send('A', [
      [98, 0],
      [108, 30],
      [553, this.username],
      [554, 'demo'],
    ]);
    return await Promise.race([
      logonSeen,
      sleep(5_000).then(() => {
        throw new Error('no Logon answer');
      }),
    ]);
  }

  /** Drops the connection without a Logout (as a crash or network loss would). */
  drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  send(msgType: string, body: ReadonlyArray<readonly [number, string | number]>): void {
    const fields: FixField[] = [
      { tag: 35, value: msgType },
      { tag: 49, value: this.username },
      { tag: 56, value: 'VENUE' },
      { tag: 34, value: String(this.outSeq++) },
      { tag: 52, value: formatUtcTimestamp(Date.now()) },
      ...body.map(([tag, value]) => ({ tag, value: String(value) })),
    ];
    this.socket?.write(encodeFix(fields), 'latin1');
  }

  resend(begin: number): void {
    this.send('2', [
      [7, begin],
      [16, 0],
    ]);
  }

  private onMessage(m: FixMessage): void {
    const seq = Number(m.get(34));
    const possDup = m.get(43) === 'Y';
    this.seen.push({ seq, msgType: m.msgType, possDup, msg: m, atMs: performance.now() });
    if (m.msgType === '1') this.send('0', [[112, m.get(112) ?? '']]);
    if (m.msgType === '4' && m.get(123) === 'Y') {
      if (seq === this.expectedIn) {
        const next = Number(m.get(36));
        for (let s = seq; s < next; s++) this.covered.add(s);
        this.expectedIn = Math.max(this.expectedIn, next);
      }
      return;
    }
    if (seq === this.expectedIn) {
      this.covered.add(seq);
      this.expectedIn++;
      return;
    }
    if (seq > this.expectedIn && !this.resendPending) {
      // A gap (e.g. the venue's Logon after we were away): ask for everything from the expected number.
      this.resendPending = true;
      this.resend(this.expectedIn);
    }
    // seq < expected with PossDup: a duplicate of something already processed.
  }
}

const order = (clOrdId: string, side: 1 | 2, qty: number, price: string) =>
  [
    [11, clOrdId],
    [55, 'ZVZZT'],
    [54, side],
    [38, String(qty)],
    [40, 2],
    [44, price],
    [59, 1],
    [60, '20261126-12:00:00.000'],
  ] as const;

describe('drop copy on the replicated venue: reconciles with the trading sessions after a leader kill -9', () => {
  let venue: RunningVenue;
  let dataDir: string;
  let members: MemberConfig[];
  const clients: FixClient[] = [];
  let dc: PersistentFixClient | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'venue-dropcopy-'));
    members = await freeMembers();
    const launcher = memberLauncher(dataDir, members);
    venue = await startCluster(testConfig(dataDir, members), launcher.memberArgs, (line) => {
      if (lines.length < 5_000) lines.push(line);
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    dc?.drop();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the copy stream (by ExecID) equals the union of the accounts own ExecutionReports, gap-free and duplicate-free', async () => {
    dc = new PersistentFixClient(venue.fixPort, 'DROPCOPY');
    expect((await dc.connect()).msgType).toBe('A');

    const seller = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT1', password: 'demo' });
    const buyer = await FixClient.tcp('127.0.0.1', venue.fixPort, { username: 'CLIENT2', password: 'demo' });
    clients.push(seller, buyer);
    expect((await seller.logon()).msgType).toBe('A');
    expect((await buyer.logon()).msgType).toBe('A');
    const tradingReports: FixMessage[] = [];
    const tradingAtMs = new Map<string, number>();
    for (const c of [seller, buyer]) {
      c.onMessage((m) => {
        if (m.msgType !== '8') return;
        tradingReports.push(m);
        if (!tradingAtMs.has(m.get(17) ?? '')) tradingAtMs.set(m.get(17) ?? '', performance.now());
      });
    }

    // The drop-copy session is read-only: an order from it is refused with a reason.
    dc.send('D', order('DC1', 1, 1, '100.00'));

    let n = 0;
    /** One round: a resting sell, a crossing buy for part of it, sometimes a replace or a cancel. */
    const round = async () => {
      const i = n++;
      const px = (100 + (i % 7) / 100).toFixed(2);
      seller.send('D', order(`S${i}`, 2, 3, px));
      buyer.send('D', order(`B${i}`, 1, 2, px));
      if (i % 3 === 0) {
        seller.send('F', [
          [41, `S${i}`],
          [11, `S${i}x`],
          [55, 'ZVZZT'],
          [54, 2],
          [60, '20261126-12:00:00.000'],
        ]);
      } else if (i % 3 === 1) {
        buyer.send('D', order(`R${i}`, 1, 4, '99.00'));
        buyer.send('G', [...order(`R${i}r`, 1, 5, '99.01'), [41, `R${i}`]]);
      }
      if (i % 5 === 4) buyer.send('D', order(`X${i}`, 1, 1, '150.00')); // outside the band: rejected by matching
      await sleep(20);
    };

    /** Waits until the last buyer order sent has been answered (bounded). */
    const settled = async () => {
      const last = `B${n - 1}`;
      const until = Date.now() + 20_000;
      while (Date.now() < until && !tradingReports.some((m) => m.get(11) === last)) await sleep(50);
      expect(
        tradingReports.some((m) => m.get(11) === last),
        `no answer to ${last}`,
      ).toBe(true);
    };

    for (let i = 0; i < 6; i++) await round();
    // kill -9 of the leader with orders in flight; trading goes on through the election.
    const leader = venue.cluster.status().leaderId;
    expect(leader).toBeGreaterThan(0);
    expect(await venue.cluster.kill?.(leader)).toBe(true);
    for (let i = 0; i < 6; i++) await round();
    await settled();

    // The drop-copy client goes away; trading goes on; it comes back with a gap.
    const seenBeforeDrop = dc.expectedIn;
    dc.drop();
    for (let i = 0; i < 6; i++) await round();
    await settled();
    await sleep(300); // the copies of these reports reach the (offline) session's journal
    const logon = await dc.connect();
    expect(logon.msgType).toBe('A');
    expect(Number(logon.get(34))).toBeGreaterThan(seenBeforeDrop); // the venue sent copies meanwhile
    for (let i = 0; i < 4; i++) await round();
    await settled();

    // The member whose execution feed the gateway follows dies too (after the first one is back):
    // the copy stream continues from another member by position.
    expect(await venue.cluster.restart?.(leader)).toBe(true);
    const upDeadline = Date.now() + 20_000;
    const isUp = () =>
      venue.cluster
        .status()
        .members.some((m) => m.id === leader && m.role === 'follower' && m.appliedPosition > 0);
    while (Date.now() < upDeadline && !isUp()) await sleep(100);
    expect(isUp(), `member ${leader} did not come back`).toBe(true);
    const followed = () => {
      const hit = [...lines].reverse().find((l) => /drop copy: following member \d+/.test(l));
      return Number(/following member (\d+)/.exec(hit ?? '')?.[1] ?? 0);
    };
    const feedMember = followed();
    expect(feedMember).toBeGreaterThan(0);
    expect(await venue.cluster.kill?.(feedMember)).toBe(true);
    for (let i = 0; i < 6; i++) await round();
    await settled();
    const moveDeadline = Date.now() + 10_000;
    while (Date.now() < moveDeadline && followed() === feedMember) await sleep(100);
    expect(followed(), 'the drop copy did not move to another member').not.toBe(feedMember);

    // Wait until the trading side is quiet and the copy stream has caught up with it.
    const copyIds = () => new Set(dc!.seen.filter((s) => s.msgType === '8').map((s) => s.msg.get(17) ?? ''));
    const deadline = Date.now() + 20_000;
    let lastCount = -1;
    while (Date.now() < deadline) {
      const ids = copyIds();
      const caughtUp = tradingReports.every((m) => ids.has(m.get(17) ?? ''));
      if (caughtUp && tradingReports.length === lastCount && dc.expectedIn > 1) break;
      lastCount = tradingReports.length;
      await sleep(400);
    }
    // Replay from an arbitrary earlier point: everything again, flagged PossDup.
    dc.resend(1);
    await sleep(800);

    // --- the drop-copy session's own rules
    const copies = dc.seen.filter((s) => s.msgType === '8');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((s) => s.msg.get(797) === 'Y')).toBe(true);
    expect(copies.filter((s) => s.possDup).every((s) => s.msg.has(122))).toBe(true);
    // Copies made while the client was away arrived by resend (PossDup) after its Logon.
    expect(copies.some((s) => s.possDup && s.seq >= seenBeforeDrop)).toBe(true);
    const reject = dc.seen.find((s) => s.msgType === 'j');
    expect(reject?.msg.get(380)).toBe('6');
    expect(reject?.msg.get(58)).toMatch(/read-only/);
    // No gap in MsgSeqNum: every number up to the last one received was processed in order.
    const lastSeq = Math.max(...dc.seen.map((s) => s.seq));
    expect(dc.expectedIn).toBe(lastSeq + 1);
    for (let s = 1; s <= lastSeq; s++) expect(dc.covered.has(s), `MsgSeqNum ${s} never processed`).toBe(true);
    // No duplicate ExecID except on messages flagged PossDup.
    const fresh = copies.filter((s) => !s.possDup).map((s) => s.msg.get(17));
    expect(new Set(fresh).size).toBe(fresh.length);
    // The copies replayed from seq 1 are the same messages as the originals.
    const bySeq = new Map(copies.filter((s) => !s.possDup).map((s) => [s.seq, s.msg.get(17)]));
    for (const s of copies.filter((c) => c.possDup)) {
      if (bySeq.has(s.seq)) expect(s.msg.get(17), `replay of ${s.seq}`).toBe(bySeq.get(s.seq));
    }

    // --- reconciliation: deduplicated by ExecID, the copy stream equals the trading sessions' reports
    const key = (m: FixMessage) =>
      [37, 11, 41, 150, 39, 1, 55, 54, 38, 44, 32, 31, 151, 14, 6, 58, 60]
        .map((t) => m.get(t) ?? '')
        .join('|');
    const dedup = (list: FixMessage[]) => {
      const out = new Map<string, FixMessage>();
      for (const m of list) if (!out.has(m.get(17) ?? '')) out.set(m.get(17) ?? '', m);
      return out;
    };
    const trading = dedup(tradingReports);
    const copied = dedup(copies.map((s) => s.msg));
    expect(trading.size).toBeGreaterThan(40);
    expect([...copied.keys()].sort()).toEqual([...trading.keys()].sort());
    for (const [execId, m] of trading) expect(key(copied.get(execId)!), `ExecID ${execId}`).toBe(key(m));
    // Same order of reports per order id.
    const perOrder = (list: FixMessage[]) => {
      const out = new Map<string, string[]>();
      for (const m of list) {
        const id = m.get(37) ?? '';
        const l = out.get(id) ?? [];
        if (!l.includes(m.get(17) ?? '')) l.push(m.get(17) ?? '');
        out.set(id, l);
      }
      return out;
    };
    // The copy stream as the client processed it: one message per MsgSeqNum, in MsgSeqNum order
    // (a copy first received inside a resend counts at its original number).
    const stream = [...new Map(copies.map((s) => [s.seq, s.msg])).entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, m]) => m);
    const copyOrder = perOrder(stream);
    for (const [orderId, ids] of perOrder(tradingReports))
      expect(copyOrder.get(orderId), orderId).toEqual(ids);
    // Log order: the stream is in ascending ExecID (the matching engine's report counter).
    const execSeq = stream.map((m) => Number(m.get(17)));
    expect(execSeq).toEqual([...execSeq].sort((a, b) => a - b));
    // Figure (not asserted): copy lag = live copy received - the account's own report received.
    const lags = copies
      .filter((c) => !c.possDup && tradingAtMs.has(c.msg.get(17) ?? ''))
      .map((c) => c.atMs - tradingAtMs.get(c.msg.get(17) ?? '')!)
      .sort((a, b) => a - b);
    const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]?.toFixed(1);
    console.log(
      `drop copy: ${trading.size} reports reconciled; live copy lag vs the trading session (ms): ` +
        `p50 ${q(0.5)} p99 ${q(0.99)} max ${q(1)} (${lags.length} live copies, ${lags.filter((l) => l < 0).length} earlier than the trader's)`,
    );
    // Fills happened on both sides, and some orders were rejected by matching.
    expect([...trading.values()].some((m) => m.get(150) === 'F' && m.get(1) === 'CLIENT1')).toBe(true);
    expect([...trading.values()].some((m) => m.get(150) === 'F' && m.get(1) === 'CLIENT2')).toBe(true);
    expect([...trading.values()].some((m) => m.get(150) === '8')).toBe(true);
  }, 90_000);

  it('a drop copy on another gateway copies orders entered elsewhere, and survives a restart of that gateway', async () => {
    const config = testConfig(dataDir, members);
    let gw2 = await startGateway(config, 'dc2', () => {});
    const dc2 = new PersistentFixClient(gw2.fixPort, 'DROPCOPY');
    try {
      expect((await dc2.connect()).msgType).toBe('A');
      const trader = await FixClient.tcp('127.0.0.1', venue.fixPort, {
        username: 'CLIENT3',
        password: 'demo',
      });
      clients.push(trader);
      expect((await trader.logon()).msgType).toBe('A');
      const reports: FixMessage[] = [];
      trader.onMessage((m) => m.msgType === '8' && reports.push(m));
      const copied = () => new Set(dc2.seen.filter((s) => s.msgType === '8').map((s) => s.msg.get(17)));
      const waitCopied = async (count: number) => {
        const until = Date.now() + 15_000;
        const done = () => reports.length >= count && reports.every((m) => copied().has(m.get(17)));
        while (Date.now() < until && !done()) await sleep(100);
        expect(done(), `copies of ${reports.length} reports (wanted ${count})`).toBe(true);
      };
      // Resting buys far below the market: one New report each, entered on the MAIN gateway.
      for (let i = 0; i < 4; i++) trader.send('D', order(`G${i}`, 1, 1, (95 + i / 100).toFixed(2)));
      await waitCopied(4);

      // The drop-copy gateway goes away; trading goes on elsewhere; it restarts on the same data.
      await gw2.stop();
      dc2.drop();
      for (let i = 4; i < 8; i++) trader.send('D', order(`G${i}`, 1, 1, (95 + i / 100).toFixed(2)));
      const until = Date.now() + 10_000;
      while (Date.now() < until && reports.length < 8) await sleep(50);
      gw2 = await startGateway(config, 'dc2', () => {});
      await sleep(500); // the restarted gateway rebuilds the missing copies from a member's feed
      dc2.port = gw2.fixPort;
      expect((await dc2.connect()).msgType).toBe('A');
      await waitCopied(8);

      const firstTime = dc2.seen.filter((s) => s.msgType === '8' && !s.possDup).map((s) => s.msg.get(17));
      expect(new Set(firstTime).size).toBe(firstTime.length);
      const lastSeq = Math.max(...dc2.seen.map((s) => s.seq));
      expect(dc2.expectedIn).toBe(lastSeq + 1);
      for (let s = 1; s <= lastSeq; s++) expect(dc2.covered.has(s), `MsgSeqNum ${s}`).toBe(true);
      const stream = [
        ...new Map(dc2.seen.filter((s) => s.msgType === '8').map((s) => [s.seq, s.msg])).entries(),
      ]
        .sort((a, b) => a[0] - b[0])
        .map(([, m]) => Number(m.get(17)));
      expect(stream).toEqual([...new Set(stream)].sort((a, b) => a - b));
    } finally {
      dc2.drop();
      await gw2.stop();
    }
  }, 60_000);
});
