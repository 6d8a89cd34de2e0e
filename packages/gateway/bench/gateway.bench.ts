/**
 * Gateway benchmark (issue 7), FIX side only (the cluster client is not wired yet):
 *
 *   node --expose-gc --import tsx bench/gateway.bench.ts [--orders N] [--window W]
 *
 * 1. Codec: encode + decode of a NewOrderSingle (messages/s), framer on a coalesced stream (MB/s).
 * 2. End to end over TCP on 127.0.0.1: one FIX client pipelines NewOrderSingles (W in flight) to
 *    the gateway with the in-memory handler; orders/s and order -> ExecutionReport(New) latency
 *    (p50/p99/max, HdrHistogram). Run with the memory store and with the file store, fsync 'batch'
 *    (one fsync per output batch before the socket write) and 'always' (fsync per message).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'hdr-histogram-js';
import {
  DEMO_INSTRUMENTS,
  decodeFix,
  demoCredentials,
  encodeFix,
  FileSessionStoreFactory,
  type FixField,
  FixFramer,
  FixGateway,
  FixTcpServer,
  type FsyncPolicy,
  formatUtcTimestamp,
  InMemoryOrderEntry,
  MemorySessionStoreFactory,
  type SessionStoreFactory,
} from '../src/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ORDERS_DEFAULT = arg('orders', 20_000);
const WINDOW_DEFAULT = arg('window', 64);

function orderFields(seq: number, id: string, side: string): FixField[] {
  return [
    { tag: 35, value: 'D' },
    { tag: 49, value: 'CLIENT1' },
    { tag: 56, value: 'VENUE' },
    { tag: 34, value: String(seq) },
    { tag: 52, value: formatUtcTimestamp(Date.now()) },
    { tag: 11, value: id },
    { tag: 55, value: 'BTC-USD' },
    { tag: 54, value: side },
    { tag: 60, value: '20260105-09:00:00.000' },
    { tag: 38, value: '0.01' },
    { tag: 40, value: '2' },
    { tag: 44, value: '100.00' },
  ];
}

function codecBench(): void {
  const n = 200_000;
  const fields = orderFields(1, 'abc123', '1');
  let t = process.hrtime.bigint();
  let wire = '';
  for (let i = 0; i < n; i++) wire = encodeFix(fields);
  const encNs = Number(process.hrtime.bigint() - t);
  t = process.hrtime.bigint();
  let ok = 0;
  for (let i = 0; i < n; i++) if (decodeFix(wire).kind === 'ok') ok++;
  const decNs = Number(process.hrtime.bigint() - t);
  if (ok !== n) throw new Error('decode failed');
  const stream = Buffer.from(wire.repeat(50_000), 'latin1');
  const framer = new FixFramer(64 * 1024);
  t = process.hrtime.bigint();
  let frames = 0;
  for (let off = 0; off < stream.length; off += 65_536) {
    for (const e of framer.push(stream.subarray(off, off + 65_536))) if (e.kind === 'frame') frames++;
  }
  const frNs = Number(process.hrtime.bigint() - t);
  if (frames !== 50_000) throw new Error(`framer found ${frames}`);
  console.log(
    `codec: encode ${((n / encNs) * 1e9).toFixed(0)} msg/s, decode ${((n / decNs) * 1e9).toFixed(0)} msg/s ` +
      `(${wire.length} B NewOrderSingle); framer ${((stream.length / frNs) * 1e3).toFixed(0)} MB/s`,
  );
}

async function e2e(
  label: string,
  stores: SessionStoreFactory,
  orders: number,
  window: number,
): Promise<void> {
  const gateway = new FixGateway({
    credentials: demoCredentials(),
    stores,
    instruments: DEMO_INSTRUMENTS,
    session: { throttleMsgsPerSec: 10_000_000 },
    createHandler: (events) => new InMemoryOrderEntry(events, DEMO_INSTRUMENTS),
  });
  gateway.start();
  const server = new FixTcpServer({ gateway, port: 0, host: '127.0.0.1' });
  await server.listen();
  const sock = connect(server.port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const framer = new FixFramer(1 << 20);
  const hist = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const sentAt = new Map<string, bigint>();
  let seq = 1;
  let acked = 0;
  let sent = 0;
  let loggedOn = false;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const pump = () => {
    while (sent < orders && sent - acked < window) {
      const id = `o${sent}`;
      sentAt.set(id, process.hrtime.bigint());
      sock.write(Buffer.from(encodeFix(orderFields(seq++, id, sent % 2 === 0 ? '1' : '2')), 'latin1'));
      sent++;
    }
  };
  let t0 = 0n;
  sock.on('data', (chunk) => {
    for (const ev of framer.push(chunk)) {
      if (ev.kind !== 'frame') continue;
      const m = decodeFix(ev.text);
      if (m.kind !== 'ok') throw new Error('bad frame from gateway');
      if (!loggedOn && m.msg.msgType === 'A') {
        loggedOn = true;
        t0 = process.hrtime.bigint();
        pump();
        continue;
      }
      if (m.msg.msgType === '8' && m.msg.get(150) === '0') {
        const id = m.msg.get(11) ?? '';
        const t = sentAt.get(id);
        if (t !== undefined) {
          hist.recordValue(Number((process.hrtime.bigint() - t) / 1000n));
          sentAt.delete(id);
          acked++;
        }
        if (acked === orders) done();
      } else if (m.msg.msgType === '3' || m.msg.msgType === 'j' || m.msg.msgType === '5') {
        throw new Error(`gateway answered ${m.msg.toString()}`);
      }
    }
    pump();
  });
  sock.write(
    Buffer.from(
      encodeFix([
        { tag: 35, value: 'A' },
        { tag: 49, value: 'CLIENT1' },
        { tag: 56, value: 'VENUE' },
        { tag: 34, value: String(seq++) },
        { tag: 52, value: formatUtcTimestamp(Date.now()) },
        { tag: 98, value: '0' },
        { tag: 108, value: '30' },
        { tag: 141, value: 'Y' },
        { tag: 553, value: 'CLIENT1' },
        { tag: 554, value: 'demo' },
      ]),
      'latin1',
    ),
  );
  await finished;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `tcp e2e [${label}]: ${orders} orders, window ${window}: ${(orders / secs).toFixed(0)} orders/s; ` +
      `order->ER(New) latency p50 ${hist.getValueAtPercentile(50)} us, p99 ${hist.getValueAtPercentile(99)} us, ` +
      `max ${hist.maxValue} us`,
  );
  sock.destroy();
  gateway.stop();
  await server.close();
  stores.closeAll();
}

codecBench();
// Latency one order at a time (no queueing), then throughput with WINDOW orders in flight.
await e2e('memory store', new MemorySessionStoreFactory(), Math.min(ORDERS_DEFAULT, 2_000), 1);
await e2e('memory store', new MemorySessionStoreFactory(), ORDERS_DEFAULT, WINDOW_DEFAULT);
for (const fsync of ['batch', 'always'] as FsyncPolicy[]) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  try {
    // fsync per message is slow on most disks: fewer orders keep the run short.
    const n = fsync === 'always' ? Math.min(ORDERS_DEFAULT, 1_000) : ORDERS_DEFAULT;
    await e2e(
      `file store, fsync ${fsync}`,
      new FileSessionStoreFactory({ dir, fsync }),
      Math.min(n, 2_000),
      1,
    );
    await e2e(`file store, fsync ${fsync}`, new FileSessionStoreFactory({ dir, fsync }), n, WINDOW_DEFAULT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
