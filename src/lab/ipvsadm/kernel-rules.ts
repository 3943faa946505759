// What the IPVS kernel accepts, as far as the lab emulates it: the registered schedulers and
// persistence engines (`ip_vs_scheduler_get`, `ip_vs_pe_getbyname` → ENOENT) and the
// "address not unicast" check of `ip_vs_new_dest` (→ EINVAL).
import { ipv4ToNumber, ipv6ToWords } from '../../ipvs/ip-number.ts';
import type { Family } from '../../ipvs/model.ts';

/** Schedulers of a current kernel (all IP_VS_* scheduler modules, `twos` since Linux 6.x). */
export const KNOWN_SCHEDULERS: readonly string[] = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];

/** Persistence engines (`ip_vs_pe_sip` is the only one upstream). */
export const KNOWN_PES: readonly string[] = ['sip'];

/**
 * `inet_addr_type` is RTN_UNICAST/RTN_LOCAL: not 0.0.0.0/8, not multicast, not
 * 255.255.255.255 (subnet broadcasts depend on the host's routes and are not modelled).
 * IPv6: not `::` and not ff00::/8.
 */
export function isUnicast(family: Family, address: string): boolean {
  if (family === 'inet') {
    const n = ipv4ToNumber(address);
    if (n === undefined) return false;
    const first = n >>> 24;
    return first !== 0 && !(first >= 224 && first <= 239) && n !== 0xffffffff;
  }
  const words = ipv6ToWords(address);
  if (!words) return false;
  if (words.every((w) => w === 0)) return false;
  return ((words[0] ?? 0) & 0xff00) !== 0xff00;
}
