import { describe, expect, it } from 'vitest';
import {
  clusterNameIsValid,
  directorsAreUnique,
  jumpHostsAreValid,
  serverAddressesAreIps,
  serverFamiliesMatchServices,
  serversAreUnique,
  servicesAreUnique,
  servicesAreValid,
  sshUsersAreSet,
} from '../../src/config/rules-cluster.ts';
import { formatPath } from '../../src/config/problems.ts';
import type { Finding } from '../../src/config/problems.ts';

const paths = (findings: Finding[]) => findings.map((f) => formatPath(f.path));

describe('clusterNameIsValid', () => {
  it('accepts names usable in file names and refuses others', () => {
    expect(clusterNameIsValid({ cluster: 'web-prod.eu_1' })).toEqual([]);
    expect(paths(clusterNameIsValid({ cluster: 'web prod/1' }))).toEqual(['cluster']);
  });
});

describe('servicesAreValid', () => {
  it('parses IPv4 and IPv6 VIPs with ports', () => {
    expect(servicesAreValid({ services: [{ vip: '192.168.1.181:80' }, { vip: '[2001:db8::1]:443' }, { fwmark: 10 }] })).toEqual([]);
  });

  it.each([
    ['192.168.1.181', 'has no port', 'ipvsadm -L -n'],
    ['[2001:db8::1]', 'has no port', 'ipvsadm -L -n'],
    ['2001:db8::1:80', 'has no port', '[2001:db8::1]:80'],
    ['10.0.0.x:80', 'not an IP address', 'ipvsadm -L -n'],
    ['lb.example.net:80', 'not an IP address', 'ipvsadm -L -n'],
    ['web:http', 'not an address:port', 'ipvsadm -L -n'],
    ['10.0.0.1:0', 'out of range', '1 to 65535'],
    ['10.0.0.1:65536', 'out of range', '1 to 65535'],
  ])('refuses %s (%s)', (vip, words, hint) => {
    const [finding, ...rest] = servicesAreValid({ services: [{ vip }] });
    expect(rest).toEqual([]);
    expect(formatPath(finding!.path)).toBe('services[0].vip');
    expect(finding!.message).toContain(words);
    expect(finding!.hint).toContain(hint);
  });

  it('needs exactly one of vip and fwmark, and no protocol on fwmark', () => {
    expect(
      paths(servicesAreValid({ services: [{}, { vip: '1.2.3.4:80', fwmark: 1 }, { fwmark: 2, protocol: 'tcp' }, { vip: '1.2.3.4:80', family: 'inet' }] })),
    ).toEqual(['services[0]', 'services[1]', 'services[2].protocol', 'services[3].family']);
  });
});

describe('servicesAreUnique', () => {
  it('finds the same service written twice (IPv6 compared canonically), not different protocols', () => {
    const services = [{ vip: '[2001:DB8::0001]:80' }, { vip: '[2001:db8::1]:80', protocol: 'tcp' }, { vip: '[2001:db8::1]:80', protocol: 'udp' }];
    expect(servicesAreUnique({ services }).map((f) => [formatPath(f.path), f.message])).toEqual([['services[1].vip', 'same virtual service as services[0]']]);
  });
});

describe('directorsAreUnique', () => {
  it('finds a repeated host, and a repeated name once per entry', () => {
    const directors = [{ host: 'lvs1' }, { host: 'lvs1' }, { host: 'lvs2', name: 'lvs1' }, { host: 'lvs3', ssh: { port: 2222 } }];
    expect(directorsAreUnique({ directors }).map((f) => `${formatPath(f.path)}: ${f.message}`)).toEqual([
      'directors[1].host: same SSH host and port as directors[0]',
      'directors[2].name: same name as directors[0]',
    ]);
  });

  it('allows one address with different SSH ports when names differ (the lab)', () => {
    const directors = [
      { host: '127.0.0.1', name: 'lvs1', ssh: { port: 2201 } },
      { host: '127.0.0.1', name: 'lvs2', ssh: { port: 2202 } },
    ];
    expect(directorsAreUnique({ directors })).toEqual([]);
  });

  it('compares SSH ports with the cluster default applied', () => {
    const directors = [
      { host: 'h', name: 'a', ssh: { port: 2200 } },
      { host: 'h', name: 'b' },
    ];
    expect(paths(directorsAreUnique({ ssh: { port: 2200 }, directors }))).toEqual(['directors[1].host']);
  });
});

