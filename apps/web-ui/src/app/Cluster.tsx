import { useState } from 'react';
import { clusterCache, useStore } from './App.js';
import { store } from './store.js';

function LatencyChart() {
  const pts = store.orderRtts;
  const w = 360;
  const h = 100;
  const pad = 4;
  if (pts.length === 0) return <p className="muted">No orders yet: latency appears after the first order.</p>;
  const max = Math.max(1, ...pts.map((p) => p.rttMs));
  const step = (w - 2 * pad) / Math.max(1, pts.length - 1);
  const xy = pts.map((p, i) => [pad + i * step, h - pad - (p.rttMs / max) * (h - 2 * pad)] as const);
  const path = xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const last = pts[pts.length - 1]!;
  const sorted = pts.map((p) => p.rttMs).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return (
    <figure className="latency">
      <svg
        width={w}
        height={h}
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label="Order round-trip latency chart"
      >
        <text x={w - pad} y={12} textAnchor="end" className="axis">
          {max} ms
        </text>
        <path d={path} fill="none" stroke="#4fa3ff" strokeWidth="1.5" />
        {xy.map(([x, y], i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: samples have no identity beyond their position.
          <circle key={i} cx={x} cy={y} r={2} fill="#4fa3ff" />
        ))}
      </svg>
      <figcaption className="num">
        last {last.rttMs} ms · median {median} ms · max {max} ms · {pts.length}{' '}
        {pts.length === 1 ? 'order' : 'orders'}
      </figcaption>
    </figure>
  );
}

async function nodeAction(id: number, action: 'kill' | 'restart'): Promise<string> {
  const auth = btoa(`${store.username ?? ''}:${store.password}`);
  const r = await fetch(`api/cluster/nodes/${id}/${action}`, {
    method: 'POST',
    headers: { Authorization: `Basic ${auth}` },
  });
  if (r.ok) return `${action} node ${id}: done`;
  const body = (await r.json().catch(() => ({}))) as { error?: string };
  return `${action} node ${id}: ${body.error ?? r.status}`;
}

export function ClusterPanel() {
  useStore();
  const [msg, setMsg] = useState<string>();
  const c = clusterCache;
  return (
    <main className="cluster">
      <section className="panel" aria-label="Cluster nodes">
        <h2>Cluster {c?.demo === true ? '(demo)' : ''}</h2>
        {c === undefined ? (
          <p className="muted">No cluster status from the venue.</p>
        ) : (
          <table aria-label="Nodes">
            <thead>
              <tr>
                <th className="num">Node</th>
                <th>Role</th>
                <th className="num">Term</th>
                <th className="num">Commit</th>
                <th className="num">Applied</th>
                <th className="num">Log</th>
                <th className="num">Lag</th>
                <th className="num">Heartbeat</th>
                <th className="num">PID</th>
                {store.isAdmin && c.demo && <th />}
              </tr>
            </thead>
            <tbody>
              {c.members.map((m) => (
                <tr key={m.id} data-role={m.role} aria-label={`Node ${m.id} ${m.role}`}>
                  <td className="num">{m.id}</td>
                  <td className={`role ${m.role}`}>{m.role}</td>
                  <td className="num">{m.term}</td>
                  <td className="num">{m.commitPosition}</td>
                  <td className="num">{m.appliedPosition}</td>
                  <td className="num">{m.logPosition}</td>
                  <td className="num">{m.lagEntries}</td>
                  <td className="num">
                    {m.lastHeartbeatMs === null || m.lastHeartbeatMs === undefined
                      ? '—'
                      : `${m.lastHeartbeatMs} ms`}
                  </td>
                  <td className="num muted">{m.pid ?? '—'}</td>
                  {store.isAdmin && c.demo && (
                    <td className="actions">
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Kill node ${m.id}`}
                        disabled={m.role === 'down'}
                        onClick={() => void nodeAction(m.id, 'kill').then(setMsg)}
                      >
                        Kill
                      </button>
                      <button
                        type="button"
                        aria-label={`Restart node ${m.id}`}
                        onClick={() => void nodeAction(m.id, 'restart').then(setMsg)}
                      >
                        Restart
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {msg !== undefined && <p role="status">{msg}</p>}
      </section>
      <section className="panel" aria-label="Order latency">
        <h2>Order round trip</h2>
        <LatencyChart />
      </section>
      <section className="panel events" aria-label="Cluster events">
        <h2>Events</h2>
        {(c?.events.length ?? 0) === 0 && <p className="muted">No elections or role changes yet.</p>}
        <ol>
          {[...(c?.events ?? [])]
            .reverse()
            .slice(0, 100)
            .map((e) => (
              <li key={`${e.timestampMs}-${e.nodeId}-${e.text}`}>
                <span className="num muted">{new Date(e.timestampMs).toISOString().slice(11, 23)}</span> node{' '}
                {e.nodeId}: {e.text}
              </li>
            ))}
        </ol>
        <h2>Session log</h2>
        <ol>
          {store.log.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity.
            <li key={i}>{l}</li>
          ))}
        </ol>
      </section>
    </main>
  );
}
