// Addresses as numbers: what /proc/net/ip_vs_conn prints (hex IPv4, full `%pI6` IPv6),
// what ipvsadm prints (glibc inet_ntop) and what the sort comparators compare.
import { isIP } from 'node:net';

/** Dotted IPv4 → unsigned 32-bit number; undefined when not a dotted quad. */
export function ipv4ToNumber(address: string): number | undefined {
  if (isIP(address) !== 4) return undefined;
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** IPv6 text (any valid form, embedded IPv4 included) → its eight 16-bit words. */
export function ipv6ToWords(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const n = ipv4ToNumber(v4) ?? 0;
    text = `${text.slice(0, -v4.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const zeros = new Array<number>(8 - front.length - back.length).fill(0);
  return [...front, ...zeros, ...back];
}

/** The compressed form glibc's inet_ntop prints (and so ipvsadm), incl. `::ffff:1.2.3.4`. */
export function formatIpv6(words: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  words.forEach((w, i) => {
    if (w === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = cur;
    } else {
      cur = { base: -1, len: 0 };
    }
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    const embedsV4 = i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff));
    if (embedsV4) {
      out += numberToIpv4(((words[6] ?? 0) << 16) + (words[7] ?? 0));
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

/** The kernel's `%pI6`: eight zero-padded lowercase groups, never compressed. */
export function formatIpv6Full(words: readonly number[]): string {
  return words.map((w) => w.toString(16).padStart(4, '0')).join(':');
}

/** Address bytes as one unsigned number, for ordering (IPv4 32 bits, IPv6 128 bits). */
export function addressOrder(address: string): bigint {
  const v4 = ipv4ToNumber(address);
  if (v4 !== undefined) return BigInt(v4);
  const words = ipv6ToWords(address) ?? [];
  return words.reduce((n, w) => (n << 16n) + BigInt(w), 0n);
}
