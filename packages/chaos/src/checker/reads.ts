import { checkLinearizable, type Model, type Operation } from '@venue/consensus';
import type { CompleteEvent, InvokeEvent } from '../history/history.js';

/** One order's state as its owner's operations see it. Fills happen outside (another client's order). */
interface OrderState {
  readonly phase: 'absent' | 'live' | 'canceled';
  /** The cumulative quantity a read has already shown: later reads may show more, never less. */
  readonly cumMin: number;
}

interface OrderInput {
  readonly kind: InvokeEvent['kind'];
}

interface OrderOutput {
  readonly type: 'ok' | 'fail';
  readonly ordStatus: string;
  readonly cumQty: number;
}

/**
 * new: absent -> live. cancel ok: live -> canceled. replace ok: live stays live. A rejected cancel or
 * replace changes nothing (the order may have been filled meanwhile), and neither does one without an
 * answer (it may or may not have applied: assuming it did not can only miss a violation, never invent one). A status read that finds the
 * order live must see it live and no less filled than any read linearized before it.
 */
export const ORDER_MODEL: Model<OrderState, OrderInput, OrderOutput> = {
  init: { phase: 'absent', cumMin: 0 },
  step(state, input, output) {
    const failed = output?.type === 'fail';
    switch (input.kind) {
      case 'new':
        if (failed) return { ok: state.phase === 'absent', state };
        return { ok: state.phase === 'absent', state: { ...state, phase: 'live' } };
      case 'cancel':
        // Rejected, or indeterminate (no answer: it may never have reached the venue, e.g. sent as the
        // gateway was killed): no effect assumed. Counting an indeterminate cancel as done made a
        // later successful cancel of the same order look illegal.
        if (failed || output === undefined) return { ok: true, state };
        return { ok: state.phase === 'live', state: { ...state, phase: 'canceled' } };
      case 'replace':
        if (failed || output === undefined) return { ok: true, state };
        return { ok: state.phase === 'live', state };
      case 'status': {
        if (output === undefined || failed) return { ok: true, state };
        const live = output.ordStatus === '0' || output.ordStatus === '1';
        const ok = live && state.phase === 'live' && output.cumQty >= state.cumMin;
        return { ok, state: { ...state, cumMin: Math.max(state.cumMin, output.cumQty) } };
      }
    }
  },
  key: (state) => `${state.phase}:${state.cumMin}`,
};

const STEPS_MAX = 200_000;

/**
 * Checks, per order (Porcupine's partitioning by key), that the owner's operations on it, status reads
 * included, are linearizable against ORDER_MODEL. Returns the root ClOrdIDs of orders that are not
 * (`illegal`) and of orders the search gave up on (`unknown`).
 */
export function checkReads(
  opsByOrder: ReadonlyMap<string, readonly { invoke: InvokeEvent; complete: CompleteEvent | undefined }[]>,
): { illegal: string[]; unknown: string[]; checked: number } {
  const illegal: string[] = [];
  const unknown: string[] = [];
  let checked = 0;
  for (const [root, ops] of opsByOrder) {
    if (!ops.some((o) => o.invoke.kind === 'status' && o.complete?.type === 'ok')) continue;
    checked += 1;
    const history: Operation<OrderInput, OrderOutput>[] = ops.map(({ invoke, complete }) => ({
      clientId: invoke.process,
      input: { kind: invoke.kind },
      output:
        complete === undefined || complete.type === 'info'
          ? undefined
          : { type: complete.type, ordStatus: complete.ordStatus, cumQty: complete.cumQty },
      callMs: invoke.timeMs,
      returnMs:
        complete === undefined || complete.type === 'info' ? Number.POSITIVE_INFINITY : complete.timeMs,
    }));
    const r = checkLinearizable(ORDER_MODEL, history, STEPS_MAX);
    if (r.result === 'illegal') illegal.push(root);
    else if (r.result === 'unknown') unknown.push(root);
  }
  return { illegal, unknown, checked };
}
