// Test data for the doctor: the fixture cluster (VIP 10.0.0.100, web1-3 = 10.0.1.11-13, DR),
// tables built in memory, and small keepalived.conf texts.
import type { Destination, IpvsTable, ServiceKey, VirtualService } from '../../src/ipvs/model.ts';
import { parseKeepalivedConf } from '../../src/keepalived/parse.ts';
import type { DoctorDirector, DoctorDrain, DoctorInput, DoctorServer } from '../../src/doctor/types.ts';
import { readFixture } from '../helpers/fixtures.ts';

export const HTTP: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };
export const HTTPS: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 443 };
export const DNS: ServiceKey = { kind: 'addr', protocol: 'udp', family: 'inet', address: '10.0.0.100', port: 53 };

export function aServer(n: number, services: readonly ServiceKey[] = [HTTP], extra: Partial<DoctorServer> = {}): DoctorServer {
  const address = `10.0.1.${10 + n}`;
  return {
    name: `web${n}`,
    address,
    destinations: services.map((service) => ({
      service,
      endpoint: { family: 'inet', address, port: service.kind === 'addr' ? service.port : 0 },
    })),
    healthFile: '/srv/www/app/shared/health/ready.html',
    ...extra,
  };
}

export function aDest(n: number, port = 80, extra: Partial<Destination> = {}): Destination {
  return {
    family: 'inet',
    address: `10.0.1.${10 + n}`,
    port,
    forward: 'Route',
    weight: 100,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
    ...extra,
  };
}

export function aService(key: ServiceKey, extra: Partial<VirtualService> = {}): VirtualService {
  const port = key.kind === 'addr' ? key.port : 0;
  return { key, scheduler: 'wlc', flags: [], ops: false, dests: [1, 2, 3].map((n) => aDest(n, port)), ...extra };
}

export const aTable = (services: VirtualService[] = [aService(HTTP)]): IpvsTable => ({ connTableSize: 4096, services });

export function aDirector(name: string, extra: Partial<DoctorDirector> = {}): DoctorDirector {
  return { name, table: aTable(), unreadable: [], ...extra };
}

export function withConf(text: string, path = '/etc/keepalived/keepalived.conf'): DoctorDirector['keepalived'] {
  return { path, parsed: parseKeepalivedConf(text) };
}

export const fixtureConf = (name: string) => withConf(readFixture(`keepalived/${name}.conf`));

export const DRAIN: DoctorDrain = { method: 'healthfile', connections: 'server', timeoutMs: 300_000, onTimeout: 'fail' };

export function anInput(extra: Partial<DoctorInput> = {}): DoctorInput {
  return {
    services: [HTTP],
    servers: [1, 2, 3].map((n) => aServer(n)),
    directors: [aDirector('lvs1'), aDirector('lvs2')],
    drain: DRAIN,
    ...extra,
  };
}

export interface ConfOptions {
  inhibit?: boolean;
  weights?: number[];
  quorum?: number;
  hysteresis?: number;
  sorry?: boolean;
  sched?: string;
  flags?: string[];
  persistence?: number;
  path?: string;
  checker?: 'HTTP_GET' | 'TCP_CHECK';
  syncDaemon?: boolean;
  routerId?: string;
}

/** A keepalived.conf for the HTTP service of the fixture cluster. */
export function confText(o: ConfOptions = {}): string {
  const weights = o.weights ?? [100, 100, 100];
  const check =
    (o.checker ?? 'HTTP_GET') === 'HTTP_GET'
      ? ['        HTTP_GET {', '            url {', `                path ${o.path ?? '/health/ready.html'}`, '            }', '        }']
      : ['        TCP_CHECK {', '            connect_timeout 3', '        }'];
  return [
    'global_defs {',
    `    router_id ${o.routerId ?? 'lvs1'}`,
    ...((o.syncDaemon ?? true) ? ['    lvs_sync_daemon eth1 VI_WEB id 51'] : []),
    '}',
    'virtual_server 10.0.0.100 80 {',
    `    lvs_sched ${o.sched ?? 'wlc'}`,
    ...(o.flags ?? []).map((f) => `    ${f}`),
    '    lvs_method DR',
    ...(o.persistence !== undefined ? [`    persistence_timeout ${o.persistence}`] : []),
    ...(o.quorum !== undefined ? [`    quorum ${o.quorum}`] : []),
    ...(o.hysteresis !== undefined ? [`    hysteresis ${o.hysteresis}`] : []),
    ...(o.sorry ? ['    sorry_server 10.0.9.10 80'] : []),
    ...weights.flatMap((w, i) => [
      `    real_server 10.0.1.${11 + i} 80 {`,
      `        weight ${w}`,
      ...((o.inhibit ?? true) ? ['        inhibit_on_failure'] : []),
      ...check,
      '    }',
    ]),
    '}',
    '',
  ].join('\n');
}
