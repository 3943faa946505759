// Killing a remote command for real. Closing an SSH channel leaves the process running, and
// OpenSSH ignores the "signal" request for root logins (no post-auth privsep) and for other
// users' (sudo) processes. So every command carries a tag in its environment, and a kill runs a
// second, tiny command that finds the tagged processes and kills their whole sessions.
import type { Client, ClientChannel } from 'ssh2';

export const TAG_VARIABLE = 'LVS_RELEASE_TAG';

/** What the login shell runs: the tag exported (inherited by every child), then the command. */
export function buildTaggedCommandLine(commandLine: string, tag: string): string {
  return `export ${TAG_VARIABLE}=${tag}\n${commandLine}`;
}

/**
 * A POSIX sh script (Linux /proc, procps) fed on stdin, so no command line holds the tag:
 * kills every session that holds a tagged process, then the tagged processes themselves.
 */
export function buildReaperScript(tag: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(tag)) throw new TypeError('reaper tag must be hex');
  return [
    `entry='${TAG_VARIABLE}=${tag}'`,
    'self=$(ps -o sid= -p $$ | tr -d " ")',
    'pids=$(grep -lzxF -e "$entry" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)',
    '[ -n "$pids" ] || exit 0',
    'for pid in $pids; do kill -TERM "$pid" 2>/dev/null; done',
    'sleep 1',
    'for pid in $pids; do',
    '  sid=$(ps -o sid= -p "$pid" | tr -d " ")',
    '  if [ -n "$sid" ] && [ "$sid" != 0 ] && [ "$sid" != 1 ] && [ "$sid" != "$self" ]; then pkill -KILL -s "$sid"; fi',
    '  kill -KILL "$pid" 2>/dev/null',
    'done',
    'exit 0',
    '',
  ].join('\n');
}

/** Sends SIGKILL over SSH (honoured by OpenSSH >= 7.9 for non-root logins); best effort. */
export function sendKillSignal(channel: ClientChannel): void {
  // NOTE: ssh2's channel.signal() does nothing once we sent EOF (we always do, after stdin);
  // the protocol method it wraps has no such check.
  const internal = channel as unknown as {
    _client?: { _protocol?: { signal(id: number, name: string): void } };
    outgoing?: { id: number; state: string };
  };
  try {
    if (internal.outgoing?.state === 'open') internal._client?._protocol?.signal(internal.outgoing.id, 'KILL');
  } catch {
    // The channel or connection is already gone: nothing left to signal.
  }
}

/** Runs the reaper on the same connection; resolves with a problem description or undefined. */
export function reapTagged(client: Client, tag: string, options: { timeoutMs: number }): Promise<string | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (problem: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(problem);
    };
    const timer = setTimeout(() => finish(`the kill command timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    try {
      // NOTE: never as root (no `sudo sh`): the user may signal its own sudo, which passes SIGTERM on
      // to its root child; the reaper sends TERM first, then KILL.
      client.exec('sh -s', (error, channel) => {
        if (error) return finish(`the kill command could not start: ${error.message}`);
        let stderr = '';
        let code: number | null = null;
        channel.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        channel.on('data', () => {});
        channel.on('exit', (exitCode: number | null) => {
          code = exitCode;
        });
        channel.on('close', () => finish(code === 0 ? undefined : `the kill command failed (exit ${code}): ${stderr.trim().slice(0, 200)}`));
        channel.end(buildReaperScript(tag));
      });
    } catch (error) {
      finish(`the kill command could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
