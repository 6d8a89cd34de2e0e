/**
 * Child process of fanout.bench.ts: opens N WebSocket subscribers to one stream and records, per
 * received message, the latency from the entry's apply time (monotonic clock, shared by processes
 * on one Linux host) and from its log timestamp (wall clock, ms resolution) to receipt.
 */
import { build } from 'hdr-histogram-js';
import WebSocket from 'ws';

const [url, subscribersText, format] = process.argv.slice(2);
const SUBSCRIBERS = Number(subscribersText);
if (url === undefined || !Number.isSafeInteger(SUBSCRIBERS) || (format !== 'sbe' && format !== 'json')) {
  throw new Error('usage: fanout-clients <url> <subscribers> <sbe|json>');
}
const PENDING_MAX = 5_000_000;

const fromApply = build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
const fromLogTs = build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
const applyNsByPos = new Map<number, number>();
/** (logPosition, receiptNs) waiting for the parent's apply time. */
const pending: number[] = [];
let received = 0;
let closedEarly = 0;
const closeReasons = new Map<string, number>();

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function record(pos: number, receiptNs: number): void {
  const applied = applyNsByPos.get(pos);
  if (applied === undefined) {
    if (pending.length < PENDING_MAX * 2) pending.push(pos, receiptNs);
    return;
  }
  fromApply.recordValue(Math.max(1, Math.round((receiptNs - applied) / 1_000)));
}

function onMessage(data: Buffer, isBinary: boolean): void {
  const receiptNs = nowNs();
  const wallUs = (performance.timeOrigin + performance.now()) * 1_000;
  let pos: number;
  let tsMs: number;
  if (isBinary) {
    // SBE: 8-byte header, then seq (8), logPosition (8), timestampMs (8).
    pos = Number(data.readBigInt64LE(16));
    tsMs = Number(data.readBigInt64LE(24));
  } else {
    const m = JSON.parse(data.toString('utf8')) as {
      type: string;
      logPosition?: number;
      timestampMs?: number;
    };
    if (m.logPosition === undefined || m.timestampMs === undefined) return;
    pos = m.logPosition;
    tsMs = m.timestampMs;
  }
  received++;
  fromLogTs.recordValue(Math.max(1, Math.round(wallUs - tsMs * 1_000)));
  record(pos, receiptNs);
}

async function main(): Promise<void> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const ws = new WebSocket(url!);
    let first = true;
    ws.on('message', (data: Buffer, isBinary) => {
      // The first two frames are the subscribe ack and the snapshot: not increments.
      if (first) {
        if (!isBinary && data.toString('utf8').includes('"subscribed"')) return;
        first = false;
        return;
      }
      onMessage(data, isBinary);
    });
    ws.on('close', (code, reason) => {
      closedEarly++;
      const k = `${code} ${reason.toString().replace(/\d+ bytes/, 'N bytes')}`;
      closeReasons.set(k, (closeReasons.get(k) ?? 0) + 1);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ op: 'subscribe', instrumentId: 1, channel: 'l2full', format }));
    sockets.push(ws);
  }
  process.on('message', (msg: { kind: string; applied?: number[] }) => {
    if (msg.kind === 'applied' && msg.applied !== undefined) {
      const a = msg.applied;
      for (let i = 0; i < a.length; i += 2) applyNsByPos.set(a[i]!, a[i + 1]!);
      if (pending.length > 0) {
        const p = pending.splice(0, pending.length);
        for (let i = 0; i < p.length; i += 2) record(p[i]!, p[i + 1]!);
      }
    } else if (msg.kind === 'done') {
      setTimeout(() => {
        process.send?.({
          kind: 'result',
          received,
          unmatched: pending.length / 2,
          closedEarly,
          closeReasons: [...closeReasons.entries()],
          apply: summary(fromApply),
          logTs: summary(fromLogTs),
        });
        for (const s of sockets) s.terminate();
        setTimeout(() => process.exit(0), 100);
      }, 500);
    }
  });
  process.send?.({ kind: 'ready' });
}

function summary(h: ReturnType<typeof build>) {
  return {
    count: h.totalCount,
    p50Us: h.getValueAtPercentile(50),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue,
  };
}

void main();
