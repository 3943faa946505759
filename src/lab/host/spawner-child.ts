// The lab's spawner: a small Node process that starts the lab hosts' shells for the lab process
// (spawner.ts). Forking copies the forking process's page tables, synchronously on its event loop:
// here that is a small process doing nothing else, not the big lab serving every SSH host.
// It speaks spawner-protocol.ts over IPC and exits when its parent goes away.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CREDIT_BYTES, type FromSpawner, type OutputFd, type ToSpawner, WINDOW_BYTES } from './spawner-protocol.ts';

interface Shell {
  child: ChildProcessWithoutNullStreams;
  credit: Record<OutputFd, (bytes: number) => void>;
  discarding: boolean;
  stdinDone: number;
}

const shells = new Map<number, Shell>();

function send(message: FromSpawner): void {
  if (process.connected) process.send?.(message);
}

// Output goes to the lab until WINDOW_BYTES wait for credit; then the pipe is left unread, so a
// shell writing faster than its SSH channel takes is held back by the kernel, not buffered here.
function forwardOutput(id: number, fd: OutputFd, stream: Readable, shell: Shell): (bytes: number) => void {
  let inFlight = 0;
  stream.on('data', (data: Buffer) => {
    if (shell.discarding) return;
    inFlight += data.length;
    send({ t: 'output', id, fd, data });
    if (inFlight >= WINDOW_BYTES) stream.pause();
  });
  return (bytes) => {
    inFlight -= bytes;
    if (inFlight < WINDOW_BYTES) stream.resume();
  };
}

function startShell({ id, args, cwd, env }: Extract<ToSpawner, { t: 'spawn' }>): void {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn('/bin/sh', args, { cwd, env, detached: true, stdio: 'pipe' });
  } catch (err) {
    send({ t: 'error', id, message: (err as Error).message });
    return;
  }
  const shell: Shell = { child, credit: { 1: () => undefined, 2: () => undefined }, discarding: false, stdinDone: 0 };
  shells.set(id, shell);
  const finish = (message: FromSpawner): void => {
    if (shells.get(id) !== shell) return;
    shells.delete(id);
    send(message);
  };
  child.on('error', (err) => finish({ t: 'error', id, message: err.message }));
  child.on('close', (code, signal) => finish({ t: 'exit', id, code, signal }));
  if (child.pid === undefined) return; // the 'error' follows
  send({ t: 'spawned', id, pid: child.pid });
  child.stdin.on('error', () => undefined); // EPIPE when the command ignores its stdin
  shell.credit = { 1: forwardOutput(id, 1, child.stdout, shell), 2: forwardOutput(id, 2, child.stderr, shell) };
}

// Stdin is credited once written to the pipe (or refused by it): the lab holds the SSH channel
// while the shell does not read.
function writeStdin(id: number, shell: Shell, data: Buffer): void {
  shell.child.stdin.write(data, () => {
    shell.stdinDone += data.length;
    if (shell.stdinDone < CREDIT_BYTES || shells.get(id) !== shell) return;
    send({ t: 'stdin-credit', id, bytes: shell.stdinDone });
    shell.stdinDone = 0;
  });
}

function onShellMessage(message: Exclude<ToSpawner, { t: 'spawn' }>): void {
  const shell = shells.get(message.id);
  if (!shell) return;
  switch (message.t) {
    case 'stdin':
      writeStdin(message.id, shell, message.data);
      break;
    case 'stdin-end':
      shell.child.stdin.end();
      break;
    case 'credit':
      shell.credit[message.fd](message.bytes);
      break;
    case 'discard':
      // Nobody reads the output any more: read it to the end so the shell can finish.
      shell.discarding = true;
      shell.child.stdout.resume();
      shell.child.stderr.resume();
      break;
  }
}

process.on('message', (message: ToSpawner) => (message.t === 'spawn' ? startShell(message) : onShellMessage(message)));
// NOTE: the parent gone (stopped, crashed, killed) closes the IPC channel; the shells left lose
// their pipes, as they would if the lab itself had died.
// biome-ignore lint/nursery/noProcessExit: this is the spawner's own program, and at once is the point.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
