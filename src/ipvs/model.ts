// The IPVS table as data: what `ipvsadm -L -n` / `-S -n` / `-L -n -c` describe.
// Shared by the parsers, the renderers, the command builders, the drivers and the lab.

export type Protocol = 'tcp' | 'udp' | 'sctp';
export type Family = 'inet' | 'inet6';

/** Forwarding method as ipvsadm lists it (`-m` Masq, `-g` Route, `-i` Tunnel; Local on old kernels). */
export type ForwardMethod = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/** GUE/GRE encapsulation checksum mode, as the `--tun-*csum` options name it. */
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** Which `ipvsadm -L -n` variant a listing is: plain, `--stats`, `--rate`, `--thresholds`, `--persistent-conn`. */
export type ListMode = 'default' | 'stats' | 'rate' | 'thresholds' | 'persistent-conn';

/** A virtual service's identity: protocol + address + port, or a firewall mark. */
export type ServiceKey = { kind: 'addr'; protocol: Protocol; family: Family; address: string; port: number } | { kind: 'fwmark'; family: Family; mark: number };

/** An address and port; IPv6 addresses are stored without brackets. */
export interface Endpoint {
  family: Family;
  address: string;
  port: number;
}

/** 64-bit counters; `--stats` (totals) and `--rate` (per second) share the shape. */
export interface Counters {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
}

export interface Destination extends Endpoint {
  forward: ForwardMethod;
  weight: number;
  /** Tunnel type for Tunnel dests (`ipip` default). */
  tunnelType?: string;
  /** GUE destination port (`--tun-port`), Tunnel dests of type `gue` only. */
  tunnelPort?: number;
  /** GUE/GRE checksum option (`--tun-nocsum` default, `--tun-csum`, `--tun-remcsum`). */
  tunnelChecksum?: TunnelChecksum;
  upperThreshold: number;
  lowerThreshold: number;
  activeConns: number;
  inactiveConns: number;
  persistConns: number;
  stats?: Counters;
  rate?: Counters;
}

export interface VirtualService {
  key: ServiceKey;
  scheduler: string;
  /** Scheduler flags as listed, e.g. ['sh-fallback', 'sh-port'] or ['flag-1']. */
  flags: string[];
  /** Persistence timeout in seconds, when persistent. */
  persistent?: number;
  /** Persistence netmask: dotted for IPv4, prefix length (as a string) for IPv6. */
  netmask?: string;
  /** Persistence engine, e.g. 'sip'. */
  pe?: string;
  /** One-packet scheduling. */
  ops: boolean;
  dests: Destination[];
  stats?: Counters;
  rate?: Counters;
}

/** Connection-table entry, as `ipvsadm -L -n -c` and `/proc/net/ip_vs_conn` show it. */
export interface ConnectionEntry {
  /** 'TCP' | 'UDP' | 'SCTP' | 'IP' (fwmark templates). */
  protocol: string;
  /** Seconds until expiry. */
  expires: number;
  /** TCP state name, 'UDP', or 'NONE'/'ASSURED' for templates. */
  state: string;
  client: Endpoint;
  virtual: Endpoint;
  destination: Endpoint;
  /** Persistence template (client port 0, counts in PersistConn only). */
  template: boolean;
  peName?: string;
  peData?: string;
}

/** The whole table of one director. */
export interface IpvsTable {
  /** Connection hash size (`size=` in the version line), 4096 by default. */
  connTableSize: number;
  services: VirtualService[];
}
