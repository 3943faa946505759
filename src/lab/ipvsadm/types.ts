// The shapes the lab director's IPVS state trades in: what it stores (settings), what it is
// fed (connections, counters) and what it tells the lab (changes).
import type { IpvsTimeouts } from '../../ipvs/misc.ts';
import type { ConnectionEntry, Counters, Destination, Endpoint, ServiceKey, VirtualService } from '../../ipvs/model.ts';

/** A virtual service as configured (`-A`/`-E`): the model's service without dests or counters. */
export type ServiceSettings = Omit<VirtualService, 'dests' | 'stats' | 'rate'>;

/** A real server as configured (`-a`/`-e`): the model's dest without its derived counters. */
export type DestSettings = Omit<Destination, 'activeConns' | 'inactiveConns' | 'persistConns' | 'stats' | 'rate'>;

/** A configured service with its dests, in the order they were added. */
export interface ConfiguredService extends ServiceSettings {
  dests: DestSettings[];
}

/**
 * The connection table, as `/proc/net/ip_vs_conn` would list it (the lab's VIP forwarder
 * satisfies this). Rows come out in this order in `-L -n -c`. Entries whose service/dest is not
 * in the table are the kernel's trash: listed by `-c`, counted nowhere.
 */
export interface ConnectionSource {
  entries(): readonly ConnectionEntry[];
}

/** `--stats` totals and `--rate` per-second estimates of a service, or of one of its dests. */
export interface StatsSource {
  stats(service: ServiceKey, dest?: Endpoint): Counters | undefined;
  rate(service: ServiceKey, dest?: Endpoint): Counters | undefined;
  /** `-Z`: zero one service (with its dests), or everything when `service` is absent. */
  zero?(service?: ServiceKey): void;
}

/** A connection-sync daemon as `ipvsadm -L --daemon` shows it (kernel defaults filled in). */
export interface SyncDaemon {
  state: 'master' | 'backup';
  mcastInterface: string;
  syncId: number;
  maxLen: number;
  group: string;
  port: number;
  ttl: number;
}

/** Why ipvsadm cannot even start: not root (EPERM), or no ip_vs module (ENOPROTOOPT). */
export type InitError = 'not-root' | 'no-ipvs';

/** One change to the table, with the values before and/or after it. */
export type IpvsChange =
  | { type: 'service-added'; service: ServiceKey; after: ServiceSettings }
  | { type: 'service-edited'; service: ServiceKey; before: ServiceSettings; after: ServiceSettings }
  | { type: 'service-deleted'; service: ServiceKey; before: ServiceSettings }
  | { type: 'dest-added'; service: ServiceKey; after: DestSettings }
  | { type: 'dest-edited'; service: ServiceKey; before: DestSettings; after: DestSettings }
  | { type: 'dest-deleted'; service: ServiceKey; before: DestSettings }
  | { type: 'timeouts-set'; before: IpvsTimeouts; after: IpvsTimeouts }
  | { type: 'zeroed'; service?: ServiceKey };

export type IpvsChangeListener = (change: IpvsChange) => void;
