import type { VenueProcess } from '../cluster/venue-process.js';
import { type DiskFault, flipLogBit, flipSnapshotBit, tearTail } from '../disk/disk-faults.js';
import type { History } from '../history/history.js';
import type { Prng } from '../random/prng.js';
import { cutToDurable } from './power-loss.js';

export const NEMESES = [
  'kill-leader',
  'kill-follower',
  'kill-two',
  'kill-all',
  'power-loss',
  'power-loss-all',
  'pause',
  'isolate-leader',
  'isolate-follower',
  'one-way-loss',
  'link-faults',
  'disk-full',
  'torn-tail',
  'bitflip-log',
  'bitflip-snapshot',
  'clock-jump',
  'gateway-restart',
  // Combined faults: two at once (see README, "Nemeses").
  'isolate+kill-leader',
  'pause+link-faults',
  'kill-two+link-faults',
  'disk-full+kill-leader',
  'gateway-restart+kill-leader',
] as const;
export type NemesisKind = (typeof NEMESES)[number];

/** Two faults at once; drawn from the seed like the single ones. */
export const COMBINED_NEMESES: readonly NemesisKind[] = NEMESES.filter((k) => k.includes('+'));
/** Faults that need the workload to trade through a separate `venue gateway` process. */
export const GATEWAY_NEMESES: readonly NemesisKind[] = NEMESES.filter((k) => k.startsWith('gateway-restart'));

export interface NemesisOptions {
  readonly kinds: readonly NemesisKind[];
  /** Quiet time between faults. */
  readonly intervalMs: number;
  /** How long a fault lasts (a pause must outlast the election timeout, 300..600 ms). */
  readonly holdMs: number;
  readonly faultsMax: number;
  /** Take the kinds in the given order, round robin, instead of drawing them (CI: each one happens). */
  readonly cycle?: boolean;
}

const LEADER_WAIT_MS = 15_000;
const SLOW_DISK_BEFORE_CRASH_MS = 500;
const POLL_MS = 100;

