// `ipvsadm -L -n --tun-info` (ipvsadm 1.31, `fwd_tun_info`): the default listing with a TunnelInfo
// column between Forward and Weight: `ipip`, `gue:PORT:-c|+c|r+c`, `gre:-c|+c|r+c`, or `n/a` for
// a dest that is not a tunnel. The only listing that shows a Tunnel dest's type, port and checksum
// besides `-S -n`: read before a Tunnel dest is edited, since `-e` resets what it is not given
// (LVS.md §3.1). Parsed by words; a row that is not one throws IpvsParseError.
import type { Destination, TunnelChecksum, VirtualService } from './model.ts';
import { atLine, IpvsParseError, reject } from './parse-error.ts';
import { endpointOrReject, parseServiceDetails, parseServiceName } from './service-line.ts';
import { fields, outputLines, parseUint } from './tokens.ts';

const WHAT = 'ipvsadm -L -n --tun-info output';
const TITLE = [
  ['Prot', 'LocalAddress:Port', 'Scheduler', 'Flags'],
  ['->', 'RemoteAddress:Port', 'Forward', 'TunnelInfo', 'Weight', 'ActiveConn', 'InActConn'],
];
const CHECKSUM: Record<string, TunnelChecksum> = { '-c': 'nocsum', '+c': 'csum', 'r+c': 'remcsum' };
const FORWARDS = ['Masq', 'Route', 'Tunnel', 'Local'] as const;

export type TunnelInfo = Pick<Destination, 'tunnelType' | 'tunnelPort' | 'tunnelChecksum'>;

/** The TunnelInfo cell → the dest's tunnel settings ({} for `n/a`). */
export function parseTunnelInfo(cell: string): TunnelInfo {
  if (cell === 'n/a') return {};
  if (cell === 'ipip') return { tunnelType: 'ipip' };
  const gue = /^gue:(\d+):(-c|\+c|r\+c)$/.exec(cell);
  if (gue)
    return {
      tunnelType: 'gue',
      tunnelPort: parseUint(gue[1], 65535) ?? reject(`bad GUE port in "${cell}"`),
      tunnelChecksum: CHECKSUM[gue[2] as string] as TunnelChecksum,
    };
  const gre = /^gre:(-c|\+c|r\+c)$/.exec(cell);
  if (gre) return { tunnelType: 'gre', tunnelChecksum: CHECKSUM[gre[1] as string] as TunnelChecksum };
  return reject(`unknown TunnelInfo "${cell}"`);
}

function readDest(tokens: readonly string[]): Destination {
  const [name, forward, info, weight, active, inactive, ...extra] = tokens;
  if (inactive === undefined || extra.length > 0) reject(`expected 6 fields after "->", got ${tokens.length}`);
  const method = FORWARDS.find((f) => f === forward) ?? reject(`unknown forwarding method "${forward ?? ''}"`);
  return {
    ...endpointOrReject(name, 'real server'),
    forward: method,
    weight: parseUint(weight, 0x7fffffff) ?? reject(`weight "${weight ?? ''}" is not a number`),
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: parseUint(active, 0xffffffff) ?? reject(`ActiveConn "${active ?? ''}" is not a number`),
    inactiveConns: parseUint(inactive, 0xffffffff) ?? reject(`InActConn "${inactive ?? ''}" is not a number`),
    persistConns: 0,
    ...parseTunnelInfo(info ?? ''),
  };
}

/** The services of a `--tun-info` listing, each dest with its tunnel settings. */
export function parseTunInfoList(text: string): VirtualService[] {
  const lines = outputLines(text);
  const start = lines[0]?.startsWith('IP Virtual Server version') ? 1 : 0;
  const titled = TITLE.every((title, i) => fields(lines[start + i] ?? '').join(' ') === title.join(' '));
  if (!titled) throw new IpvsParseError(WHAT, start + 1, lines[start] ?? '', 'not an ipvsadm -L -n --tun-info title');
  const services: VirtualService[] = [];
  lines.slice(start + 2).forEach((line, k) => {
    atLine(WHAT, start + 2 + k, line, () => {
      const tokens = fields(line);
      if (tokens.length === 0) return;
      if (tokens[0] === '->') {
        const current = services.at(-1) ?? reject('real server row before any service row');
        current.dests.push(readDest(tokens.slice(1)));
        return;
      }
      const { key, used } = parseServiceName(tokens);
      services.push({ key, dests: [], ...parseServiceDetails(tokens.slice(used)) });
    });
  });
  return services;
}
