import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VenueProcess } from '@venue/chaos';
import { FixClient } from '@venue/venue';

// One real venue (built CLI: three member processes + gateway, members behind the fault proxy, fault
// hooks on) shared by the tests of one file; no workload: the test sends an order when it needs a
// log append. Every wait is bounded.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(50);
  }
  return undefined;
}

export class RealCluster {
  private fix: FixClient | undefined;
  private orderSeq = 0;

  private constructor(
    readonly venue: VenueProcess,
    readonly dir: string,
  ) {}

  static async start(seed: number): Promise<RealCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'venue-nemeses-'));
    const venue = await VenueProcess.start(dir, { seed, env: { VENUE_FAULT_HOOKS: '1' } });
    return new RealCluster(venue, dir);
  }

  async stop(): Promise<void> {
    this.fix?.close();
    await this.venue.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Member `id`'s log messages (its JSON-lines log under the data directory), one per line. */
  memberLog(id: number): string {
    let text = '';
    try {
      text = readFileSync(join(this.dir, 'data', 'logs', `node-${id}.log`), 'utf8');
    } catch {
      return '';
    }
    const lines: string[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        lines.push(String((JSON.parse(line) as { msg?: unknown }).msg ?? ''));
      } catch {
        lines.push(line);
      }
    }
    return lines.join('\n');
  }

  async leader(): Promise<number> {
    const id = await until(async () => (await this.venue.leaderId()) || undefined, 10_000);
    if (id === undefined) throw new Error('no leader within 10 s');
    return id;
  }

  async follower(): Promise<number> {
    const l = await this.leader();
    return this.venue.members.map((m) => m.id).find((id) => id !== l) as number;
  }

  /** One order through the gateway (a log append); resolves with its ClOrdID when it is acknowledged. */
  async append(): Promise<string> {
    if (this.fix === undefined || this.fix.isClosed) {
      this.fix = await FixClient.tcp('127.0.0.1', this.venue.fixPort, {
        username: 'CLIENT1',
        password: 'demo',
      });
      await this.fix.logon();
    }
    this.orderSeq += 1;
    const clOrdId = `N-${this.orderSeq}`;
    const acked = this.fix.waitFor(
      (m) => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === '0',
      15_000,
    );
    this.fix.send('D', [
      [11, clOrdId],
      [55, 'ZVZZT'],
      [54, 1],
      [38, 1],
      [40, 2],
      [44, '90.00'],
      [59, 1],
      [60, '20260101-00:00:00.000'],
    ]);
    await acked;
    return clOrdId;
  }

  /**
   * Waits until member `id` answers, then appends once (an idle leader sends only heartbeats; an
   * append sent while the member was down went with the lost connection) and waits until the member
   * has committed what the leader had.
   */
  async caughtUp(id: number): Promise<boolean> {
    if ((await until(() => this.venue.adminStatus(id), 15_000)) === undefined) return false;
    await this.append();
    const target = (await this.venue.adminStatus(await this.leader()))?.commitIndex ?? 0;
    const ok = await until(async () => {
      const s = await this.venue.adminStatus(id);
      return s !== undefined && s.commitIndex >= target ? true : undefined;
    }, 15_000);
    return ok === true;
  }
}
