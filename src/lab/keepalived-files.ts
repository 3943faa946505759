// keepalived.conf on the lab's directors: rendered to match the checker (`inhibit` → real_server
// blocks with inhibit_on_failure, `delete` → without), in named variants for tests (`drifted`:
// a weight and the scheduler differ; `unbalanced`: the last `}` is missing), and read back when
// replaced: like `systemctl reload keepalived`, a new file changes the running checker's
// inhibit_on_failure for the real servers it names (the rest of a reload is not modelled).
import { parseKeepalivedConf } from '../keepalived/parse.ts';
import { findRealServer, findVirtualServer } from '../keepalived/lookup.ts';
import type { ServiceKey } from '../ipvs/model.ts';
import type { Checker, CheckedService, RealServerStatus } from './net/keepalived.ts';
import { renderKeepalivedConf } from './net/keepalived.ts';

export const KEEPALIVED_VARIANTS = ['inhibit', 'delete', 'drifted', 'unbalanced'] as const;
export type KeepalivedVariant = (typeof KEEPALIVED_VARIANTS)[number];

/** Where a lab director keeps it, relative to its directory (and so to its SSH login). */
export const KEEPALIVED_PATH = 'etc/keepalived/keepalived.conf';

export interface DirectorConfInput {
  name: string;
  /** 0 for the MASTER. */
  index: number;
  vipAddress: string;
  services: CheckedService[];
  /** `drifted` and `unbalanced` start from this one (the checker's mode). */
  base: 'inhibit' | 'delete';
}

/** One director's keepalived.conf in a variant. */
export function renderLabKeepalived(input: DirectorConfInput, variant: KeepalivedVariant): string {
  const inhibit = variant === 'inhibit' || (variant !== 'delete' && input.base === 'inhibit');
  const services = input.services.map((s) => ({
    ...s,
    ...(variant === 'drifted' ? { scheduler: s.scheduler === 'rr' ? 'wlc' : 'rr' } : {}),
    realServers: s.realServers.map((rs, i) => ({
      ...rs,
      inhibitOnFailure: inhibit,
      ...(variant === 'drifted' && i === 0 ? { weight: Math.max(1, Math.floor(rs.weight / 2)) } : {}),
    })),
  }));
  const text = renderKeepalivedConf({
    routerId: input.name,
    state: input.index === 0 ? 'MASTER' : 'BACKUP',
    priority: input.index === 0 ? 150 : 100,
    interface: 'eth0',
    virtualIps: [`${input.vipAddress}/32 dev eth0`],
    services,
    comment: `lab director ${input.name}${variant === input.base ? '' : ` (${variant})`}`,
  });
  if (variant !== 'unbalanced') return text;
  // Drop the last closing brace: keepalived reads on ("There are 1 missing '}'s").
  const at = text.lastIndexOf('}');
  return `${text.slice(0, at)}${text.slice(at + 1)}`;
}

/**
 * What a reload of `text` changes on the running checker: the real servers of `service` whose
 * inhibit_on_failure differs. A file that does not describe the lab's service changes nothing.
 */
export function reloadKeepalived(checker: Checker | undefined, service: ServiceKey, text: string): RealServerStatus[] {
  if (!checker) return [];
  const { config } = parseKeepalivedConf(text);
  const vs = findVirtualServer(config, service);
  if (!vs) return [];
  const changes = checker.status().flatMap((rs) => {
    const block = findRealServer(vs, { family: 'inet', address: rs.address, port: rs.port });
    return block ? [{ address: rs.address, port: rs.port, inhibitOnFailure: block.inhibitOnFailure }] : [];
  });
  return checker.setInhibitOnFailure(changes);
}
