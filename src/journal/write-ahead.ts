// Write-ahead for the journal: a change to a host (a mutating exec, an upload) starts only once
// every event recorded before it is on the disk. The journal writes each line at once and syncs
// in groups off the event loop (journal.ts), so 50 servers' intents cost one fsync, not 50, and
// the event loop never blocks on the disk.
import { buildCommandLine } from '../transport/command.ts';
import { execNotRun, uploadNotRun } from '../transport/not-run.ts';
import type { HostSession } from '../transport/types.ts';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The session, with every mutating exec and upload held until `durable()` resolves. */
export function writeAheadSession(session: HostSession, durable: () => Promise<void>): HostSession {
  const host = session.target.name;
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
        // A journal that cannot be synced refuses the change: recover could not know it happened.
        return execNotRun(host, buildCommandLine(command), `not run: ${message(error)}`);
      }
      return session.exec(command, options);
    },
    async upload(request) {
      try {
        await durable();
      } catch (error) {
        return uploadNotRun(host, request, `not sent: ${message(error)}`);
      }
      return session.upload(request);
    },
    forward: (host_, port, options) => session.forward(host_, port, options),
    reconnect: (options) => session.reconnect(options),
    close: () => session.close(),
  };
}
