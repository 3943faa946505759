// One lab shell run by the spawner process: the lab's half of spawner-protocol.ts for one command.
import { signalGroup } from './spawner-direct.ts';
import { CREDIT_BYTES, type FromSpawner, type OutputFd, type ToSpawner, WINDOW_BYTES } from './spawner-protocol.ts';
import type { ShellExit, ShellOptions, ShellProcess } from './spawner.ts';

export interface RemoteShell extends ShellProcess {
  /** A message from the spawner about this shell. */
  receive(message: Exclude<FromSpawner, { t: 'ready' }>): void;
  /** The spawner is gone: the shell (when it had started) is killed and reported as failed. */
  lose(): void;
}

export function startRemoteShell(id: number, options: ShellOptions, send: (message: ToSpawner) => void): RemoteShell {
  const { args, cwd, env, stdin, stdout, stderr } = options;
  let pid: number | undefined;
  let ended = false;
  let discarding = false;
  const queued: NodeJS.Signals[] = [];
  let resolveExit: (exit: ShellExit) => void = () => undefined;
  const exited = new Promise<ShellExit>((resolve) => (resolveExit = resolve));
  const end = (exit: ShellExit): void => {
    if (ended) return;
    ended = true;
    queued.length = 0;
    resolveExit(exit);
  };

  send({ t: 'spawn', id, args, cwd, env });

  // The channel is read until WINDOW_BYTES wait for the shell; paused, it holds back the SSH client.
  let stdinInFlight = 0;
  stdin.on('data', (data: Buffer) => {
    if (ended) return;
    send({ t: 'stdin', id, data });
    stdinInFlight += data.length;
    if (stdinInFlight >= WINDOW_BYTES) stdin.pause();
  });
  stdin.on('end', () => {
    if (!ended) send({ t: 'stdin-end', id });
  });

  // Output is credited once the channel has taken it (its write callback), so the spawner sends
  // no more than the channel's pace plus a window.
  const written: Record<OutputFd, number> = { 1: 0, 2: 0 };
  const credit = (fd: OutputFd, bytes: number): void => {
    written[fd] += bytes;
    if (written[fd] < CREDIT_BYTES || ended || discarding) return;
    send({ t: 'credit', id, fd, bytes: written[fd] });
    written[fd] = 0;
  };
  // NOTE: ssh2 ends stderr when the client closes the channel, before 'close' says so.
  for (const output of [stdout, stderr]) output.on('error', () => undefined);

  return {
    receive: (message) => {
      switch (message.t) {
        case 'spawned':
          pid = message.pid;
          for (const sig of queued.splice(0)) signalGroup(pid, sig);
          break;
        case 'output': {
          if (discarding) break;
          const { fd, data } = message;
          (fd === 1 ? stdout : stderr).write(data, () => credit(fd, data.length));
          break;
        }
        case 'stdin-credit':
          stdinInFlight -= message.bytes;
          if (stdinInFlight < WINDOW_BYTES) stdin.resume();
          break;
        case 'exit':
          end({ kind: 'exit', code: message.code, signal: message.signal });
          break;
        case 'error':
          end({ kind: 'error', message: message.message });
          break;
      }
    },
    lose: () => {
      if (pid !== undefined && !ended) signalGroup(pid, 'SIGKILL');
      end({ kind: 'error', message: 'the lab spawner process exited' });
    },
    signal: (sig) => {
      if (ended) return;
      if (pid === undefined) queued.push(sig);
      else signalGroup(pid, sig);
    },
    discardOutput: () => {
      if (discarding || ended) return;
      discarding = true;
      send({ t: 'discard', id });
    },
    exited,
  };
}
