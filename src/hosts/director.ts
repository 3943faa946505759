// The directors' side (pure): the VIP on exactly one director (two = split brain, seed 1.1;
// none = nobody receives the traffic), forwarding on for NAT, and the IPVS sysctls a drain
// depends on (expire_quiescent_template for persistent services, LVS.md §4.3).
import { linksHolding } from './ip-addr.ts';
import type { HostNetFacts, HostProblem } from './types.ts';

export const IP_FORWARD = 'net.ipv4.ip_forward';
export const EXPIRE_QUIESCENT = 'net.ipv4.vs.expire_quiescent_template';

export interface DirectorNet {
  name: string;
  facts: HostNetFacts;
}

export interface VipHolding {
  vip: string;
  /** Directors holding it (link names in brackets for messages). */
  holders: { director: string; links: string[] }[];
  /** Directors whose addresses could not be read. */
  unknown: string[];
}

/** Which director holds each VIP, from their `ip -o addr show`. */
export function vipHoldings(vips: readonly string[], directors: readonly DirectorNet[]): VipHolding[] {
  return [...new Set(vips)].map((vip) => ({
    vip,
    holders: directors.flatMap((d) => {
      if (!d.facts.addresses.ok) return [];
      const links = linksHolding(d.facts.addresses.value, vip);
      return links.length > 0 ? [{ director: d.name, links }] : [];
    }),
    unknown: directors.filter((d) => !d.facts.addresses.ok).map((d) => d.name),
  }));
}

/** Split brain (two holders) and a VIP nobody holds, as problems; a VIP some director could not be read for is never "unheld". */
export function vipHolderProblems(holdings: readonly VipHolding[]): HostProblem[] {
  return holdings.flatMap((h): HostProblem[] => {
    const named = h.holders.map((x) => `${x.director} (${x.links.join(', ')})`).join(' and ');
    if (h.holders.length > 1) {
      return [
        {
          id: 'split-brain',
          level: 'error',
          host: h.holders.map((x) => x.director).join(','),
          role: 'director',
          message: `the VIP ${h.vip} is held by ${named} at once (split brain): both answer ARP for it, so clients reach either table and a drain confirmed on one is not what the other routes by`,
          fix: `restore VRRP between the directors (keepalived logs; VRRP, IP protocol 112, or the unicast peers allowed by the firewall); the one that must be BACKUP then drops it (by hand: ip addr del ${h.vip}/32 dev ${h.holders[1]?.links[0] ?? 'eth0'} on ${h.holders[1]?.director ?? 'the BACKUP'})`,
        },
      ];
    }
    if (h.holders.length === 0 && h.unknown.length === 0) {
      return [
        {
          id: 'vip-unheld',
          level: 'error',
          host: '*',
          role: 'director',
          message: `no director holds the VIP ${h.vip}: nothing receives its traffic`,
          fix: 'start keepalived on the directors (or check why no VRRP instance is MASTER), then check `ip -o addr show` on each',
        },
      ];
    }
    return [];
  });
}

/** A NAT director must forward: with ip_forward=0 the real servers' answers never leave it. */
export function ipForwardProblem(director: DirectorNet): HostProblem | undefined {
  const sysctls = director.facts.sysctls;
  if (!sysctls?.ok || sysctls.value[IP_FORWARD] === undefined || sysctls.value[IP_FORWARD] !== 0) return undefined;
  return {
    id: 'nat-no-forwarding',
    level: 'error',
    host: director.name,
    role: 'director',
    message: `${director.name}: net.ipv4.ip_forward is 0: a NAT (Masq) director forwards nothing, so every connection through it fails`,
    fix: `on ${director.name}: sysctl -w net.ipv4.ip_forward=1, and net.ipv4.ip_forward = 1 in /etc/sysctl.d/ to keep it`,
  };
}
