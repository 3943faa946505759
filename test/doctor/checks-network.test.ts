// doctor's network checks over the hosts' own facts (src/hosts rules), and what doctor reads to get them.
import { describe, expect, it } from 'vitest';
import { natDefaultRoute, natForwarding, realServerNetwork, runDoctorChecks, vipOnOneDirector } from '../../src/doctor/checks.ts';
import { readDoctorNetwork } from '../../src/doctor/net-reads.ts';
import type { DoctorNetwork } from '../../src/doctor/types.ts';
import { IP_FORWARD } from '../../src/hosts/director.ts';
import { parseIpAddr } from '../../src/hosts/ip-addr.ts';
import type { HostNetFacts } from '../../src/hosts/types.ts';
import type { Cluster } from '../../src/config/types.ts';
import { ARP_CAT, fakeHost, ipAddrText } from '../hosts/fake-host.ts';
import { aDest, aDirector, anInput, aService, aTable, HTTP } from './builders.ts';

const server = (n: number, options: { vip?: boolean; arp?: [number, number] } = {}): { name: string; facts: HostNetFacts } => ({
  name: `web${n}`,
  facts: {
    addresses: { ok: true, value: parseIpAddr(ipAddrText({ eth0: `10.0.1.${10 + n}`, ...(options.vip === false ? {} : { loVip: '10.0.0.100' }) })) },
    sysctls: {
      ok: true,
      value: {
        'net.ipv4.conf.all.arp_ignore': options.arp?.[0] ?? 1,
        'net.ipv4.conf.all.arp_announce': options.arp?.[1] ?? 2,
        'net.ipv4.conf.eth0.arp_ignore': 0,
        'net.ipv4.conf.eth0.arp_announce': 0,
      },
    },
    defaultRoute: { ok: false, reason: 'exit 255: ip (lab): "ip route" is not emulated' },
  },
});
const director = (name: string, holds: boolean, forward = 1) => ({
  name,
  facts: {
    addresses: {
      ok: true as const,
      value: parseIpAddr(ipAddrText({ eth0: name === 'lvs1' ? '10.0.0.11' : '10.0.0.12', ...(holds ? { eth0Vip: '10.0.0.100' } : {}) })),
    },
    sysctls: { ok: true as const, value: { [IP_FORWARD]: forward } },
  },
});
const network = (over: Partial<DoctorNetwork> = {}): DoctorNetwork => ({
  servers: [1, 2, 3].map((n) => server(n)),
  directors: [director('lvs1', true), director('lvs2', false)],
  ...over,
});

describe('realServerNetwork (DR servers)', () => {
  it('passes a healthy DR farm and names each missing VIP and unsuppressed ARP by server, with its fix', () => {
    expect(realServerNetwork(anInput({ network: network() }))).toEqual([]);
    const findings = realServerNetwork(anInput({ network: network({ servers: [server(1, { vip: false }), server(2, { arp: [0, 2] }), server(3)] }) }));
    expect(findings.map((f) => [f.id, f.level, f.subject.server])).toEqual([
      ['vip-not-on-lo', 'error', 'web1'],
      ['arp-not-suppressed', 'error', 'web2'],
    ]);
    expect(findings[0]?.hint).toContain('ip addr add 10.0.0.100/32 dev lo');
    expect(findings[1]?.hint).toContain('sysctl -w net.ipv4.conf.all.arp_ignore=1');
  });

  it('NAT servers are not asked for a lo VIP', () => {
    const nat = aTable([aService(HTTP, { dests: [1, 2, 3].map((n) => aDest(n, 80, { forward: 'Masq' })) })]);
    expect(realServerNetwork(anInput({ directors: [aDirector('lvs1', { table: nat })], network: network({ servers: [server(1, { vip: false })] }) }))).toEqual(
      [],
    );
  });
});

describe('vipOnOneDirector', () => {
  it('names the holder as info; two holders are split brain; none is an error', () => {
    expect(vipOnOneDirector(anInput({ network: network() })).map((f) => [f.id, f.level, f.message])).toEqual([
      ['vip-holder', 'info', 'the VIP 10.0.0.100 is on lvs1 (eth0)'],
    ]);
    const split = vipOnOneDirector(anInput({ network: network({ directors: [director('lvs1', true), director('lvs2', true)] }) }));
    expect(split.map((f) => [f.id, f.level])).toEqual([['split-brain', 'error']]);
    expect(vipOnOneDirector(anInput({ network: network({ directors: [director('lvs1', false), director('lvs2', false)] }) })).map((f) => f.id)).toEqual([
      'vip-unheld',
    ]);
  });
});

