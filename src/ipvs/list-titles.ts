// The two title lines of each `ipvsadm -L -n` variant (`print_title`, ipvsadm.c:1873-1900).
import type { ListMode } from './model.ts';

const PROT = 'Prot LocalAddress:Port'.padEnd(33);
const REMOTE = '  -> RemoteAddress:Port';

const right8 = (names: string[]) => names.map((n) => n.padStart(8)).join(' ');

export const LIST_TITLES: Record<ListMode, readonly [string, string]> = {
  default: ['Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'],
  stats: [`${PROT} ${right8(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'])}`, REMOTE],
  rate: [`${PROT} ${right8(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'])}`, REMOTE],
  thresholds: [`${PROT} ${'Uthreshold'.padEnd(10)} ${'Lthreshold'.padEnd(10)} ${'ActiveConn'.padEnd(10)} ${'InActConn'.padEnd(10)}`, REMOTE],
  'persistent-conn': [`${PROT} ${'Weight'.padEnd(9)} ${'PersistConn'.padEnd(11)} ${'ActiveConn'.padEnd(10)} ${'InActConn'.padEnd(10)}`, REMOTE],
};

export const LIST_MODES = Object.keys(LIST_TITLES) as ListMode[];

/** `IP Virtual Server version 1.2.1 (size=4096)`: the kernel's IPVS version on every modern kernel. */
export const IPVS_VERSION = '1.2.1';

export function versionLine(connTableSize: number, version = IPVS_VERSION): string {
  return `IP Virtual Server version ${version} (size=${connTableSize})`;
}
