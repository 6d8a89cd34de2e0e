import { type Channel, type FeedMsg, parseMdFrame, StreamState, type StreamVerdict } from '../lib/md.js';

export interface MdHandlers {
  onState(connected: boolean): void;
  onFeed(msg: FeedMsg, verdict: StreamVerdict): void;
  onError(text: string): void;
  /** The cluster member serving the feed, when the venue says (undefined after a disconnect). */
  onMember(nodeId: number | undefined): void;
}

const BACKOFF_MAX_MS = 8_000;

/** Market-data WebSocket: subscriptions per (instrument, channel), gap recovery, resubscribe. */
export class MdClient {
  private ws: WebSocket | undefined;
  private readonly streams = new Map<string, { instrumentId: number; state: StreamState }>();
  private closed = false;
  private backoffMs = 500;
  connected = false;

  constructor(
    private readonly url: string,
    private readonly handlers: MdHandlers,
  ) {}

  start(): void {
    this.closed = false;
    this.open();
  }

  private key(id: number, ch: string): string {
    return `${id}/${ch}`;
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.backoffMs = 500;
      this.handlers.onState(true);
      for (const s of this.streams.values())
        ws.send(JSON.stringify(s.state.subscribeRequest(s.instrumentId)));
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const parsed = parseMdFrame(ev.data);
      if (parsed === undefined) return;
      if (parsed.kind === 'control') {
        const c = parsed.msg;
        if (c.type === 'member' && Number.isSafeInteger(c.nodeId)) this.handlers.onMember(c.nodeId);
        if (c.type !== 'error') return;
        const req = c.request;
        const s =
          req?.instrumentId === undefined
            ? undefined
            : this.streams.get(this.key(req.instrumentId, req.channel ?? ''));
        if (c.code === 'replay-unavailable' && s !== undefined) {
          s.state.resetForSnapshot();
          this.sendJson({ op: 'snapshot', instrumentId: s.instrumentId, channel: s.state.channel });
          return;
        }
        this.handlers.onError(`${c.code ?? 'error'}: ${c.message ?? ''}`);
        return;
      }
      const msg = parsed.msg;
      const s = this.streams.get(this.key(msg.instrumentId, msg.channel));
      if (s === undefined) return;
      const verdict = s.state.accept(msg);
      if (verdict === 'gap') {
        this.sendJson({
          op: 'replay',
          instrumentId: s.instrumentId,
          channel: s.state.channel,
          fromSeq: s.state.last + 1,
        });
      }
      this.handlers.onFeed(msg, verdict);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.connected = false;
      this.handlers.onMember(undefined);
      this.handlers.onState(false);
      if (this.closed) return;
      setTimeout(() => {
        if (!this.closed) this.open();
      }, this.backoffMs);
      this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 1.5);
    };
  }

  private sendJson(v: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(v));
  }

  subscribe(instrumentId: number, channels: ReadonlyArray<Channel>): void {
    for (const ch of channels) {
      const k = this.key(instrumentId, ch);
      if (this.streams.has(k)) continue;
      const state = new StreamState(ch);
      this.streams.set(k, { instrumentId, state });
      this.sendJson(state.subscribeRequest(instrumentId));
    }
  }

  unsubscribe(instrumentId: number): void {
    for (const [k, s] of this.streams) {
      if (s.instrumentId !== instrumentId) continue;
      this.streams.delete(k);
      this.sendJson({ op: 'unsubscribe', instrumentId, channel: s.state.channel });
    }
  }

  stop(): void {
    this.closed = true;
    this.ws?.close();
  }
}
