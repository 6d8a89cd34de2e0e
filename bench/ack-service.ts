/**
 * The failover phase's service: like the consensus package's no-op bench service (one empty reply per
 * request), but it also remembers which request numbers it applied (the first 4 payload bytes, u32 LE)
 * in a bitmap that is part of its snapshot. The request numbered QUERY is answered with that bitmap:
 * the no-loss check queries the final replicated state with it. Deterministic: no clock, no I/O.
 */
import type { ClientSession, ClusteredService, ServiceContext } from '@venue/consensus';

export const QUERY = 0xffff_ffff;
/** Request numbers 0 .. IDS_MAX - 1 are tracked (bounded memory: 1 bit each). */
export const IDS_MAX = 8_000_000;
const EMPTY = new Uint8Array(0);

class AckService implements ClusteredService {
  readonly name = 'ack';
  private ctx!: ServiceContext;
  private seen = new Uint8Array(IDS_MAX / 8);
  private count = 0;
  /** One past the highest request number seen: the query answers only that many bits. */
  private end = 0;

  onStart(ctx: ServiceContext, snapshot?: Uint8Array): void {
    this.ctx = ctx;
    if (snapshot === undefined || snapshot.length < 8) return;
    // The host hands back the writer's chunk with its u32 length prefix.
    const prefixed =
      new DataView(snapshot.buffer, snapshot.byteOffset, 4).getUint32(0, true) === snapshot.length - 4;
    const body = prefixed ? snapshot.subarray(4) : snapshot;
    const v = new DataView(body.buffer, body.byteOffset, body.length);
    this.count = v.getUint32(0, true);
    this.end = v.getUint32(4, true);
    this.seen.set(body.subarray(8, 8 + Math.ceil(this.end / 8)));
  }
  onSessionOpen(): void {}
  onSessionMessage(session: ClientSession, _t: number, _p: number, payload: Uint8Array): void {
    const id =
      payload.length < 4 ? -1 : new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
    if (id === QUERY) {
      this.ctx.reply(session.id, this.seen.slice(0, Math.ceil(this.end / 8)));
      return;
    }
    const byte = id < 0 ? 0 : (this.seen[id >> 3] ?? 0);
    if (id >= 0 && id < IDS_MAX && (byte & (1 << (id & 7))) === 0) {
      this.seen[id >> 3] = byte | (1 << (id & 7));
      this.count++;
      this.end = Math.max(this.end, id + 1);
    }
    this.ctx.reply(session.id, EMPTY);
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(w: { write(bytes: Uint8Array): void }): void {
    const out = new Uint8Array(8 + Math.ceil(this.end / 8));
    new DataView(out.buffer).setUint32(0, this.count, true);
    new DataView(out.buffer).setUint32(4, this.end, true);
    out.set(this.seen.subarray(0, Math.ceil(this.end / 8)), 8);
    w.write(out);
  }
  onRoleChange(): void {}
  stateHash(): string {
    return `${this.count}/${this.end}`;
  }
}

export function createServices(): ClusteredService[] {
  return [new AckService()];
}
