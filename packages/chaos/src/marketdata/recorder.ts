import WebSocket from 'ws';

/** One price level as the feed shows it (displayed quantity in lots, displayed order count). */
export interface MdLevel {
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly orderCount: number;
}

/** An l2full message as recorded: a snapshot (in-band, or after a replay was unavailable) or a level update. */
export type MdMessage =
  | {
      readonly type: 'snapshot';
      readonly instrumentId: number;
      readonly seq: number;
      readonly logPosition: number;
      readonly levels: readonly MdLevel[];
    }
  | {
      readonly type: 'level';
      readonly instrumentId: number;
      readonly seq: number;
      readonly logPosition: number;
      readonly side: 'buy' | 'sell';
      readonly action: 'new' | 'change' | 'delete';
      readonly priceTicks: number;
      readonly qtyLots: number;
      readonly orderCount: number;
    };

/** What the recorder did to stay on the feed. */
export interface MdRecorderStats {
  /** Feed messages received (any order, duplicates included). */
  received: number;
  /** Messages kept in the recording (in stream order). */
  recorded: number;
  /** Gaps seen (a seq above last + 1, or a heartbeat ahead of what was applied). */
  gaps: number;
  /** Replays asked for (gap recovery from the server's ring). */
  replays: number;
  /** Snapshots asked for because the ring no longer held the gap (replay-unavailable). */
  snapshots: number;
  /** Moves to another member (connection closed, or silent for longer than the heartbeat). */
  switches: number;
  /** Streams resumed on the new member from last + 1 out of its ring / from a fresh snapshot. */
  switchReplays: number;
  switchSnapshots: number;
  /** Duplicates dropped (seq <= last: replay overlap). */
  duplicates: number;
}

/** Messages kept at most (bounded recording; beyond it the run says so and the replay check is skipped). */
export const MD_RECORDED_MAX = 2_000_000;
const SILENCE_MS_MAX = 7_000;
const CONNECT_TIMEOUT_MS = 2_000;

interface StreamState {
  lastSeq: number;
  recovering: boolean;
}

/**
 * Records the l2full stream (every price level) of some instruments from the members' `/md`
 * WebSockets (JSON format) during a run, following the feed's own recovery rules: the in-band
 * snapshot first, then updates with seq = last + 1; a gap asks for a replay from last + 1, and
 * `replay-unavailable` for a snapshot; when the member's socket closes or goes silent (killed,
 * paused) it moves to another member and subscribes with `fromSeq = last + 1`. Parsing is its own
 * (not the marketdata package's client), so the feed is not judged by its own code.
 */
export class MdRecorder {
  readonly messages: MdMessage[] = [];
  readonly stats: MdRecorderStats = {
    received: 0,
    recorded: 0,
    gaps: 0,
    replays: 0,
    snapshots: 0,
    switches: 0,
    switchReplays: 0,
    switchSnapshots: 0,
    duplicates: 0,
  };
  /** Set when the recording overflowed or a message could not be parsed (the check says so). */
  problem: string | undefined;
  private readonly streams = new Map<number, StreamState>();
  private socket: WebSocket | undefined;
  private memberIndex = 0;
  private lastFrameMs = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private switching = false;

  constructor(
    private readonly urls: readonly string[],
    instrumentIds: readonly number[],
    private readonly log: (line: string) => void = () => {},
  ) {
    for (const id of instrumentIds) this.streams.set(id, { lastSeq: -1, recovering: false });
  }

