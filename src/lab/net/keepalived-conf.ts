// keepalived.conf for a lab director, in the shape real configs have (LVS.md §5.1, the pair-A
// fixtures): global_defs, one vrrp_instance, and a virtual_server block per service with
// real_server/HTTP_GET|TCP_CHECK blocks, so `doctor` reads the lab like production.
import type { ForwardMethod, ServiceKey } from '../../ipvs/model.ts';
import type { CheckConfig, CheckedRealServer, CheckedService } from './keepalived-types.ts';

export interface KeepalivedConfInput {
  routerId: string;
  state: 'MASTER' | 'BACKUP';
  priority: number;
  virtualRouterId?: number;
  interface?: string;
  authPass?: string;
  /** `virtual_ipaddress` entries, e.g. `127.0.0.1/32`. */
  virtualIps: string[];
  services: CheckedService[];
  /** A first comment line. */
  comment?: string;
}

const METHOD: Record<ForwardMethod, string> = { Masq: 'NAT', Route: 'DR', Tunnel: 'TUN', Local: 'DR' };

/** Seconds as keepalived reads them: integers where possible, decimals otherwise. */
const seconds = (ms: number) => String(Math.round(ms) / 1000);

function vsHead(key: ServiceKey): string {
  return key.kind === 'fwmark' ? `virtual_server fwmark ${key.mark}` : `virtual_server ${key.address} ${key.port}`;
}

function checkBlock(check: CheckConfig, delayLoopMs: number | undefined): string[] {
  const common = [
    ...(check.connectPort !== undefined ? [`connect_port ${check.connectPort}`] : []),
    `connect_timeout ${seconds(check.connectTimeoutMs)}`,
    `retry ${check.retry}`,
    `delay_before_retry ${seconds(check.delayBeforeRetryMs)}`,
    ...(delayLoopMs !== check.delayLoopMs ? [`delay_loop ${seconds(check.delayLoopMs)}`] : []),
  ];
  if (check.type === 'TCP_CHECK') return ['TCP_CHECK {', ...common.map((l) => `    ${l}`), '}'];
  const code = check.statusCode;
  const status = code === undefined ? [] : [`        status_code ${typeof code === 'number' ? code : `${code[0]}-${code[1]}`}`];
  return [
    'HTTP_GET {',
    '    url {',
    `        path ${check.path}`,
    ...status,
    '    }',
    ...(check.virtualhost ? [`    virtualhost ${check.virtualhost}`] : []),
    ...(check.fastRecovery ? ['    fast_recovery'] : []),
    ...common.map((l) => `    ${l}`),
    '}',
  ];
}

function realServerBlock(rs: CheckedRealServer, delayLoopMs: number | undefined): string[] {
  return [
    `real_server ${rs.address} ${rs.port} {`,
    `    weight ${rs.weight}`,
    ...(rs.inhibitOnFailure ? ['    inhibit_on_failure'] : []),
    ...(rs.alpha ? ['    alpha'] : []),
    ...checkBlock(rs.check, delayLoopMs).map((l) => `    ${l}`),
    '}',
  ];
}

function virtualServerBlock(service: CheckedService): string[] {
  const first = service.realServers[0];
  const delayLoopMs = first?.check.delayLoopMs;
  const method = METHOD[first?.forward ?? 'Masq'];
  const protocol = service.key.kind === 'addr' ? service.key.protocol.toUpperCase() : 'TCP';
  return [
    `${vsHead(service.key)} {`,
    ...(delayLoopMs !== undefined ? [`    delay_loop ${seconds(delayLoopMs)}`] : []),
    `    lvs_sched ${service.scheduler ?? 'wlc'}`,
    `    lvs_method ${method}`,
    ...(service.persistent !== undefined ? [`    persistence_timeout ${service.persistent}`] : []),
    `    protocol ${protocol}`,
    ...service.realServers.flatMap((rs) => ['', ...realServerBlock(rs, delayLoopMs).map((l) => `    ${l}`)]),
    '}',
  ];
}

/** The whole keepalived.conf of one lab director. */
export function renderKeepalivedConf(input: KeepalivedConfInput): string {
  const lines = [
    '! Configuration File for keepalived',
    ...(input.comment ? [`! ${input.comment}`] : []),
    '',
    'global_defs {',
    `   router_id ${input.routerId}`,
    '}',
    '',
    'vrrp_instance VI_LAB {',
    `    state ${input.state}`,
    `    interface ${input.interface ?? 'lo'}`,
    `    virtual_router_id ${input.virtualRouterId ?? 51}`,
    `    priority ${input.priority}`,
    '    advert_int 1',
    '    authentication {',
    '        auth_type PASS',
    `        auth_pass ${input.authPass ?? 'lablab'}`,
    '    }',
    '    virtual_ipaddress {',
    ...input.virtualIps.map((ip) => `        ${ip}`),
    '    }',
    '}',
    ...input.services.flatMap((s) => ['', ...virtualServerBlock(s)]),
  ];
  return `${lines.join('\n')}\n`;
}
