// One lab host's network state, as its own tools report it: links with their addresses (`ip
// addr`) and the sysctls a release checks (`sysctl`, /proc/sys). The lab reads it too: a DR server
// without the VIP on lo drops the VIP's packets, a director without the VIP receives none, a NAT
// director with ip_forward=0 forwards none. Changes come from the host's own `ip`/`sysctl` or the
// control API; listeners hear of each one.

export type AddrScope = 'host' | 'link' | 'global';

export interface HostAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  broadcast?: string;
  scope: AddrScope;
  /** IPv4 label (`lo`, `eth0`, `eth0:vip`); IPv6 addresses have none. */
  label?: string;
}

export interface HostLink {
  index: number;
  name: string;
  kind: 'loopback' | 'ether';
  mac: string;
  mtu: number;
  addresses: HostAddress[];
}

export type SysctlWrite = 'ok' | 'unknown' | 'invalid';
export type AddressChange = 'ok' | 'exists' | 'not-found' | 'no-device';

export interface HostNet {
  readonly name: string;
  /** A copy of the links and their addresses, in index order. */
  links(): HostLink[];
  hasLink(name: string): boolean;
  /** Whether `address` is configured (IPv4/IPv6 text), on `link` or on any link. */
  hasAddress(address: string, link?: string): boolean;
  /** Whether some address passes `test` (no copies: the VIP asks this on every packet). */
  someAddress(test: (link: string, address: Readonly<HostAddress>) => boolean): boolean;
  addAddress(link: string, address: HostAddress): AddressChange;
  /** Deletes `address` from `link`; without `prefix`, the first address with that text (iproute2's wildcard deletion). */
  deleteAddress(link: string, address: string, prefix?: number): AddressChange;
  sysctl(key: string): string | undefined;
  setSysctl(key: string, value: string): SysctlWrite;
  sysctlKeys(): string[];
  /** Called after every change (address or sysctl). */
  onChange(listener: (host: string) => void): void;
}

export interface HostNetOptions {
  name: string;
  /** The host's number among its kind, for a stable MAC address. */
  seed: number;
  /** eth0's primary IPv4 address and prefix. */
  primary: { address: string; prefix: number };
  sysctls: Record<string, string>;
}

/** `a.b.c.d/p` → its broadcast address. */
export function broadcastOf(address: string, prefix: number): string {
  const n = address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  const host = (1n << BigInt(32 - prefix)) - 1n;
  const b = n | host;
  return [24n, 16n, 8n, 0n].map((s) => String((b >> s) & 255n)).join('.');
}

// EUI-64 link-local from the MAC, as the kernel derives it.
function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = b;
  const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${hex(b0 ^ 2, b1)}:${hex(b2, 0xff)}:${hex(0xfe, b3)}:${hex(b4, b5)}`;
}

const isInteger = (value: string) => /^-?\d+$/.test(value.trim());

/** A host with lo (127.0.0.1/8, ::1) and eth0 (its primary address, a link-local IPv6). */
export function createHostNet(options: HostNetOptions): HostNet {
  const mac = `52:54:00:${[options.seed >> 16, options.seed >> 8, options.seed].map((n) => (n & 255).toString(16).padStart(2, '0')).join(':')}`;
  const links: HostLink[] = [
    {
      index: 1,
      name: 'lo',
      kind: 'loopback',
      mac: '00:00:00:00:00:00',
      mtu: 65536,
      addresses: [
        { family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host', label: 'lo' },
        { family: 'inet6', address: '::1', prefix: 128, scope: 'host' },
      ],
    },
    {
      index: 2,
      name: 'eth0',
      kind: 'ether',
      mac,
      mtu: 1500,
      addresses: [
        {
          family: 'inet',
          address: options.primary.address,
          prefix: options.primary.prefix,
          broadcast: broadcastOf(options.primary.address, options.primary.prefix),
          scope: 'global',
          label: 'eth0',
        },
        { family: 'inet6', address: linkLocal(mac), prefix: 64, scope: 'link' },
      ],
    },
  ];
  const sysctls = new Map(Object.entries(options.sysctls));
  const listeners: ((host: string) => void)[] = [];
  const changed = () => {
    for (const listener of listeners) listener(options.name);
  };
  const linkOf = (name: string) => links.find((l) => l.name === name);

  return {
    name: options.name,
    links: () => links.map((l) => ({ ...l, addresses: l.addresses.map((a) => ({ ...a })) })),
    hasLink: (name) => linkOf(name) !== undefined,
    hasAddress: (address, link) => links.some((l) => (link === undefined || l.name === link) && l.addresses.some((a) => a.address === address)),
    someAddress: (test) => links.some((l) => l.addresses.some((a) => test(l.name, a))),
    addAddress(link, address) {
      const l = linkOf(link);
      if (!l) return 'no-device';
      if (l.addresses.some((a) => a.address === address.address && a.prefix === address.prefix)) return 'exists';
      // IPv4 before IPv6, each in the order added (what `ip addr` shows).
      const lastSameFamily = l.addresses.map((a) => a.family).lastIndexOf(address.family);
      const at = lastSameFamily >= 0 ? lastSameFamily + 1 : address.family === 'inet' ? 0 : l.addresses.length;
      l.addresses.splice(at, 0, { ...address });
      changed();
      return 'ok';
    },
    deleteAddress(link, address, prefix) {
      const l = linkOf(link);
      if (!l) return 'no-device';
      const i = l.addresses.findIndex((a) => a.address === address && (prefix === undefined || a.prefix === prefix));
      if (i < 0) return 'not-found';
      l.addresses.splice(i, 1);
      changed();
      return 'ok';
    },
    sysctl: (key) => sysctls.get(key),
    setSysctl(key, value) {
      if (!sysctls.has(key)) return 'unknown';
      if (!isInteger(value)) return 'invalid';
      sysctls.set(key, String(Number(value.trim())));
      changed();
      return 'ok';
    },
    sysctlKeys: () => [...sysctls.keys()].sort(),
    onChange: (listener) => void listeners.push(listener),
  };
}

/** The kernel's effective ARP setting on a link: the larger of `all` and the link's own. */
export function effectiveArp(net: HostNet, name: 'arp_ignore' | 'arp_announce', link = 'eth0'): number {
  const all = Number(net.sysctl(`net.ipv4.conf.all.${name}`) ?? 0);
  const own = Number(net.sysctl(`net.ipv4.conf.${link}.${name}`) ?? 0);
  return Math.max(all, own);
}
