import type { ClusteredService } from '@venue/consensus';
import { MarketDataService } from '@venue/marketdata';
import {
  type AdminEvent,
  type EventSink,
  type ExecutionEvent,
  type MassCancelEvent,
  MatchingService,
  type TradeEvent,
} from '@venue/matching';

/**
 * Matching with market data teed into its event sink: for each entry matching applies the command,
 * market data notes what changed, then (as the next service on the same entry) reads the book.
 */
export class TeedMatchingService extends MatchingService {
  constructor(private readonly tee: EventSink) {
    // Commands added in service version 2 exist only once the log activated it (rolling upgrades).
    super({ genesis: false, newCommandsFromVersion: 2 });
  }
  override onExecution(e: ExecutionEvent): void {
    super.onExecution(e);
    this.tee.onExecution(e);
  }
  override onTrade(t: TradeEvent): void {
    super.onTrade(t);
    this.tee.onTrade(t);
  }
  override onMassCancel(m: MassCancelEvent): void {
    super.onMassCancel(m);
    this.tee.onMassCancel(m);
  }
  override onAdmin(a: AdminEvent): void {
    super.onAdmin(a);
    this.tee.onAdmin(a);
  }
}

export interface VenueServices {
  readonly matching: MatchingService;
  readonly marketdata: MarketDataService;
  /** In log order: matching first, then market data. */
  readonly list: readonly ClusteredService[];
}

/**
 * Builds the venue's services for one replica (a fresh set per start or snapshot restore).
 * `makeMatching` replaces the matching service (a candidate build in a shadow run): it must pass
 * every event on to `tee` as TeedMatchingService does.
 */
export function createVenueServices(
  makeMatching: (tee: EventSink) => MatchingService = (tee) => new TeedMatchingService(tee),
): VenueServices {
  let matching: MatchingService | undefined;
  const marketdata = new MarketDataService({
    books: {
      book: (id) => matching?.engine.book(id),
      // Trading phase and indicative uncross for the md `status` channel (issue 13).
      auction: (id) => matching?.engine.auctionInfo(id),
      nextDeadlineMs: () => matching?.engine.nextDeadlineMs() ?? 0,
    },
  });
  matching = makeMatching(marketdata.sink);
  return { matching, marketdata, list: [matching, marketdata] };
}
