// The lab's addresses and every host's network state. NAT (the default): the VIP is 127.0.0.1,
// real servers are 127.0.0.1:HTTPPORT. DR: the VIP is 127.0.0.100, real server N is 127.0.1.N on
// the VIP's port (DR cannot translate ports; the whole 127.0.0.0/8 is local on Linux, no root) and
// holds the VIP on lo with ARP suppressed. Directors show the VIP on eth0 while they hold it
// (keepalived's MASTER). The addresses on eth0 are what the hosts' `ip` prints; only the VIP and
// the DR real-server addresses carry traffic.
import { createHostNet, type AddressChange, type HostNet } from './host-net.ts';
import type { Delivery } from './vip.ts';

export const FORWARD_MODES = ['nat', 'dr'] as const;
export type ForwardMode = (typeof FORWARD_MODES)[number];

export const NAT_VIP_ADDRESS = '127.0.0.1';
export const DR_VIP_ADDRESS = '127.0.0.100';

/**
 * Real server `i` (0-based): 127.0.1.1 … 127.0.1.254, then 127.1.0.1 … (127.0.2.x and up are the
 * load generator's client addresses).
 */
export function serverAddress(i: number): string {
  if (i < 254) return `127.0.1.${1 + i}`;
  const k = i - 254;
  return `127.1.${Math.floor(k / 254)}.${1 + (k % 254)}`;
}

/** Director `i` (0-based): 127.0.0.11, 127.0.0.12 … (eth0's primary address; display only). */
export function directorAddress(i: number): string {
  return `127.0.0.${11 + i}`;
}

const CONF_LINKS = ['all', 'default', 'lo', 'eth0'] as const;

function arpSysctls(values: Partial<Record<(typeof CONF_LINKS)[number], [number, number]>>): Record<string, string> {
  return Object.fromEntries(
    CONF_LINKS.flatMap((link) => {
      const [ignore, announce] = values[link] ?? [0, 0];
      return [
        [`net.ipv4.conf.${link}.arp_ignore`, String(ignore)],
        [`net.ipv4.conf.${link}.arp_announce`, String(announce)],
      ];
    }),
  );
}

/** A healthy real server's sysctls: in DR, ARP for the VIP suppressed (arp_ignore=1, arp_announce=2). */
export function serverSysctls(forward: ForwardMode): Record<string, string> {
  const arp = forward === 'dr' ? arpSysctls({ all: [1, 2], lo: [1, 2] }) : arpSysctls({});
  return { 'net.ipv4.ip_forward': '0', ...arp };
}

/** A director's sysctls: forwarding on for NAT, the IPVS ones at the kernel's defaults. */
export function directorSysctls(forward: ForwardMode): Record<string, string> {
  return {
    'net.ipv4.ip_forward': forward === 'nat' ? '1' : '0',
    ...arpSysctls({}),
    'net.ipv4.vs.conn_reuse_mode': '1',
    'net.ipv4.vs.expire_nodest_conn': '0',
    'net.ipv4.vs.expire_quiescent_template': '0',
    'net.ipv4.vs.sloppy_tcp': '0',
  };
}

export interface LabNet {
  readonly forward: ForwardMode;
  readonly vipAddress: string;
  host(name: string): HostNet | undefined;
  hosts(): HostNet[];
  /** The VIP is on the server's lo (what a DR server needs to accept the VIP's packets). */
  serverHoldsVip(name: string): boolean;
  /** The VIP is on one of the director's interfaces other than lo (it answers ARP for it). */
  directorHoldsVip(name: string): boolean;
  ipForward(name: string): boolean;
  /** Adds or removes the VIP on a server's lo (`ip addr add|del VIP/32 dev lo`). */
  setServerVip(name: string, present: boolean): AddressChange;
  /** Adds or removes the VIP on a director's eth0 (what keepalived does on a VRRP transition). */
  setDirectorVip(name: string, present: boolean): AddressChange;
  onChange(listener: (host: string) => void): void;
}

export interface LabNetOptions {
  forward: ForwardMode;
  vipAddress: string;
  directors: string[];
  servers: string[];
  /** The director that starts with the VIP (keepalived's MASTER). */
  master: string;
}

export function createLabNet(options: LabNetOptions): LabNet {
  const { forward, vipAddress } = options;
  const hosts = new Map<string, HostNet>();
  const listeners: ((host: string) => void)[] = [];
  const vipOn = (link: string) => ({ family: 'inet' as const, address: vipAddress, prefix: 32, scope: 'global' as const, label: link });
  options.directors.forEach((name, i) => {
    const net = createHostNet({ name, seed: 0x0100 + i, primary: { address: directorAddress(i), prefix: 24 }, sysctls: directorSysctls(forward) });
    if (name === options.master) net.addAddress('eth0', vipOn('eth0'));
    hosts.set(name, net);
  });
  options.servers.forEach((name, i) => {
    const net = createHostNet({ name, seed: 0x010000 + i, primary: { address: serverAddress(i), prefix: 24 }, sysctls: serverSysctls(forward) });
    if (forward === 'dr') net.addAddress('lo', vipOn('lo'));
    hosts.set(name, net);
  });
  for (const net of hosts.values()) {
    net.onChange((host) => {
      for (const listener of listeners) listener(host);
    });
  }

  const setVip = (name: string, link: string, present: boolean): AddressChange => {
    const net = hosts.get(name);
    if (!net) return 'no-device';
    return present ? net.addAddress(link, vipOn(link)) : net.deleteAddress(link, vipAddress, 32);
  };
  return {
    forward,
    vipAddress,
    host: (name) => hosts.get(name),
    hosts: () => [...hosts.values()],
    // NOTE: lo's own 127.0.0.1/8 (scope host) is not the VIP, even when the NAT lab's VIP is 127.0.0.1.
    serverHoldsVip: (name) => hosts.get(name)?.someAddress((link, a) => link === 'lo' && a.address === vipAddress && a.scope !== 'host') ?? false,
    directorHoldsVip: (name) => hosts.get(name)?.someAddress((link, a) => link !== 'lo' && a.address === vipAddress) ?? false,
    ipForward: (name) => Number(hosts.get(name)?.sysctl('net.ipv4.ip_forward') ?? 0) !== 0,
    setServerVip: (name, present) => setVip(name, 'lo', present),
    setDirectorVip: (name, present) => setVip(name, 'eth0', present),
    onChange: (listener) => void listeners.push(listener),
  };
}

/**
 * Whether packets to a dest get through now (the VIP asks on every packet), from the hosts' state:
 * the routing director must hold the VIP; NAT needs its ip_forward; DR/TUN need the real server
 * to hold the VIP on lo, or it drops them (LVS.md; the seed's DR and NAT prerequisites).
 */
export function packetPath(input: {
  net: LabNet;
  /** The director whose table routes now. */
  routing: () => string;
  /** The lab server at a dest's address and port, if any. */
  serverAt: (address: string, port: number) => string | undefined;
}): (dest: { address: string; port: number; forward: string }) => Delivery {
  const { net } = input;
  return (dest) => {
    const director = input.routing();
    if (!net.directorHoldsVip(director)) return 'director-no-vip';
    if (dest.forward === 'Masq') return net.ipForward(director) ? 'forward' : 'no-forwarding';
    const server = input.serverAt(dest.address, dest.port);
    return server === undefined || net.serverHoldsVip(server) ? 'forward' : 'server-no-vip';
  };
}
