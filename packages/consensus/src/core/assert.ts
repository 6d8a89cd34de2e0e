/** Invariant check: a failure means a bug in the core (never bad input), so it throws loudly. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`consensus invariant violated: ${message}`);
}
