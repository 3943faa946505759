// ARP suppression on an LVS-DR/TUN real server (LVS.md; the kernel's net/ipv4/arp.c).
//
// The rule, as the kernel applies it: an ARP request for the VIP arrives on a link facing the
// network (eth0), never on lo, and the kernel uses IN_DEV_MAXCONF: max(conf/all, conf/<that link>).
// So what matters is max(all, eth0) for every link that carries traffic; conf/lo's own value
// changes nothing (the usual howto sets lo AND all: it is `all` that does the work).
// - arp_ignore (arp_ignore()): 1 = reply only for addresses on the incoming link, 2 = also same
//   subnet, 8 = never reply: each keeps the lo VIP quiet. 0 replies; 3 replies for any address
//   not of scope host (a VIP added with `ip addr add VIP/32 dev lo` is scope global); 4-7 are
//   reserved and reply.
// - arp_announce: 2 = always use the best local address of the outgoing link as the ARP source,
//   never the VIP; 0 and 1 may announce the VIP to the network.
import { procSysCommand } from './proc-sys.ts';
import type { IfAddress } from './types.ts';

export const ARP_IGNORE_OK: ReadonlySet<number> = new Set([1, 2, 8]);
export const ARP_ANNOUNCE_OK = 2;

export const arpKey = (link: string, name: 'arp_ignore' | 'arp_announce') => `net.ipv4.conf.${link}.${name}`;

/** The links whose ARP settings count: every non-lo link with an IPv4 address other than the VIPs. */
export function networkLinks(addresses: readonly IfAddress[], vips: readonly string[]): string[] {
  const skip = new Set(vips.map((v) => v.toLowerCase()));
  return [...new Set(addresses.filter((a) => a.family === 'inet' && a.ifname !== 'lo' && !skip.has(a.address.toLowerCase())).map((a) => a.ifname))];
}

/** The sysctls to read: `all` and each network link. */
export function arpKeys(links: readonly string[]): string[] {
  return ['all', ...links].flatMap((l) => [arpKey(l, 'arp_ignore'), arpKey(l, 'arp_announce')]);
}

export const arpReadCommand = (links: readonly string[]) => procSysCommand(arpKeys(links));

export interface EffectiveArp {
  link: string;
  name: 'arp_ignore' | 'arp_announce';
  all: number;
  own: number;
  effective: number;
  ok: boolean;
}

/** max(all, link) for both settings on each link (on `all` alone when the host lists no network link). */
export function effectiveArp(values: Readonly<Record<string, number>>, links: readonly string[]): EffectiveArp[] {
  const shown = links.length > 0 ? links : ['all'];
  return shown.flatMap((link) =>
    (['arp_ignore', 'arp_announce'] as const).map((name) => {
      const all = values[arpKey('all', name)] ?? 0;
      const own = values[arpKey(link, name)] ?? 0;
      const effective = Math.max(all, own);
      const ok = name === 'arp_ignore' ? ARP_IGNORE_OK.has(effective) : effective >= ARP_ANNOUNCE_OK;
      return { link, name, all, own, effective, ok };
    }),
  );
}

/** `sysctl -w net.ipv4.conf.all.arp_ignore=1`: a dotted interface name is written with `/`. */
export function sysctlWrite(link: string, name: string, value: number): string {
  return `sysctl -w net.ipv4.conf.${link.replaceAll('.', '/')}.${name}=${value}`;
}
