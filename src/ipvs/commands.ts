// ipvsadm invocations as argv arrays with a `mutates` flag (the dry-run chokepoint decides
// what runs). Edits re-send everything a dest has, because `-e` resets what it is not given
// (LVS.md §3.1): forwarding method, tunnel settings, weight and both thresholds.
import { ReleaseError } from '../core/errors.ts';
import { describeServiceKey, formatEndpoint } from './address.ts';
import type { Destination, Endpoint, ListMode, ServiceKey } from './model.ts';
import { forwardSwitch, serviceOptionArgs } from './save.ts';

export interface IpvsCommand {
  argv: string[];
  mutates: boolean;
}

const MODE_OPTION: Record<ListMode, string[]> = {
  default: [],
  stats: ['--stats'],
  rate: ['--rate'],
  thresholds: ['--thresholds'],
  'persistent-conn': ['--persistent-conn'],
};

/** `ipvsadm -L -n [-t VIP] [--stats|...] [--exact]`: always `-n` (names are slow and ambiguous). */
export function listCommand(options: { service?: ServiceKey; mode?: ListMode; exact?: boolean } = {}): IpvsCommand {
  const argv = ['ipvsadm', '-L', '-n'];
  if (options.service) argv.push(...serviceOptionArgs(options.service));
  argv.push(...MODE_OPTION[options.mode ?? 'default']);
  if (options.exact) argv.push('--exact');
  return { argv, mutates: false };
}

/** `ipvsadm -L -n --tun-info` (ipvsadm 1.31+): the only listing with a Tunnel dest's type, port and checksum besides `-S -n`. */
export function tunInfoListCommand(): IpvsCommand {
  return { argv: ['ipvsadm', '-L', '-n', '--tun-info'], mutates: false };
}

export function saveCommand(): IpvsCommand {
  return { argv: ['ipvsadm', '-S', '-n'], mutates: false };
}

/** `ipvsadm -L -n -c [--persistent-conn]` (cannot take a service: ipvsadm refuses). */
export function connListCommand(options: { persistentConn?: boolean } = {}): IpvsCommand {
  return { argv: ['ipvsadm', '-L', '-n', '-c', ...(options.persistentConn ? ['--persistent-conn'] : [])], mutates: false };
}

export function timeoutCommand(): IpvsCommand {
  return { argv: ['ipvsadm', '-L', '--timeout'], mutates: false };
}

export function versionCommand(): IpvsCommand {
  return { argv: ['ipvsadm', '-v'], mutates: false };
}

function checkWeight(weight: number, service: ServiceKey, dest: Endpoint): number {
  if (Number.isInteger(weight) && weight >= 0 && weight <= 65535) return weight;
  const where = { service: describeServiceKey(service), dest: formatEndpoint(dest) };
  throw new ReleaseError('USAGE', `weight ${weight} for ${where.dest} in ${where.service} is not an integer 0..65535`, {
    hint: 'IPVS weights are whole numbers from 0 (quiescent) to 65535.',
    details: { weight, ...where },
  });
}

function checkThreshold(value: number, name: string): string {
  if (Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return String(value);
  throw new ReleaseError('INTERNAL', `${name} ${value} is not an integer 0..2147483647`);
}

/** `-g|-m|-i [--tun-type ...]`: tunnel settings only when not the default ipip. */
function forwardArgs(dest: Destination): string[] {
  const args = [forwardSwitch(dest.forward)];
  const type = dest.tunnelType ?? 'ipip';
  if (dest.forward !== 'Tunnel' || type === 'ipip') return args;
  args.push('--tun-type', type);
  if (dest.tunnelPort !== undefined) args.push('--tun-port', String(dest.tunnelPort));
  if (dest.tunnelChecksum !== undefined) args.push(`--tun-${dest.tunnelChecksum}`);
  return args;
}

function destArgs(service: ServiceKey, dest: Destination, weight: number): string[] {
  return [
    ...serviceOptionArgs(service),
    '-r',
    formatEndpoint(dest),
    ...forwardArgs(dest),
    '-w',
    String(checkWeight(weight, service, dest)),
    '-x',
    checkThreshold(dest.upperThreshold, 'upper threshold'),
    '-y',
    checkThreshold(dest.lowerThreshold, 'lower threshold'),
  ];
}

/**
 * `ipvsadm -e`: set the weight, re-sending method, tunnel settings and thresholds of `dest`
 * as read. NOTE: thresholds show only in `--thresholds`; overlay that listing first.
 */
export function editDestCommand(service: ServiceKey, dest: Destination, options: { weight: number }): IpvsCommand {
  return { argv: ['ipvsadm', '-e', ...destArgs(service, dest, options.weight)], mutates: true };
}

/** `ipvsadm -a`, for a dest that is missing (on an existing one it exits 255). */
export function addDestCommand(service: ServiceKey, dest: Destination, options: { weight: number }): IpvsCommand {
  return { argv: ['ipvsadm', '-a', ...destArgs(service, dest, options.weight)], mutates: true };
}

/**
 * `ipvsadm -d` with the dest's listed port: `-d` does not rewrite it, so a NAT dest listed as
 * `:8080` must be named `:8080` (LVS.md §3.2). NOTE: a hard cut, not a drain (§4.1).
 */
export function deleteDestCommand(service: ServiceKey, dest: Endpoint): IpvsCommand {
  return { argv: ['ipvsadm', '-d', ...serviceOptionArgs(service), '-r', formatEndpoint(dest)], mutates: true };
}
