// From a parsed command entry to what the kernel calls receive: the service key, the service
// settings of -A/-E and the dest settings of -a/-e.
import type { ServiceKey } from '../../ipvs/model.ts';
import type { CommandEntry } from './entry.ts';
import type { DestSettings, ServiceSettings } from './types.ts';

/** The service the entry names (`-t/-u/--sctp-service` or `-f [-6]`). */
export function serviceKeyOf(entry: CommandEntry): ServiceKey {
  const svc = entry.svc;
  const family = svc.family ?? 'inet';
  if (svc.fwmark) return { kind: 'fwmark', family, mark: svc.fwmark };
  return { kind: 'addr', protocol: svc.protocol ?? 'tcp', family, address: svc.address ?? '0.0.0.0', port: svc.port };
}

/** `ipvs_service_t` as -A/-E send it; the default mask is left out, as listings leave it out. */
export function serviceSettingsOf(entry: CommandEntry): ServiceSettings {
  const svc = entry.svc;
  const settings: ServiceSettings = { key: serviceKeyOf(entry), scheduler: svc.scheduler || 'wlc', flags: [...svc.schedFlags], ops: svc.ops };
  if (svc.persistent !== undefined) settings.persistent = svc.persistent;
  const defaultMask = (svc.family ?? 'inet') === 'inet6' ? '128' : '255.255.255.255';
  if (svc.netmask !== defaultMask) settings.netmask = svc.netmask;
  if (svc.pe !== '') settings.pe = svc.pe;
  return settings;
}

/** `ipvs_dest_t` as -a/-e send it: every attribute, defaults included (LVS.md §3.1). */
export function destSettingsOf(entry: CommandEntry): DestSettings {
  const d = entry.dest;
  const settings: DestSettings = {
    family: d.family ?? 'inet',
    address: d.address ?? '0.0.0.0',
    port: d.port,
    forward: d.forward,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
  };
  if (d.forward !== 'Tunnel') return settings;
  settings.tunnelType = d.tunnelType;
  if (d.tunnelType === 'gue') settings.tunnelPort = d.tunnelPort;
  if (d.tunnelType !== 'ipip') settings.tunnelChecksum = d.tunnelChecksum;
  return settings;
}
