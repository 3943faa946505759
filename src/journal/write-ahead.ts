// Write-ahead for the journal: a change to a host (a mutating exec, an upload) starts only once
// every event recorded before it is on the disk. The journal writes each line at once and syncs
// in groups off the event loop (journal.ts), so 50 servers' intents cost one fsync, not 50, and
// the event loop never blocks on the disk.
import { buildCommandLine } from '../transport/command.ts';
import type { ExecResult, HostSession, RemoteCommand } from '../transport/types.ts';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The session, with every mutating exec and upload held until `durable()` resolves. */
export function writeAheadSession(session: HostSession, durable: () => Promise<void>): HostSession {
  const host = session.target.name;
  // A journal that cannot be synced refuses the change: recover could not know it happened.
  const refused = (command: RemoteCommand, error: unknown): ExecResult => ({
    host,
    command: buildCommandLine(command),
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    connectionLost: false,
    stdout: '',
    stderr: '',
    durationMs: 0,
    error: `not run: ${message(error)}`,
  });
  return {
    target: session.target,
    get connected() {
      return session.connected;
    },
    async exec(command, options) {
      if (command.mutates === false) return session.exec(command, options);
      try {
        await durable();
      } catch (error) {
        return refused(command, error);
      }
      return session.exec(command, options);
    },
    async upload(request) {
      try {
        await durable();
      } catch (error) {
        const { localPath, remotePath } = request;
        return {
          host,
          localPath,
          remotePath,
          ok: false,
          bytes: 0,
          durationMs: 0,
          timedOut: false,
          aborted: false,
          connectionLost: false,
          error: `not sent: ${message(error)}`,
        };
      }
      return session.upload(request);
    },
    forward: (host_, port, options) => session.forward(host_, port, options),
    reconnect: (options) => session.reconnect(options),
    close: () => session.close(),
  };
}
