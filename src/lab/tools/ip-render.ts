// `ip addr` output as iproute2 prints it (checked against iproute2 6.1): the multi-line form, the
// one-line form (`-o`: each address on one line, the line breaks shown as `\`), and `-br`.
import type { HostAddress, HostLink } from '../net/host-net.ts';

export interface AddrShowOptions {
  oneline: boolean;
  brief: boolean;
  family?: 'inet' | 'inet6';
}

const LIFETIME = '       valid_lft forever preferred_lft forever';

function flagsOf(link: HostLink): string {
  return link.kind === 'loopback' ? '<LOOPBACK,UP,LOWER_UP>' : '<BROADCAST,MULTICAST,UP,LOWER_UP>';
}

function linkHeader(link: HostLink): string[] {
  const qdisc = link.kind === 'loopback' ? 'noqueue state UNKNOWN' : 'fq_codel state UP';
  return [
    `${link.index}: ${link.name}: ${flagsOf(link)} mtu ${link.mtu} qdisc ${qdisc} group default qlen 1000`,
    link.kind === 'loopback' ? '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00' : `    link/ether ${link.mac} brd ff:ff:ff:ff:ff:ff`,
  ];
}

/** `    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0` (IPv6 lines end in a space: no label). */
function addressLine(a: HostAddress): string {
  const brd = a.broadcast ? ` brd ${a.broadcast}` : '';
  return `    ${a.family} ${a.address}/${a.prefix}${brd} scope ${a.scope} ${a.family === 'inet' ? (a.label ?? '') : ''}`;
}

const matches = (a: HostAddress, options: AddrShowOptions) => options.family === undefined || a.family === options.family;

/** The stdout of `ip [-o|-br] [-4|-6] addr show` over these links. */
export function renderAddrShow(links: readonly HostLink[], options: AddrShowOptions): string {
  const out: string[] = [];
  for (const link of links) {
    const addresses = link.addresses.filter((a) => matches(a, options));
    if (options.brief) {
      const state = link.kind === 'loopback' ? 'UNKNOWN' : 'UP';
      out.push(`${link.name.padEnd(16)} ${state.padEnd(14)} ${addresses.map((a) => `${a.address}/${a.prefix} `).join('')}`);
    } else if (options.oneline) {
      for (const a of addresses) out.push(`${link.index}: ${link.name}${addressLine(a)}\\${LIFETIME}`);
    } else {
      // With a family filter iproute2 leaves out the link/... line, and links without such addresses.
      if (options.family !== undefined && addresses.length === 0) continue;
      const [head, linkLine] = linkHeader(link);
      out.push(head as string);
      if (options.family === undefined) out.push(linkLine as string);
      for (const a of addresses) out.push(addressLine(a), LIFETIME);
    }
  }
  return out.map((l) => `${l}\n`).join('');
}
