import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markDataDirRejoin } from '@venue/consensus/runtime';
import type { ReplicaState } from '../history/history.js';
import { FaultProxy } from '../proxy/fault-proxy.js';
import { CHAOS_ACCOUNTS } from '../workload/accounts.js';

export interface MemberPorts {
  readonly id: number;
  readonly host: string;
  /** What peers dial: the fault proxy's port for this member. */
  readonly peerPort: number;
  /** Where the member listens for peers (the proxy forwards there). */
  readonly peerListenPort: number;
  readonly clientPort: number;
  readonly adminPort: number;
  readonly mdPort: number;
}

/** What a member's admin /status says (the fields the suite reads). */
export interface AdminStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly stateHash: string | null;
  readonly hashIndex: number;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 8_000;
const HTTP_TIMEOUT_MS = 1_000;
const ADMIN_AUTH = `Basic ${Buffer.from('ADMIN:admin').toString('base64')}`;
const MEMBER_IDS = [1, 2, 3] as const;
const SNAPSHOT_EVERY_ENTRIES = 2_000;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

/** The built venue CLI (apps/venue/dist/main.js), found from the workspace root above this file. */
export function venueMainJs(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return join(dir, 'apps', 'venue', 'dist', 'main.js');
    dir = dirname(dir);
  }
  throw new Error('cannot find the workspace root (pnpm-workspace.yaml) above the chaos package');
}

/**
 * The venue as real processes: `venue start` (gateway, web server, supervisor) as our child, which
 * runs the three members as its children. Faults are real signals to the members' pids (kill -9,
 * SIGSTOP/SIGCONT); a killed member is brought back through the venue's admin REST restart.
 * Loopback only: every port is a free port on 127.0.0.1.
 */
export class VenueProcess {
  private child: ChildProcess | undefined;
  private logStream: WriteStream | undefined;
  private readonly paused = new Set<number>();
  private knownPids = new Map<number, number>();
  httpUrl = '';
  fixPort = 0;
  /** The separate `venue gateway` process the workload trades through (see startGateway). */
  private gateway: ChildProcess | undefined;
  private gatewayExited: Promise<void> | undefined;
  gatewayFixPort = 0;
  gatewayHttpPort = 0;
  private configFile = '';
  private gatewayStarts = 0;

  private constructor(
    readonly members: readonly MemberPorts[],
    /** Every member-to-member frame passes through it: partitions, one-way loss, delay. */
    readonly proxy: FaultProxy,
    private readonly dataDir: string,
    private readonly logFile: string,
    /** The members' admin token (their admin actions, fault hooks and log endpoints need it). */
    private readonly adminToken: string,
    /**
     * The members' execution-feed token (VENUE_EXEC_FEED_TOKEN): `venue start` makes up one for its
     * members when none is set, and a separate `venue gateway` must present the same one to follow
     * its own reports (without it every follow is refused and fills are lost across its restarts).
     */
    readonly execFeedToken: string = randomBytes(16).toString('hex'),
  ) {}

