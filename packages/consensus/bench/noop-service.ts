/** A service that does nothing but answer every request with an empty reply (cluster benchmark). */
import type { ClientSession, ClusteredService, ServiceContext } from '../src/index.js';

const EMPTY = new Uint8Array(0);

class NoopService implements ClusteredService {
  readonly name = 'noop';
  private ctx!: ServiceContext;
  private count = 0;
  onStart(ctx: ServiceContext): void {
    this.ctx = ctx;
  }
  onSessionOpen(): void {}
  onSessionMessage(session: ClientSession): void {
    this.count++;
    this.ctx.reply(session.id, EMPTY);
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(w: { write(bytes: Uint8Array): void }): void {
    w.write(new TextEncoder().encode(String(this.count)));
  }
  onRoleChange(): void {}
  stateHash(): string {
    return String(this.count);
  }
}

export function createServices(): ClusteredService[] {
  return [new NoopService()];
}
