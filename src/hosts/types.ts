// What the real servers' and directors' own network tools say (`ip -o addr`, /proc/sys), and the
// problems a release or doctor finds in it (issue 11: LVS-DR/TUN real servers, NAT directors,
// the VIP on exactly one director). Reads are values: a fact that could not be read says why.

/** One address as `ip -o addr show` lists it. */
export interface IfAddress {
  /** The link (`lo`, `eth0`), without a `@parent` suffix. */
  ifname: string;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  /** `host`, `link`, `global` (or a number, as iproute2 prints unknown scopes). */
  scope: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A host's network as its tools report it; each part absent when it was not asked for. */
export interface HostNetFacts {
  addresses: Read<IfAddress[]>;
  /** /proc/sys values by sysctl name (`net.ipv4.conf.all.arp_ignore`). */
  sysctls?: Read<Record<string, number>>;
  /** `ip route show default` (servers, doctor only). */
  defaultRoute?: Read<DefaultRoute | null>;
}

export interface DefaultRoute {
  via?: string;
  dev?: string;
}

export type ProblemLevel = 'error' | 'warn' | 'info';

/** Something wrong on one host, with the exact commands that fix it. */
export interface HostProblem {
  /** Stable kebab-case name, shared with doctor's finding ids: `vip-not-on-lo`, `arp-not-suppressed`... */
  id: string;
  level: ProblemLevel;
  host: string;
  role: 'server' | 'director';
  /** Names the host, what is wrong and the values read. */
  message: string;
  /** The exact fix (commands), one sentence. */
  fix: string;
}

/** A VIP a real server must accept (DR/TUN), and the service it belongs to. */
export interface ServedVip {
  address: string;
  family: 'inet' | 'inet6';
  /** `TCP 10.0.0.100:80`. */
  service: string;
  port: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  forward: 'Route' | 'Tunnel';
}

/** What one check of a host did: the names of the checks that ran, their problems, and what could not be read. */
export interface HostCheckResult {
  host: string;
  role: 'server' | 'director';
  /** e.g. `vip 10.0.0.100 on lo`, `arp_ignore=1 (eth0)`. */
  checked: string[];
  problems: HostProblem[];
  /** Why a check could not run (the fact could not be read): reported, never a refusal. */
  skipped: string[];
}
