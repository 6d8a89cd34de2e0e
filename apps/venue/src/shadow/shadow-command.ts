import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVenueServices } from '../local/services.js';
import { formatShadowReport, runShadow, type ServicesBuild } from './shadow.js';

export const SHADOW_USAGE = `venue shadow (--data DIR | --member HOST:ADMINPORT) --service matching@<module|current>
             [--to POSITION] [--hash-every N]
  Runs a candidate build of the services beside production over a stopped member's log (or a copy
  of a live member's data directory), or following a live member like a non-voting follower (its
  committed log over the admin endpoint, up to its commit position at the start), never answering
  clients, and compares every entry's outputs (client replies and events,
  market-data messages) and the state hash. Prints the first divergence (log position, the input
  decoded, both outputs side by side) and how many entries differ. Exit code 0 = no divergence,
  1 = divergence, 2 = bad input.
  <module> is a JavaScript module (path) exporting createServices(): { list, marketdata? } like
  apps/venue's createVenueServices; 'current' is this build (a self-check: zero divergences).
`;

const production: ServicesBuild = { createServices: () => createVenueServices() };

async function loadBuild(spec: string): Promise<ServicesBuild> {
  const at = spec.indexOf('@');
  if (at <= 0) throw new Error(`--service expects name@module (e.g. matching@./candidate.js), got '${spec}'`);
  const target = spec.slice(at + 1);
  if (target === 'current') return production;
  const mod = (await import(pathToFileURL(resolve(target)).href)) as Partial<ServicesBuild>;
  if (typeof mod.createServices !== 'function')
    throw new Error(`${target} does not export createServices(): { list, marketdata? }`);
  return { createServices: mod.createServices };
}

/** `venue shadow ...`: returns the exit code and the report. Never throws on bad input. */
export async function runShadowCommand(
  args: readonly string[],
  out: { write(text: string): void; isTTY?: boolean },
): Promise<{ exitCode: number; output: string }> {
  let dataDir: string | undefined;
  let member: string | undefined;
  let service: string | undefined;
  let to: number | undefined;
  let hashEvery: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    const num = (name: string): number | string => {
      const n = Number(v);
      return v !== undefined && Number.isSafeInteger(n) && n >= 1 ? n : `${name} expects a positive integer`;
    };
    if (a === '--data' && v !== undefined) dataDir = v;
    else if (a === '--member' && v !== undefined) member = v;
    else if (a === '--service' && v !== undefined) service = v;
    else if (a === '--to' || a === '--hash-every') {
      const n = num(a);
      if (typeof n === 'string') return { exitCode: 2, output: `${n}\n\n${SHADOW_USAGE}` };
      if (a === '--to') to = n;
      else hashEvery = n;
    } else return { exitCode: 2, output: `unknown or incomplete option '${a}'\n\n${SHADOW_USAGE}` };
    i++;
  }
  if ((dataDir === undefined) === (member === undefined) || service === undefined)
    return {
      exitCode: 2,
      output: `venue shadow needs --data DIR or --member HOST:ADMINPORT (one of them) and --service name@module\n\n${SHADOW_USAGE}`,
    };
  let candidate: ServicesBuild;
  try {
    candidate = await loadBuild(service);
  } catch (e) {
    return { exitCode: 2, output: `venue shadow: ${(e as Error).message}\n` };
  }
  try {
    let drawn = 0;
    const report = await runShadow({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(member === undefined ? {} : { member }),
      production,
      candidate,
      ...(to === undefined ? {} : { toPosition: to }),
      ...(hashEvery === undefined ? {} : { hashEveryEntries: hashEvery }),
      onProgress: (done, total) => {
        if (out.isTTY !== true || done - drawn < 10_000) return;
        drawn = done;
        const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
        out.write(`\rshadow [${'#'.repeat(Math.floor(pct / 4)).padEnd(25, '.')}] ${done}/${total} (${pct}%)`);
      },
    });
    if (drawn > 0) out.write('\n');
    const diverged = report.first !== undefined;
    return { exitCode: diverged ? 1 : 0, output: formatShadowReport(report) };
  } catch (e) {
    return { exitCode: 2, output: `venue shadow: ${(e as Error).message}\n` };
  }
}
