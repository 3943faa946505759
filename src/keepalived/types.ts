// keepalived.conf as data (LVS.md §5.1): the parts lvs-release reasons about, plus the raw
// statement tree (for pair comparison) and the diagnostics keepalived itself would print.

/** One statement as keepalived's parser sees it: a keyword, its words, and a block if it has one. */
export interface ConfNode {
  keyword: string;
  args: string[];
  /** 1-based line of the keyword. */
  line: number;
  children?: ConfNode[];
}

/**
 * error: keepalived reports it too (`keepalived -t` exits 4), wording as `lib/parser.c` prints it;
 * warning: lvs-release did not follow something keepalived would (an `include`, `~SEQ`);
 * hint: our own reading of a problem keepalived reports elsewhere (which block is unclosed).
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'hint';

export interface KeepalivedDiagnostic {
  severity: DiagnosticSeverity;
  /** 1-based line; absent when it concerns the whole file. */
  line?: number;
  /** Without the `(Line N) ` prefix, e.g. `Unknown keyword 'conect_timeout'`. */
  message: string;
}

export interface LvsSyncDaemon {
  interface: string;
  /** VRRP instance whose state drives the daemon (master/backup). */
  instance?: string;
  /** `id N` (syncid); keepalived defaults it from the instance's virtual_router_id. */
  id?: number;
  /** The statement as written, for messages. */
  raw: string;
}

export interface GlobalDefs {
  routerId?: string;
  lvsSyncDaemon?: LvsSyncDaemon;
  /** `lvs_timeouts tcp S tcpfin S udp S`: each part optional. */
  lvsTimeouts?: { tcp?: number; tcpFin?: number; udp?: number };
  lvsFlush: boolean;
  line: number;
}

export interface VrrpInstance {
  name: string;
  state?: string;
  interface?: string;
  virtualRouterId?: number;
  priority?: number;
  advertInt?: number;
  nopreempt: boolean;
  /** `virtual_ipaddress` entries as written (`10.0.0.100/32 dev eth0 label eth0:vip`). */
  virtualIpAddresses: string[];
  authentication?: { type?: string; pass?: string };
  unicastSrcIp?: string;
  /** First word of each `unicast_peer` entry. */
  unicastPeers: string[];
  line: number;
}

export type VirtualServerAddress = { kind: 'addr'; address: string; port: number } | { kind: 'fwmark'; mark: number } | { kind: 'group'; name: string };

/** keepalived's names for the forwarding methods (ipvsadm: Masq, Route, Tunnel). */
export type LvsMethod = 'NAT' | 'DR' | 'TUN';

export type CheckerType =
  | 'HTTP_GET'
  | 'SSL_GET'
  | 'TCP_CHECK'
  | 'MISC_CHECK'
  | 'SMTP_CHECK'
  | 'DNS_CHECK'
  | 'UDP_CHECK'
  | 'PING_CHECK'
  | 'FILE_CHECK'
  | 'BFD_CHECK';

export interface CheckUrl {
  path?: string;
  /** As written: `200`, `200-299`, or several (`200 301`). keepalived's default is 200-299. */
  statusCode?: string;
  digest?: string;
  virtualhost?: string;
  line: number;
}

/** Timing options shared by virtual_server, real_server and checkers (each level defaults the next). */
export interface CheckTiming {
  /** Seconds. */
  delayLoop?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
}

export interface Checker extends CheckTiming {
  type: CheckerType;
  /** HTTP_GET / SSL_GET only. */
  urls: CheckUrl[];
  /** `nb_get_retry` was used (deprecated alias of `retry`; keepalived -t counts it as an error). */
  nbGetRetry: boolean;
  connectPort?: number;
  connectIp?: string;
  virtualhost?: string;
  fastRecovery: boolean;
  /** MISC_CHECK's script. */
  miscPath?: string;
  line: number;
}

export interface RealServerConf extends CheckTiming {
  address: string;
  port: number;
  /** Default 1. */
  weight: number;
  /** Effective: the real server's own setting, else its virtual_server's. */
  inhibitOnFailure: boolean;
  /** Per-RS `lvs_method`, when set. */
  method?: LvsMethod;
  checkers: Checker[];
  line: number;
}

export interface VirtualServerConf extends CheckTiming {
  address: VirtualServerAddress;
  /** `lvs_sched` / `lb_algo`, when set. */
  scheduler?: string;
  /** `lvs_method` / `lb_kind`; NAT when unset. */
  method: LvsMethod;
  /** TCP when unset. */
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Seconds; 360 for a bare `persistence_timeout`; absent (or 0) = not persistent. */
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  /** Default 1. */
  quorum: number;
  /** Default 0. */
  hysteresis: number;
  sorryServer?: { address: string; port: number };
  /** The VS-level default for its real servers. */
  inhibitOnFailure: boolean;
  alpha: boolean;
  omega: boolean;
  /** `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`, `flag-N`, `hashed`, `ops`. */
  schedulerFlags: string[];
  realServers: RealServerConf[];
  line: number;
}

export interface KeepalivedConfig {
  globalDefs?: GlobalDefs;
  vrrpInstances: VrrpInstance[];
  virtualServers: VirtualServerConf[];
  /** `virtual_server_group NAME { entries }`: each entry's words. */
  virtualServerGroups: Record<string, string[][]>;
  /** Every top-level statement keepalived accepted, in order. */
  nodes: ConfNode[];
}

export interface ParsedKeepalived {
  config: KeepalivedConfig;
  diagnostics: KeepalivedDiagnostic[];
}
