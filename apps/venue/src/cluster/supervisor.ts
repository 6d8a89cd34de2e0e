import { type ChildProcess, spawn } from 'node:child_process';
import type { MemberConfig } from '../config/config.js';
import type { ClusterView, MemberStatus } from '../web/server.js';

/** What a member's admin `/status` says (the fields the venue uses). */
interface AdminStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leaderId: number;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly serviceAppliedIndex: number;
  readonly followers: readonly { readonly id: number; readonly lagEntries: number }[];
}

interface Member {
  readonly config: MemberConfig;
  child: ChildProcess | undefined;
  /** Run by someone else (`venue gateway` watching a cluster): polled, never killed. */
  external: boolean;
  status: AdminStatus | undefined;
  lastSeenMs: number;
  lastRole: string;
  lastTerm: number;
  /** Extra environment for this member's next start (a rolling upgrade's new build). */
  env?: Readonly<Record<string, string>>;
}

const POLL_INTERVAL_MS = 250;

function running(m: Member): boolean {
  return m.child !== undefined || m.external;
}
const POLL_TIMEOUT_MS = 400;
const EVENTS_MAX = 200;
const STOP_GRACE_MS = 5_000;

export interface SupervisorOptions {
  readonly members: readonly MemberConfig[];
  /** argv (after the node executable) that starts member `id`; undefined: watch members run elsewhere. */
  readonly memberArgs: ((id: number) => string[]) | undefined;
  readonly log: (line: string) => void;
  /** Environment of the member processes (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs the cluster members as child processes (the demo's "three nodes on one machine"), polls
 * their admin `/status` for the cluster panel, and kills or restarts them on request.
 */
export class ClusterSupervisor implements ClusterView {
  private readonly members = new Map<number, Member>();
  private readonly events: { timestampMs: number; nodeId: number; text: string }[] = [];
  private poller: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    for (const config of options.members) {
      this.members.set(config.id, {
        config,
        child: undefined,
        external: false,
        status: undefined,
        lastSeenMs: 0,
        lastRole: 'down',
        lastTerm: 0,
      });
    }
  }

  /** Whether this process runs the members (and so can kill and restart them). */
  get ownsMembers(): boolean {
    return this.options.memberArgs !== undefined;
  }

  start(): void {
    for (const m of this.members.values()) this.spawn(m);
    this.poller = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
  }

