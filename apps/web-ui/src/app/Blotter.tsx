import { useState } from 'react';
import { ORD_STATUS_TEXT, type OrderRow } from '../lib/blotter.js';
import { dec } from '../lib/decimal.js';
import { useStore } from './App.js';
import { store } from './store.js';

function OpenOrderRow({ o }: { o: OrderRow }) {
  const [editing, setEditing] = useState(false);
  const px = o.price === undefined ? 'MKT' : store.fmtPrice(o.symbol, o.price);
  const q = (t: string) => store.fmtQty(o.symbol, t);
  const [price, setPrice] = useState(px);
  const [qty, setQty] = useState(q(o.orderQty));
  const error = store.blotterErrors.get(o.orderId);
  const label = `${o.side} ${q(o.orderQty)} ${o.symbol} @ ${px}`;
  return (
    <tr data-order-id={o.orderId} aria-label={`Order ${label}`}>
      <td>{o.symbol}</td>
      <td className={o.side}>{o.side === 'buy' ? 'Buy' : 'Sell'}</td>
      <td className="num">
        {editing ? (
          <input
            aria-label="Amend price"
            className="num small"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        ) : (
          px
        )}
      </td>
      <td className="num">
        {editing ? (
          <input
            aria-label="Amend quantity"
            className="num small"
            value={qty}
            onChange={(e) => setQty(e.target.value)}
          />
        ) : (
          q(o.orderQty)
        )}
      </td>
      <td className="num">{q(o.cumQty)}</td>
      <td className="num">{q(o.leavesQty)}</td>
      <td>{ORD_STATUS_TEXT[o.status] ?? o.status}</td>
      <td className="actions">
        {editing ? (
          <>
            <button
              type="button"
              className="primary"
              onClick={() => {
                if (store.amend(o.orderId, price, qty)) setEditing(false);
              }}
            >
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Discard
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              onClick={() => {
                setPrice(o.price === undefined ? '' : px);
                setQty(q(o.orderQty));
                setEditing(true);
              }}
            >
              Amend
            </button>
            <button type="button" className="danger" onClick={() => store.cancel(o.orderId)}>
              Cancel
            </button>
          </>
        )}
        {error !== undefined && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </td>
    </tr>
  );
}

export function BlotterPanel() {
  useStore();
  const [tab, setTab] = useState<'orders' | 'fills' | 'positions'>('orders');
  const open = store.blotter.openOrders();
  const fills = store.fills();
  const positions = store.positions();
  return (
    <div className="blotter">
      <div className="tabs" role="tablist" aria-label="Blotter">
        <button type="button" role="tab" aria-selected={tab === 'orders'} onClick={() => setTab('orders')}>
          Open orders ({open.length})
        </button>
        <button type="button" role="tab" aria-selected={tab === 'fills'} onClick={() => setTab('fills')}>
          Fills ({fills.length})
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'positions'}
          onClick={() => setTab('positions')}
        >
          Positions ({positions.length})
        </button>
      </div>
      {tab === 'orders' && open.length > 0 && (
        <button type="button" className="danger cancel-all" onClick={() => store.cancelAll()}>
          Cancel all
        </button>
      )}
      {tab === 'orders' && (
        <table aria-label="Open orders">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Side</th>
              <th className="num">Price</th>
              <th className="num">Qty</th>
              <th className="num">Filled</th>
              <th className="num">Leaves</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {open.map((o) => (
              <OpenOrderRow key={o.orderId} o={o} />
            ))}
          </tbody>
        </table>
      )}
      {tab === 'fills' && (
        <table aria-label="Fills">
          <thead>
            <tr>
              <th className="num">Time</th>
              <th>Symbol</th>
              <th>Side</th>
              <th className="num">Price</th>
              <th className="num">Qty</th>
              <th>Order</th>
            </tr>
          </thead>
          <tbody>
            {[...fills].reverse().map((f) => (
              <tr key={f.execId}>
                <td className="num muted">{f.time.slice(9, 21)}</td>
                <td>{f.symbol}</td>
                <td className={f.side}>{f.side === 'buy' ? 'Buy' : 'Sell'}</td>
                <td className="num">{store.fmtPrice(f.symbol, f.price)}</td>
                <td className="num">{store.fmtQty(f.symbol, f.qty)}</td>
                <td className="muted">{f.orderId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tab === 'positions' && (
        <table aria-label="Positions">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">Position</th>
              <th className="num">Avg price</th>
              <th className="num">Mark</th>
              <th className="num">Unrealised P&amp;L</th>
              <th className="num">Realised P&amp;L</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => (
              <tr key={p.symbol}>
                <td>{p.symbol}</td>
                <td className="num">{p.qty}</td>
                <td className="num">
                  {p.avgPrice === undefined ? '—' : store.fmtPrice(p.symbol, p.avgPrice)}
                </td>
                <td className="num">{p.mark === undefined ? '—' : store.fmtPrice(p.symbol, p.mark)}</td>
                <td className={`num ${pnlClass(p.unrealized)}`}>
                  {p.unrealized === undefined ? '—' : store.fmtPrice(p.symbol, p.unrealized)}
                </td>
                <td className={`num ${pnlClass(p.realized)}`}>{store.fmtPrice(p.symbol, p.realized)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function pnlClass(v: string | undefined): string {
  if (v === undefined || dec.isZero(v)) return '';
  return dec.cmp(v, '0') > 0 ? 'buy' : 'sell';
}
