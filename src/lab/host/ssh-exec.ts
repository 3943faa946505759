// Runs one SSH exec (or shell) request as `/bin/sh` in the host's directory, wired to the channel.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { ServerChannel } from 'ssh2';

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
  const args = command === undefined ? ['-i'] : ['-c', command];
  const child = spawn('/bin/sh', args, { cwd, env, detached: true, stdio: 'pipe' });
  let finished = false;

  const signal = (sig: NodeJS.Signals): void => {
    if (finished || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is already gone
    }
  };

  channel.on('error', () => undefined);
  child.stdin.on('error', () => undefined); // EPIPE when the command ignores its stdin
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);

  const done = new Promise<void>((resolveDone) => {
    const finish = (exit: () => void): void => {
      if (finished) return;
      finished = true;
      try {
        exit();
        channel.end();
      } catch {
        // the channel closed under us
      }
      resolveDone();
    };
    child.on('error', (err) =>
      finish(() => {
        channel.stderr.write(`sh: ${err.message}\n`);
        channel.exit(127);
      }),
    );
    child.on('close', (code, sig) =>
      finish(() => {
        if (sig === null) return channel.exit(code ?? 0);
        const name = sig.replace(/^SIG/, '');
        if (SSH_SIGNALS.has(name)) return channel.exit(name, false, '');
        channel.exit(128 + (osConstants.signals[sig] ?? 0));
      }),
    );
    channel.on('close', () => {
      if (finished) return;
      // NOTE: like sshd, a client that goes away hangs up its command; KILL follows for the stubborn.
      signal('SIGHUP');
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
    });
  });

  return { signal, done };
}
