// Kernel settings read as files (`cat /proc/sys/net/ipv4/...`): `cat` is in /bin on every
// distribution, while `sysctl` lives in /sbin or /usr/sbin, outside a non-root user's PATH on
// Debian. One `cat` of several files prints one value per line, in order.
import type { RemoteCommand } from '../transport/types.ts';
import type { Read } from './types.ts';

const TIMEOUT_MS = 15_000;
/** A sysctl name as the kernel spells it (interface names may hold dots, dashes and colons). */
const KEY = /^net\.ipv4\.(?:ip_forward|vs\.[a-z_]+|conf\.[A-Za-z0-9_:-][A-Za-z0-9_.:-]*\.(?:arp_ignore|arp_announce|rp_filter))$/;

/** `net.ipv4.conf.eth0.1.arp_ignore` → `/proc/sys/net/ipv4/conf/eth0.1/arp_ignore` (the dots of an interface name stay). */
export function procSysPath(key: string): string {
  if (!KEY.test(key) || key.includes('..') || key.includes('/')) throw new TypeError(`not a sysctl lvs-release reads: ${JSON.stringify(key)}`);
  const conf = /^net\.ipv4\.conf\.(.+)\.(arp_ignore|arp_announce|rp_filter)$/.exec(key);
  if (conf) return `/proc/sys/net/ipv4/conf/${conf[1]}/${conf[2]}`;
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

/** Can this interface name be read safely as a /proc/sys path element? */
export function isSafeIfname(name: string): boolean {
  return /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]*$/.test(name) && !name.includes('..') && name.length <= 15;
}

/** `cat PATH…` of the keys, in order. */
export function procSysCommand(keys: readonly string[]): RemoteCommand & { readonly argv: readonly string[] } {
  if (keys.length === 0) throw new TypeError('procSysCommand: no key');
  return { argv: ['cat', ...keys.map(procSysPath)], mutates: false, timeoutMs: TIMEOUT_MS, label: 'read kernel settings' };
}

/** The values of `cat`'s output, by key; an answer without one number per key is not an answer. */
export function parseProcSys(keys: readonly string[], stdout: string): Read<Record<string, number>> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== keys.length) return { ok: false, reason: `expected ${keys.length} value(s), got ${lines.length}` };
  const out: Record<string, number> = {};
  for (const [i, key] of keys.entries()) {
    const text = (lines[i] ?? '').trim();
    if (!/^-?\d+$/.test(text)) return { ok: false, reason: `${procSysPath(key)} is "${text}", not a number` };
    out[key] = Number(text);
  }
  return { ok: true, value: out };
}
