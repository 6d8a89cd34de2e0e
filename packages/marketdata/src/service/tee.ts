import type { AdminEvent, EventSink, ExecutionEvent, MassCancelEvent, TradeEvent } from '@venue/matching';

/** One EventSink that forwards every event to each sink in order (matching's replies, then the feed). */
export function teeSink(...sinks: readonly EventSink[]): EventSink {
  return {
    onExecution(e: ExecutionEvent): void {
      for (const s of sinks) s.onExecution(e);
    },
    onTrade(t: TradeEvent): void {
      for (const s of sinks) s.onTrade(t);
    },
    onMassCancel(m: MassCancelEvent): void {
      for (const s of sinks) s.onMassCancel(m);
    },
    onAdmin(a: AdminEvent): void {
      for (const s of sinks) s.onAdmin(a);
    },
  };
}
