// Where each real server stands in every director's table: pure, from parsed listings.
import { describeServiceKey, sameServiceKey } from '../ipvs/address.ts';
import type { Destination, IpvsTable, ServiceKey, VirtualService } from '../ipvs/model.ts';
import { addressOrder } from '../ipvs/ip-number.ts';

export interface PoolServer {
  name: string;
  /** The address as ipvsadm lists it. */
  address: string;
  /** The destination port, when it differs from the service port (NAT port mapping). */
  port?: number;
  /** Per-service destination ports, when known (they win over `port`). */
  destinations?: readonly { service: ServiceKey; port: number }[];
}

/** One (director, service) slot of a server: its destination there, or null when absent. */
export interface PoolSlot {
  director: string;
  service: ServiceKey;
  /** `TCP 10.0.0.100:80`. */
  label: string;
  dest: Destination | null;
  scheduler: string;
  persistent?: number;
  flags: string[];
}

export interface ServerPool {
  server: string;
  /** Slots for every service the server belongs to on at least one director. */
  slots: PoolSlot[];
  /** Present with weight > 0 on every director for every service it belongs to. */
  inPool: boolean;
  /** Why not, naming the director and service. */
  reason?: string;
}

export interface PoolState {
  servers: ServerPool[];
  /** Facts that make a release unsafe (a service missing on a director). */
  problems: string[];
  /** Facts worth telling (directors disagreeing on a weight). */
  warnings: string[];
}

// A table of N servers compares N × N addresses; each text is parsed once (bounded: a long-lived
// caller, the lab, meets the same few hundred addresses again and again).
const orders = new Map<string, bigint>();
function orderOf(address: string): bigint {
  let order = orders.get(address);
  if (order === undefined) {
    if (orders.size >= 10_000) orders.clear();
    order = addressOrder(address);
    orders.set(address, order);
  }
  return order;
}

function sameIp(a: string, b: string): boolean {
  return a === b || orderOf(a) === orderOf(b);
}

/** The destination of `server` inside `service`, matching address and port as ipvsadm lists them. */
export function findDest(service: VirtualService, server: PoolServer): Destination | undefined {
  const key = service.key;
  const port = server.destinations?.find((d) => sameServiceKey(d.service, key))?.port ?? server.port;
  return service.dests.find((d) => {
    if (!sameIp(d.address, server.address)) return false;
    if (key.kind === 'fwmark') return port === undefined || port === 0 || d.port === port || d.port === 0;
    return d.port === (port ?? key.port);
  });
}

export function findService(table: IpvsTable, key: ServiceKey): VirtualService | undefined {
  return table.services.find((s) => sameServiceKey(s.key, key));
}

/** Builds every server's slots and in-pool verdict from every director's table. */
export function buildPoolState(input: {
  directors: string[];
  services: ServiceKey[];
  servers: PoolServer[];
  tables: ReadonlyMap<string, IpvsTable>;
}): PoolState {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const director of input.directors) {
    const table = input.tables.get(director);
    if (!table) {
      problems.push(`no table was read from director ${director}`);
      continue;
    }
    for (const key of input.services) {
      if (!findService(table, key)) {
        problems.push(`service ${describeServiceKey(key)} is not defined on director ${director}`);
      }
    }
  }
  const servers = input.servers.map((server) => serverPool(server, input));
  for (const pool of servers) {
    for (const key of input.services) {
      const weights = new Set(pool.slots.filter((s) => sameServiceKey(s.service, key) && s.dest).map((s) => s.dest?.weight));
      if (weights.size > 1) {
        warnings.push(`${pool.server}: directors disagree on the weight for ${describeServiceKey(key)} (${[...weights].join(' vs ')})`);
      }
    }
  }
  return { servers, problems, warnings };
}

function serverPool(server: PoolServer, input: { directors: string[]; services: ServiceKey[]; tables: ReadonlyMap<string, IpvsTable> }): ServerPool {
  const slots: PoolSlot[] = [];
  for (const key of input.services) {
    const perDirector = input.directors.map((director) => {
      const service = input.tables.get(director) && findService(input.tables.get(director) as IpvsTable, key);
      return { director, service, dest: service ? (findDest(service, server) ?? null) : null };
    });
    // A service in which no director lists the server is not one of its services.
    if (perDirector.every((p) => p.dest === null)) continue;
    for (const p of perDirector) {
      slots.push({
        director: p.director,
        service: key,
        label: describeServiceKey(key),
        dest: p.dest,
        scheduler: p.service?.scheduler ?? '',
        persistent: p.service?.persistent,
        flags: p.service?.flags ?? [],
      });
    }
  }
  if (slots.length === 0) {
    return { server: server.name, slots, inPool: false, reason: `${server.address} is in no configured service on any director` };
  }
  const missing = slots.find((s) => s.dest === null);
  if (missing) {
    return { server: server.name, slots, inPool: false, reason: `missing from ${missing.label} on ${missing.director}` };
  }
  const quiet = slots.find((s) => s.dest?.weight === 0);
  if (quiet) {
    return { server: server.name, slots, inPool: false, reason: `weight 0 in ${quiet.label} on ${quiet.director}` };
  }
  return { server: server.name, slots, inPool: true };
}
