// How ipvsadm reads addresses and numbers from its arguments (`parse_service`,
// `parse_netmask`, `string_to_number`, glibc `inet_aton`/`inet_pton`), byte for byte where
// it matters. NOTE: the lab has no resolver: host names never resolve, and only a few
// well-known service names (as in /etc/services) are accepted for ports.
import { isIP } from 'node:net';
import { formatIpv6, ipv6ToWords, numberToIpv4 } from '../../ipvs/ip-number.ts';
import type { Family, Protocol } from '../../ipvs/model.ts';

/** `strtol(s, &end, 10)` fully consumed and within [min, max] (ipvsadm `string_to_number`). */
export function stringToNumber(text: string, min: number, max: number): number | undefined {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

// One inet_aton part: 0x hex, leading-0 octal, else decimal.
function atonPart(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9]\d*$/.test(part)) return Number(part);
  return undefined;
}

/** glibc `inet_aton`: `a`, `a.b`, `a.b.c`, `a.b.c.d` with C integer parts → dotted quad. */
export function inetAton(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values = parts.map(atonPart);
  if (values.some((v) => v === undefined)) return undefined;
  const nums = values as number[];
  const last = nums[nums.length - 1] ?? 0;
  const head = nums.slice(0, -1);
  if (head.some((v) => v > 0xff)) return undefined;
  const lastBits = 8 * (4 - head.length);
  if (last >= 2 ** lastBits) return undefined;
  const value = head.reduce((acc, v, i) => acc + v * 2 ** (24 - 8 * i), 0) + last;
  return numberToIpv4(value);
}

/** glibc `inet_pton(AF_INET6)`, returning the text inet_ntop would print. */
export function inetPton6(text: string): string | undefined {
  if (text.includes('%') || isIP(text) !== 6) return undefined;
  const words = ipv6ToWords(text);
  return words ? formatIpv6(words) : undefined;
}

// A few /etc/services entries, for `-t VIP:http`; `getservbyname` with the service's protocol.
const SERVICES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  imap: 143,
  https: 443,
  mysql: 3306,
  'http-alt': 8080,
};

/** ipvsadm `parse_service` result: what it read, or nothing when the text is not an address. */
export interface ParsedAddress {
  family: Family;
  address: string;
  /** Absent when the text named no port (`-r 10.0.1.11`, a bare IPv6 address). */
  port?: number;
}

function parsePortText(text: string, protocol: Protocol | undefined): number | undefined {
  const n = stringToNumber(text, 0, 65535);
  if (n !== undefined) return n;
  return protocol === 'sctp' ? undefined : SERVICES[text];
}

/**
 * `parse_service` (ipvsadm.c): `addr[:port]`, `[v6]:port` or a bare IPv6 address. Quirks kept:
 * an all-digit argument is refused, and `[1.2.3.4]:80` reads the address but not the port.
 */
export function parseServiceAddress(text: string, protocol: Protocol | undefined): ParsedAddress | undefined {
  if (/^\d+$/.test(text)) return undefined;
  let buf = text;
  let portText: string | undefined;
  if (buf.startsWith('[')) {
    const close = buf.indexOf(']');
    if (close < 0 || buf[close + 1] !== ':') return undefined;
    portText = buf.slice(close + 2);
    buf = buf.slice(1, close);
  }
  const v6 = inetPton6(buf);
  let parsed: ParsedAddress;
  if (v6 !== undefined) {
    parsed = { family: 'inet6', address: v6 };
  } else {
    const colon = buf.lastIndexOf(':');
    portText = colon < 0 ? undefined : buf.slice(colon + 1);
    const v4 = inetAton(colon < 0 ? buf : buf.slice(0, colon));
    if (v4 === undefined) return undefined;
    parsed = { family: 'inet', address: v4 };
  }
  if (portText === undefined) return parsed;
  const port = parsePortText(portText, protocol);
  return port === undefined ? undefined : { ...parsed, port };
}

/** `parse_fwmark`: 1..UINT_MAX, decimal. */
export function parseFwmark(text: string): number | undefined {
  return stringToNumber(text, 1, 0xffffffff);
}

/** C `atoi`: leading whitespace, sign, digits; anything else stops the number (0 if none). */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}
