import {
  decodeServiceControlResponse,
  type Entry,
  type EntryType,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
  ServiceHost,
} from '@venue/consensus';
import type { CommandChannel } from '../bridge/order-entry.js';
import { ADMIN_PRINCIPAL, venueHostConfig } from '../upgrade/upgrade-command.js';
import { createVenueServices, type VenueServices } from './services.js';

const QUEUE_MAX = 10_000;
const TIMER_POLL_MS = 50;

/**
 * Single-process mode: the venue's services on an in-memory log with no replication. The same
 * service host, entries and SBE payloads as a cluster node, so everything above it (gateway,
 * market data, UI) behaves the same; it just cannot survive a crash. Used by `venue start --single`
 * and by tests.
 */
export class InProcessLog {
  readonly host: ServiceHost;
  private services: VenueServices | undefined;
  private index = 0;
  private lastTimestampMs = 0;
  private readonly queue: Entry[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly replyListeners = new Map<number, (requestSeq: number, payload: Uint8Array) => void>();

  constructor() {
    this.host = new ServiceHost(() => {
      this.services = createVenueServices();
      return this.services.list;
    }, venueHostConfig());
    this.host.start(undefined);
    this.host.roleChange('leader');
  }

  get venueServices(): VenueServices {
    if (this.services === undefined) throw new Error('services not started');
    return this.services;
  }

  get appliedIndex(): number {
    return this.host.appliedIndex;
  }

  start(): void {
    this.timer ??= setInterval(() => this.fireDueTimers(), TIMER_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Opens a client session (applied at once) and returns a command channel on it. */
  openSession(principal: string, onReply: (requestSeq: number, payload: Uint8Array) => void): CommandChannel {
    const egress = this.applyNow('session-open', 0, 0, new TextEncoder().encode(principal));
    const opened = egress.find((e) => e.kind === 'session-opened');
    if (opened === undefined) throw new Error(`session for ${principal} was not opened`);
    const sessionId = opened.sessionId;
    this.replyListeners.set(sessionId, onReply);
    let requestSeq = 0;
    return {
      offer: (payload) => {
        if (this.queue.length >= QUEUE_MAX) return undefined;
        requestSeq += 1;
        this.enqueue('session-message', sessionId, requestSeq, payload);
        return requestSeq;
      },
      isBackedUp: () => this.queue.length >= QUEUE_MAX,
    };
  }

  private nextTimestamp(): number {
    // nondeterminism-ok: the I/O shell stamps entries, as a leader does
    this.lastTimestampMs = Math.max(this.lastTimestampMs, Date.now());
    return this.lastTimestampMs;
  }

  /**
   * Activates `version` of the services (a control entry, as `venue upgrade activate` appends on a
   * cluster), in a session of its own. Returns whether the host accepted it.
   */
  activateServiceVersion(version: number): boolean {
    const opened = this.applyNow('session-open', 0, 0, new TextEncoder().encode(ADMIN_PRINCIPAL)).find(
      (e) => e.kind === 'session-opened',
    );
    if (opened === undefined) return false;
    const out = this.applyNow(
      'session-message',
      opened.sessionId,
      1,
      encodeActivateServiceVersion(version),
      SERVICE_CONTROL_INDEX,
    );
    const reply = out.find((e) => e.kind === 'response');
    this.applyNow('session-close', opened.sessionId, 0, new Uint8Array(0));
    return reply !== undefined && decodeServiceControlResponse(reply.payload).accepted;
  }

  private entry(
    type: EntryType,
    sessionId: number,
    requestSeq: number,
    payload: Uint8Array,
    serviceIndex = 0,
  ): Entry {
    this.index += 1;
    return {
      term: 1,
      index: this.index,
      timestampMs: this.nextTimestamp(),
      type,
      sessionId,
      requestSeq,
      correlationId: 0,
      serviceIndex,
      payload,
    };
  }

  private applyNow(
    type: EntryType,
    sessionId: number,
    requestSeq: number,
    payload: Uint8Array,
    serviceIndex = 0,
  ) {
    this.flush();
    return this.host.apply(this.entry(type, sessionId, requestSeq, payload, serviceIndex));
  }

  private enqueue(type: EntryType, sessionId: number, requestSeq: number, payload: Uint8Array): void {
    this.queue.push(this.entry(type, sessionId, requestSeq, payload.slice()));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Applies queued entries in order and routes their egress (what a leader would send). */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const e = this.queue.shift()!;
      for (const out of this.host.apply(e)) {
        if (out.kind !== 'response') continue;
        this.replyListeners.get(out.sessionId)?.(out.requestSeq, out.payload);
      }
    }
  }

  private fireDueTimers(): void {
    this.flush();
    // nondeterminism-ok: the leader's clock decides when a timer entry is appended
    for (const t of this.host.dueTimers(Date.now())) {
      this.index += 1;
      const entry: Entry = {
        term: 1,
        index: this.index,
        timestampMs: this.nextTimestamp(),
        type: 'timer',
        sessionId: 0,
        requestSeq: 0,
        correlationId: t.correlationId,
        serviceIndex: t.serviceIndex,
        payload: new Uint8Array(0),
      };
      for (const out of this.host.apply(entry)) {
        if (out.kind === 'response') this.replyListeners.get(out.sessionId)?.(out.requestSeq, out.payload);
      }
    }
  }
}
