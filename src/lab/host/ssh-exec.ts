// Runs one SSH exec (or shell) request as `/bin/sh` in the host's directory, wired to the channel.
import { constants as osConstants } from 'node:os';
import type { ServerChannel } from 'ssh2';
import { type ShellExit, spawnShell } from './spawner.ts';

export interface RunCommandOptions {
  channel: ServerChannel;
  /** The exec request's command; undefined runs `sh -i` reading commands from the channel (a shell request). */
  command: string | undefined;
  cwd: string;
  env: Record<string, string>;
}

export interface RunningCommand {
  /** Sends a signal to the command's whole process group (a no-op once it has finished). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the command has finished and the channel is closed. */
  done: Promise<void>;
}

const KILL_GRACE_MS = 1000;

// Signal names an SSH exit-signal may carry (RFC 4254 §6.10); others become 128+N like a shell.
const SSH_SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2']);

/** Spawns the command in its own process group; a channel that closes first kills the group. */
export function runCommand({ channel, command, cwd, env }: RunCommandOptions): RunningCommand {
  channel.on('error', () => undefined);
  const args = command === undefined ? ['-i'] : ['-c', command];
  const shell = spawnShell({ args, cwd, env, stdin: channel, stdout: channel, stderr: channel.stderr });
  let finished = false;

  const signal = (sig: NodeJS.Signals): void => {
    if (!finished) shell.signal(sig);
  };

  const done = shell.exited.then((exit) => {
    finished = true;
    try {
      reportExit(channel, exit);
      channel.end();
    } catch {
      // the channel closed under us
    }
  });
  channel.on('close', () => {
    if (finished) return;
    // NOTE: like sshd, a client that goes away hangs up its command; KILL follows for the stubborn.
    shell.discardOutput();
    signal('SIGHUP');
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
  });

  return { signal, done };
}

function reportExit(channel: ServerChannel, exit: ShellExit): void {
  if (exit.kind === 'error') {
    channel.stderr.write(`sh: ${exit.message}\n`);
    channel.exit(127);
  } else if (exit.signal === null) {
    channel.exit(exit.code ?? 0);
  } else {
    const name = exit.signal.replace(/^SIG/, '');
    if (SSH_SIGNALS.has(name)) channel.exit(name, false, '');
    else channel.exit(128 + (osConstants.signals[exit.signal] ?? 0));
  }
}
