// Counting a server's connections: from the directors' tables, or with `ss` on the server
// itself (the accurate source in DR/TUN, where the director sees only inbound packets).
import { ReleaseError } from '../core/errors.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { findDest, findService } from './pool.ts';
import type { LbContext, LbServer, SavedSlot } from './types.ts';
import type { ConnectionCount } from './wait-drained.ts';

/** Sums the server's counters over every director and service. NOTE: InActConn counts only in
 * NAT (Masq), where the director sees both directions; in DR it is inferred noise (LVS.md §4.4). */
export function countFromTables(tables: ReadonlyMap<string, IpvsTable>, server: LbServer, saved: readonly SavedSlot[]): ConnectionCount {
  let count = 0;
  let persist = 0;
  for (const slot of saved) {
    const table = tables.get(slot.director);
    const service = table && findService(table, slot.service);
    const dest = service && findDest(service, server);
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

export async function countFromServer(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<ConnectionCount> {
  const ports = [...new Set(saved.map((s) => s.dest.port).filter((p) => p > 0))];
  const result = await server.session.exec(
    { argv: ssCommand(ports), mutates: false, timeoutMs: ctx.commandTimeoutMs, label: 'ss' },
    { signal: ctx.signal },
  );
  if (!result.ok) {
    throw new ReleaseError('RELEASE_FAILED', `${server.name}: could not count connections with ss (${result.stderr.trim() || `exit ${result.exitCode}`}).`, {
      hint: 'Install iproute2 on the server, or count on the directors (drain.connections: director).',
    });
  }
  const count = result.stdout.split('\n').filter((line) => line.trim() !== '').length;
  return { count, persist: 0 };
}

export async function countConnectionsOf(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<ConnectionCount> {
  if (ctx.connectionSource === 'server') {
    // Templates are only on the directors: read them too, for the progress display.
    const [own, tables] = await Promise.all([countFromServer(server, saved, ctx), (ctx.readCounters ?? ctx.readTables)(ctx.signal)]);
    return { count: own.count, persist: countFromTables(tables, server, saved).persist };
  }
  return countFromTables(await (ctx.readCounters ?? ctx.readTables)(ctx.signal), server, saved);
}
