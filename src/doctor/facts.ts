// Small lookups the checks share: services and dests in a director's table, and the
// keepalived blocks behind each configured destination.
import { describeServiceKey, sameEndpoint, sameServiceKey } from '../ipvs/address.ts';
import type { Destination, Endpoint, IpvsTable, ServiceKey, VirtualService } from '../ipvs/model.ts';
import { findRealServer, findVirtualServer } from '../keepalived/lookup.ts';
import type { RealServerConf, VirtualServerConf } from '../keepalived/types.ts';
import type { DoctorDirector, DoctorInput, DoctorServer, Finding, FindingLevel, FindingSubject } from './types.ts';

export const label = describeServiceKey;

export function finding(id: string, level: FindingLevel, subject: FindingSubject, message: string, hint: string): Finding {
  return { id, level, subject, message, hint };
}

export function findService(table: IpvsTable, key: ServiceKey): VirtualService | undefined {
  return table.services.find((s) => sameServiceKey(s.key, key));
}

export function findDest(service: VirtualService, endpoint: Endpoint): Destination | undefined {
  return service.dests.find((d) => sameEndpoint(d, endpoint));
}

export const withTables = (input: DoctorInput) => input.directors.filter((d): d is DoctorDirector & { table: IpvsTable } => d.table !== undefined);

export const withKeepalived = (input: DoctorInput) =>
  input.directors.filter((d): d is DoctorDirector & { keepalived: NonNullable<DoctorDirector['keepalived']> } => d.keepalived !== undefined);

/** One configured destination as one director's keepalived.conf sees it. */
export interface ManagedSlot {
  director: string;
  server: DoctorServer;
  service: ServiceKey;
  endpoint: Endpoint;
  vs?: VirtualServerConf;
  rs?: RealServerConf;
}

export function keepalivedSlots(input: DoctorInput, director: DoctorDirector): ManagedSlot[] {
  const config = director.keepalived?.parsed.config;
  if (!config) return [];
  return input.servers.flatMap((server) =>
    server.destinations.map((d) => {
      const vs = findVirtualServer(config, d.service);
      const rs = vs ? findRealServer(vs, d.endpoint) : undefined;
      return { director: director.name, server, service: d.service, endpoint: d.endpoint, vs, rs };
    }),
  );
}

/** `a, b, c +2 more`. */
export function names(list: readonly string[], limit = 6): string {
  const shown = list.slice(0, limit).join(', ');
  return list.length > limit ? `${shown} +${list.length - limit} more` : shown;
}

/** Services of the cluster as any director lists them, first listing wins. */
export function listedServices(input: DoctorInput): VirtualService[] {
  const out: VirtualService[] = [];
  for (const key of input.services) {
    for (const d of withTables(input)) {
      const svc = findService(d.table, key);
      if (svc) {
        out.push(svc);
        break;
      }
    }
  }
  return out;
}
