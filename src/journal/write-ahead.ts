// Write-ahead for the journal: a change to a host (a mutating exec, an upload) starts only once
// every event recorded before it is on the disk. The journal writes each line at once and syncs
// in groups off the event loop (journal.ts), so 50 servers' intents cost one fsync, not 50, and
// the event loop never blocks on the disk.
import type { HostSession } from '../transport/types.ts';

/**
 * The session, with every mutating exec and upload held until `durable()` settles. A journal the
 * disk refuses to sync is said (`onNotDurable`) and the change goes on: its lines are written
 * (a crash of this process loses nothing), and refusing would leave drained servers out of the
 * pool, their restores refused too.
 */
export function writeAheadSession(session: HostSession, durable: () => Promise<void>, onNotDurable: (error: unknown) => void): HostSession {
  const synced = () => durable().catch(onNotDurable);
  return {
    target: session.target,
    get connected() {
      return session.connected;
    },
    async exec(command, options) {
      if (command.mutates === false) return session.exec(command, options);
      await synced();
      return session.exec(command, options);
    },
    async upload(request) {
      await synced();
      return session.upload(request);
    },
    forward: (host, port, options) => session.forward(host, port, options),
    reconnect: (options) => session.reconnect(options),
    close: () => session.close(),
  };
}
