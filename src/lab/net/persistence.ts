// Scheduling with persistence (`ip_vs_sched_persist`): a client with a live template goes
// back to its dest, even a quiescent one (expire_quiescent_template=0, LVS.md §4.3); a template
// whose dest was deleted (or is quiescent, with the sysctl at 1) is invalidated and the client
// is scheduled afresh.
import { ipv4ToNumber, numberToIpv4 } from '../../ipvs/ip-number.ts';
import type { Destination, Endpoint, VirtualService } from '../../ipvs/model.ts';
import type { ConnRecord, ConnTable } from './conn-table.ts';
import { isTemplateUsable, scheduleDest, type SchedulerState } from './scheduler.ts';

export interface PickInput {
  service: VirtualService;
  virtual: Endpoint;
  client: Endpoint;
  conns: ConnTable;
  state: SchedulerState | undefined;
  /** The `net.ipv4.vs.expire_quiescent_template` sysctl (kernel default 0). */
  expireQuiescentTemplate: boolean;
}

export interface Pick {
  dest: Destination | undefined;
  /** The template controlling the new connection (persistent services only). */
  template: ConnRecord | undefined;
  /** True when an existing template chose the dest, not the scheduler. */
  followedTemplate: boolean;
  state: SchedulerState;
}

/** The client address a template is keyed by: masked with the service's IPv4 netmask. */
export function persistenceKey(address: string, netmask: string | undefined): string {
  const a = ipv4ToNumber(address);
  const m = netmask === undefined ? undefined : ipv4ToNumber(netmask);
  return a === undefined || m === undefined ? address : numberToIpv4((a & m) >>> 0);
}

export const endpointOf = (d: Destination): Endpoint => ({ family: d.family, address: d.address, port: d.port });

/** Choose the dest for a new connection; creates, refreshes or invalidates templates. */
export function pickDestination(input: PickInput): Pick {
  const { service, virtual, client, conns } = input;
  const schedule = () => scheduleDest({ service, client, state: input.state, load: (d) => conns.countsFor(endpointOf(d), virtual) });
  if (service.persistent === undefined) {
    const r = schedule();
    return { dest: r.dest, template: undefined, followedTemplate: false, state: r.state };
  }
  const key = persistenceKey(client.address, service.netmask);
  const existing = conns.findTemplate(key, virtual);
  if (existing) {
    const dest = isTemplateUsable(service, existing.destination, input)
      ? service.dests.find((d) => d.address === existing.destination.address && d.port === existing.destination.port)
      : undefined;
    if (dest) {
      conns.refreshTemplate(existing);
      return { dest, template: existing, followedTemplate: true, state: input.state ?? {} };
    }
    conns.invalidateTemplate(existing);
  }
  const r = schedule();
  if (!r.dest) return { dest: undefined, template: undefined, followedTemplate: false, state: r.state };
  const template = conns.addTemplate({
    clientAddress: key,
    virtual,
    destination: endpointOf(r.dest),
    persistentSeconds: service.persistent,
  });
  return { dest: r.dest, template, followedTemplate: false, state: r.state };
}
