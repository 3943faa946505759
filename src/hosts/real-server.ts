// The checks of one LVS-DR/TUN real server (pure): every VIP it serves is on lo (TUN: lo or a
// tunnel link), and ARP for it is suppressed on the links facing the network (arp.ts). The same
// function serves the preflight, the verify-time check, and doctor.
import { effectiveArp, networkLinks, sysctlWrite } from './arp.ts';
import { hasAddress } from './ip-addr.ts';
import type { HostCheckResult, HostNetFacts, HostProblem, IfAddress, ServedVip } from './types.ts';

/** Links a TUN real server may hold the VIP on (the decapsulated packet is addressed to it). */
const TUNNEL_LINK = /^(lo|tunl\d*|gre\d*|gretap\d*|ipip\d*|ip6tnl\d*|sit\d*|gue\d*|fou\d*)$/;

export interface RealServerNeeds {
  name: string;
  vips: readonly ServedVip[];
}

export function vipHeld(addresses: readonly IfAddress[], vip: ServedVip): boolean {
  if (vip.forward === 'Route') return hasAddress(addresses, vip.address, 'lo');
  return addresses.some((a) => a.address.toLowerCase() === vip.address.toLowerCase() && TUNNEL_LINK.test(a.ifname));
}

const plen = (vip: ServedVip) => (vip.family === 'inet' ? 32 : 128);

export function vipProblem(server: string, vip: ServedVip): HostProblem {
  const where = vip.forward === 'Route' ? 'lo' : 'lo or its tunnel link (tunl0)';
  return {
    id: 'vip-not-on-lo',
    level: 'error',
    host: server,
    role: 'server',
    message: `${server}: the VIP ${vip.address} of ${vip.service} is not on ${where}: the server drops every packet the director forwards to it (${vip.forward === 'Route' ? 'DR' : 'TUN'} leaves the VIP as destination)`,
    fix: `on ${server}: ip addr add ${vip.address}/${plen(vip)} dev ${vip.forward === 'Route' ? 'lo' : 'tunl0'}, and make it permanent in the network configuration (it is lost on a network restart)`,
  };
}

/** Checks one server's facts against the VIPs it serves. */
export function checkRealServer(needs: RealServerNeeds, facts: HostNetFacts): HostCheckResult {
  const result: HostCheckResult = { host: needs.name, role: 'server', checked: [], problems: [], skipped: [] };
  if (needs.vips.length === 0) return result;
  if (!facts.addresses.ok) {
    result.skipped.push(`the VIP on lo (ip -o addr show: ${facts.addresses.reason})`);
    return result;
  }
  const addresses = facts.addresses.value;
  for (const vip of needs.vips) {
    result.checked.push(`VIP ${vip.address} on ${vip.forward === 'Route' ? 'lo' : 'lo/tunnel'}`);
    if (!vipHeld(addresses, vip)) result.problems.push(vipProblem(needs.name, vip));
  }
  const v4 = needs.vips.filter((v) => v.family === 'inet').map((v) => v.address);
  if (v4.length === 0) return result;
  if (!facts.sysctls) return result;
  if (!facts.sysctls.ok) {
    result.skipped.push(`ARP settings (${facts.sysctls.reason})`);
    return result;
  }
  const links = networkLinks(addresses, v4);
  for (const e of effectiveArp(facts.sysctls.value, links)) {
    result.checked.push(`${e.name}=${e.effective} (${e.link})`);
    if (e.ok) continue;
    const want = e.name === 'arp_ignore' ? 1 : 2;
    const values =
      e.link === 'all' ? `net.ipv4.conf.all.${e.name}=${e.all}` : `max of net.ipv4.conf.all.${e.name}=${e.all} and net.ipv4.conf.${e.link}.${e.name}=${e.own}`;
    const effect = e.name === 'arp_ignore' ? `it answers ARP for the VIP on ${e.link}` : `it may announce the VIP as ARP source on ${e.link}`;
    const lowerOwn = e.own > want && e.name === 'arp_ignore' && e.link !== 'all' ? ` and ${sysctlWrite(e.link, e.name, want)}` : '';
    result.problems.push({
      id: 'arp-not-suppressed',
      level: 'error',
      host: needs.name,
      role: 'server',
      message: `${needs.name}: ${e.name} is ${e.effective} on ${e.link} (${values}; the kernel uses the larger): ${effect}, so clients' traffic for the VIP can bypass the director`,
      fix: `on ${needs.name}: ${sysctlWrite('all', e.name, want)}${lowerOwn}, and the same in /etc/sysctl.d/ to keep it`,
    });
  }
  return result;
}