  /** Connects to the first member that answers and subscribes; then keeps recording until stop(). */
  async start(): Promise<void> {
    await this.connectSomewhere();
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameMs > SILENCE_MS_MAX) void this.switchMember('silent');
    }, 1_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.socket?.terminate();
    this.socket = undefined;
  }

  /** The last seq applied per instrument (-1: no snapshot yet). */
  lastSeq(instrumentId: number): number {
    return this.streams.get(instrumentId)?.lastSeq ?? -1;
  }

  private async connectSomewhere(): Promise<void> {
    for (let tries = 0; tries < this.urls.length * 3 && !this.stopped; tries++) {
      const url = this.urls[this.memberIndex % this.urls.length] as string;
      try {
        await this.connect(url);
        return;
      } catch {
        this.memberIndex += 1;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (!this.stopped) throw new Error('no member feed answered');
  }

  private connect(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`connect ${url} timed out`));
      }, CONNECT_TIMEOUT_MS);
      ws.once('open', () => {
        clearTimeout(timer);
        this.socket = ws;
        this.lastFrameMs = Date.now();
        for (const [instrumentId, s] of this.streams) {
          s.recovering = false;
          const fromSeq = s.lastSeq >= 0 ? { fromSeq: s.lastSeq + 1 } : {};
          this.send({ op: 'subscribe', instrumentId, channel: 'l2full', format: 'json', ...fromSeq });
        }
        resolve();
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on('error', () => {}); // a later error is followed by 'close', which moves on
      ws.on('message', (data, isBinary) => {
        if (ws !== this.socket) return;
        this.lastFrameMs = Date.now();
        if (!isBinary) this.onText(String(data));
      });
      ws.on('close', () => {
        if (ws === this.socket && !this.stopped) void this.switchMember('closed');
      });
    });
  }

  private async switchMember(why: string): Promise<void> {
    if (this.switching || this.stopped) return;
    this.switching = true;
    try {
      const old = this.socket;
      this.socket = undefined;
      old?.terminate();
      this.memberIndex += 1;
      this.stats.switches += 1;
      this.log(`market data: feed ${why}; moving to member ${(this.memberIndex % this.urls.length) + 1}`);
      await this.connectSomewhere().catch((e: Error) => {
        this.log(`market data: ${e.message}; retrying`);
      });
      if (this.socket === undefined && !this.stopped) {
        // Nobody answered (e.g. all members down): the watchdog tries again after the silence time.
        this.lastFrameMs = Date.now();
      }
    } finally {
      this.switching = false;
    }
  }

  private send(req: Record<string, unknown>): void {
    const ws = this.socket;
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(req));
  }

  private onText(text: string): void {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.problem ??= `unparsable feed frame: ${text.slice(0, 80)}`;
      return;
    }
    if (o.type === 'heartbeat' && Array.isArray(o.streams)) {
      for (const entry of o.streams as unknown[]) {
        if (!Array.isArray(entry)) continue;
        const [instrumentId, channel, seq] = entry as [number, string, number];
        const s = this.streams.get(instrumentId);
        if (channel !== 'l2full' || s === undefined || s.recovering || s.lastSeq < 0 || seq <= s.lastSeq)
          continue;
        // The stream's tail was lost: recover it like a gap.
        this.stats.gaps += 1;
        this.askReplay(instrumentId, s);
      }
      return;
    }
    if (o.type === 'subscribed' && typeof o.instrumentId === 'number') {
      // A resubscription after a member switch: served from the ring (replay) or by a fresh snapshot.
      const s = this.streams.get(o.instrumentId);
      if (s !== undefined && s.lastSeq >= 0) {
        if (o.mode === 'replay') this.stats.switchReplays += 1;
        else this.stats.switchSnapshots += 1;
      }
      return;
    }
    if (o.type === 'error') {
      const req = o.request as { instrumentId?: number; op?: string } | undefined;
      if (o.code === 'replay-unavailable' && typeof req?.instrumentId === 'number') {
        this.stats.snapshots += 1;
        this.send({ op: 'snapshot', instrumentId: req.instrumentId, channel: 'l2full' });
      }
      return;
    }
    if (o.channel !== 'l2full' || (o.type !== 'snapshot' && o.type !== 'level')) return;
    this.stats.received += 1;
    const m = parseMessage(o);
    if (m === undefined) {
      this.problem ??= `malformed l2full message: ${text.slice(0, 120)}`;
      return;
    }
    const s = this.streams.get(m.instrumentId);
    if (s === undefined) return;
    if (m.type === 'snapshot') {
      s.lastSeq = m.seq;
      s.recovering = false;
      this.record(m);
      return;
    }
    if (s.lastSeq < 0 || m.seq <= s.lastSeq) {
      this.stats.duplicates += 1;
      return;
    }
    if (m.seq !== s.lastSeq + 1) {
      if (!s.recovering) {
        this.stats.gaps += 1;
        this.askReplay(m.instrumentId, s);
      }
      return;
    }
    s.lastSeq = m.seq;
    s.recovering = false;
    this.record(m);
  }

  private askReplay(instrumentId: number, s: StreamState): void {
    s.recovering = true;
    this.stats.replays += 1;
    this.send({ op: 'replay', instrumentId, channel: 'l2full', fromSeq: s.lastSeq + 1 });
  }

  private record(m: MdMessage): void {
    if (this.messages.length >= MD_RECORDED_MAX) {
      this.problem ??= `recording full (${MD_RECORDED_MAX} messages)`;
      return;
    }
    this.messages.push(m);
    this.stats.recorded += 1;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isSide = (v: unknown): v is 'buy' | 'sell' => v === 'buy' || v === 'sell';

/** A JSON l2full message in the recorder's shape (undefined when a field is missing or wrong). */
export function parseMessage(o: Record<string, unknown>): MdMessage | undefined {
  if (!isInt(o.instrumentId) || !isInt(o.seq) || !isInt(o.logPosition)) return undefined;
  if (o.type === 'snapshot') {
    if (!Array.isArray(o.levels)) return undefined;
    const levels: MdLevel[] = [];
    for (const l of o.levels as Record<string, unknown>[]) {
      if (!isSide(l.side) || !isInt(l.priceTicks) || !isInt(l.qtyLots) || !isInt(l.orderCount))
        return undefined;
      levels.push({ side: l.side, priceTicks: l.priceTicks, qtyLots: l.qtyLots, orderCount: l.orderCount });
    }
    return { type: 'snapshot', instrumentId: o.instrumentId, seq: o.seq, logPosition: o.logPosition, levels };
  }
  if (
    o.type !== 'level' ||
    !isSide(o.side) ||
    (o.action !== 'new' && o.action !== 'change' && o.action !== 'delete') ||
    !isInt(o.priceTicks) ||
    !isInt(o.qtyLots) ||
    !isInt(o.orderCount)
  )
    return undefined;
  return {
    type: 'level',
    instrumentId: o.instrumentId,
    seq: o.seq,
    logPosition: o.logPosition,
    side: o.side,
    action: o.action,
    priceTicks: o.priceTicks,
    qtyLots: o.qtyLots,
    orderCount: o.orderCount,
  };
}

/**
 * Subscribes afresh to one member's l2full streams and takes each in-band snapshot's seq (the last
 * one it includes): the point the recording must have reached before it is compared with the final book.
 */
export async function feedSnapshotSeqs(
  urls: readonly string[],
  instrumentIds: readonly number[],
  timeoutMs = 5_000,
): Promise<Map<number, number> | undefined> {
  for (const url of urls) {
    const seqs = await new Promise<Map<number, number> | undefined>((resolve) => {
      const out = new Map<number, number>();
      const ws = new WebSocket(url);
      const timer = setTimeout(() => {
        ws.terminate();
        resolve(undefined);
      }, timeoutMs);
      ws.on('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      ws.once('open', () => {
        for (const instrumentId of instrumentIds)
          ws.send(JSON.stringify({ op: 'subscribe', instrumentId, channel: 'l2full', format: 'json' }));
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        try {
          const o = JSON.parse(String(data)) as Record<string, unknown>;
          if (o.type === 'snapshot' && o.channel === 'l2full' && isInt(o.instrumentId) && isInt(o.seq))
            out.set(o.instrumentId, o.seq);
        } catch {
          // not ours
        }
        if (out.size === instrumentIds.length) {
          clearTimeout(timer);
          ws.terminate();
          resolve(out);
        }
      });
    });
    if (seqs !== undefined) return seqs;
  }
  return undefined;
}