  /** Resolves once a leader is known and a majority of members report it, or rejects at the deadline. */
  async waitForLeader(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.poll();
      const leader = this.leaderId();
      if (leader !== 0) return leader;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no cluster leader within ${timeoutMs} ms`);
  }

  pids(): { id: number; pid: number | undefined }[] {
    return [...this.members.values()].map((m) => ({ id: m.config.id, pid: m.child?.pid }));
  }

  status(): ReturnType<ClusterView['status']> {
    const leaderId = this.leaderId();
    const leaderLast = this.members.get(leaderId)?.status?.lastIndex ?? 0;
    const members: MemberStatus[] = [...this.members.values()].map((m) => {
      const s = m.status;
      const up = s !== undefined && running(m);
      return {
        id: m.config.id,
        role: up ? (s.role === 'leader' || s.role === 'candidate' ? s.role : 'follower') : 'down',
        term: s?.term ?? 0,
        logPosition: s?.lastIndex ?? 0,
        commitPosition: s?.commitIndex ?? 0,
        appliedPosition: s?.serviceAppliedIndex ?? 0,
        lagEntries: up ? Math.max(0, leaderLast - s.lastIndex) : 0,
        lastHeartbeatMs: m.lastSeenMs === 0 ? null : Date.now() - m.lastSeenMs,
        pid: m.child?.pid ?? null,
      };
    });
    return { leaderId, members, events: [...this.events] };
  }

  async kill(id: number): Promise<boolean> {
    const m = this.members.get(id);
    if (m === undefined || m.external) return false;
    if (m.child !== undefined) {
      this.event(id, `killed (SIGKILL pid ${m.child.pid})`);
      m.child.kill('SIGKILL');
    }
    return true;
  }

  async restart(id: number): Promise<boolean> {
    const m = this.members.get(id);
    if (m === undefined || m.external) return false;
    if (m.child === undefined) {
      this.spawn(m);
      this.event(id, 'restarted');
    }
    return true;
  }

  async rollingRestart(env: Readonly<Record<string, string>>, caughtUpTimeoutMs = 30_000): Promise<string[]> {
    const steps: string[] = [];
    const leader = this.leaderId();
    const ids = [...this.members.keys()].sort((a, b) => Number(a === leader) - Number(b === leader));
    for (const id of ids) {
      const m = this.members.get(id) as Member;
      if (m.external || m.child === undefined) throw new Error(`member ${id} is not run by this process`);
      if (this.leaderId() === id) {
        const res = await fetch(`http://${m.config.host}:${m.config.adminPort}/step-down`, {
          method: 'POST',
          signal: AbortSignal.timeout(2_000),
        });
        if (!res.ok) throw new Error(`member ${id} refused to step down: ${await res.text()}`);
        await this.until(caughtUpTimeoutMs, () => {
          const l = this.leaderId();
          return l !== 0 && l !== id;
        });
        steps.push(`member ${id} handed leadership to ${this.leaderId()}`);
      }
      const child = m.child;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
      m.env = env;
      this.spawn(m);
      this.event(id, 'restarted with the new build');
      await this.until(caughtUpTimeoutMs, () => {
        const l = this.members.get(this.leaderId())?.status;
        const s = m.status;
        return l !== undefined && s !== undefined && s.commitIndex >= l.commitIndex - 10;
      });
      steps.push(`member ${id} restarted and caught up`);
    }
    return steps;
  }

  private async until(timeoutMs: number, ok: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      if (ok()) return;
      if (Date.now() > deadline)
        throw new Error(`rolling restart: condition not reached within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Addresses gateways connect to. */
  clientAddresses(): string[] {
    return [...this.members.values()].map((m) => `${m.config.host}:${m.config.clientPort}`);
  }

  /** A member that answered recently, for market data (prefers followers: the leader has work to do). */
  feedMember(exclude: ReadonlySet<number> = new Set()): MemberConfig | undefined {
    const live = [...this.members.values()].filter(
      (m) => running(m) && m.status !== undefined && !exclude.has(m.config.id),
    );
    live.sort((a, b) => Number(a.status?.role === 'leader') - Number(b.status?.role === 'leader'));
    return live[0]?.config;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.poller !== undefined) clearInterval(this.poller);
    await Promise.all(
      [...this.members.values()].map(
        (m) =>
          new Promise<void>((resolve) => {
            const child = m.child;
            if (child === undefined) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private spawn(m: Member): void {
    const id = m.config.id;
    const args = this.options.memberArgs;
    if (args === undefined) {
      m.external = true;
      return;
    }
    const child = spawn(process.execPath, args(id), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(this.options.env ?? process.env), ...m.env },
    });
    m.child = child;
    const prefix = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') this.options.log(`[node ${id}] ${line}`);
    };
    child.stdout?.on('data', prefix);
    child.stderr?.on('data', prefix);
    child.once('exit', (code, signal) => {
      if (m.child === child) {
        m.child = undefined;
        m.status = undefined;
      }
      if (!this.stopping) this.event(id, `exited (${signal ?? `code ${code}`})`);
    });
  }

  private leaderId(): number {
    const votes = new Map<number, number>();
    let best = 0;
    for (const m of this.members.values()) {
      const s = m.status;
      if (s === undefined || !running(m) || s.role !== 'leader') continue;
      // The leader with the highest term wins (a deposed leader may not know yet).
      votes.set(s.id, s.term);
      if (best === 0 || s.term > (votes.get(best) ?? 0)) best = s.id;
    }
    return best;
  }

  private async poll(): Promise<void> {
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        if (!running(m)) return;
        try {
          const res = await fetch(`http://${m.config.host}:${m.config.adminPort}/status`, {
            signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
          });
          const s = (await res.json()) as AdminStatus;
          m.status = s;
          m.lastSeenMs = Date.now();
          if (s.role !== m.lastRole || s.term !== m.lastTerm) {
            if (s.role === 'leader') this.event(m.config.id, `elected leader in term ${s.term}`);
            else if (m.lastRole === 'leader') this.event(m.config.id, `stepped down (term ${s.term})`);
            else if (m.lastRole === 'down') this.event(m.config.id, `up as ${s.role} (term ${s.term})`);
            m.lastRole = s.role;
            m.lastTerm = s.term;
          }
        } catch {
          if (m.lastRole !== 'down' && Date.now() - m.lastSeenMs > 2 * POLL_TIMEOUT_MS) {
            m.status = undefined;
            m.lastRole = 'down';
          }
        }
      }),
    );
  }

  private event(nodeId: number, text: string): void {
    this.options.log(`cluster: node ${nodeId} ${text}`);
    this.events.push({ timestampMs: Date.now(), nodeId, text });
    if (this.events.length > EVENTS_MAX) this.events.shift();
  }
}
