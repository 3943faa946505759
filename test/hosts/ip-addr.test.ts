// `ip -o addr show` as iproute2 prints it (and the lab's `ip`, which follows iproute2 6.1).
import { describe, expect, it } from 'vitest';
import { hasAddress, linksHolding, parseIpAddr } from '../../src/hosts/ip-addr.ts';

const LAB_DR_SERVER = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '1: lo    inet 127.0.0.100/32 scope global lo\\       valid_lft forever preferred_lft forever',
  '1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 127.0.1.1/24 brd 127.0.1.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet6 fe80::5054:ff:fe01:0/64 scope link \\       valid_lft forever preferred_lft forever',
  '',
].join('\n');

const REAL = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '1: lo    inet 10.0.0.100/32 scope host lo:vip\\       valid_lft forever preferred_lft forever',
  '2: ens3    inet 10.0.1.11/24 brd 10.0.1.255 scope global dynamic noprefixroute ens3\\       valid_lft 85902sec preferred_lft 85902sec',
  '4: bond0.100    inet 192.168.5.2/24 brd 192.168.5.255 scope global bond0.100\\       valid_lft forever preferred_lft forever',
  '6: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\       valid_lft forever preferred_lft forever',
  '7: tunl0@NONE    inet 10.0.0.100/32 scope global tunl0\\       valid_lft forever preferred_lft forever',
  '2: ens3    inet6 2001:DB8::11/64 scope global \\       valid_lft forever preferred_lft forever',
].join('\n');

describe('parseIpAddr', () => {
  it('reads the lab DR server: lo with the VIP (the lab says scope global), eth0', () => {
    expect(parseIpAddr(LAB_DR_SERVER)).toEqual([
      { ifname: 'lo', family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host' },
      { ifname: 'lo', family: 'inet', address: '127.0.0.100', prefix: 32, scope: 'global' },
      { ifname: 'lo', family: 'inet6', address: '::1', prefix: 128, scope: 'host' },
      { ifname: 'eth0', family: 'inet', address: '127.0.1.1', prefix: 24, scope: 'global' },
      { ifname: 'eth0', family: 'inet6', address: 'fe80::5054:ff:fe01:0', prefix: 64, scope: 'link' },
    ]);
  });

  it('reads real forms: labels, flags, a VLAN, a peer address, a link@parent, IPv6', () => {
    const a = parseIpAddr(REAL);
    expect(a.map((x) => `${x.ifname} ${x.address}/${x.prefix} ${x.scope}`)).toEqual([
      'lo 127.0.0.1/8 host',
      'lo 10.0.0.100/32 host',
      'ens3 10.0.1.11/24 global',
      'bond0.100 192.168.5.2/24 global',
      'tun0 10.8.0.1/32 global',
      'tunl0 10.0.0.100/32 global',
      'ens3 2001:DB8::11/64 global',
    ]);
    expect(hasAddress(a, '10.0.0.100', 'lo')).toBe(true);
    expect(hasAddress(a, '2001:db8::11')).toBe(true);
    expect(parseIpAddr('garbage\n\nDevice "x" does not exist.\n')).toEqual([]);
  });

  it("a director holds a VIP on a link other than lo, never as lo's scope-host 127.0.0.1/8 (the NAT lab's VIP is 127.0.0.1)", () => {
    const nat = parseIpAddr(
      [
        '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
        '2: eth0    inet 127.0.0.11/24 brd 127.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
        '2: eth0    inet 127.0.0.1/32 scope global eth0\\       valid_lft forever preferred_lft forever',
      ].join('\n'),
    );
    expect(linksHolding(nat, '127.0.0.1')).toEqual(['eth0']);
    expect(linksHolding(nat.slice(0, 2), '127.0.0.1')).toEqual([]);
  });
});
