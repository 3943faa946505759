// Checks over the hosts' own network facts (issue 11; LVS.md §2-§4): DR/TUN real servers hold
// the VIP on lo with ARP suppressed, the VIP sits on exactly one director, a NAT director
// forwards and its real servers route through it. The rules are src/hosts' (the same functions
// refuse a release at preflight); doctor turns their problems into findings.
import { IP_FORWARD, ipForwardProblem, vipHolderProblems, vipHoldings } from '../hosts/director.ts';
import { networkNeeds } from '../hosts/needs.ts';
import { checkRealServer } from '../hosts/real-server.ts';
import type { HostProblem } from '../hosts/types.ts';
import { finding, names, withTables } from './facts.ts';
import type { DoctorCheck, DoctorInput, Finding } from './types.ts';

function needsOf(input: DoctorInput) {
  return networkNeeds({ services: input.services, servers: input.servers, tables: new Map(withTables(input).map((d) => [d.name, d.table])) });
}

function asFinding(p: HostProblem): Finding {
  const subject = p.role === 'server' ? { server: p.host } : p.host === '*' ? {} : { director: p.host };
  // The subject names the host already: `web1: web1: …` would say it twice.
  const message = p.message.startsWith(`${p.host}: `) ? p.message.slice(p.host.length + 2) : p.message;
  return finding(p.id, p.level, subject, message, p.fix);
}

const NOT_READ_HINT = 'Checks that need it were skipped: make `ip` (iproute2) and /proc/sys readable for the SSH user, then run doctor again.';

/** Every DR/TUN real server: the VIP on lo, arp_ignore/arp_announce as the kernel applies them. */
export const realServerNetwork: DoctorCheck = (input) => {
  const network = input.network;
  if (!network) return [];
  return needsOf(input).servers.flatMap((needs) => {
    const facts = network.servers.find((s) => s.name === needs.name)?.facts;
    if (!facts) return [];
    const result = checkRealServer(needs, facts);
    return [
      ...result.problems.map(asFinding),
      ...result.skipped.map((what) => finding('unreadable', 'warn', { server: needs.name }, `could not check ${what} on ${needs.name}`, NOT_READ_HINT)),
    ];
  });
};

/** The VIP on exactly one director: two is split brain, none leaves its traffic nowhere. */
export const vipOnOneDirector: DoctorCheck = (input) => {
  const network = input.network;
  if (!network) return [];
  const holdings = vipHoldings(needsOf(input).vips, network.directors);
  const unread = network.directors
    .filter((d) => !d.facts.addresses.ok)
    .map((d) =>
      finding(
        'unreadable',
        'warn',
        { director: d.name },
        `could not read which VIPs ${d.name} holds (${d.facts.addresses.ok ? '' : d.facts.addresses.reason})`,
        NOT_READ_HINT,
      ),
    );
  const held = holdings
    .filter((h) => h.holders.length === 1)
    .map((h) =>
      finding(
        'vip-holder',
        'info',
        { director: h.holders[0]?.director },
        `the VIP ${h.vip} is on ${h.holders.map((x) => `${x.director} (${x.links.join(', ')})`).join('')}`,
        'Nothing to do.',
      ),
    );
  return [...vipHolderProblems(holdings).map(asFinding), ...unread, ...held];
};

/** A director with Masq destinations needs ip_forward=1. */
export const natForwarding: DoctorCheck = (input) => {
  const network = input.network;
  if (!network) return [];
  return needsOf(input).natDirectors.flatMap((name) => {
    const director = network.directors.find((d) => d.name === name);
    if (!director) return [];
    const sysctls = director.facts.sysctls;
    if (!sysctls?.ok || sysctls.value[IP_FORWARD] === undefined) {
      const why = sysctls && !sysctls.ok ? sysctls.reason : 'not read';
      return [finding('unreadable', 'warn', { director: name }, `could not read net.ipv4.ip_forward on ${name} (${why})`, NOT_READ_HINT)];
    }
    const problem = ipForwardProblem(director);
    return problem ? [asFinding(problem)] : [];
  });
};

/** Addresses a NAT real server's default route may point to: any address a director holds. */
function directorAddresses(input: DoctorInput): Set<string> {
  const out = new Set<string>();
  for (const d of input.network?.directors ?? []) {
    if (d.facts.addresses.ok) for (const a of d.facts.addresses.value) if (a.ifname !== 'lo') out.add(a.address);
  }
  // keepalived's VRRP addresses (the internal gateway address moves with the MASTER).
  for (const d of input.directors) {
    for (const i of d.keepalived?.parsed.config.vrrpInstances ?? [])
      for (const entry of i.virtualIpAddresses) out.add((entry.split(/\s+/)[0] ?? '').split('/')[0] ?? '');
  }
  return out;
}

const ROUTE_HINT =
  "In LVS-NAT the real servers answer through the director: make the default route go via the directors' internal (VRRP) address, e.g. ip route replace default via DIRECTOR_INTERNAL_IP.";

/** A NAT real server's default route goes through a director, or its answers never get the VIP back as source. */
export const natDefaultRoute: DoctorCheck = (input) => {
  const network = input.network;
  if (!network) return [];
  const gateways = directorAddresses(input);
  return needsOf(input).natServers.flatMap((name): Finding[] => {
    const route = network.servers.find((s) => s.name === name)?.facts.defaultRoute;
    if (!route) return [];
    if (!route.ok) {
      const message = `its default route is not checkable here (ip route show default: ${route.reason})`;
      return [
        finding(
          'nat-default-route',
          'info',
          { server: name },
          message,
          'Check by hand that the default route of every NAT real server goes through the director.',
        ),
      ];
    }
    if (route.value === null)
      return [
        finding(
          'nat-default-route',
          'warn',
          { server: name },
          `${name} has no default route: its answers to clients outside its own network never reach the director`,
          ROUTE_HINT,
        ),
      ];
    const via = route.value.via;
    if (via === undefined || gateways.has(via)) return [];
    const message = `${name}: the default route goes via ${via}${route.value.dev ? ` (dev ${route.value.dev})` : ''}, which no director holds (${names([...gateways]) || 'none read'}): answers to clients bypass the director in NAT`;
    return [finding('nat-default-route', 'warn', { server: name }, message, ROUTE_HINT)];
  });
};
