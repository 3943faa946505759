// The keepalived checker's configuration and its commands to IPVS, as data.
import type { Endpoint, ForwardMethod, ServiceKey } from '../../ipvs/model.ts';

interface CheckTiming {
  /** `connect_timeout` (default 5 s). */
  connectTimeoutMs: number;
  /** `retry` (default 1): down on the (retry+1)-th consecutive failure. */
  retry: number;
  /** `delay_before_retry` (default 3 s for HTTP_GET, 1 s for TCP_CHECK). */
  delayBeforeRetryMs: number;
  /** `delay_loop` (default 60 s). */
  delayLoopMs: number;
  /** `connect_port`, when the check targets another port than the real server's. */
  connectPort?: number;
}

export interface HttpGetCheck extends CheckTiming {
  type: 'HTTP_GET';
  path: string;
  /** `status_code 200` or a range `200-299` (the default). */
  statusCode?: number | readonly [number, number];
  virtualhost?: string;
  /** Come up on the first passing check instead of the second (LVS.md §5.3). */
  fastRecovery?: boolean;
}

export interface TcpCheck extends CheckTiming {
  type: 'TCP_CHECK';
}

export type CheckConfig = HttpGetCheck | TcpCheck;

export interface CheckedRealServer {
  address: string;
  port: number;
  /** The configured weight (`weight`, default 1). */
  weight: number;
  inhibitOnFailure: boolean;
  /** `lvs_method` as ipvsadm lists it; the lab is NAT (`Masq`, the default). */
  forward?: ForwardMethod;
  /** Start down until a check passes (`alpha`). */
  alpha?: boolean;
  check: CheckConfig;
}

export interface CheckedService {
  key: ServiceKey;
  /** For keepalived.conf only: `lvs_sched` (default wlc). */
  scheduler?: string;
  /** For keepalived.conf only: `persistence_timeout`. */
  persistent?: number;
  realServers: CheckedRealServer[];
}

/** One IPVS change keepalived asks for (`LVS_CMD_ADD_DEST` / `EDIT_DEST` / `DEL_DEST`). */
export interface CheckerCommand {
  op: 'add' | 'edit' | 'del';
  service: ServiceKey;
  dest: Endpoint & { forward: ForwardMethod };
  weight: number;
}

/** The kernel's answer; the lead maps ipvsadm's exit/stderr onto it. */
export type ApplyResult = { ok: true } | { ok: false; errno: 'EEXIST' | 'ENOENT' | 'ESRCH' | 'EINVAL' | 'OTHER'; message?: string };

export type Apply = (command: CheckerCommand) => ApplyResult | Promise<ApplyResult>;

export interface ProbeResult {
  ok: boolean;
  /** e.g. `HTTP status code 404`, `ECONNREFUSED`, `timeout after 3000 ms`. */
  detail: string;
}

export type Probe = (target: { address: string; port: number; check: CheckConfig }) => Promise<ProbeResult>;
