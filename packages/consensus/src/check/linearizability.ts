/**
 * Linearizability checker (Wing & Gong with Lowe's memoization, as in Porcupine), for one object.
 * Operations are closed intervals [callMs, returnMs]; an operation without a return (the client never
 * learned the outcome) has returnMs = Infinity and may or may not have taken effect.
 */

export interface Model<State, Input, Output> {
  readonly init: State;
  /** Applies `input` to `state`; `output` undefined means unknown (pending operation): accept any. */
  step(state: State, input: Input, output: Output | undefined): { ok: boolean; state: State };
  /** A string key of a state, for the memo cache. */
  key(state: State): string;
}

export interface Operation<Input, Output> {
  readonly clientId: number;
  readonly input: Input;
  readonly output: Output | undefined;
  readonly callMs: number;
  readonly returnMs: number;
}

export type CheckResult =
  | { readonly result: 'ok' }
  | { readonly result: 'illegal' }
  | { readonly result: 'unknown' };

interface Node {
  readonly id: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

export function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  stepsMax = 2_000_000,
): CheckResult {
  const events: Node[] = [];
  history.forEach((op, id) => {
    if (!(op.returnMs >= op.callMs)) throw new Error(`operation ${id} returns before it is called`);
    const call: Node = {
      id,
      isCall: true,
      time: op.callMs,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    const ret: Node = {
      id,
      isCall: false,
      time: op.returnMs,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    call.match = ret;
    events.push(call, ret);
  });
  // At equal times calls go first: such operations count as concurrent (never a false alarm).
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.id - b.id);
  const head: Node = { id: -1, isCall: false, time: -1, match: undefined, prev: undefined, next: undefined };
  let tail = head;
  for (const e of events) {
    e.prev = tail;
    tail.next = e;
    tail = e;
  }
  const lift = (call: Node): void => {
    const ret = call.match as Node;
    (call.prev as Node).next = call.next;
    if (call.next) call.next.prev = call.prev;
    (ret.prev as Node).next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node): void => {
    const ret = call.match as Node;
    (ret.prev as Node).next = ret;
    if (ret.next) ret.next.prev = ret;
    (call.prev as Node).next = call;
    if (call.next) call.next.prev = call;
  };

  const cache = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let linearized = 0n;
  let state = model.init;
  let entry = head.next;
  let steps = 0;
  while (head.next !== undefined) {
    if (++steps > stepsMax) return { result: 'unknown' };
    if (entry === undefined) return { result: 'illegal' };
    if (entry.isCall) {
      const op = history[entry.id] as Operation<Input, Output>;
      const r = model.step(state, op.input, op.output);
      if (r.ok) {
        const bits = linearized | (1n << BigInt(entry.id));
        const key = `${bits.toString(36)}|${model.key(r.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          state = r.state;
          linearized = bits;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (!top) return { result: 'illegal' };
      state = top.state;
      linearized &= ~(1n << BigInt(top.call.id));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { result: 'ok' };
}
