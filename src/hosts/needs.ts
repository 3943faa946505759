// Which hosts need which network checks, from the directors' tables (methods are read, never
// guessed): a server whose destination is Route or Tunnel in an address service must hold that
// VIP (fwmark services name no VIP: only their ARP side could be checked, and it is skipped); a
// director listing a Masq destination must forward; a persistent service needs the director's
// expire_quiescent_template.
import { describeServiceKey, sameEndpoint, sameServiceKey } from '../ipvs/address.ts';
import type { Endpoint, IpvsTable, ServiceKey } from '../ipvs/model.ts';
import type { RealServerNeeds } from './real-server.ts';
import type { ServedVip } from './types.ts';

export interface NeedsInput {
  services: readonly ServiceKey[];
  servers: readonly { name: string; destinations: readonly { service: ServiceKey; endpoint: Endpoint }[] }[];
  /** Every readable director's table. */
  tables: ReadonlyMap<string, IpvsTable>;
}

export interface NetworkNeeds {
  /** DR/TUN servers and the VIPs each must hold (servers without any are left out). */
  servers: RealServerNeeds[];
  /** Servers in a Masq destination (their default route should go through a director). */
  natServers: string[];
  /** The address services' VIPs: exactly one director must hold each. */
  vips: string[];
  /** Directors listing a Masq destination of a configured server. */
  natDirectors: string[];
  /** Persistent services: `TCP 10.0.0.100:443` → its timeout in seconds. */
  persistent: { service: string; timeout: number }[];
}

export function networkNeeds(input: NeedsInput): NetworkNeeds {
  const natDirectors = new Set<string>();
  const natServers = new Set<string>();
  const persistent = new Map<string, number>();
  const servers: RealServerNeeds[] = [];
  for (const server of input.servers) {
    const vips: ServedVip[] = [];
    for (const d of server.destinations) {
      let forward: string | undefined;
      for (const [director, table] of input.tables) {
        const service = table.services.find((s) => sameServiceKey(s.key, d.service));
        if (service?.persistent !== undefined) persistent.set(describeServiceKey(d.service), service.persistent);
        const dest = service?.dests.find(
          (x) => sameEndpoint(x, d.endpoint) || (d.service.kind === 'fwmark' && sameEndpoint({ ...x, port: 0 }, { ...d.endpoint, port: 0 })),
        );
        if (!dest) continue;
        forward ??= dest.forward;
        if (dest.forward === 'Masq') {
          natDirectors.add(director);
          natServers.add(server.name);
        }
      }
      if ((forward === 'Route' || forward === 'Tunnel') && d.service.kind === 'addr') {
        const key = d.service;
        if (!vips.some((v) => v.address === key.address && v.port === key.port && v.protocol === key.protocol)) {
          vips.push({ address: key.address, family: key.family, service: describeServiceKey(key), port: key.port, protocol: key.protocol, forward });
        }
      }
    }
    if (vips.length > 0) servers.push({ name: server.name, vips });
  }
  const vips = [...new Set(input.services.flatMap((k) => (k.kind === 'addr' ? [k.address] : [])))];
  return {
    servers,
    natServers: [...natServers],
    vips,
    natDirectors: [...natDirectors],
    persistent: [...persistent].map(([service, timeout]) => ({ service, timeout })),
  };
}
