// ipvsadm's listing order (libipvs `ipvs_cmp_services`, `ipvs_cmp_dests`).
// NOTE: the C comparators return `ntohl(a) - ntohl(b)` as an int, so addresses 2^31 or more
// apart compare backwards and the result then depends on qsort. We sort in the natural
// unsigned order instead; parsers never rely on order (LVS.md §1.3).
import { addressOrder } from './ip-number.ts';
import type { Destination, Protocol, ServiceKey, VirtualService } from './model.ts';

const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };

function cmp(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** fwmark (0 for address services, so they come first), family, protocol, address, port. */
export function compareServiceKeys(a: ServiceKey, b: ServiceKey): number {
  const markA = a.kind === 'fwmark' ? a.mark : 0;
  const markB = b.kind === 'fwmark' ? b.mark : 0;
  const family = (k: ServiceKey) => (k.family === 'inet' ? 0 : 1);
  if (markA !== markB) return cmp(markA, markB);
  if (family(a) !== family(b)) return cmp(family(a), family(b));
  if (a.kind !== 'addr' || b.kind !== 'addr') return 0;
  return cmp(PROTOCOL_NUMBER[a.protocol], PROTOCOL_NUMBER[b.protocol]) || cmp(addressOrder(a.address), addressOrder(b.address)) || cmp(a.port, b.port);
}

/** Address then port (IPv4 before IPv6 when a tunnel service mixes families). */
export function compareDestinations(a: Destination, b: Destination): number {
  const family = (d: Destination) => (d.family === 'inet' ? 0 : 1);
  return cmp(family(a), family(b)) || cmp(addressOrder(a.address), addressOrder(b.address)) || cmp(a.port, b.port);
}

/** A sorted copy: services in listing order, each with its dests in listing order. */
export function sortServices(services: readonly VirtualService[]): VirtualService[] {
  return [...services].sort((a, b) => compareServiceKeys(a.key, b.key)).map((s) => ({ ...s, dests: [...s.dests].sort(compareDestinations) }));
}
