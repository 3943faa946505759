// Where a cluster's services and servers sit in a keepalived.conf: virtual_server blocks by
// IPVS service key (fwmark and virtual_server_group included), real_server blocks by address.
import { familyOf, sameEndpoint, sameServiceKey } from '../ipvs/address.ts';
import type { Endpoint, ForwardMethod, Protocol, ServiceKey } from '../ipvs/model.ts';
import type { KeepalivedConfig, LvsMethod, RealServerConf, VirtualServerConf } from './types.ts';

export const FORWARD_OF: Record<LvsMethod, ForwardMethod> = { NAT: 'Masq', DR: 'Route', TUN: 'Tunnel' };

const PROTOCOL: Record<VirtualServerConf['protocol'], Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function addrKey(address: string, port: number, protocol: Protocol): ServiceKey | undefined {
  const family = familyOf(address);
  return family ? { kind: 'addr', protocol, family, address, port } : undefined;
}

// A group entry: `IP PORT`, `IP-LAST PORT` (IPv4 range in the last octet) or `fwmark N`.
function groupEntryKeys(words: readonly string[], protocol: Protocol): ServiceKey[] {
  const [first = '', second = ''] = words;
  if (first === 'fwmark') return [{ kind: 'fwmark', family: 'inet', mark: Number(second) }];
  const port = Number(second);
  const range = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(first);
  if (!range) return [addrKey(first, port, protocol)].filter((k) => k !== undefined);
  const [, prefix = '', from = '0', to = '0'] = range;
  const keys: ServiceKey[] = [];
  for (let i = Number(from); i <= Math.min(Number(to), 255); i += 1) {
    const key = addrKey(`${prefix}${i}`, port, protocol);
    if (key) keys.push(key);
  }
  return keys;
}

/** The IPVS services a virtual_server block manages. */
export function serviceKeysOf(vs: VirtualServerConf, config: Pick<KeepalivedConfig, 'virtualServerGroups'>): ServiceKey[] {
  const protocol = PROTOCOL[vs.protocol];
  const a = vs.address;
  if (a.kind === 'fwmark') return [{ kind: 'fwmark', family: 'inet', mark: a.mark }];
  if (a.kind === 'addr') return [addrKey(a.address, a.port, protocol)].filter((k) => k !== undefined);
  return (config.virtualServerGroups[a.name] ?? []).flatMap((entry) => groupEntryKeys(entry, protocol));
}

/** The virtual_server block for an IPVS service, if keepalived manages it. */
export function findVirtualServer(config: KeepalivedConfig, key: ServiceKey): VirtualServerConf | undefined {
  return config.virtualServers.find((vs) => serviceKeysOf(vs, config).some((k) => sameServiceKey(k, key)));
}

/**
 * The real_server block for a destination: same address and port, else the only block with that
 * address (DR/TUN dests take the service's port in IPVS whatever keepalived.conf says).
 */
export function findRealServer(vs: VirtualServerConf, endpoint: Endpoint): RealServerConf | undefined {
  const asEndpoint = (rs: RealServerConf): Endpoint | undefined => {
    const family = familyOf(rs.address);
    return family ? { family, address: rs.address, port: rs.port } : undefined;
  };
  const exact = vs.realServers.find((rs) => {
    const e = asEndpoint(rs);
    return e !== undefined && sameEndpoint(e, endpoint);
  });
  if (exact) return exact;
  const sameAddress = vs.realServers.filter((rs) => {
    const e = asEndpoint(rs);
    return e !== undefined && sameEndpoint({ ...e, port: 0 }, { ...endpoint, port: 0 });
  });
  return sameAddress.length === 1 ? sameAddress[0] : undefined;
}
