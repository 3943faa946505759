// ActiveConn / InActConn / PersistConn from a connection table, the way the kernel counts
// them (LVS.md §4.4): ESTABLISHED flows are active, every other flow (UDP included) inactive,
// persistence templates count in PersistConn only. The lab derives its listings from this.
import { sameEndpoint } from './address.ts';
import { numberToIpv4 } from './ip-number.ts';
import type { ConnectionEntry, Endpoint, ServiceKey } from './model.ts';
import { PROTOCOL_NAME } from './service-line.ts';

export interface ConnCounts {
  active: number;
  inactive: number;
  persist: number;
}

/** Counts of one (protocol, virtual, destination) triple as the connection table names it. */
export interface DestConnCounts extends ConnCounts {
  protocol: string;
  virtual: Endpoint;
  destination: Endpoint;
}

function add(counts: ConnCounts, entry: ConnectionEntry): void {
  if (entry.template) counts.persist++;
  else if (entry.state === 'ESTABLISHED') counts.active++;
  else counts.inactive++;
}

/** Group the entries by protocol, virtual and destination, in first-seen order. */
export function countConnections(entries: readonly ConnectionEntry[]): DestConnCounts[] {
  const groups: DestConnCounts[] = [];
  for (const entry of entries) {
    const { protocol, virtual, destination } = entry;
    let group = groups.find((g) => g.protocol === protocol && sameEndpoint(g.virtual, virtual) && sameEndpoint(g.destination, destination));
    if (!group) {
      group = { protocol, virtual, destination, active: 0, inactive: 0, persist: 0 };
      groups.push(group);
    }
    add(group, entry);
  }
  return groups;
}

/**
 * The counters `ipvsadm -L -n` would show for `dest` in `service`. Address services match
 * by protocol and virtual address:port. NOTE: for fwmark services the table shows the packet's
 * real VIP, not the mark, so flows count only when `fwmarkVirtuals` lists those VIPs; their
 * templates (protocol `IP`, virtual = the mark as an IPv4 number) always count.
 */
export function connCountsFor(
  entries: readonly ConnectionEntry[],
  service: ServiceKey,
  dest: Endpoint,
  options: { fwmarkVirtuals?: readonly Endpoint[] } = {},
): ConnCounts {
  const counts: ConnCounts = { active: 0, inactive: 0, persist: 0 };
  for (const entry of entries) {
    if (matches(entry, service, dest, options.fwmarkVirtuals ?? [])) add(counts, entry);
  }
  return counts;
}

function matches(entry: ConnectionEntry, service: ServiceKey, dest: Endpoint, fwmarkVirtuals: readonly Endpoint[]): boolean {
  if (service.kind === 'addr') {
    const sameService = entry.protocol === PROTOCOL_NAME[service.protocol] && sameEndpoint(entry.virtual, service);
    return sameService && sameEndpoint(entry.destination, dest);
  }
  // fwmark dests are listed with port 0 and match any real port.
  if (!sameEndpoint({ ...entry.destination, port: 0 }, { ...dest, port: 0 })) return false;
  if (entry.protocol === 'IP') return entry.virtual.address === numberToIpv4(service.mark);
  return fwmarkVirtuals.some((v) => sameEndpoint(v, entry.virtual));
}
