/**
 * Preloaded into the venue process by the `profile-e2e` scenario (NODE_OPTIONS=--import ..., since
 * Node refuses --cpu-prof in NODE_OPTIONS): the cluster members the venue's supervisor spawns
 * (`node <main.js> node --id N ...`) start under --cpu-prof too, writing into
 * BENCH_MEMBER_CPU_PROF_DIR. Nothing else changes.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const dir = process.env.BENCH_MEMBER_CPU_PROF_DIR;
if (dir) {
  const spawn = childProcess.spawn;
  childProcess.spawn = function spawnProfiled(command, args, options) {
    const member = command === process.execPath && Array.isArray(args) && args[1] === 'node';
    const argv = member ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args] : args;
    return spawn.call(this, command, argv, options);
  };
  syncBuiltinESMExports();
}
