// `ip -o addr show` (iproute2's one-line form): each address on one line, the continuation shown
// as `\`. Parsed by words, not columns: `IDX: IFNAME FAMILY ADDR[/PLEN] [peer P[/PL]] [brd B] ...
// scope S [flags] [label]`.
import type { RemoteCommand } from '../transport/types.ts';
import type { IfAddress } from './types.ts';

const TIMEOUT_MS = 15_000;

/** `ip -o addr show` (every link): the VIP on lo, the links facing the network, and a director's VIP. */
export function ipAddrCommand(): RemoteCommand & { readonly argv: readonly string[] } {
  return { argv: ['ip', '-o', 'addr', 'show'], mutates: false, timeoutMs: TIMEOUT_MS, label: 'ip -o addr show' };
}

function addressOf(word: string, family: IfAddress['family']): { address: string; prefix: number } | undefined {
  const [address = '', plen] = word.split('/');
  const prefix = plen === undefined ? (family === 'inet' ? 32 : 128) : Number(plen);
  if (address === '' || !Number.isInteger(prefix)) return undefined;
  return { address, prefix };
}

/** Every address of the listing; lines that are not address lines are skipped. */
export function parseIpAddr(text: string): IfAddress[] {
  const out: IfAddress[] = [];
  for (const raw of text.split('\n')) {
    const words = (raw.split('\\')[0] ?? '').trim().split(/\s+/);
    const [index, name, family, addr] = words;
    if (!index?.endsWith(':') || !name || (family !== 'inet' && family !== 'inet6') || !addr) continue;
    const peer = words.indexOf('peer');
    const parsed = addressOf(addr, family);
    if (!parsed) continue;
    // `inet 10.8.0.1 peer 10.8.0.2/32`: the prefix belongs to the peer.
    const prefix = peer > 0 && !addr.includes('/') ? (family === 'inet' ? 32 : 128) : parsed.prefix;
    const scopeAt = words.indexOf('scope');
    out.push({
      ifname: name.replace(/:$/, '').split('@')[0] as string,
      family,
      address: parsed.address,
      prefix,
      scope: scopeAt > 0 ? (words[scopeAt + 1] ?? '') : '',
    });
  }
  return out;
}

/** Does `address` sit on `ifname`? (IPv6 compared case-insensitively.) */
export function hasAddress(addresses: readonly IfAddress[], address: string, ifname?: string): boolean {
  const want = address.toLowerCase();
  return addresses.some((a) => a.address.toLowerCase() === want && (ifname === undefined || a.ifname === ifname));
}

/**
 * The links holding `address` so that the host answers for it on the network: not lo, not a
 * `scope host` address (the NAT lab's directors list lo's 127.0.0.1/8, which is not the VIP).
 */
export function linksHolding(addresses: readonly IfAddress[], address: string): string[] {
  const want = address.toLowerCase();
  return [...new Set(addresses.filter((a) => a.address.toLowerCase() === want && a.ifname !== 'lo' && a.scope !== 'host').map((a) => a.ifname))];
}