describe('serversAreUnique', () => {
  const services = [{ vip: '10.0.0.100:80' }, { vip: '10.0.0.100:443' }];

  it('finds servers sharing a destination in any service', () => {
    const realServers = [
      { host: 'web1', address: '10.0.1.1' },
      { host: 'web2', address: '10.0.1.1', port: 443 },
      { host: 'web3', address: '10.0.1.3' },
    ];
    expect(serversAreUnique({ services, realServers }).map((f) => `${formatPath(f.path)}: ${f.message}`)).toEqual([
      'realServers[1].address: same address and port as realServers[0]',
    ]);
  });

  it('allows one address with distinct ports (NAT, one port per server)', () => {
    const realServers = [
      { host: '127.0.0.1', name: 'web1', port: 9001, ssh: { port: 1 } },
      { host: '127.0.0.1', name: 'web2', port: 9002, ssh: { port: 2 } },
    ];
    expect(serversAreUnique({ services: [{ vip: '127.0.0.1:8080' }], realServers })).toEqual([]);
  });

  it('reports a repeated name', () => {
    const realServers = [
      { host: '10.0.1.1', name: 'web' },
      { host: '10.0.1.2', name: 'web' },
    ];
    expect(paths(serversAreUnique({ services, realServers }))).toEqual(['realServers[1].name']);
  });
});

describe('serverAddressesAreIps', () => {
  it('checks the address, or the host it defaults to', () => {
    const realServers = [
      { host: 'web1', address: '10.0.1.1' },
      { host: '10.0.1.2' },
      { host: 'web3', address: '10.0.1.x' },
      { host: 'web4.example.net' },
      { host: '2001:db8::4' },
    ];
    const findings = serverAddressesAreIps({ realServers });
    expect(paths(findings)).toEqual(['realServers[2].address', 'realServers[3].host']);
    expect(findings[0]!.message).toBe('"10.0.1.x" is not an IP address');
    expect(findings[0]!.hint).toBe('use the address exactly as ipvsadm -L -n lists it');
    expect(findings[1]!.message).toContain('defaults to the host');
  });
});

describe('serverFamiliesMatchServices', () => {
  it('warns about an IPv4 server in an IPv6 service', () => {
    const findings = serverFamiliesMatchServices({ services: [{ vip: '[2001:db8::1]:80' }], realServers: [{ host: '2001:db8::2' }, { host: '10.0.0.1' }] });
    expect(findings.map((f) => [formatPath(f.path), f.warning])).toEqual([['realServers[1]', true]]);
  });
});

describe('sshUsersAreSet', () => {
  it('says once when nobody sets a user, per host when some do', () => {
    expect(paths(sshUsersAreSet({ ssh: {}, directors: [{ host: 'a' }], realServers: [{ host: 'b' }] }))).toEqual(['ssh']);
    expect(paths(sshUsersAreSet({ directors: [{ host: 'a', ssh: { user: 'root' } }], realServers: [{ host: 'b' }] }))).toEqual(['realServers[0]']);
    expect(sshUsersAreSet({ ssh: { user: 'deploy' }, directors: [{ host: 'a' }] })).toEqual([]);
  });
});

describe('jumpHostsAreValid', () => {
  it('reads host, user@host:port and bracketed IPv6, and refuses junk', () => {
    const ok = ['bastion', 'ops@bastion.example.net:2222', '[2001:db8::1]:22'];
    for (const jumpHost of ok) expect(jumpHostsAreValid({ ssh: { jumpHost } })).toEqual([]);
    expect(paths(jumpHostsAreValid({ ssh: { jumpHost: 'a b' }, realServers: [{ host: 'x', ssh: { jumpHost: 'h:99999' } }] }))).toEqual([
      'ssh.jumpHost',
      'realServers[0].ssh.jumpHost',
    ]);
  });
});
