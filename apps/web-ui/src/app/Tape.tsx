import { useStore } from './App.js';
import { store } from './store.js';

export function Tape() {
  useStore();
  return (
    <div className="tape">
      <h2>Trades</h2>
      <table aria-label="Trades tape">
        <thead>
          <tr>
            <th className="num">Time</th>
            <th className="num">Price</th>
            <th className="num">Size</th>
          </tr>
        </thead>
        <tbody>
          {store.tape.slice(0, 60).map((t) => (
            <tr key={t.tradeId} className={t.side}>
              <td className="num muted">{new Date(t.timeMs).toISOString().slice(11, 19)}</td>
              <td className="num price">{t.price}</td>
              <td className="num">{t.qty}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
