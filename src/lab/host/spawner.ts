// Where the lab hosts' shells are forked. A fork copies the forking process's page tables,
// synchronously on its event loop (measured: 0.7 ms of the lab's CPU per shell at 59 MiB RSS,
// 3.2 ms at 534 MiB), so the lab hands its shells to a small helper process (spawner-child.ts),
// started on first use and shared by every lab host of this process. Without it (it could not
// start, or died) the lab forks them itself, as before, and starts a new one for the next shell.
import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawnShellDirect } from './spawner-direct.ts';
import type { FromSpawner, ToSpawner } from './spawner-protocol.ts';
import { type RemoteShell, startRemoteShell } from './spawner-remote.ts';

export interface ShellOptions {
  /** Arguments to /bin/sh. */
  args: string[];
  cwd: string;
  /** The shell's whole environment. */
  env: Record<string, string>;
  stdin: Readable;
  /** Written to, never ended: whoever reads the exit ends them. */
  stdout: Writable;
  stderr: Writable;
}

export type ShellExit = { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null } | { kind: 'error'; message: string };

/** A `/bin/sh` in its own process group, wired to the given streams. */
export interface ShellProcess {
  /** Sends a signal to the shell's whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** Nobody reads the output any more: it is read and dropped from now on, so the shell can finish. */
  discardOutput(): void;
  /** Once the shell has exited and all its output is written, or it could not start. */
  exited: Promise<ShellExit>;
}

interface Spawner {
  child: ChildProcess;
  /** True once it is up; false when it died first. */
  ready: Promise<boolean>;
  isReady: boolean;
  shells: Map<number, RemoteShell>;
  /** Shells on it or waiting for it: while there are any, it keeps this process alive. */
  users: number;
}

// Next to this module: spawner-child.ts under src/ (Node strips the types), .js under dist/.
const SPAWNER_PATH = fileURLToPath(new URL(`./spawner-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
// A spawner that dies before it is up this many times in a row is not tried again.
const MAX_FAILED_STARTS = 3;

let current: Spawner | undefined;
let failedStarts = 0;
let nextId = 1;

/** Starts `/bin/sh ARGS` in `cwd` with exactly `env`, in its own process group, on the spawner when it is up. */
export function spawnShell(options: ShellOptions): ShellProcess {
  if (!current && failedStarts < MAX_FAILED_STARTS) current = startSpawner();
  const spawner = current;
  if (!spawner) return spawnShellDirect(options);
  claim(spawner);
  const shell = spawner.isReady ? runOn(spawner, options) : whenStarted(spawner.ready.then((up) => (up ? runOn(spawner, options) : spawnShellDirect(options))));
  void shell.exited.then(() => release(spawner));
  return shell;
}

/** The spawner stops once no shell runs on it (another lab of this process may still use it); the next shell starts a new one. */
export function stopSpawner(): void {
  const spawner = current;
  current = undefined;
  if (spawner && spawner.users === 0) disconnect(spawner);
}

function startSpawner(): Spawner | undefined {
  let child: ChildProcess;
  try {
    child = fork(SPAWNER_PATH, [], {
      serialization: 'advanced',
      // Its own session, as the shells get: a terminal's Ctrl-C must not kill it under the lab.
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
    });
  } catch {
    failedStarts++; // e.g. ENOMEM: fork throws what it cannot report as 'error'
    return undefined;
  }
  child.unref();
  child.channel?.unref();
  const spawner: Spawner = { child, ready: Promise.resolve(false), isReady: false, shells: new Map(), users: 0 };
  spawner.ready = new Promise((resolve) => {
    let isGone = false;
    const gone = (): void => {
      if (isGone) return;
      isGone = true;
      if (current === spawner) current = undefined;
      if (!spawner.isReady) failedStarts++;
      resolve(false);
      for (const shell of spawner.shells.values()) shell.lose();
    };
    child.on('message', (message: FromSpawner) => {
      if (message.t !== 'ready') {
        spawner.shells.get(message.id)?.receive(message);
        return;
      }
      spawner.isReady = true;
      failedStarts = 0;
      resolve(true);
    });
    // After the last message is read: no shell's exit can still be on its way.
    child.once('disconnect', gone);
    // Sends racing its end also land here; only a process that never started has nothing else.
    child.on('error', () => {
      if (child.pid === undefined) gone();
    });
  });
  return spawner;
}

function runOn(spawner: Spawner, options: ShellOptions): ShellProcess {
  if (!spawner.child.connected) return spawnShellDirect(options);
  const id = nextId++;
  const shell = startRemoteShell(id, options, (message: ToSpawner) => {
    if (spawner.child.connected) spawner.child.send(message);
  });
  spawner.shells.set(id, shell);
  void shell.exited.then(() => spawner.shells.delete(id));
  return shell;
}

// While shells use it the IPC channel keeps this process alive, as their own processes would.
function claim(spawner: Spawner): void {
  if (spawner.users++ === 0) spawner.child.channel?.ref();
}

// Idle, it no longer keeps this process alive; one no longer current stops.
function release(spawner: Spawner): void {
  if (--spawner.users > 0) return;
  spawner.child.channel?.unref();
  if (current !== spawner) disconnect(spawner);
}

function disconnect(spawner: Spawner): void {
  if (spawner.child.connected) spawner.child.disconnect();
}

// A shell waiting for the spawner to be up: what is asked of it meanwhile is done once it starts.
function whenStarted(starting: Promise<ShellProcess>): ShellProcess {
  let shell: ShellProcess | undefined;
  const waiting: ((started: ShellProcess) => void)[] = [];
  void starting.then((started) => {
    shell = started;
    for (const action of waiting.splice(0)) action(started);
  });
  const act = (action: (started: ShellProcess) => void): void => {
    if (shell) action(shell);
    else waiting.push(action);
  };
  return {
    signal: (sig) => act((started) => started.signal(sig)),
    discardOutput: () => act((started) => started.discardOutput()),
    exited: starting.then((started) => started.exited),
  };
}
