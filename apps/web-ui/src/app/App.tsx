import { lazy, Suspense, useEffect, useState, useSyncExternalStore } from 'react';
import { lotsToText, ticksToText } from '../lib/decimal.js';
import { BlotterPanel } from './Blotter.js';
import { ClusterPanel } from './Cluster.js';
import { Ladder } from './Ladder.js';
import { store } from './store.js';
import { Tape } from './Tape.js';
import { Ticket } from './Ticket.js';

// lightweight-charts is the largest dependency: loaded after the login screen, in its own chunk.
const CandleChart = lazy(() => import('./Chart.js').then((m) => ({ default: m.CandleChart })));

export function useStore(): number {
  return useSyncExternalStore(store.subscribe, store.getVersion);
}

function Login() {
  useStore();
  const logins = [...(store.config?.demoLogins ?? []), 'ADMIN'];
  const [user, setUser] = useState(logins[0] ?? 'CLIENT1');
  const [password, setPassword] = useState('demo');
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        store.login(user, password);
      }}
    >
      <h1>Venue</h1>
      <label>
        Account
        <select
          value={user}
          onChange={(e) => {
            setUser(e.target.value);
            setPassword(e.target.value === 'ADMIN' ? 'admin' : 'demo');
          }}
        >
          {logins.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
      <label>
        Password
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="primary">
        Log in
      </button>
      {store.config?.demo === true && <p className="hint">Demo: CLIENT1..4 / demo, ADMIN / admin</p>}
    </form>
  );
}

function Stats() {
  useStore();
  const st = store.stats;
  const inst = store.instrument;
  if (st === undefined || inst === undefined) return null;
  const px = (t: number | null) => (t === null ? '—' : ticksToText(t, inst.tickSize));
  return (
    <span className="stats num" title="Rolling 24 h statistics (log time)">
      <span>
        24h high <b>{px(st.highTicks)}</b>
      </span>
      <span>
        low <b>{px(st.lowTicks)}</b>
      </span>
      <span>
        volume <b>{lotsToText(st.volumeLots, inst.lotSize)}</b>
      </span>
      <span>
        trades <b>{st.tradeCount}</b>
      </span>
    </span>
  );
}

function StatusBar() {
  useStore();
  const s = store.fixState;
  const label =
    s === 'connected'
      ? 'Connected'
      : s === 'reconnecting'
        ? 'Reconnecting…'
        : s === 'connecting'
          ? 'Connecting…'
          : s === 'failed'
            ? 'Logon refused'
            : 'Disconnected';
  return (
    <div className="status" role="status" aria-label="Connection status">
      <span className={`dot ${s}`} />
      <span data-testid="fix-state">FIX {label}</span>
      {store.fixDetail !== undefined && s !== 'connected' && (
        <span className="detail">{store.fixDetail}</span>
      )}
      <span className={`dot ${store.mdConnected ? 'connected' : 'reconnecting'}`} />
      <span>
        Feed {store.mdConnected ? (store.bookStale ? 'stale (recovering)' : 'live') : 'reconnecting…'}
        {store.mdConnected && store.feedNodeId !== undefined ? ` from node ${store.feedNodeId}` : ''}
      </span>
      <span className="num" title="Round trip of a FIX TestRequest/Heartbeat">
        RTT {store.latencyMs === undefined || s !== 'connected' ? '—' : `${store.latencyMs} ms`}
      </span>
      <ClusterBadge />
    </div>
  );
}

function ClusterBadge() {
  useStore();
  const c = clusterCache;
  if (c === undefined) return null;
  const leader = c.members.find((m) => m.id === c.leaderId);
  return (
    <span title="From api/cluster; the feed protocol does not name the node that serves it">
      {leader === undefined
        ? 'Cluster leader: none (election in progress)'
        : `Cluster leader: node ${leader.id} (term ${leader.term})`}
    </span>
  );
}

export interface ClusterMember {
  id: number;
  role: string;
  term: number;
  commitPosition: number;
  appliedPosition: number;
  logPosition: number;
  lagEntries: number;
  lastHeartbeatMs: number | null;
  pid?: number | null;
}
export interface ClusterInfo {
  demo: boolean;
  leaderId: number | null;
  members: ClusterMember[];
  events: Array<{ timestampMs: number; nodeId: number; text: string }>;
}
export let clusterCache: ClusterInfo | undefined;

function useClusterPoll(): void {
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const r = await fetch('api/cluster');
        if (r.ok) {
          clusterCache = (await r.json()) as ClusterInfo;
          store.changed();
        }
      } catch {
        // Venue unreachable: the status bar already says so.
      }
      if (!stopped) setTimeout(tick, 500);
    };
    void tick();
    return () => {
      stopped = true;
    };
  }, []);
}

export function App() {
  useStore();
  const [error, setError] = useState<string>();
  const [tab, setTab] = useState<'trade' | 'cluster'>('trade');
  useEffect(() => {
    store.load().catch((e: unknown) => setError(String(e)));
  }, []);
  useClusterPoll();
  if (error !== undefined) return <div className="fatal">Cannot load the venue configuration: {error}</div>;
  if (store.config === undefined) return <div className="fatal">Loading…</div>;
  if (store.username === undefined) return <Login />;
  return (
    <div className="app">
      <header>
        <strong className="brand">Venue</strong>
        <label className="inline">
          Instrument
          <select value={store.selectedId} onChange={(e) => store.selectInstrument(Number(e.target.value))}>
            {store.instruments.map((i) => (
              <option key={i.instrumentId} value={i.instrumentId}>
                {i.symbol}
              </option>
            ))}
          </select>
        </label>
        <span className="num last" title="Last trade price" data-testid="last-price">
          {store.instrument !== undefined ? (store.lastPrice.get(store.instrument.symbol) ?? '—') : ''}
        </span>
        <Stats />
        <nav>
          <button type="button" aria-pressed={tab === 'trade'} onClick={() => setTab('trade')}>
            Trading
          </button>
          <button type="button" aria-pressed={tab === 'cluster'} onClick={() => setTab('cluster')}>
            Cluster
          </button>
        </nav>
        <span className="user">{store.username}</span>
        <button type="button" onClick={() => store.logout()}>
          Log out
        </button>
      </header>
      <StatusBar />
      {tab === 'trade' ? (
        <main className="grid">
          <section className="panel ticket-panel" aria-label="Order ticket">
            <Ticket />
          </section>
          <section className="panel ladder-panel" aria-label="Depth ladder">
            <Ladder />
          </section>
          <section className="panel chart-panel" aria-label="Chart">
            <Suspense fallback={<p className="muted">Loading chart…</p>}>
              <CandleChart />
            </Suspense>
          </section>
          <section className="panel tape-panel" aria-label="Trades">
            <Tape />
          </section>
          <section className="panel blotter-panel" aria-label="Blotter">
            <BlotterPanel />
          </section>
        </main>
      ) : (
        <ClusterPanel />
      )}
    </div>
  );
}
