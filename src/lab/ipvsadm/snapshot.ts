// The configured table plus what the kernel counts: ActiveConn/InActConn/PersistConn from the
// connection table (src/ipvs/conn-count.ts, or the table's own running counts when it keeps
// them), `--stats`/`--rate` from the injected counters.
import { connCountsFor, type ConnCounts } from '../../ipvs/conn-count.ts';
import type { ConnectionEntry, Destination, Endpoint, IpvsTable, ServiceKey, VirtualService } from '../../ipvs/model.ts';
import type { ConfiguredService, StatsSource } from './types.ts';

export interface TableInputs {
  connTableSize: number;
  services: readonly ConfiguredService[];
  /** Read only when `counts` has no answer (a scan per dest: costly on a big table). */
  connections: () => readonly ConnectionEntry[];
  /** Running counts of a dest, when the connection table keeps them; undefined to scan. */
  counts?: ((service: ServiceKey, dest: Endpoint) => ConnCounts | undefined) | undefined;
  stats?: StatsSource | undefined;
}

/** The model's IpvsTable, services and dests in configuration order (renderers sort). */
export function buildTable(inputs: TableInputs): IpvsTable {
  let entries: readonly ConnectionEntry[] | undefined;
  const scan = (service: ServiceKey, dest: Endpoint) => {
    entries ??= inputs.connections();
    return connCountsFor(entries, service, dest);
  };
  const services = inputs.services.map((svc): VirtualService => {
    const dests = svc.dests.map((d): Destination => {
      const counts = inputs.counts?.(svc.key, d) ?? scan(svc.key, d);
      const dest: Destination = { ...d, activeConns: counts.active, inactiveConns: counts.inactive, persistConns: counts.persist };
      const stats = inputs.stats?.stats(svc.key, d);
      const rate = inputs.stats?.rate(svc.key, d);
      if (stats) dest.stats = stats;
      if (rate) dest.rate = rate;
      return dest;
    });
    const service: VirtualService = { ...svc, dests };
    const stats = inputs.stats?.stats(svc.key);
    const rate = inputs.stats?.rate(svc.key);
    if (stats) service.stats = stats;
    if (rate) service.rate = rate;
    return service;
  });
  return { connTableSize: inputs.connTableSize, services };
}
