// Counting a server's connections: from the directors' tables, or with `ss` on the server
// itself (the accurate source in DR/TUN, where the director sees only inbound packets).
import type { IpvsTable } from '../ipvs/model.ts';
import { currentDest } from './apply.ts';
import type { ConnectionCount, ConnectionCounter, CountResult, DirectorTables, LbServer, SavedSlot } from './types.ts';

/** Sums the server's counters over every director and service. NOTE: InActConn counts only in
 * NAT (Masq), where the director sees both directions; in DR it is inferred noise (LVS.md §4.4). */
export function countFromTables(tables: ReadonlyMap<string, IpvsTable>, server: LbServer, saved: readonly SavedSlot[]): ConnectionCount {
  let count = 0;
  let persist = 0;
  for (const slot of saved) {
    const dest = currentDest(tables, slot, server);
    if (!dest) continue;
    count += dest.activeConns + (dest.forward === 'Masq' ? dest.inactiveConns : 0);
    persist += dest.persistConns;
  }
  return { count, persist };
}

/** `ss -Htn state established` filtered to the server's service ports. */
export function ssCommand(ports: readonly number[]): string[] {
  const filter = ports.map((p) => `sport = :${p}`).join(' or ');
  return ['ss', '-Htn', 'state', 'established', `( ${filter} )`];
}

async function countOnServer(server: LbServer, saved: readonly SavedSlot[], timeoutMs: number, signal: AbortSignal): Promise<CountResult> {
  const ports = [...new Set(saved.map((s) => s.dest.port).filter((p) => p > 0))];
  const result = await server.session.exec({ argv: ssCommand(ports), mutates: false, timeoutMs, label: 'ss' }, { signal });
  if (!result.ok) {
    return {
      ok: false,
      error: `${server.name}: could not count connections with ss (${result.stderr.trim() || `exit ${result.exitCode}`}); install iproute2 there, or count on the directors (drain.connections: director)`,
    };
  }
  const count = result.stdout.split('\n').filter((line) => line.trim() !== '').length;
  return { ok: true, count, persist: 0 };
}

/** The counter a pipeline asks for (`drain.connections`), reading through the directors' port. */
export function createConnectionCounter(input: { source: 'director' | 'server'; tables: DirectorTables; commandTimeoutMs: number }): ConnectionCounter {
  return {
    async count(server, saved, signal) {
      if (input.source === 'server') {
        // Templates are only on the directors: read them too, for the progress display.
        const [own, read] = await Promise.all([countOnServer(server, saved, input.commandTimeoutMs, signal), input.tables.readCounters(signal)]);
        if (!own.ok) return own;
        return { ok: true, count: own.count, persist: read.ok ? countFromTables(read.tables, server, saved).persist : 0 };
      }
      const read = await input.tables.readCounters(signal);
      if (!read.ok) return { ok: false, error: `${server.name}: ${read.error}` };
      return { ok: true, ...countFromTables(read.tables, server, saved) };
    },
  };
}
