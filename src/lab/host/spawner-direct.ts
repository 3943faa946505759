// A lab shell forked by the lab process itself: the fallback when the spawner process is not there.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { ShellOptions, ShellProcess } from './spawner.ts';

/** Sends a signal to a whole process group; one already gone is no error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function spawnShellDirect({ args, cwd, env, stdin, stdout, stderr }: ShellOptions): ShellProcess {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn('/bin/sh', args, { cwd, env, detached: true, stdio: 'pipe' });
  } catch (err) {
    return { signal: () => undefined, discardOutput: () => undefined, exited: Promise.resolve({ kind: 'error', message: (err as Error).message }) };
  }
  child.stdin.on('error', () => undefined); // EPIPE when the command ignores its stdin
  child.stdout.pipe(stdout, { end: false });
  child.stderr.pipe(stderr, { end: false });
  stdin.pipe(child.stdin);
  return {
    signal: (sig) => {
      if (child.pid !== undefined) signalGroup(child.pid, sig);
    },
    // Unpiped and read to the end, so the child's 'close' comes without a reader.
    discardOutput: () => {
      for (const output of [child.stdout, child.stderr]) output.unpipe().resume();
    },
    exited: new Promise((resolve) => {
      child.on('error', (err) => resolve({ kind: 'error', message: err.message }));
      child.on('close', (code, signal) => resolve({ kind: 'exit', code, signal }));
    }),
  };
}
