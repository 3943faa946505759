// The configured table plus what the kernel counts: ActiveConn/InActConn/PersistConn from the
// connection table (src/ipvs/conn-count.ts), `--stats`/`--rate` from the injected counters.
import { connCountsFor } from '../../ipvs/conn-count.ts';
import type { ConnectionEntry, Destination, IpvsTable, VirtualService } from '../../ipvs/model.ts';
import type { ConfiguredService, StatsSource } from './types.ts';

export interface TableInputs {
  connTableSize: number;
  services: readonly ConfiguredService[];
  connections: readonly ConnectionEntry[];
  stats?: StatsSource | undefined;
}

/** The model's IpvsTable, services and dests in configuration order (renderers sort). */
export function buildTable(inputs: TableInputs): IpvsTable {
  const services = inputs.services.map((svc): VirtualService => {
    const dests = svc.dests.map((d): Destination => {
      const counts = connCountsFor(inputs.connections, svc.key, d);
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
