/** Self time per function from `node --cpu-prof` files: where the time goes, per process and thread. */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/**
 * One block per profiled thread that was at least 5% busy: its busy share and its `top` functions by
 * self time (% of the thread's profiled time). `label` names a process by pid.
 */
export function summarizeProfiles(dir: string, label: (pid: number) => string, top: number): string[] {
  const lines: string[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.cpuprofile')) continue;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
    const parts = file.split('.');
    const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const totalUs = p.endTime - p.startTime;
    const perSampleUs = p.samples.length > 0 ? totalUs / p.samples.length : 0;
    const self = new Map<string, number>();
    const nameOf = (n: ProfileNode) => {
      const f = n.callFrame;
      const where = f.url ? ` ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
      return `${f.functionName || '(anonymous)'}${where}`;
    };
    const byId = new Map(p.nodes.map((n) => [n.id, n] as const));
    const parentOf = new Map<number, ProfileNode>();
    for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
    /** Per function: self time by its nearest JavaScript caller (native frames skipped). */
    const callers = new Map<string, Map<string, number>>();
    for (const n of p.nodes) {
      const key = nameOf(n);
      const us = (n.hitCount ?? 0) * perSampleUs;
      self.set(key, (self.get(key) ?? 0) + us);
      if (us === 0) continue;
      let up = parentOf.get(n.id);
      while (up !== undefined && up.callFrame.url === '' && parentOf.has(up.id)) up = parentOf.get(up.id);
      if (up === undefined || byId.get(up.id) === undefined) continue;
      const m = callers.get(key) ?? new Map<string, number>();
      m.set(nameOf(up), (m.get(nameOf(up)) ?? 0) + us);
      callers.set(key, m);
    }
    const topCaller = (key: string) => {
      const m = callers.get(key);
      if (m === undefined || m.size === 0) return '';
      const [name, us] = [...m].sort((x, y) => y[1] - x[1])[0] as [string, number];
      return `  <- ${name}${m.size > 1 ? ` (${((100 * us) / Math.max(1, self.get(key) ?? 1)).toFixed(0)}%)` : ''}`;
    };
    const busyUs = [...self].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
    // Threads that only loaded modules (tsx's loader, idle workers) are left out.
    if (busyUs < 0.05 * totalUs) continue;
    lines.push(
      `${label(Number(parts[3]))}, thread ${parts[4]}: ${(totalUs / 1e6).toFixed(1)} s profiled, busy ${((100 * busyUs) / Math.max(1, totalUs)).toFixed(0)}%`,
    );
    for (const [k, v] of [...self]
      .filter(([k]) => k !== '(idle)')
      .sort((x, y) => y[1] - x[1])
      .slice(0, top))
      lines.push(
        `  ${((100 * v) / Math.max(1, totalUs)).toFixed(1).padStart(5)}%  ${k}${k.includes(' ') ? '' : topCaller(k)}`,
      );
    lines.push('');
  }
  return lines;
}
