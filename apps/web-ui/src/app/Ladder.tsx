import { lotsToText, ticksToText } from '../lib/decimal.js';
import { ladderRows } from '../lib/ladder.js';
import { useStore } from './App.js';
import { store } from './store.js';

const DEPTH = 10;

export function Ladder() {
  useStore();
  const inst = store.instrument;
  if (inst === undefined) return null;
  const rows = ladderRows(store.book, DEPTH);
  // Levels holding one of my open orders (shown with a marker, as traders expect).
  const mine = new Set(
    store.blotter
      .openOrders()
      .filter((o) => o.symbol === inst.symbol && o.price !== undefined)
      .map((o) => `${o.side}${store.fmtPrice(o.symbol, o.price)}`),
  );
  const maxCum = Math.max(1, ...rows.map((r) => r.cumulativeLots));
  const bid = store.book.bestBid();
  const ask = store.book.bestAsk();
  const spread = bid !== undefined && ask !== undefined ? ticksToText(ask - bid, inst.tickSize) : '—';
  return (
    <div className={`ladder ${store.bookStale || !store.mdConnected ? 'stale' : ''}`}>
      <h2>
        Depth{' '}
        <span className="muted">{store.bookStale || !store.mdConnected ? 'stale: recovering' : ''}</span>
      </h2>
      <table aria-label="Order book">
        <thead>
          <tr>
            <th className="num">Price</th>
            <th className="num">Size</th>
            <th className="num">Total</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const price = ticksToText(r.priceTicks, inst.tickSize);
            const pct = (r.cumulativeLots / maxCum) * 100;
            const first = r.side === 'buy' && rows[i - 1]?.side === 'sell';
            return [
              first ? (
                <tr key="spread" className="spread">
                  <td colSpan={3}>spread {spread}</td>
                </tr>
              ) : null,
              <tr
                key={`${r.side}${r.priceTicks}`}
                className={`lvl ${r.side}`}
                data-side={r.side}
                style={{ '--depth': `${pct}%` } as React.CSSProperties}
                onClick={() => store.setTicket({ price, side: r.side === 'sell' ? 'buy' : 'sell' })}
                title={`${r.orderCount} orders; click to set the ticket price`}
              >
                <td className="num price">
                  <button type="button" className="link" aria-label={`Price ${price}`}>
                    {price}
                  </button>
                  {mine.has(`${r.side}${price}`) && (
                    <span className="mine" title="You have an order at this level">
                      ●
                    </span>
                  )}
                </td>
                <td className="num">{lotsToText(r.qtyLots, inst.lotSize)}</td>
                <td className="num muted">{lotsToText(r.cumulativeLots, inst.lotSize)}</td>
              </tr>,
            ];
          })}
          {rows.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                No orders
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
