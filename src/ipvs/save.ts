// `ipvsadm -S -n` (what `ipvsadm-save -n` runs): one `-A` rule per service, then its `-a`
// dest rules, in listing order (ipvsadm.c `print_service_entry` with FMT_RULE; LVS.md §1.8).
// NOTE: thresholds (-x/-y) are not saved, so a restore from -S loses them.
import { formatEndpoint, sameServiceKey } from './address.ts';
import type { Destination, ForwardMethod, Protocol, ServiceKey, TunnelChecksum, VirtualService } from './model.ts';
import { atLine, reject } from './parse-error.ts';
import { fields, outputLines, parseUint } from './tokens.ts';
import { endpointOrReject, isNonDefaultMask } from './service-line.ts';
import { sortServices } from './sort.ts';

const SERVICE_OPTION = { tcp: '-t', udp: '-u', sctp: '--sctp-service' } as const;
const PROTOCOL_BY_OPTION: Record<string, Protocol> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };
const FORWARD_SWITCH: Record<ForwardMethod, string> = { Masq: '-m', Route: '-g', Local: '-g', Tunnel: '-i' };
const FORWARD_BY_SWITCH: Record<string, ForwardMethod> = { '-m': 'Masq', '-g': 'Route', '-i': 'Tunnel' };
const CHECKSUMS: readonly TunnelChecksum[] = ['nocsum', 'csum', 'remcsum'];

/** The service part of a rule as argv words: `-t 10.0.0.100:80`, `-f 2`, `-f 3 -6`. */
export function serviceOptionArgs(key: ServiceKey): string[] {
  if (key.kind === 'fwmark') return key.family === 'inet6' ? ['-f', String(key.mark), '-6'] : ['-f', String(key.mark)];
  return [SERVICE_OPTION[key.protocol], formatEndpoint(key)];
}

/** Tunnel options as `print_tunnel_rule` writes them: ipip, `gue --tun-port P --tun-x`, `gre --tun-x`. */
export function tunnelArgs(dest: Destination): string[] {
  if (dest.forward !== 'Tunnel') return [];
  const type = dest.tunnelType ?? 'ipip';
  const checksum = `--tun-${dest.tunnelChecksum ?? 'nocsum'}`;
  if (type === 'gue') return ['--tun-type', type, '--tun-port', String(dest.tunnelPort ?? 0), checksum];
  if (type === 'gre') return ['--tun-type', type, checksum];
  return ['--tun-type', type];
}

export function forwardSwitch(forward: ForwardMethod): string {
  return FORWARD_SWITCH[forward];
}

function serviceRule(svc: VirtualService): string {
  const words = ['-A', ...serviceOptionArgs(svc.key), '-s', svc.scheduler];
  if (svc.persistent !== undefined) {
    words.push('-p', String(svc.persistent));
    if (isNonDefaultMask(svc)) words.push('-M', svc.netmask);
  }
  if (svc.pe) words.push('--pe', svc.pe);
  if (svc.ops) words.push('-o');
  if (svc.flags.length > 0) words.push('-b', svc.flags.join(','));
  return words.join(' ');
}

function destRule(svc: VirtualService, dest: Destination): string {
  const words = ['-a', ...serviceOptionArgs(svc.key), '-r', formatEndpoint(dest), FORWARD_SWITCH[dest.forward]];
  return [...words, '-w', String(dest.weight), ...tunnelArgs(dest)].join(' ');
}

/** The whole stdout of `ipvsadm -S -n` (sorted like the listing unless `nosort`). */
export function renderSave(services: readonly VirtualService[], options: { nosort?: boolean } = {}): string {
  const sorted = options.nosort ? services : sortServices(services);
  const lines = sorted.flatMap((svc) => [serviceRule(svc), ...svc.dests.map((d) => destRule(svc, d))]);
  return lines.map((l) => `${l}\n`).join('');
}

/** Read the service option at the start of `words` (after `-A`/`-a`); returns it and the rest. */
function readServiceOption(words: readonly string[]): { key: ServiceKey; rest: string[] } {
  const [opt, value, ...rest] = words;
  if (opt === '-f') {
    const mark = parseUint(value, 0xffffffff) ?? reject(`bad fwmark "${value ?? ''}"`);
    const v6 = rest[0] === '-6';
    return { key: { kind: 'fwmark', family: v6 ? 'inet6' : 'inet', mark }, rest: v6 ? rest.slice(1) : rest };
  }
  const protocol = PROTOCOL_BY_OPTION[opt ?? ''] ?? reject(`unknown service option "${opt ?? ''}"`);
  return { key: { kind: 'addr', protocol, ...endpointOrReject(value, 'virtual service') }, rest };
}

function readServiceRule(words: readonly string[]): VirtualService {
  const { key, rest } = readServiceOption(words);
  const svc: VirtualService = { key, scheduler: 'wlc', flags: [], ops: false, dests: [] };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    const next = () => rest[++i] ?? reject(`missing value after ${word ?? ''}`);
    if (word === '-s') svc.scheduler = next();
    else if (word === '-p') svc.persistent = parseUint(next(), 0xffffffff) ?? reject('bad persistence timeout');
    else if (word === '-M') svc.netmask = next();
    else if (word === '--pe') svc.pe = next();
    else if (word === '-o') svc.ops = true;
    else if (word === '-b') svc.flags = next().split(',');
    else reject(`unknown service option "${word ?? ''}"`);
  }
  return svc;
}

function readDestRule(words: readonly string[]): { key: ServiceKey; dest: Destination } {
  const { key, rest } = readServiceOption(words);
  if (rest[0] !== '-r') reject('missing -r');
  const endpoint = endpointOrReject(rest[1], 'real server');
  const dest: Destination = {
    ...endpoint,
    forward: 'Route',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
  };
  for (let i = 2; i < rest.length; i++) {
    const word = rest[i] ?? '';
    const next = () => rest[++i] ?? reject(`missing value after ${word}`);
    const checksum = CHECKSUMS.find((c) => word === `--tun-${c}`);
    if (FORWARD_BY_SWITCH[word]) dest.forward = FORWARD_BY_SWITCH[word];
    else if (word === '-w') dest.weight = parseUint(next(), 65535) ?? reject('bad weight');
    else if (word === '--tun-type') dest.tunnelType = next();
    else if (word === '--tun-port') dest.tunnelPort = parseUint(next(), 65535) ?? reject('bad tunnel port');
    else if (checksum) dest.tunnelChecksum = checksum;
    else reject(`unknown real server option "${word}"`);
  }
  return { key, dest };
}

/** Parse `ipvsadm -S -n`; dests carry zero counters and thresholds (not saved). */
export function parseSave(text: string): VirtualService[] {
  const what = 'ipvsadm -S -n output';
  const services: VirtualService[] = [];
  for (const [index, line] of outputLines(text).entries()) {
    atLine(what, index, line, () => {
      const [command, ...words] = fields(line);
      if (command === '-A') services.push(readServiceRule(words));
      else if (command === '-a') {
        const { key, dest } = readDestRule(words);
        const svc = services.find((s) => sameServiceKey(s.key, key)) ?? reject('real server rule before its service rule');
        svc.dests.push(dest);
      } else reject(`expected -A or -a, got "${command ?? ''}"`);
    });
  }
  return services;
}
