import type { Model } from '../check/linearizability.js';
import type {
  ClientSession,
  ClusteredService,
  LogPosition,
  Role,
  ServiceContext,
  SnapshotWriter,
} from '../service.js';

/** Operations of the simulator's test service: a replicated integer register with a counter. */
export type RegisterOp = 'read' | 'write' | 'incr' | 'schedule';
export interface RegisterInput {
  readonly op: RegisterOp;
  readonly value: number;
}

const OPS: readonly RegisterOp[] = ['read', 'write', 'incr', 'schedule'];

export function encodeRegisterInput(input: RegisterInput): Uint8Array {
  const b = new Uint8Array(5);
  const v = new DataView(b.buffer);
  v.setUint8(0, OPS.indexOf(input.op));
  v.setInt32(1, input.value, true);
  return b;
}

export function decodeRegisterOutput(payload: Uint8Array): number {
  if (payload.length !== 4) throw new Error(`register output must be 4 bytes, got ${payload.length}`);
  return new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0, true);
}

function encodeValue(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return b;
}

/**
 * The test service: read / write / increment through the log, plus `schedule`, which sets a timer
 * (fired through the log) that bumps a separate counter. Replies with the register value.
 */
export class RegisterService implements ClusteredService {
  readonly name = 'register';
  private ctx: ServiceContext | undefined;
  private value = 0;
  private timerFires = 0;
  private timersScheduled = 0;
  private sessionsOpened = 0;
  private sessionsClosed = 0;

  onStart(ctx: ServiceContext, snapshot: Uint8Array | undefined): void {
    this.ctx = ctx;
    if (snapshot) {
      if (snapshot.length !== 20) throw new Error('RegisterService: bad snapshot');
      const v = new DataView(snapshot.buffer, snapshot.byteOffset, 20);
      this.value = v.getInt32(0, true);
      this.timerFires = v.getUint32(4, true);
      this.timersScheduled = v.getUint32(8, true);
      this.sessionsOpened = v.getUint32(12, true);
      this.sessionsClosed = v.getUint32(16, true);
    }
  }

  onSessionOpen(_session: ClientSession, _timestampMs: number): void {
    this.sessionsOpened++;
  }

  onSessionMessage(
    session: ClientSession,
    timestampMs: number,
    _pos: LogPosition,
    payload: Uint8Array,
  ): void {
    const ctx = this.ctx as ServiceContext;
    if (payload.length !== 5) return;
    const v = new DataView(payload.buffer, payload.byteOffset, 5);
    const op = OPS[v.getUint8(0)];
    const arg = v.getInt32(1, true);
    if (op === 'write') this.value = arg;
    else if (op === 'incr') this.value = (this.value + 1) | 0;
    else if (op === 'schedule') {
      this.timersScheduled++;
      ctx.scheduleTimer(this.timersScheduled, timestampMs + Math.max(0, arg));
    }
    ctx.reply(session.id, encodeValue(this.value));
  }

  onTimerEvent(_correlationId: number, _timestampMs: number): void {
    this.timerFires++;
  }

  onSessionClose(): void {
    this.sessionsClosed++;
  }

  onTakeSnapshot(writer: SnapshotWriter): void {
    const b = new Uint8Array(20);
    const v = new DataView(b.buffer);
    v.setInt32(0, this.value, true);
    v.setUint32(4, this.timerFires, true);
    v.setUint32(8, this.timersScheduled, true);
    v.setUint32(12, this.sessionsOpened, true);
    v.setUint32(16, this.sessionsClosed, true);
    writer.write(b);
  }

  onRoleChange(_role: Role): void {}

  stateHash(): string {
    return `${this.value}/${this.timerFires}/${this.timersScheduled}/${this.sessionsOpened}/${this.sessionsClosed}`;
  }

  get timersFired(): number {
    return this.timerFires;
  }
}

/** Sequential specification of the register, for the linearizability checker. */
export const registerModel: Model<number, RegisterInput, number> = {
  init: 0,
  step(state, input, output) {
    let next = state;
    if (input.op === 'write') next = input.value;
    else if (input.op === 'incr') next = (state + 1) | 0;
    return { ok: output === undefined || output === next, state: next };
  },
  key: (state) => String(state),
};
