// The DR/TUN real-server rules: the VIP on lo, and ARP suppressed by the kernel's max(all, link).
import { describe, expect, it } from 'vitest';
import { arpKey, effectiveArp, networkLinks, sysctlWrite } from '../../src/hosts/arp.ts';
import { parseIpAddr } from '../../src/hosts/ip-addr.ts';
import { checkRealServer } from '../../src/hosts/real-server.ts';
import type { HostNetFacts, ServedVip } from '../../src/hosts/types.ts';

const VIP: ServedVip = { address: '10.0.0.100', family: 'inet', service: 'TCP 10.0.0.100:80', port: 80, protocol: 'tcp', forward: 'Route' };

const addr = (lines: string[]) => parseIpAddr(lines.map((l) => `${l}\\       valid_lft forever preferred_lft forever`).join('\n'));
const LO = '1: lo    inet 127.0.0.1/8 scope host lo';
const LO_VIP = '1: lo    inet 10.0.0.100/32 scope global lo';
const ETH0 = '2: eth0    inet 10.0.1.11/24 brd 10.0.1.255 scope global eth0';

function facts(lines: string[], arp: Record<string, [number, number]>): HostNetFacts {
  const values = Object.fromEntries(
    Object.entries(arp).flatMap(([link, [i, a]]) => [
      [arpKey(link, 'arp_ignore'), i],
      [arpKey(link, 'arp_announce'), a],
    ]),
  );
  return { addresses: { ok: true, value: addr(lines) }, sysctls: { ok: true, value: values } };
}

describe('the ARP rule (max of conf/all and the link facing the network; lo does not count)', () => {
  it('reads the links that carry traffic: not lo, not a link holding only a VIP', () => {
    expect(networkLinks(addr([LO, LO_VIP, ETH0, '3: tunl0    inet 10.0.0.100/32 scope global tunl0']), ['10.0.0.100'])).toEqual(['eth0']);
  });

  it('all=1/2 suffices whatever eth0 says; lo=1/2 alone does not; arp_ignore 3 (replies for scope-global lo addresses) is not suppression', () => {
    expect(effectiveArp({ [arpKey('all', 'arp_ignore')]: 1, [arpKey('all', 'arp_announce')]: 2 }, ['eth0']).every((e) => e.ok)).toBe(true);
    const loOnly = effectiveArp({ [arpKey('lo', 'arp_ignore')]: 1, [arpKey('lo', 'arp_announce')]: 2 }, ['eth0']);
    expect(loOnly.map((e) => [e.name, e.effective, e.ok])).toEqual([
      ['arp_ignore', 0, false],
      ['arp_announce', 0, false],
    ]);
    const three = effectiveArp({ [arpKey('all', 'arp_ignore')]: 1, [arpKey('eth0', 'arp_ignore')]: 3, [arpKey('all', 'arp_announce')]: 2 }, ['eth0']);
    expect(three.find((e) => e.name === 'arp_ignore')).toMatchObject({ effective: 3, ok: false });
    expect(effectiveArp({ [arpKey('eth0', 'arp_ignore')]: 8, [arpKey('eth0', 'arp_announce')]: 2 }, ['eth0']).every((e) => e.ok)).toBe(true);
    expect(sysctlWrite('eth0.100', 'arp_ignore', 1)).toBe('sysctl -w net.ipv4.conf.eth0/100.arp_ignore=1');
  });
});

describe('checkRealServer', () => {
  it('passes the lab default (VIP on lo, all and lo at 1/2, eth0 0/0), naming what it checked', () => {
    const r = checkRealServer({ name: 'web1', vips: [VIP] }, facts([LO, LO_VIP, ETH0], { all: [1, 2], lo: [1, 2], eth0: [0, 0] }));
    expect(r.problems).toEqual([]);
    expect(r.checked).toEqual(['VIP 10.0.0.100 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)']);
  });

  it('refuses a server without the VIP on lo, with the exact ip command', () => {
    const r = checkRealServer({ name: 'web1', vips: [VIP] }, facts([LO, ETH0], { all: [1, 2] }));
    expect(r.problems.map((p) => [p.id, p.level])).toEqual([['vip-not-on-lo', 'error']]);
    expect(r.problems[0]?.message).toMatch(/^web1: the VIP 10\.0\.0\.100 of TCP 10\.0\.0\.100:80 is not on lo/);
    expect(r.problems[0]?.fix).toContain('ip addr add 10.0.0.100/32 dev lo');
  });

  it('refuses arp_ignore=0 and arp_announce<2 on eth0, naming both values and the sysctl fix', () => {
    const r = checkRealServer({ name: 'web3', vips: [VIP] }, facts([LO, LO_VIP, ETH0], { all: [0, 1], lo: [1, 2], eth0: [0, 0] }));
    expect(r.problems.map((p) => p.id)).toEqual(['arp-not-suppressed', 'arp-not-suppressed']);
    expect(r.problems[0]?.message).toContain('arp_ignore is 0 on eth0 (max of net.ipv4.conf.all.arp_ignore=0 and net.ipv4.conf.eth0.arp_ignore=0');
    expect(r.problems[0]?.fix).toContain('sysctl -w net.ipv4.conf.all.arp_ignore=1');
    expect(r.problems[1]?.fix).toContain('sysctl -w net.ipv4.conf.all.arp_announce=2');
    // eth0 at 3 must come down too: max(all, eth0) would stay 3.
    const three = checkRealServer({ name: 'web3', vips: [VIP] }, facts([LO, LO_VIP, ETH0], { all: [1, 2], eth0: [3, 0] }));
    expect(three.problems[0]?.fix).toContain('sysctl -w net.ipv4.conf.all.arp_ignore=1 and sysctl -w net.ipv4.conf.eth0.arp_ignore=1');
  });

  it('a TUN server may hold the VIP on tunl0; an IPv6 VIP needs no ARP settings; unreadable facts are skipped, not passed', () => {
    const tun = { ...VIP, forward: 'Tunnel' as const };
    expect(
      checkRealServer({ name: 'web1', vips: [tun] }, facts([LO, ETH0, '3: tunl0    inet 10.0.0.100/32 scope global tunl0'], { all: [1, 2] })).problems,
    ).toEqual([]);
    const v6: ServedVip = { ...VIP, address: '2001:db8::100', family: 'inet6' };
    const r6 = checkRealServer({ name: 'web1', vips: [v6] }, { addresses: { ok: true, value: addr([LO, '1: lo    inet6 2001:db8::100/128 scope global']) } });
    expect(r6).toMatchObject({ problems: [], checked: ['VIP 2001:db8::100 on lo'] });
    const unread = checkRealServer({ name: 'web1', vips: [VIP] }, { addresses: { ok: false, reason: 'exit 127: ip: not found' } });
    expect(unread).toMatchObject({ problems: [], checked: [], skipped: ['the VIP on lo (ip -o addr show: exit 127: ip: not found)'] });
  });
});
