// A dry run's directors: the real tables as read, plus the changes the run would have made.
// Every command is reported (a `command` event), never sent; confirmations see the simulated
// change at once (for the health-file method, keepalived's answer: weight 0); a destination the
// run changed shows no connections, so the drain wait does not wait on real traffic.
import { sameEndpoint, sameServiceKey } from '../ipvs/address.ts';
import type { ConnGroup } from '../ipvs/conn-live.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import type { Emit } from '../events/types.ts';
import { findDest, type PoolServer } from '../lb/pool.ts';
import type { DirectorTables, SavedSlot, SlotWant, TablesRead } from '../lb/types.ts';

interface Override {
  server: PoolServer;
  slot: SavedSlot;
  weight: number | null;
}

/** The tables as they would be after the overrides (applied in order). Pure. */
export function simulateTables(real: ReadonlyMap<string, IpvsTable>, overrides: readonly Override[]): Map<string, IpvsTable> {
  const out = new Map<string, IpvsTable>();
  for (const [director, table] of real) {
    out.set(director, {
      ...table,
      services: table.services.map((service) => {
        let dests = service.dests;
        for (const o of overrides) {
          if (o.slot.director !== director || !sameServiceKey(service.key, o.slot.service)) continue;
          const current = findDest({ ...service, dests }, o.server);
          const quiet = { activeConns: 0, inactiveConns: 0, persistConns: 0 };
          if (o.weight === null) dests = dests.filter((d) => d !== current);
          else if (current) dests = dests.map((d) => (d === current ? { ...d, ...quiet, weight: o.weight as number } : d));
          else dests = [...dests, { ...o.slot.dest, ...quiet, weight: o.weight }];
        }
        return { ...service, dests };
      }),
    });
  }
  return out;
}

const weightOf = (want: SlotWant): number | null => (want === 'out' ? 0 : want);

export function dryRunTables(real: DirectorTables, emit: Emit): DirectorTables {
  const overrides: Override[] = [];
  const simulated = async (read: Promise<TablesRead>): Promise<TablesRead> => {
    const result = await read;
    return result.ok ? { ok: true, tables: simulateTables(result.tables, overrides) } : result;
  };
  // NOTE: apply() is always followed by confirm(), which names the server and its targets: the
  // overlay is written there (the health-file method sends no command but is confirmed too).
  return {
    directors: real.directors,
    commandLine: (command) => real.commandLine(command),
    read: (signal, options) => simulated(real.read(signal, options)),
    // A destination the run changed has no connections in the simulation.
    async readConnections(signal, options) {
      const result = await real.readConnections(signal, options);
      if (!result.ok) return result;
      const quiet = (director: string, g: ConnGroup) => overrides.some((o) => o.slot.director === director && sameEndpoint(g.destination, o.slot.dest));
      return { ok: true, groups: new Map([...result.groups].map(([director, groups]) => [director, groups.filter((g) => !quiet(director, g))])) };
    },
    async apply(commands) {
      for (const c of commands) emit({ type: 'command', host: c.director, command: real.commandLine(c), mutates: true, dryRun: true });
      return commands.map((c) => ({ ok: true, command: real.commandLine(c) }));
    },
    async confirm(server, targets) {
      for (const t of targets) overrides.push({ server, slot: t.slot, weight: weightOf(t.weight) });
      return { ok: true };
    },
  };
}