export function parseNemeses(text: string): NemesisKind[] {
  const kinds = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = new Set<string>(NEMESES);
  const bad = kinds.filter((k) => !known.has(k));
  if (bad.length > 0)
    throw new Error(`unknown nemesis ${bad.join(', ')}: expected some of ${NEMESES.join(', ')}`);
  if (kinds.length === 0) throw new Error(`--nemesis needs at least one of ${NEMESES.join(', ')}`);
  return kinds as NemesisKind[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until some member says it is leader; returns it, or 0 at the deadline. */
export async function waitForLeader(venue: VenueProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leader = await venue.leaderId();
    if (leader !== 0) return leader;
    await sleep(POLL_MS);
  }
  return 0;
}

/**
 * Injects faults one at a time until the deadline or the fault budget: each fault is applied, held,
 * healed, and the next waits until a leader is back. Returns the number of faults injected.
 */
export async function runNemesis(
  venue: VenueProcess,
  options: NemesisOptions,
  rng: Prng,
  history: History,
  deadlineMs: number,
): Promise<number> {
  let injected = 0;
  for (let i = 0; i < options.faultsMax; i++) {
    await sleep(options.intervalMs);
    if (Date.now() + options.holdMs * 2 >= deadlineMs) break;
    // A member down between faults is brought back (and the event recorded), so one late failure
    // cannot hold the cluster without a quorum for the rest of the run.
    await reviveDown(venue, (id) =>
      history.add({
        type: 'fault',
        timeMs: history.nowMs(),
        fault: 'revive',
        nodes: [id],
        phase: 'stop',
        detail: `node ${id} was down between faults; restarted`,
      }),
    );
    const kind =
      options.cycle === true
        ? (options.kinds[i % options.kinds.length] as NemesisKind)
        : rng.pick(options.kinds);
    const ok = await inject(venue, kind, options.holdMs, rng, history);
    if (ok) injected += 1;
    await waitForLeader(venue, LEADER_WAIT_MS);
  }
  return injected;
}

async function inject(
  venue: VenueProcess,
  kind: NemesisKind,
  holdMs: number,
  rng: Prng,
  history: History,
): Promise<boolean> {
  const leader = await waitForLeader(venue, LEADER_WAIT_MS);
  if (leader === 0) return false;
  const followers = venue.members.map((m) => m.id).filter((id) => id !== leader);
  const follower = rng.pick(followers);
  const record = (phase: 'start' | 'stop', nodes: number[], detail?: string, undetected?: boolean) =>
    history.add({
      type: 'fault',
      timeMs: history.nowMs(),
      fault: kind,
      nodes,
      phase,
      ...(detail === undefined ? {} : { detail }),
      ...(undetected === undefined ? {} : { undetected }),
    });
  switch (kind) {
    case 'kill-leader':
    case 'kill-follower': {
      const target = kind === 'kill-leader' ? leader : follower;
      if (!(await venue.kill(target))) return false;
      record('start', [target]);
      await sleep(holdMs);
      await venue.restart(target);
      record('stop', [target]);
      return true;
    }
    case 'kill-two': {
      // No majority while both are down: the cluster must stop, then resume when one returns.
      const killed = [leader, follower];
      for (const id of killed) await venue.kill(id);
      record('start', killed);
      await sleep(holdMs);
      await venue.restart(leader);
      record('stop', [leader]);
      await sleep(holdMs);
      await venue.restart(follower);
      record('stop', [follower]);
      return true;
    }
    case 'kill-all': {
      // Every member dies at once: only what reached disk survives; acknowledged means fsynced.
      const all = venue.members.map((m) => m.id);
      for (const id of all) await venue.kill(id);
      record('start', all);
      await sleep(holdMs);
      for (const id of all) await venue.restart(id);
      record('stop', all);
      return true;
    }
    case 'power-loss':
    case 'power-loss-all': {
      // A machine crash: SIGKILL, then every write the member had not fsynced is discarded (durable
      // watermarks, see power-loss.ts). Acknowledged data must survive: a member acknowledges only what
      // it has made durable. `power-loss-all`: every member at once, nothing unsynced survives anywhere.
      const targets =
        kind === 'power-loss-all' ? venue.members.map((m) => m.id) : [rng.next() < 0.5 ? leader : follower];
      // A slow disk first (each fdatasync delayed 20..80 ms for half a second): entries written under
      // load then sit unsynced in the page cache, so the crash nearly always has something to cut. The
      // restarted process runs at full speed again (the delay lives in the process).
      const delayMs = rng.int(20, 80);
      for (const id of targets) await venue.adminPost(id, `/fault/slow-fsync?delayMs=${delayMs}`);
      await sleep(SLOW_DISK_BEFORE_CRASH_MS);
      const killed: number[] = [];
      for (const id of targets) if (await venue.kill(id)) killed.push(id);
      // A target that could not be killed keeps running: give it its normal disk back.
      for (const id of targets)
        if (!killed.includes(id)) await venue.adminPost(id, '/fault/slow-fsync?delayMs=0');
      if (killed.length === 0) return false;
      const details: string[] = [];
      for (const id of killed) {
        await venue.waitExited(id);
        // Half the time a clean cut at the watermark; otherwise writeback had flushed a random prefix
        // of the unsynced pages (in order), which may leave a torn last frame.
        const keepSome = rng.next() < 0.5;
        const report = cutToDurable(venue.memberDataDir(id), (pages) => (keepSome ? rng.int(0, pages) : 0));
        details.push(`node ${id}${id === leader ? ' (leader)' : ''}: ${report.detail}`);
      }
      record('start', killed, `fsync delayed ${delayMs} ms, then: ${details.join(' | ')}`);
      await sleep(holdMs);
      const refusedIds: number[] = [];
      for (const id of killed) await venue.restart(id);
      // Recorded as soon as every member runs again: from here a majority can commit, so this ends
      // the no-quorum window of power-loss-all. (Recorded after the refusal check, a 10-minute run
      // counted the acknowledgements of the restarted cluster as acknowledged without a quorum.)
      record('stop', killed, 'restarted');
      for (const id of killed)
        if (await refusedToStart(venue, id)) {
          // Must not happen: a cut at (or a page prefix past) the watermarks is a state a real crash
          // leaves. Rebuilt as an operator would, and said loudly in the history.
          refusedIds.push(id);
          await venue.wipe(id);
          await venue.restart(id);
        }
      if (refusedIds.length > 0)
        record(
          'stop',
          killed,
          `REFUSED TO START after power loss: node(s) ${refusedIds.join(',')}; data deleted, re-synced from peers`,
        );
      return true;
    }
    case 'isolate-leader':
    case 'isolate-follower': {
      // A 2/1 split through the proxy: the minority side is the leader (it must step down: check
      // quorum) or a follower (the leader keeps its majority; the follower catches up after).
      const target = kind === 'isolate-leader' ? leader : follower;
      venue.proxy.partition([target]);
      record('start', [target]);
      await sleep(holdMs);
      venue.proxy.heal();
      record('stop', [target]);
      return true;
    }
    case 'one-way-loss': {
      // The leader's frames to both followers are dropped; theirs to it pass. The followers stop
      // hearing heartbeats and elect a new leader while the old one still hears them.
      for (const id of followers) venue.proxy.setFault(leader, id, { drop: true });
      record('start', [leader]);
      await sleep(holdMs);
      venue.proxy.heal();
      record('stop', [leader]);
      return true;
    }
    case 'link-faults': {
      // Every directed link gets its own delay (5..60 ms) and loss (5..30 %).
      const ids = venue.members.map((m) => m.id);
      record('start', ids, linkFaults(venue, rng));
      await sleep(holdMs);
      venue.proxy.heal();
      record('stop', ids);
      return true;
    }
    case 'disk-full': {
      // Log writes fail with ENOSPC after a few KiB: the member must stop (storage failure is fatal:
      // it never reports durable what it could not write), and the others carry on. Freed after the
      // hold (a restarted process has the whole disk again).
      const target = rng.next() < 0.5 ? leader : follower;
      const afterBytes = rng.int(0, 64 * 1024);
      if ((await venue.adminPost(target, `/fault/disk-full?afterBytes=${afterBytes}`)) !== 200) return false;
      record('start', [target], `ENOSPC after ${afterBytes} bytes`);
      const stopped = await venue.waitExited(target, holdMs * 3);
      await sleep(holdMs);
      await replaceDisk(venue, target);
      record(
        'stop',
        [target],
        stopped
          ? 'member stopped on ENOSPC; restarted'
          : 'member still up (nothing written yet); killed and restarted',
      );
      return true;
    }
    case 'torn-tail':
    case 'bitflip-log':
    case 'bitflip-snapshot':
      return diskCorruption(venue, kind, rng.next() < 0.5 ? leader : follower, holdMs, rng, record);
    case 'clock-jump': {
      // The member's clock leaps 2..8 s forward or back, then returns: log time must stay monotonic.
      const target = rng.next() < 0.5 ? leader : follower;
      const offsetMs = (rng.next() < 0.5 ? -1 : 1) * rng.int(2_000, 8_000);
      if ((await venue.adminPost(target, `/fault/clock?offsetMs=${offsetMs}`)) !== 200) return false;
      record('start', [target], `clock ${offsetMs > 0 ? '+' : ''}${offsetMs} ms`);
      await sleep(holdMs);
      await venue.adminPost(target, '/fault/clock?offsetMs=0');
      record('stop', [target], 'clock back to real time');
      return true;
    }
    case 'gateway-restart': {
      // kill -9 of the gateway process the clients trade through, restarted on the same ports after
      // the hold: its FIX store and own-report position are on disk; clients log on again with their
      // sequence numbers (141=N) and recover what they missed by ResendRequest.
      if (!(await venue.killGateway())) return false;
      record('start', [], 'gateway killed (SIGKILL)');
      await sleep(holdMs);
      await venue.startGateway();
      record('stop', [], 'gateway restarted on the same ports');
      return true;
    }
    case 'isolate+kill-leader': {
      // A follower cut off by the proxy, then the leader killed: the one member left cannot elect
      // (no majority) until the leader is back; the partition heals a hold later.
      venue.proxy.partition([follower]);
      if (!(await venue.kill(leader))) {
        venue.proxy.heal();
        return false;
      }
      record('start', [follower, leader], `node ${follower} isolated, node ${leader} (leader) killed`);
      await sleep(holdMs);
      await venue.restart(leader);
      record('stop', [leader], `node ${leader} restarted (node ${follower} still isolated)`);
      await sleep(holdMs);
      venue.proxy.heal();
      record('stop', [follower], 'partition healed');
      return true;
    }
    case 'pause+link-faults': {
      // Every link delayed and lossy, and the leader (or a follower) frozen with SIGSTOP meanwhile.
      const ids = venue.members.map((m) => m.id);
      const detail = linkFaults(venue, rng);
      const target = rng.next() < 0.5 ? leader : follower;
      if (!(await venue.pause(target))) {
        venue.proxy.heal();
        return false;
      }
      record('start', ids, `node ${target} paused; ${detail}`);
      await sleep(holdMs);
      venue.resume(target);
      record('stop', [target], `node ${target} continued (links still faulty)`);
      await sleep(holdMs / 2);
      venue.proxy.heal();
      record('stop', ids, 'links healed');
      return true;
    }
    case 'kill-two+link-faults': {
      // No majority, and the links delayed and lossy while the members come back one by one.
      const ids = venue.members.map((m) => m.id);
      const detail = linkFaults(venue, rng);
      for (const id of [leader, follower]) await venue.kill(id);
      record('start', [leader, follower], `nodes ${leader},${follower} killed; ${detail}`);
      await sleep(holdMs);
      await venue.restart(leader);
      record('stop', [leader], `node ${leader} restarted`);
      await sleep(holdMs);
      await venue.restart(follower);
      record('stop', [follower], `node ${follower} restarted`);
      await sleep(holdMs / 2);
      venue.proxy.heal();
      record('stop', ids, 'links healed');
      return true;
    }
    case 'disk-full+kill-leader': {
      // A follower's disk fills (it must stop rather than acknowledge) while the leader is killed:
      // one member left, no majority, until both come back.
      const afterBytes = rng.int(0, 64 * 1024);
      if ((await venue.adminPost(follower, `/fault/disk-full?afterBytes=${afterBytes}`)) !== 200)
        return false;
      if (!(await venue.kill(leader))) return false;
      record(
        'start',
        [follower, leader],
        `node ${follower} ENOSPC after ${afterBytes} bytes; node ${leader} (leader) killed`,
      );
      const stopped = await venue.waitExited(follower, holdMs * 2);
      await sleep(holdMs);
      await venue.restart(leader);
      await replaceDisk(venue, follower);
      record(
        'stop',
        [follower, leader],
        `both restarted; node ${follower} ${stopped ? 'had stopped on ENOSPC' : 'was still up (nothing written yet): killed first'}`,
      );
      return true;
    }
    case 'gateway-restart+kill-leader': {
      // The gateway and the leader die together: the restarted gateway must find the new leader and
      // deliver what its clients missed.
      if (!(await venue.killGateway())) return false;
      await venue.kill(leader);
      record('start', [leader], `gateway killed (SIGKILL) with node ${leader} (leader)`);
      await sleep(holdMs);
      await venue.restart(leader);
      await venue.startGateway();
      record('stop', [leader], `node ${leader} and the gateway restarted`);
      return true;
    }
    case 'pause': {
      const target = rng.next() < 0.5 ? leader : follower;
      if (!(await venue.pause(target))) return false;
      record('start', [target]);
      await sleep(holdMs);
      venue.resume(target);
      record('stop', [target]);
      return true;
    }
  }
}

/**
 * Ends a full disk: the member gets a fresh process (the hook's byte budget lives in the process).
 * A member still up has not written its budget yet and would die on ENOSPC later, outside any fault
 * window (a first 10-minute run lost its quorum for 2.5 minutes that way): it is killed first.
 */
async function replaceDisk(venue: VenueProcess, id: number): Promise<void> {
  if ((await venue.refreshPids()).has(id)) {
    await venue.kill(id);
    await venue.waitExited(id);
  }
  await venue.restart(id);
}

/** Restarts members that are down outside any fault (e.g. one that died on a late storage error). */
async function reviveDown(venue: VenueProcess, record: (id: number) => void): Promise<void> {
  const pids = await venue.refreshPids();
  for (const m of venue.members)
    if (!pids.has(m.id)) {
      await venue.restart(m.id);
      record(m.id);
    }
}

/** Every directed link gets its own delay (5..60 ms) and loss (5..30 %); returns them in words. */
function linkFaults(venue: VenueProcess, rng: Prng): string {
  const ids = venue.members.map((m) => m.id);
  const parts: string[] = [];
  for (const a of ids)
    for (const b of ids)
      if (a !== b) {
        const delayMs = rng.int(5, 60);
        const lossRate = rng.int(5, 30) / 100;
        venue.proxy.setFault(a, b, { delayMs, lossRate });
        parts.push(`${a}->${b} ${delayMs}ms/${Math.round(lossRate * 100)}%`);
      }
  return `links ${parts.join(' ')}`;
}

const REFUSAL_WAIT_MS = 10_000;

/** After a restart: true once the member exited (refused), false once its admin port answers. */
async function refusedToStart(venue: VenueProcess, id: number): Promise<boolean> {
  const deadline = Date.now() + REFUSAL_WAIT_MS;
  while (Date.now() < deadline) {
    if (!(await venue.refreshPids()).has(id)) return true;
    if ((await venue.adminStatus(id)) !== undefined) return false;
    await sleep(POLL_MS);
  }
  return false;
}

/**
 * Damages a stopped member's files, restarts it and watches: a torn tail must be truncated (the member
 * starts), a flipped log bit must make it refuse to start (exit 2: it must never serve corrupt data),
 * a flipped snapshot bit must make it skip that snapshot. A member that refuses is rebuilt as an
 * operator would: its data deleted, restarted, re-synced from its peers (snapshot install).
 */
async function diskCorruption(
  venue: VenueProcess,
  kind: 'torn-tail' | 'bitflip-log' | 'bitflip-snapshot',
  target: number,
  holdMs: number,
  rng: Prng,
  record: (phase: 'start' | 'stop', nodes: number[], detail?: string, undetected?: boolean) => void,
): Promise<boolean> {
  if (!(await venue.kill(target))) return false;
  await venue.waitExited(target);
  const dir = venue.memberDataDir(target);
  const pick = (n: number) => rng.int(0, n - 1);
  let damage: DiskFault | undefined;
  try {
    if (kind === 'torn-tail') damage = tearTail(dir);
    else if (kind === 'bitflip-log') damage = flipLogBit(dir, pick);
    else damage = flipSnapshotBit(dir, pick);
  } catch {
    damage = undefined; // nothing to damage yet (e.g. no snapshot, a short log)
  }
  record('start', [target], damage === undefined ? 'nothing to damage: plain restart' : damage.detail);
  await sleep(holdMs);
  await venue.restart(target);
  const refused = await refusedToStart(venue, target);
  if (refused) {
    await venue.wipe(target);
    await venue.restart(target);
  }
  const outcome = refused ? 'refused to start; data deleted, re-synced from peers' : 'started';
  // A flipped bit in a log frame with valid frames after it must be detected (refusal).
  const undetected = kind === 'bitflip-log' && damage !== undefined && !refused;
  record('stop', [target], outcome, undetected);
  return true;
}

/** Ends every fault: continues paused members, restarts members (and the gateway process) that are down. */
export async function healAll(venue: VenueProcess, gateway: boolean): Promise<void> {
  venue.proxy.heal();
  for (const m of venue.members) venue.resume(m.id);
  const pids = await venue.refreshPids();
  for (const m of venue.members) if (!pids.has(m.id)) await venue.restart(m.id);
  if (gateway && !venue.gatewayRunning) await venue.startGateway();
}
