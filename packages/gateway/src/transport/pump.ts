import type { FixGateway } from '../gateway/gateway.js';
import type { FixSession, SessionOutput } from '../session/session.js';

/** What a transport connection must provide to the pump. */
export interface WireSink {
  /** Writes a batch of encoded messages (already in the connection's delimiter). */
  writeBatch(messages: ReadonlyArray<string>): void;
  /** Bytes queued in user space/kernel and not yet sent. */
  bufferedBytes(): number;
  pauseReading(): void;
  resumeReading(): void;
  /** Graceful end after pending output; force-closes after a grace period. */
  end(): void;
}

export interface PumpOptions {
  /** Stop reading from the peer while this many bytes wait to be sent (slow consumer). */
  readonly writeBufferBytesHigh: number;
  /** Pending outbound messages bound: beyond it the connection is dropped (peer not reading). */
  readonly pendingMessagesMax: number;
  readonly render: (canonical: string) => string;
}

const BACKPRESSURE_POLL_MS = 5;

/**
 * Glue between one FixSession and one socket: batches output per event-loop turn (one cork/uncork
 * per batch, after the store is made durable), pauses reading while the socket's write buffer or
 * the order-entry handler is backed up, and closes after flushing.
 *
 * Durability is a group commit: a batch is handed to the socket only once the store round that
 * covers it completed (`FixGateway.syncStoresAsync`); messages produced while that round's fsync
 * runs wait for the next round, in order. The event loop never blocks on fsync.
 */
export class ConnectionPump implements SessionOutput {
  session: FixSession | undefined;
  /** Set by the transport before the connection is opened (per-address limits, logon guard). */
  remoteAddress: string | undefined;
  private pending: string[] = [];
  private scheduled = false;
  private closing = false;
  private closed = false;
  private paused = false;
  /** A batch is waiting for its store sync round; the next batch waits for it (order). */
  private syncing = false;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gateway: FixGateway,
    private readonly sink: WireSink,
    private readonly options: PumpOptions,
    private readonly label: string,
  ) {}

  send(wire: string): void {
    if (this.closed) return;
    if (this.pending.length >= this.options.pendingMessagesMax) {
      this.gateway.log(`${this.label}: dropping connection, ${this.pending.length} messages unsent`);
      this.pending = [];
      this.closing = true;
      this.sink.end();
      return;
    }
    this.pending.push(this.options.render(wire));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  close(reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.gateway.log(`${this.label}: closing (${reason})`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  log(text: string): void {
    this.gateway.log(`${this.label}: ${text}`);
  }

  flush(): void {
    this.scheduled = false;
    if (this.closed || this.syncing) return; // the sync in flight flushes again when it ends
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.syncing = true;
      // Persisted before it goes on the wire.
      this.gateway.syncStoresAsync((err) => {
        this.syncing = false;
        if (this.closed) return;
        if (err !== undefined) {
          this.gateway.log(`${this.label}: store sync failed, closing: ${err.message}`);
          this.pending = [];
          this.closing = true;
        } else {
          this.sink.writeBatch(batch);
        }
        this.flush();
      });
      return;
    }
    if (this.closing) {
      this.sink.end();
      return;
    }
    this.checkBackpressure();
  }

  /** After each inbound batch and each flush: pause reading while output or the handler lags. */
  checkBackpressure(): void {
    if (this.closed) return;
    const backed = this.sink.bufferedBytes() > this.options.writeBufferBytesHigh || this.gateway.isBackedUp();
    if (backed && !this.paused) {
      this.paused = true;
      this.sink.pauseReading();
    }
    if (!backed && this.paused) {
      this.paused = false;
      this.sink.resumeReading();
    }
    if (this.paused && this.pollTimer === undefined) {
      this.pollTimer = setTimeout(() => {
        this.pollTimer = undefined;
        this.checkBackpressure();
      }, BACKPRESSURE_POLL_MS);
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The socket is gone. */
  onClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pending = [];
    if (this.session !== undefined) this.gateway.acceptor.connectionClosed(this.session, reason);
  }
}
