/**
 * Test service for the process tests: counts requests by client-chosen id, so a test can check that
 * every acknowledged request was applied exactly once. Payloads are JSON (test only).
 *   {"op":"inc","id":N}     -> reply {"total":T} (adds 1; 2 from service version 2 on)
 *   {"op":"stall","ms":M}   -> busy-waits M ms on the LEADER only (a slow service where it hurts most:
 *                              a single-threaded node would miss its heartbeats), reply {"stalled":M};
 *                              with "on":"followers" on the followers only
 *   {"op":"get"}            -> reply {"total":T,"ids":[...sorted],"dups":D}
 */

import type {
  ClientSession,
  ClusteredService,
  Role,
  ServiceContext,
  SnapshotCursor,
  SnapshotWriter,
} from '../../../src/index.js';
import { hashHex } from '../../../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export class CounterService implements ClusteredService {
  readonly name = 'counter';
  private ctx!: ServiceContext;
  private total = 0;
  private dups = 0;
  private readonly ids = new Set<number>();
  /** Local, not replicated state: only decides whether to burn time, never what the state becomes. */
  private role: Role = 'follower';

  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    this.ctx = ctx;
    if (snapshot) {
      const s = JSON.parse(dec.decode(snapshot)) as { total: number; dups: number; ids: number[] };
      this.total = s.total;
      this.dups = s.dups;
      for (const id of s.ids) this.ids.add(id);
    }
  }
  onSessionOpen(_s: ClientSession, _t: number): void {}
  onSessionMessage(session: ClientSession, _t: number, _pos: number, payload: Uint8Array): void {
    const m = JSON.parse(dec.decode(payload)) as { op: string; id?: number; ms?: number; on?: string };
    if (m.op === 'inc') {
      // Service version 2 (activated through the log) counts each increment twice: a behaviour change
      // that every replica must switch to at the same log position.
      this.total += (this.ctx.serviceVersion?.() ?? 1) >= 2 ? 2 : 1;
      if (this.ids.has(m.id ?? -1)) this.dups++;
      this.ids.add(m.id ?? -1);
      this.ctx.reply(session.id, enc.encode(JSON.stringify({ total: this.total })));
    } else if (m.op === 'stall') {
      // nondeterminism-ok: test service simulating a slow handler; its state does not depend on time
      const end = performance.now() + (m.ms ?? 0);
      const here = (m.on ?? 'leader') === 'leader' ? this.role === 'leader' : this.role !== 'leader';
      while (here && performance.now() < end) {}
      this.ctx.reply(session.id, enc.encode(JSON.stringify({ stalled: m.ms })));
    } else if (m.op === 'get') {
      const ids = [...this.ids].sort((a, b) => a - b);
      this.ctx.reply(session.id, enc.encode(JSON.stringify({ total: this.total, ids, dups: this.dups })));
    }
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(w: SnapshotWriter): void {
    const ids = [...this.ids].sort((a, b) => a - b);
    w.write(enc.encode(JSON.stringify({ total: this.total, dups: this.dups, ids })));
  }
  /**
   * Incremental snapshot (issue 12) through the real worker protocol: the bytes of `onTakeSnapshot`
   * at this position, handed out in small pieces over many steps and streamed (`takeChunks`), so
   * every cluster test that snapshots also moves pieces to the consensus thread as they are written.
   */
  beginSnapshot(): SnapshotCursor {
    let bytes: Uint8Array = new Uint8Array(0);
    this.onTakeSnapshot({
      write: (b) => {
        bytes = b;
      },
    });
    let at = 0;
    let ready: Uint8Array[] = [];
    // Eight pieces, one per step, each step ~0.5 ms: the worker's 2 ms slices end before the image
    // does, so pieces are streamed between slices.
    const piece = Math.max(1, Math.ceil(bytes.length / 8));
    return {
      step: (_budget) => {
        const end = Math.min(bytes.length, at + piece);
        if (end > at) ready.push(bytes.slice(at, end)); // each piece owns its buffer (moved)
        at = end;
        // nondeterminism-ok: only WHEN pieces are written depends on time, never the bytes
        const until = performance.now() + 0.5;
        while (performance.now() < until) {}
        return at === bytes.length;
      },
      takeChunks: () => {
        const out = ready;
        ready = [];
        return out;
      },
      chunks: () => ready,
      abort: () => {
        ready = [];
      },
    };
  }
  onRoleChange(role: Role): void {
    this.role = role;
  }
  stateHash(): string {
    const ids = [...this.ids].sort((a, b) => a - b);
    return hashHex(enc.encode(`${this.total}|${this.dups}|${ids.join(',')}`));
  }
}

export function createServices(): ClusteredService[] {
  return [new CounterService()];
}
