// Reading a host's network over its SSH session, as argvs without sudo (world-readable facts):
// `ip -o addr show`, then `cat` of the /proc/sys files that matter for what it showed. A read that
// fails is a value saying why (a host without iproute2, a PATH without /sbin), never a throw.
import type { ExecResult, HostSession, RemoteCommand } from '../transport/types.ts';
import { arpKeys, networkLinks } from './arp.ts';
import { ipAddrCommand, parseIpAddr } from './ip-addr.ts';
import { isSafeIfname, parseProcSys, procSysCommand } from './proc-sys.ts';
import { defaultRouteCommand, parseDefaultRoute } from './route.ts';
import type { HostNetFacts, IfAddress, Read } from './types.ts';

export interface HostNetRequest {
  /** Read the ARP settings of the links facing the network (DR/TUN real servers); the VIPs are left out of them. */
  arpFor?: readonly string[];
  /** Further /proc/sys keys (directors: ip_forward, net.ipv4.vs.*). */
  sysctls?: readonly string[];
  /** `ip route show default` (doctor). */
  defaultRoute?: boolean;
  signal?: AbortSignal;
}

function why(result: ExecResult): string {
  if (result.connectionLost) return 'the SSH connection was lost';
  if (result.timedOut) return 'it timed out';
  return `exit ${result.exitCode ?? result.signal}: ${result.stderr.trim().split('\n')[0] || result.error || 'no output'}`;
}

async function run(session: HostSession, command: RemoteCommand, signal?: AbortSignal): Promise<Read<string>> {
  const result = await session.exec(command, signal ? { signal } : {});
  return result.ok ? { ok: true, value: result.stdout } : { ok: false, reason: why(result) };
}

/** `ip -o addr show`; an answer without even lo's 127.0.0.1 is not a real one. */
export async function readAddresses(session: HostSession, signal?: AbortSignal): Promise<Read<IfAddress[]>> {
  const text = await run(session, ipAddrCommand(), signal);
  if (!text.ok) return text;
  const addresses = parseIpAddr(text.value);
  if (!addresses.some((a) => a.ifname === 'lo')) return { ok: false, reason: 'ip -o addr show listed no address on lo' };
  return { ok: true, value: addresses };
}

/**
 * The keys' values in one `cat`; when it fails (a file missing: /proc/sys/net/ipv4/vs before the
 * ip_vs module is loaded), each key alone, so one missing file does not hide the others (a key
 * still unread is then absent from the values).
 */
export async function readSysctls(session: HostSession, keys: readonly string[], signal?: AbortSignal): Promise<Read<Record<string, number>>> {
  if (keys.length === 0) return { ok: true, value: {} };
  const text = await run(session, procSysCommand(keys), signal);
  if (text.ok) return parseProcSys(keys, text.value);
  if (keys.length === 1) return text;
  const each = await Promise.all(keys.map((key) => readSysctls(session, [key], signal)));
  const read = each.flatMap((r) => (r.ok ? [r.value] : []));
  return read.length === 0 ? text : { ok: true, value: Object.assign({}, ...read) as Record<string, number> };
}

/** One host's network facts, as asked. */
export async function readHostNet(session: HostSession, request: HostNetRequest): Promise<HostNetFacts> {
  const { signal } = request;
  const [addresses, route] = await Promise.all([
    readAddresses(session, signal),
    request.defaultRoute ? run(session, defaultRouteCommand(), signal) : undefined,
  ]);
  const facts: HostNetFacts = { addresses };
  if (route) facts.defaultRoute = route.ok ? { ok: true, value: parseDefaultRoute(route.value) } : route;
  const keys = [...(request.sysctls ?? [])];
  if (request.arpFor) {
    if (!addresses.ok) {
      facts.sysctls = { ok: false, reason: 'the links were not known (ip -o addr show failed)' };
      return facts;
    }
    const links = networkLinks(addresses.value, request.arpFor);
    const unsafe = links.filter((l) => !isSafeIfname(l));
    if (unsafe.length > 0) {
      facts.sysctls = { ok: false, reason: `link names not read as paths: ${unsafe.join(', ')}` };
      return facts;
    }
    keys.push(...arpKeys(links));
  }
  if (keys.length > 0) facts.sysctls = await readSysctls(session, keys, signal);
  return facts;
}
