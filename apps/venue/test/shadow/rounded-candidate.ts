/**
 * A candidate build for shadow tests (loaded by `venue shadow --service matching@<this file>`): the
 * venue's services with one deliberately changed rule. It reports cumulative notional as if the
 * average price were rounded down to a whole tick, which only shows where an order filled at more
 * than one price.
 */
import type { ExecutionEvent } from '@venue/matching';
import { createVenueServices, TeedMatchingService, type VenueServices } from '../../src/local/services.js';

export class RoundedAveragePrice extends TeedMatchingService {
  override onExecution(e: ExecutionEvent): void {
    if (e.cumQtyLots > 0) e.cumNotional = Math.floor(e.cumNotional / e.cumQtyLots) * e.cumQtyLots;
    super.onExecution(e);
  }
}

export function createServices(): VenueServices {
  return createVenueServices((tee) => new RoundedAveragePrice(tee));
}
