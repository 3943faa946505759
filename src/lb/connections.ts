// Counting a drained server's connections: the live entries of the directors' connection tables
// (reduced on each director, ipvs/conn-live.ts), or `ss` on the server itself (the accurate
// source in DR/TUN, where the director sees only inbound packets).
import { liveConnections, type ConnGroup } from '../ipvs/conn-live.ts';
import type { ConnectionCount, ConnectionCounter, CountResult, DirectorTables, LbServer, SavedSlot } from './types.ts';

/**
 * The live connections and templates of the server's slots. Summed over its services on one
 * director; the largest over directors, since a backup running the sync daemon lists the
 * master's connections too (the sum would count them twice).
 */
export function countFromGroups(groups: ReadonlyMap<string, readonly ConnGroup[]>, saved: readonly SavedSlot[]): ConnectionCount {
  const perDirector = new Map<string, ConnectionCount>();
  for (const slot of saved) {
    const { live, persist } = liveConnections(groups.get(slot.director) ?? [], slot.service, slot.dest, slot.dest.forward);
    const sum = perDirector.get(slot.director) ?? { count: 0, persist: 0 };
    perDirector.set(slot.director, { count: sum.count + live, persist: sum.persist + persist });
  }
  const all = [...perDirector.values()];
  return { count: Math.max(0, ...all.map((c) => c.count)), persist: Math.max(0, ...all.map((c) => c.persist)) };
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

/** The counter a pipeline asks for (`drain.connections`), reading the directors through their port. */
export function createConnectionCounter(input: { source: 'director' | 'server'; tables: DirectorTables; commandTimeoutMs: number }): ConnectionCounter {
  return {
    async count(server, saved, signal) {
      if (input.source === 'server') {
        // Templates are only on the directors: read them too, for the progress display.
        const [own, read] = await Promise.all([
          countOnServer(server, saved, input.commandTimeoutMs, signal),
          input.tables.readConnections(signal, { recent: true }),
        ]);
        if (!own.ok) return own;
        return { ok: true, count: own.count, persist: read.ok ? countFromGroups(read.groups, saved).persist : 0 };
      }
      // The quiesce's own exec read the table after its change: the first count needs no exec.
      const read = await input.tables.readConnections(signal, { recent: true });
      if (!read.ok) return { ok: false, error: `${server.name}: ${read.error}` };
      return { ok: true, ...countFromGroups(read.groups, saved) };
    },
  };
}
