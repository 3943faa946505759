// `ipvsadm -L -n --tun-info` (ipvsadm 1.31, `print_title` FMT_TUN_INFO and `fwd_tun_info`):
// the default listing with a TunnelInfo column, `ipip`, `gue:PORT:-c|+c|r+c`, `gre:-c|+c|r+c`,
// or `n/a` for dests that are not tunnels.
import { formatEndpoint, sameServiceKey } from '../../ipvs/address.ts';
import { versionLine } from '../../ipvs/list-titles.ts';
import type { Destination, IpvsTable, ServiceKey, TunnelChecksum } from '../../ipvs/model.ts';
import { formatServiceLine } from '../../ipvs/service-line.ts';
import { sortServices } from '../../ipvs/sort.ts';

export const TUN_INFO_TITLE = 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';

const FLAG: Record<TunnelChecksum, string> = { nocsum: '-c', csum: '+c', remcsum: 'r+c' };

/** The TunnelInfo cell of a dest. */
export function tunnelInfo(dest: Destination): string {
  if (dest.forward !== 'Tunnel') return 'n/a';
  const type = dest.tunnelType ?? 'ipip';
  const flag = FLAG[dest.tunnelChecksum ?? 'nocsum'];
  if (type === 'gue') return `gue:${dest.tunnelPort ?? 0}:${flag}`;
  if (type === 'gre') return `gre:${flag}`;
  return type;
}

function destRow(dest: Destination): string {
  const name = formatEndpoint(dest);
  const cut = dest.family === 'inet6' ? name : name.slice(0, 28);
  const left = (n: number, width: number) => String(n).padEnd(width);
  return `  -> ${cut.padEnd(28)} ${dest.forward.padEnd(7)} ${tunnelInfo(dest).padEnd(13)} ${left(dest.weight, 6)} ${left(dest.activeConns, 10)} ${left(dest.inactiveConns, 10)}\n`;
}

/** The whole stdout; with `service`, `list_service` (no version line). The service must exist. */
export function renderTunInfoList(table: IpvsTable, options: { service?: ServiceKey; nosort?: boolean } = {}): string {
  const services = options.nosort ? table.services : sortServices(table.services);
  const shown = options.service ? services.filter((s) => sameServiceKey(s.key, options.service as ServiceKey)) : services;
  const body = shown.map((s) => `${formatServiceLine(s)}\n${s.dests.map(destRow).join('')}`).join('');
  return `${options.service ? '' : `${versionLine(table.connTableSize)}\n`}${TUN_INFO_TITLE}${body}`;
}