describe('NAT: forwarding and the default route', () => {
  const nat = aTable([aService(HTTP, { dests: [1, 2, 3].map((n) => aDest(n, 80, { forward: 'Masq' })) })]);
  const natInput = (net: DoctorNetwork) => anInput({ directors: [aDirector('lvs1', { table: nat }), aDirector('lvs2', { table: nat })], network: net });

  it('a NAT director with ip_forward=0 is an error naming it', () => {
    const findings = natForwarding(natInput(network({ directors: [director('lvs1', true, 0), director('lvs2', false)] })));
    expect(findings.map((f) => [f.id, f.level, f.subject.director])).toEqual([['nat-no-forwarding', 'error', 'lvs1']]);
  });

  it('the default route: "not checkable here" when `ip route` fails (the lab), a warning when it bypasses the directors', () => {
    const lab = natDefaultRoute(natInput(network()));
    expect(lab.map((f) => [f.id, f.level])).toEqual([
      ['nat-default-route', 'info'],
      ['nat-default-route', 'info'],
      ['nat-default-route', 'info'],
    ]);
    expect(lab[0]?.message).toBe('its default route is not checkable here (ip route show default: exit 255: ip (lab): "ip route" is not emulated)');
    const routed = (via: string) => ({ ...server(1), facts: { ...server(1).facts, defaultRoute: { ok: true as const, value: { via, dev: 'eth0' } } } });
    expect(natDefaultRoute(natInput(network({ servers: [routed('10.0.0.11')] })))).toEqual([]);
    const bypass = natDefaultRoute(natInput(network({ servers: [routed('10.0.1.1')] })));
    expect(bypass.map((f) => [f.id, f.level, f.subject.server])).toEqual([['nat-default-route', 'warn', 'web1']]);
    expect(bypass[0]?.message).toContain('goes via 10.0.1.1 (dev eth0), which no director holds');
  });
});

describe('readDoctorNetwork', () => {
  it('reads every server and director with argvs, no sudo, nothing mutating; a host that cannot answer is reported, not fatal', async () => {
    const web1 = fakeHost('web1', {
      'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11', loVip: '10.0.0.100' }) },
      [ARP_CAT]: { stdout: '1\n2\n0\n0\n' },
      'ip route show default': { stdout: 'default via 10.0.0.11 dev eth0\n' },
    });
    const lvs1 = fakeHost('lvs1', {
      'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.0.11', eth0Vip: '10.0.0.100' }) },
      'cat /proc/sys/net/ipv4/ip_forward': { stdout: '0\n' },
    });
    const lvs2 = fakeHost('lvs2', {});
    const sessions = { web1: web1.session, lvs1: lvs1.session, lvs2: lvs2.session } as const;
    const cluster = {
      services: [{ key: HTTP }],
      directors: [{ name: 'lvs1' }, { name: 'lvs2' }],
      realServers: [{ name: 'web1' }],
    } as unknown as Pick<Cluster, 'services' | 'directors' | 'realServers'>;
    const net = await readDoctorNetwork({ cluster, session: (name) => sessions[name as keyof typeof sessions] });
    expect(net.servers[0]?.facts.defaultRoute).toEqual({ ok: true, value: { via: '10.0.0.11', dev: 'eth0' } });
    expect(net.directors[0]?.facts.sysctls).toEqual({ ok: true, value: { [IP_FORWARD]: 0 } });
    expect(net.directors[1]?.facts.addresses.ok).toBe(false);
    for (const h of [web1, lvs1, lvs2]) expect(h.sent.every((s) => !s.sudo && !s.mutates)).toBe(true);
    // Run through every check: web1 passes, lvs2 unreadable is a warning.
    const findings = runDoctorChecks(anInput({ servers: anInput().servers.slice(0, 1), network: net }));
    expect(findings.filter((f) => f.id === 'unreadable').map((f) => f.subject.director)).toContain('lvs2');
    expect(findings.filter((f) => f.level === 'error').map((f) => f.id)).toEqual([]);
  });
});
