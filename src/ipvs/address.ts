// `addr:port`, `[v6]:port` and `FWM  N [IPv6]`: the address forms ipvsadm prints and accepts.
import { isIP } from 'node:net';
import { addressOrder, formatIpv6, ipv6ToWords } from './ip-number.ts';
import type { Endpoint, Family, ServiceKey } from './model.ts';

export function isIpv4(address: string): boolean {
  return isIP(address) === 4;
}

export function isIpv6(address: string): boolean {
  return isIP(address) === 6;
}

/** The family of a numeric address, or undefined for anything else (host names included). */
export function familyOf(address: string): Family | undefined {
  const v = isIP(address);
  return v === 4 ? 'inet' : v === 6 ? 'inet6' : undefined;
}

/** `10.0.0.1:80` or `[2001:db8::1]:80`, as `addrport_to_anyname` prints with `-n`. */
export function formatEndpoint(endpoint: Pick<Endpoint, 'family' | 'address' | 'port'>): string {
  return endpoint.family === 'inet6' ? `[${canonicalIpv6(endpoint.address)}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** The spelling inet_ntop gives an IPv6 address (`2001:0db8:0::1` → `2001:db8::1`); others unchanged. */
export function canonicalIpv6(address: string): string {
  const words = ipv6ToWords(address);
  return words ? formatIpv6(words) : address;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/**
 * `addr:port` / `[v6]:port` → Endpoint; undefined unless the address is numeric and the port
 * is 0..65535. IPv6 must be bracketed (a bare `::1:80` is ambiguous, ipvsadm reads it as v6).
 */
export function parseEndpoint(text: string): Endpoint | undefined {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) {
    const [, address = '', portText = ''] = v6;
    const port = parsePort(portText);
    return isIpv6(address) && port !== undefined ? { family: 'inet6', address, port } : undefined;
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const address = text.slice(0, colon);
  const port = parsePort(text.slice(colon + 1));
  return isIpv4(address) && port !== undefined ? { family: 'inet', address, port } : undefined;
}

/** `FWM  2` / `FWM  2 IPv6` (two spaces), the name ipvsadm lists for fwmark services. */
export function formatFwmarkName(mark: number, family: Family): string {
  return family === 'inet6' ? `FWM  ${mark} IPv6` : `FWM  ${mark}`;
}

/** A human label for logs and errors: `TCP 10.0.0.100:80`, `FWM 2`, `FWM 3 IPv6`. */
export function describeServiceKey(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `FWM ${key.mark}${key.family === 'inet6' ? ' IPv6' : ''}`;
  return `${key.protocol.toUpperCase()} ${formatEndpoint(key)}`;
}

export function sameServiceKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark') return b.kind === 'fwmark' && a.family === b.family && a.mark === b.mark;
  if (b.kind === 'fwmark') return false;
  return a.protocol === b.protocol && a.family === b.family && sameAddress(a.address, b.address) && a.port === b.port;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.family === b.family && a.port === b.port && sameAddress(a.address, b.address);
}

// IPv6 has many spellings of one address; compare them canonically.
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return isIpv6(a) && isIpv6(b) && addressOrder(a) === addressOrder(b);
}
