// `ipvsadm -L -n` and its variants, rendered exactly as ipvsadm 1.31 prints them
// (`list_all`, `list_service`, `print_service_entry`; LVS.md §1). Used by the lab's ipvsadm.
import { formatEndpoint, sameServiceKey } from './address.ts';
import { formatLargeNum } from './largenum.ts';
import { LIST_TITLES, versionLine } from './list-titles.ts';
import type { Counters, Destination, IpvsTable, ListMode, ServiceKey, VirtualService } from './model.ts';
import { formatServiceLine, formatServiceName } from './service-line.ts';
import { sortServices } from './sort.ts';

export { IPVS_VERSION, LIST_TITLES, versionLine } from './list-titles.ts';

export interface ListRenderOptions {
  mode?: ListMode;
  /** `--exact`: full numbers in the stats/rate columns. */
  exact?: boolean;
  /** `-t/-u/-f/--sctp-service`: list one service, without the version line. It must exist. */
  service?: ServiceKey;
  /** `--nosort`: keep the table's own order. */
  nosort?: boolean;
}

const ZERO: Counters = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n };

function counterFields(c: Counters | undefined, exact: boolean): string {
  const v = c ?? ZERO;
  return [v.conns, v.inPkts, v.outPkts, v.inBytes, v.outBytes].map((n) => formatLargeNum(n, exact)).join('');
}

/** `"  -> %-28s"` of the dest, IPv4 names cut to 28 characters, IPv6 never. */
function destName(dest: Destination): string {
  const name = formatEndpoint(dest);
  return `  -> ${(dest.family === 'inet6' ? name : name.slice(0, 28)).padEnd(28)}`;
}

const left = (n: number, width: number) => String(n).padEnd(width);

function destRow(dest: Destination, mode: ListMode, exact: boolean): string {
  const name = destName(dest);
  // `%-10u %-10u`: the reason dest rows end in trailing spaces.
  const counts = `${left(dest.activeConns, 10)} ${left(dest.inactiveConns, 10)}`;
  switch (mode) {
    case 'default':
      return `${name} ${dest.forward.padEnd(7)} ${left(dest.weight, 6)} ${counts}`;
    case 'stats':
      return name + counterFields(dest.stats, exact);
    case 'rate': {
      // NOTE: ipvsadm prints a dest's CPS/InPPS/OutPPS with plain " %8llu" (never a suffix).
      const r = dest.rate ?? ZERO;
      const plain = [r.conns, r.inPkts, r.outPkts].map((n) => ` ${n.toString().padStart(8)}`).join('');
      return name + plain + formatLargeNum(r.inBytes, exact) + formatLargeNum(r.outBytes, exact);
    }
    case 'thresholds':
      return `${name} ${left(dest.upperThreshold, 10)} ${left(dest.lowerThreshold, 10)} ${counts}`;
    case 'persistent-conn':
      return `${name} ${left(dest.weight, 9)} ${left(dest.persistConns, 11)} ${counts}`;
  }
}

function serviceRow(svc: VirtualService, mode: ListMode, exact: boolean): string {
  if (mode === 'stats') return formatServiceName(svc.key).padEnd(33) + counterFields(svc.stats, exact);
  if (mode === 'rate') return formatServiceName(svc.key).padEnd(33) + counterFields(svc.rate, exact);
  return formatServiceLine(svc);
}

/** One service row and its dest rows, each ending in "\n" (dests in the order given). */
export function renderServiceEntry(svc: VirtualService, options: { mode?: ListMode; exact?: boolean } = {}): string {
  const mode = options.mode ?? 'default';
  const exact = options.exact ?? false;
  const lines = [serviceRow(svc, mode, exact), ...svc.dests.map((d) => destRow(d, mode, exact))];
  return lines.map((l) => `${l}\n`).join('');
}

/** The two title lines of a mode, each ending in "\n". */
export function renderListTitle(mode: ListMode = 'default'): string {
  return LIST_TITLES[mode].map((l) => `${l}\n`).join('');
}

/**
 * The whole stdout of `ipvsadm -L -n [mode] [--exact] [service]`. With `service` it is
 * `list_service`: titles and that one service, no version line. A missing service is the
 * caller's case to handle (ipvsadm prints "No such service" and exits 1): this throws.
 */
export function renderIpvsList(table: IpvsTable, options: ListRenderOptions = {}): string {
  const mode = options.mode ?? 'default';
  const services = options.nosort ? table.services : sortServices(table.services);
  if (options.service) {
    const key = options.service;
    const svc = services.find((s) => sameServiceKey(s.key, key));
    if (!svc) throw new Error(`renderIpvsList: no such service ${JSON.stringify(key)}`);
    return renderListTitle(mode) + renderServiceEntry(svc, { mode, exact: options.exact ?? false });
  }
  return (
    `${versionLine(table.connTableSize)}\n` +
    renderListTitle(mode) +
    services.map((s) => renderServiceEntry(s, { mode, exact: options.exact ?? false })).join('')
  );
}