  /**
   * `env` is added to the venue's environment (its members inherit it), e.g. the fault hooks'
   * switch. `seed` drives the proxy's random loss.
   */
  static async start(
    workDir: string,
    options: { seed?: number; env?: Readonly<Record<string, string>> } = {},
  ): Promise<VenueProcess> {
    const dataDir = resolve(workDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const listen = new Map<number, number>();
    for (const id of MEMBER_IDS) listen.set(id, await freePort());
    const proxy = await FaultProxy.start(
      {
        targets: MEMBER_IDS.map((id) => ({ id, host: '127.0.0.1', port: listen.get(id) ?? 0 })),
        seed: options.seed ?? 1,
      },
      new Map(),
    );
    const members: MemberPorts[] = [];
    for (const id of MEMBER_IDS) {
      members.push({
        id,
        host: '127.0.0.1',
        peerPort: proxy.port(id),
        peerListenPort: listen.get(id) ?? 0,
        clientPort: await freePort(),
        adminPort: await freePort(),
        mdPort: await freePort(),
      });
    }
    const configFile = join(workDir, 'venue.json');
    // Frequent snapshots, so snapshot install, compaction and snapshot corruption all happen in a run.
    const cluster = { members, durability: 'fsync', snapshotEveryEntries: SNAPSHOT_EVERY_ENTRIES };
    const adminToken = randomBytes(16).toString('hex');
    // The demo accounts plus the direct (cluster-client) workload's own accounts DIRECT1..4.
    writeFileSync(configFile, JSON.stringify({ cluster, adminToken, accounts: CHAOS_ACCOUNTS }));
    const venue = new VenueProcess(members, proxy, dataDir, join(workDir, 'venue.log'), adminToken);
    try {
      await venue.spawn(configFile, options.env ?? {});
    } catch (e) {
      await proxy.close();
      throw e;
    }
    return venue;
  }

  private async spawn(configFile: string, env: Readonly<Record<string, string>>): Promise<void> {
    this.configFile = configFile;
    const args = [
      venueMainJs(),
      'start',
      '--config',
      configFile,
      '--data',
      this.dataDir,
      '--no-bots',
      '--host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--fix-port',
      '0',
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, VENUE_EXEC_FEED_TOKEN: this.execFeedToken },
    });
    this.child = child;
    const log = createWriteStream(this.logFile);
    this.logStream = log;
    const ready = new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error('venue did not report ready in time')),
        READY_TIMEOUT_MS,
      );
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (this.fixPort !== 0) return;
        buffered = (buffered + chunk.toString('utf8')).slice(-16_384);
        const m = /venue ready http=(\S+) fix=[\d.]+:(\d+)/.exec(buffered);
        if (m?.[1] !== undefined && m[2] !== undefined) {
          this.httpUrl = m[1];
          this.fixPort = Number(m[2]);
          clearTimeout(timer);
          resolveReady();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`venue exited before ready (${signal ?? `code ${code}`}); see ${this.logFile}`));
      });
    });
    try {
      await ready;
      await this.refreshPids();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** The members' cluster-client addresses (`host:clientPort`): what a ClusterClient dials. */
  get clientAddresses(): string[] {
    return this.members.map((m) => `${m.host}:${m.clientPort}`);
  }

  /** Each member's execution feed (`ws://host:mdPort/executions`; needs `execFeedToken`). */
  get executionFeedUrls(): { id: number; url: string }[] {
    return this.members.map((m) => ({ id: m.id, url: `ws://${m.host}:${m.mdPort}/executions` }));
  }

  get fixWsUrl(): string {
    return `${this.httpUrl.replace(/^http/, 'ws')}/fix`;
  }

  /** Member pids as the venue's supervisor reports them (undefined: the member is down). */
  async refreshPids(): Promise<Map<number, number>> {
    const res = await fetch(`${this.httpUrl}/api/cluster`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    const body = (await res.json()) as { members: { id: number; pid: number | null }[] };
    const pids = new Map<number, number>();
    for (const m of body.members) if (m.pid !== null) pids.set(m.id, m.pid);
    for (const [id, pid] of pids) this.knownPids.set(id, pid);
    return pids;
  }

  async adminStatus(id: number): Promise<AdminStatus | undefined> {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined || this.paused.has(id)) return undefined;
    try {
      const res = await fetch(`http://${m.host}:${m.adminPort}/status`, {
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      return (await res.json()) as AdminStatus;
    } catch {
      return undefined;
    }
  }

  /** The leader with the highest term among members that answer (0: none). */
  async leaderId(): Promise<number> {
    const statuses = await Promise.all(this.members.map((m) => this.adminStatus(m.id)));
    let best: AdminStatus | undefined;
    for (const s of statuses)
      if (s?.role === 'leader' && (best === undefined || s.term > best.term)) best = s;
    return best?.id ?? 0;
  }

  /** kill -9 of a member process. */
  async kill(id: number): Promise<boolean> {
    const pid = (await this.refreshPids()).get(id);
    if (pid === undefined) return false;
    this.signal(pid, 'SIGKILL');
    this.paused.delete(id);
    return true;
  }

  /** The member's data directory (the venue's data dir / node-N). */
  memberDataDir(id: number): string {
    return join(this.dataDir, `node-${id}`);
  }

  /** POST to a member's admin port (e.g. /snapshot, or a /fault/... hook with VENUE_FAULT_HOOKS=1); the HTTP status. */
  async adminPost(id: number, pathAndQuery: string): Promise<number> {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) return 0;
    try {
      const res = await fetch(`http://${m.host}:${m.adminPort}${pathAndQuery}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.adminToken}` },
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      await res.text();
      return res.status;
    } catch {
      return 0;
    }
  }

  /**
   * Deletes a stopped member's data (the operator's remedy for a corrupt log: re-sync from peers) and
   * marks it as rejoining (`venue node --rejoin`): it may have acknowledged entries it no longer
   * has, so it must not vote until it has caught up.
   */
  async wipe(id: number): Promise<void> {
    rmSync(this.memberDataDir(id), { recursive: true, force: true });
    await markDataDirRejoin(this.memberDataDir(id));
  }

  /** Waits (bounded) until the supervisor reports the member down; false at the deadline. */
  async waitExited(id: number, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!(await this.refreshPids()).has(id)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Brings a killed member back (the supervisor respawns it on its data directory). */
  async restart(id: number): Promise<boolean> {
    const res = await fetch(`${this.httpUrl}/api/cluster/nodes/${id}/restart`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTH },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS * 3),
    });
    await this.refreshPids();
    return res.status === 202;
  }

  async pause(id: number): Promise<boolean> {
    const pid = (await this.refreshPids()).get(id);
    if (pid === undefined) return false;
    this.signal(pid, 'SIGSTOP');
    this.paused.add(id);
    return true;
  }

  resume(id: number): void {
    const pid = this.knownPids.get(id);
    if (pid !== undefined) this.signal(pid, 'SIGCONT');
    this.paused.delete(id);
  }

  /** The gateway process's FIX WebSocket URL. */
  get gatewayWsUrl(): string {
    return `ws://127.0.0.1:${this.gatewayHttpPort}/fix`;
  }

  /**
   * Starts (or restarts, on the same ports and data directory) a `venue gateway --name chaos`
   * process: a gateway of its own, as a cluster client, whose FIX store and own-report position
   * live in DATA/gateway-chaos and survive its restarts. Resolves once it reports ready.
   */
  async startGateway(): Promise<void> {
    if (this.gatewayFixPort === 0) {
      this.gatewayFixPort = await freePort();
      this.gatewayHttpPort = await freePort();
    }
    this.gatewayStarts += 1;
    const args = [
      venueMainJs(),
      'gateway',
      '--name',
      'chaos',
      '--config',
      this.configFile,
      '--data',
      this.dataDir,
      '--host',
      '127.0.0.1',
      '--fix-port',
      String(this.gatewayFixPort),
      '--http-port',
      String(this.gatewayHttpPort),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VENUE_EXEC_FEED_TOKEN: this.execFeedToken },
    });
    this.gateway = child;
    this.gatewayExited = new Promise<void>((r) => child.once('exit', () => r()));
    const tag = `[gateway#${this.gatewayStarts}] `;
    let buffered = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      this.logStream?.write(tag + chunk.toString('utf8'));
      if (ready) return;
      buffered = (buffered + chunk.toString('utf8')).slice(-16_384);
      if (/venue gateway ready/.test(buffered)) ready = true;
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!ready) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`venue gateway exited before ready (${child.signalCode ?? child.exitCode})`);
      if (Date.now() > deadline) throw new Error('venue gateway did not report ready in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** kill -9 of the gateway process; resolves once it is gone. False if it was not running. */
  async killGateway(): Promise<boolean> {
    const child = this.gateway;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return false;
    child.kill('SIGKILL');
    await this.gatewayExited;
    return true;
  }

  get gatewayRunning(): boolean {
    const child = this.gateway;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async replicaStates(): Promise<ReplicaState[]> {
    const states = await Promise.all(this.members.map((m) => this.adminStatus(m.id)));
    return this.members.map((m, i) => {
      const s = states[i];
      return {
        id: m.id,
        stateHash: s?.stateHash ?? null,
        hashIndex: s?.hashIndex ?? -1,
        commitIndex: s?.commitIndex ?? -1,
      };
    });
  }

  /** Stops the venue (which stops its members); paused members are continued first so they can exit. */
  async stop(): Promise<void> {
    for (const id of [...this.paused]) this.resume(id);
    const gw = this.gateway;
    if (gw !== undefined && gw.exitCode === null && gw.signalCode === null) {
      gw.kill('SIGTERM');
      const force = setTimeout(() => gw.kill('SIGKILL'), STOP_GRACE_MS);
      await this.gatewayExited;
      clearTimeout(force);
    }
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolveStop) => {
        const force = setTimeout(() => {
          child.kill('SIGKILL');
          // The members are the venue's children: end the ones we know by pid, never by name.
          for (const pid of this.knownPids.values()) if (this.isOurMember(pid)) this.signal(pid, 'SIGKILL');
        }, STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(force);
          resolveStop();
        });
        child.kill('SIGTERM');
      });
    }
    await this.proxy.close();
    await new Promise<void>((resolveEnd) => {
      if (this.logStream === undefined) resolveEnd();
      else this.logStream.end(() => resolveEnd());
    });
    this.logStream = undefined;
  }

  /** A pid is ours while its command line still names this run's data directory (pids get reused). */
  private isOurMember(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dataDir);
    } catch {
      return false;
    }
  }

  private signal(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to signal.
    }
  }
}
