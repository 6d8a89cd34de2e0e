import { InstrumentCatalog } from '../app/instruments.js';
import { OrderEntryApp } from '../app/order-entry.js';
import type { GatewayEvents, Instrument, OrderEntryHandler } from '../app/types.js';
import { sanitizeLogLine } from '../security/log-sanitize.js';
import type { SecurityConfig } from '../security/logon-guard.js';
import { SessionAcceptor } from '../session/acceptor.js';
import { type Clock, type SessionConfig, systemClock } from '../session/config.js';
import type { CredentialStore } from '../session/credentials.js';
import type { SessionStoreFactory } from '../store/store.js';

export interface FixGatewayOptions {
  readonly credentials: CredentialStore;
  readonly stores: SessionStoreFactory;
  readonly instruments: ReadonlyArray<Instrument>;
  /** Builds the order-entry handler, given the channel its results go back through. */
  readonly createHandler: (events: GatewayEvents) => OrderEntryHandler;
  readonly clock?: Clock;
  readonly session?: Partial<SessionConfig>;
  readonly connectionsMax?: number;
  /** Logon guard and per-address connection limit (defaults: DEFAULT_SECURITY_CONFIG). */
  readonly security?: Partial<SecurityConfig>;
  /** Interval of the heartbeat/timeout timer. */
  readonly timerIntervalMs?: number;
  readonly log?: (text: string) => void;
}

/**
 * One gateway process's FIX side: session acceptor + application layer + timer. Transports (TCP,
 * WebSocket) feed it connections; the handler (cluster client or fake) gets neutral requests.
 */
export class FixGateway {
  readonly acceptor: SessionAcceptor;
  readonly app: OrderEntryApp;
  readonly handler: OrderEntryHandler;
  readonly log: (text: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly timerIntervalMs: number;

  constructor(options: FixGatewayOptions) {
    const clock = options.clock ?? systemClock;
    const sink = options.log;
    // Log lines quote peer-controlled text: no line breaks or escapes reach the sink.
    this.log = sink === undefined ? () => {} : (text) => sink(sanitizeLogLine(text));
    this.app = new OrderEntryApp(
      new InstrumentCatalog(options.instruments),
      clock.nowMs().toString(36),
      this.log,
    );
    this.acceptor = new SessionAcceptor({
      clock,
      credentials: options.credentials,
      stores: options.stores,
      app: this.app,
      ...(options.session === undefined ? {} : { config: options.session }),
      ...(options.connectionsMax === undefined ? {} : { connectionsMax: options.connectionsMax }),
      ...(options.security === undefined ? {} : { security: options.security }),
    });
    this.app.acceptor = this.acceptor;
    this.handler = options.createHandler(this.app);
    this.app.handler = this.handler;
    this.timerIntervalMs = options.timerIntervalMs ?? 200;
  }

  get events(): GatewayEvents {
    return this.app;
  }

  /** True while the handler reports back-pressure: transports stop reading sockets. */
  isBackedUp(): boolean {
    return this.handler.isBackedUp?.() ?? false;
  }

  /** Durability point before socket writes (the 'batch' fsync policy). */
  syncStores(): void {
    this.acceptor.stores.syncAll();
  }

  /**
   * The same durability point without blocking the event loop (group commit when the store
   * factory supports it): `done` runs once everything journaled so far is durable.
   */
  syncStoresAsync(done: (err?: Error) => void): void {
    const stores = this.acceptor.stores;
    if (stores.syncAllAsync !== undefined) {
      stores.syncAllAsync(done);
      return;
    }
    let err: Error | undefined;
    try {
      stores.syncAll();
    } catch (e) {
      err = e as Error;
    }
    queueMicrotask(() => done(err));
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      try {
        this.acceptor.onTimer();
      } catch (e) {
        this.log(`timer error: ${(e as Error).message}`);
      }
    }, this.timerIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
