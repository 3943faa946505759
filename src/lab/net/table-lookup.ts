// Finding the service and dest a packet belongs to in a director's table.
import { sameEndpoint } from '../../ipvs/address.ts';
import type { Destination, Endpoint, IpvsTable, VirtualService } from '../../ipvs/model.ts';

/** The TCP address service listening on `virtual`, if the table has one. */
export function findTcpService(table: IpvsTable | undefined, virtual: Endpoint): VirtualService | undefined {
  return table?.services.find((s) => s.key.kind === 'addr' && s.key.protocol === 'tcp' && sameEndpoint(s.key, virtual));
}

export function findDest(service: VirtualService | undefined, dest: Endpoint): Destination | undefined {
  return service?.dests.find((d) => sameEndpoint(d, dest));
}

/** A stable key for per-service state (scheduler position). */
export function serviceId(service: VirtualService): string {
  const k = service.key;
  return k.kind === 'fwmark' ? `fwm:${k.family}:${k.mark}` : `${k.protocol}:${k.address}:${k.port}`;
}
