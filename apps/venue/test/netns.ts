import { execFileSync } from 'node:child_process';

/** Runs a command (ip, iptables); throws with its stderr. Bounded: a stuck command fails the test. */
export function sh(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

/**
 * Why this machine cannot run the multi-host test, or undefined if it can. The test fails with this
 * reason (CI runs as root with iproute2 and iptables from scripts/setup.sh): it never skips.
 */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)';
  for (const [cmd, args, pkg] of [
    ['ip', ['-V'], 'iproute2'],
    ['iptables', ['-V'], 'iptables'],
  ] as const) {
    try {
      sh(cmd, args);
    } catch (e) {
      return `'${cmd}' is missing or broken (apt-get install ${pkg}; scripts/setup.sh does): ${(e as Error).message}`;
    }
  }
  return undefined;
}

/**
 * Three (or more) "machines" on one host: a network namespace per member, each with one veth whose
 * other end is on a bridge in the root namespace; the root namespace has an address on the bridge
 * (where the gateway and the CLI run). Names carry the test's PID so parallel runs never collide.
 */
export class NetnsLab {
  readonly namespaces: string[] = [];
  readonly addresses: string[] = [];
  readonly rootAddress: string;
  private readonly bridge: string;
  private readonly devices: string[] = [];
  private readonly subnet: string;
  private bridgeUp = false;
  private started = false;

  constructor(
    private readonly count: number,
    tag: number = process.pid,
  ) {
    // 10.X.Y.0/24 from the PID: distinct runs use distinct subnets (no stale route confusion).
    this.subnet = `10.${200 + (tag % 50)}.${Math.floor(tag / 50) % 250}`;
    this.rootAddress = `${this.subnet}.254`;
    this.bridge = `vmb${tag}`;
    for (let i = 1; i <= count; i++) {
      this.namespaces.push(`venue-mh-${tag}-${i}`);
      this.addresses.push(`${this.subnet}.${i}`);
      this.devices.push(`vmh${tag}x${i}`);
    }
  }

  /** The veth inside namespace i (1-based). */
  device(i: number): string {
    return `${this.devices[i - 1]}`;
  }

  up(): void {
    this.started = true;
    // A crashed run with the same PID may have left these names behind: remove them first.
    this.bridgeUp = true;
    this.down();
    this.started = true;
    sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    this.bridgeUp = true;
    sh('ip', ['addr', 'add', `${this.rootAddress}/24`, 'dev', this.bridge]);
    sh('ip', ['link', 'set', this.bridge, 'up']);
    for (let i = 1; i <= this.count; i++) {
      const ns = this.namespaces[i - 1] as string;
      const inside = this.device(i);
      const outside = `${inside}r`;
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      sh('ip', ['link', 'set', inside, 'netns', ns]);
      sh('ip', ['link', 'set', outside, 'master', this.bridge]);
      sh('ip', ['link', 'set', outside, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${this.addresses[i - 1]}/24`, 'dev', inside]);
      sh('ip', ['-n', ns, 'link', 'set', inside, 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  /** argv prefix that runs a command inside namespace i. */
  exec(i: number): string[] {
    return ['netns', 'exec', this.namespaces[i - 1] as string];
  }

  /** Drops everything between member i and the address `peer` (one link), in i's namespace. */
  cutLink(i: number, peer: string): void {
    const ns = this.namespaces[i - 1] as string;
    sh('ip', ['netns', 'exec', ns, 'iptables', '-A', 'INPUT', '-s', peer, '-j', 'DROP']);
    sh('ip', ['netns', 'exec', ns, 'iptables', '-A', 'OUTPUT', '-d', peer, '-j', 'DROP']);
  }

  /** Drops everything on member i's network interface (loopback still works): the machine is cut off. */
  isolate(i: number): void {
    const ns = this.namespaces[i - 1] as string;
    sh('ip', ['netns', 'exec', ns, 'iptables', '-A', 'INPUT', '-i', this.device(i), '-j', 'DROP']);
    sh('ip', ['netns', 'exec', ns, 'iptables', '-A', 'OUTPUT', '-o', this.device(i), '-j', 'DROP']);
  }

  heal(i: number): void {
    sh('ip', ['netns', 'exec', this.namespaces[i - 1] as string, 'iptables', '-F']);
  }

  /** Deletes everything it created; never throws (runs in afterAll, also after a failed set-up). */
  down(): string[] {
    const problems: string[] = [];
    if (!this.started) return problems; // nothing was created (e.g. no root): nothing to remove
    this.started = false;
    for (const ns of this.namespaces) {
      try {
        sh('ip', ['netns', 'del', ns]); // takes its veth (and the peer on the bridge) with it
      } catch (e) {
        if (!/No such file|not found|Cannot find/i.test((e as Error).message))
          problems.push((e as Error).message);
      }
    }
    for (let i = 1; i <= this.count; i++) {
      try {
        sh('ip', ['link', 'del', `${this.device(i)}r`]); // left in the root namespace by a failed set-up
      } catch {
        // Normally gone with its namespace.
      }
    }
    if (this.bridgeUp) {
      this.bridgeUp = false;
      try {
        sh('ip', ['link', 'del', this.bridge]);
      } catch (e) {
        if (!/Cannot find device/i.test((e as Error).message)) problems.push((e as Error).message);
      }
    }
    return problems;
  }
}
