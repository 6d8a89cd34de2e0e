/**
 * Baseline: a 3-member etcd cluster (Debian `etcd-server`) on loopback, started by the benchmark with
 * its own data dirs and ports, driven through etcd's v3 JSON gateway (POST /v3/kv/put) with a
 * keep-alive HTTP client of ours.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Child, freePorts, spawnChild, until } from './procs.js';

export function etcdBinary(): string | undefined {
  for (const p of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (fs.existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function etcdVersion(bin: string): string {
  try {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    return /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
}

export class EtcdCluster {
  readonly dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'venue-bench-etcd-'));
  private readonly procs = new Map<string, Child>();
  private readonly agent: http.Agent;

  private constructor(
    private readonly bin: string,
    readonly members: Member[],
    inFlightMax: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: inFlightMax });
  }

  static async create(bin: string, inFlightMax: number): Promise<EtcdCluster> {
    const ports = await freePorts(6);
    const members = [0, 1, 2].map((i) => ({
      name: `e${i + 1}`,
      clientPort: ports[i * 2] as number,
      peerPort: ports[i * 2 + 1] as number,
    }));
    return new EtcdCluster(bin, members, inFlightMax);
  }

  start(name: string, state: 'new' | 'existing' = 'new'): void {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    const initial = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peerPort}`).join(',');
    const args = [
      '--name',
      m.name,
      '--data-dir',
      path.join(this.dataRoot, m.name),
      '--listen-client-urls',
      `http://127.0.0.1:${m.clientPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${m.clientPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${m.peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${m.peerPort}`,
      '--initial-cluster',
      initial,
      '--initial-cluster-state',
      state,
      '--initial-cluster-token',
      'venue-bench',
      '--log-level',
      'error',
    ];
    this.procs.set(name, spawnChild(`etcd-${name}`, this.bin, args));
  }

  startAll(): void {
    for (const m of this.members) this.start(m.name);
  }

  isRunning(name: string): boolean {
    return this.procs.get(name)?.running() ?? false;
  }

  async kill(name: string): Promise<void> {
    await this.procs.get(name)?.kill('SIGKILL');
  }

  private post(port: number, urlPath: string, body: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: urlPath,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode === 200) resolve(text);
            else reject(new Error(`etcd ${urlPath}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('etcd request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The member every running member names as leader. */
  async leader(timeoutMs: number): Promise<Member> {
    return until(
      'an etcd leader',
      async () => {
        const ids: { name: string; memberId: string; leader: string }[] = [];
        for (const m of this.members) {
          if (!this.isRunning(m.name)) continue;
          try {
            const s = JSON.parse(await this.post(m.clientPort, '/v3/maintenance/status', '{}', 1_000)) as {
              header?: { member_id?: string };
              leader?: string;
            };
            if (!s.leader || !s.header?.member_id) return undefined;
            ids.push({ name: m.name, memberId: s.header.member_id, leader: s.leader });
          } catch {
            return undefined;
          }
        }
        const first = ids[0];
        if (!first || !ids.every((x) => x.leader === first.leader)) return undefined;
        const l = ids.find((x) => x.memberId === first.leader);
        return l ? this.members.find((m) => m.name === l.name) : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** A put of `valueBase64` under one of 1,000 keys, sent to `port`. */
  put(port: number, i: number, valueBase64: string, timeoutMs = 30_000): Promise<string> {
    const key = Buffer.from(`bench/${i % 1000}`).toString('base64');
    return this.post(port, '/v3/kv/put', `{"key":"${key}","value":"${valueBase64}"}`, timeoutMs);
  }

  output(): string[] {
    return [...this.procs.values()].flatMap((p) => p.output.slice(-20).map((l) => `${p.name}: ${l}`));
  }

  async stop(): Promise<void> {
    for (const p of this.procs.values()) await p.kill('SIGKILL');
    this.agent.destroy();
    fs.rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
