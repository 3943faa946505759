import { describe, expect, it } from 'vitest';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import { IpvsParseError } from '../../src/ipvs/parse-error.ts';
import { readFixture } from '../helpers/fixtures.ts';

const fx = (name: string) => parseIpvsList(readFixture(`ipvsadm/${name}`));
const rows = (text: string[]) => text.map((l) => `${l}\n`).join('');
const HEAD = [
  'IP Virtual Server version 1.2.1 (size=1048576)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
];

describe('parseIpvsList on the fixtures', () => {
  it('reads an empty table', () => {
    expect(fx('list-empty.txt')).toEqual({ version: '1.2.1', connTableSize: 4096, mode: 'default', services: [] });
  });

  it('reads services, dests and counters before a drain', () => {
    const l = fx('list-dr-two-services.txt');
    expect(l.services.map((s) => [s.key, s.scheduler, s.persistent])).toEqual([
      [{ kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 }, 'wlc', undefined],
      [{ kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 443 }, 'wlc', 300],
    ]);
    expect(l.services[1]?.dests[1]).toEqual({
      family: 'inet',
      address: '10.0.1.12',
      port: 443,
      forward: 'Route',
      weight: 100,
      upperThreshold: 0,
      lowerThreshold: 0,
      activeConns: 198,
      inactiveConns: 41,
      persistConns: 0,
    });
  });

  it('reads the quiescent dest during a drain, UDP included', () => {
    const l = fx('list-draining.txt');
    const twelve = l.services.map((s) => s.dests.find((d) => d.address === '10.0.1.12'));
    expect(twelve.map((d) => [d?.port, d?.weight, d?.activeConns, d?.inactiveConns])).toEqual([
      [80, 0, 1, 2],
      [443, 0, 1, 1],
      [53, 0, 0, 1],
    ]);
    expect(l.services[2]?.key).toMatchObject({ protocol: 'udp', port: 53 });
    expect(l.services[2]?.scheduler).toBe('rr');
  });

  it('reads NAT port mapping, a service with no dests and size=1048576', () => {
    const l = fx('list-nat-masq.txt');
    expect(l.connTableSize).toBe(1048576);
    expect(l.services[0]?.dests.map((d) => [d.address, d.port, d.forward, d.weight])).toEqual([
      ['192.168.50.11', 8080, 'Masq', 1],
      ['192.168.50.12', 8080, 'Masq', 1],
      ['192.168.50.13', 8081, 'Masq', 2],
    ]);
    expect(l.services[1]).toMatchObject({ key: { port: 8443 }, scheduler: 'wlc', dests: [] });
    expect(l.services[2]?.dests[1]?.inactiveConns).toBe(1301);
  });

  it('reads a single-service listing, which has no version line', () => {
    const l = fx('list-single-service.txt');
    expect(l.version).toBeUndefined();
    expect(l.connTableSize).toBeUndefined();
    expect(l.services).toHaveLength(1);
    expect(l.services[0]?.persistent).toBe(300);
    expect(l.services[0]?.dests.map((d) => d.activeConns)).toEqual([1, 1, 2]);
  });

  it('reads --stats with K/M/G/T suffixes as multiples', () => {
    const l = fx('list-stats.txt');
    expect(l.mode).toBe('stats');
    expect(l.services[0]?.stats).toEqual({ conns: 183274000n, inPkts: 3610000000n, outPkts: 0n, inBytes: 1056000000000n, outBytes: 0n });
    expect(l.services[1]?.stats?.inBytes).toBe(200_000_000_000_000n);
    expect(l.services[1]?.dests[0]?.stats?.inPkts).toBe(99999999n);
    expect(l.services[1]?.dests[1]?.stats?.inPkts).toBe(100000000n);
    expect(l.services[2]?.dests[0]?.stats?.inBytes).toBe(99_999_000_000n);
    expect(l.services[2]?.dests[2]?.stats).toEqual({ conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n });
    expect(l.services[0]?.scheduler).toBe('');
  });

  it('reads --rate', () => {
    const l = fx('list-rate.txt');
    expect(l.mode).toBe('rate');
    expect(l.services[0]?.rate).toEqual({ conns: 817n, inPkts: 6708n, outPkts: 0n, inBytes: 5637797n, outBytes: 0n });
    expect(l.services[2]?.dests[0]?.rate?.conns).toBe(1500n);
  });

  it('reads --thresholds', () => {
    const l = fx('list-thresholds.txt');
    expect(l.mode).toBe('thresholds');
    expect(l.services[0]?.dests[2]).toMatchObject({ address: '10.0.1.13', upperThreshold: 5000, lowerThreshold: 4000, activeConns: 2, inactiveConns: 2 });
    expect(l.services[1]?.persistent).toBe(300);
  });

  it('reads --persistent-conn', () => {
    const l = fx('list-persistent-conn.txt');
    expect(l.mode).toBe('persistent-conn');
    expect(l.services[1]?.dests.map((d) => [d.weight, d.persistConns, d.activeConns, d.inactiveConns])).toEqual([
      [100, 1, 1, 0],
      [0, 1, 1, 1],
      [100, 2, 2, 0],
    ]);
  });

  it('refuses a listing made without -n, naming the line and the fix', () => {
    const error = (() => {
      try {
        fx('list-names.txt');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IpvsParseError);
    expect(error).toMatchObject({ line: 4, text: 'TCP  vip-www.prod.example.com:htt wlc' });
    expect((error as IpvsParseError).reason).toMatch(/-n/);
  });
});

describe('parseIpvsList on what the fixtures do not show', () => {
  const text = rows([
    ...HEAD,
    'TCP  10.0.0.200:3306 sh (sh-fallback,sh-port)',
    '  -> 10.0.1.21:3306               Route   1      0          0         ',
    'UDP  10.0.0.200:5060 rr persistent 60 pe sip ops',
    'SCTP 10.0.0.200:3868 rr',
    '  -> 10.0.1.31:3868               Local   1      0          0         ',
    'TCP  [2001:db8:0:1::100]:443 wlc (flag-1,flag-2) persistent 300 mask 64',
    '  -> [2001:db8::12]:443           Tunnel  5      0          0         ',
    '  -> [2001:db8:0:1:ffff:ffff:ffff:fff1]:443 Masq    100    12         4294967295',
    'FWM  1 wrr persistent 600 mask 255.255.255.0',
    '  -> 10.0.1.11:0                  Route   1      3          1         ',
    'FWM  3 IPv6 rr',
  ]);
  const l = parseIpvsList(text);

  it('reads scheduler flags, persistence engine, ops and SCTP', () => {
    expect(l.services[0]).toMatchObject({ scheduler: 'sh', flags: ['sh-fallback', 'sh-port'], ops: false });
    expect(l.services[0]?.persistent).toBeUndefined();
    expect(l.services[1]).toMatchObject({ key: { protocol: 'udp' }, persistent: 60, pe: 'sip', ops: true, dests: [] });
    expect(l.services[2]?.key).toEqual({ kind: 'addr', protocol: 'sctp', family: 'inet', address: '10.0.0.200', port: 3868 });
    expect(l.services[2]?.dests[0]?.forward).toBe('Local');
  });

  it('reads IPv6 services and dests whose long names shift the columns', () => {
    const v6 = l.services[3];
    expect(v6?.key).toEqual({ kind: 'addr', protocol: 'tcp', family: 'inet6', address: '2001:db8:0:1::100', port: 443 });
    expect(v6).toMatchObject({ flags: ['flag-1', 'flag-2'], persistent: 300, netmask: '64' });
    expect(v6?.dests[0]).toMatchObject({ family: 'inet6', address: '2001:db8::12', forward: 'Tunnel', weight: 5 });
    expect(v6?.dests[1]).toMatchObject({
      family: 'inet6',
      address: '2001:db8:0:1:ffff:ffff:ffff:fff1',
      port: 443,
      forward: 'Masq',
      weight: 100,
      activeConns: 12,
      inactiveConns: 4294967295,
    });
  });

  it('reads fwmark services, IPv4 and IPv6', () => {
    expect(l.services[4]).toMatchObject({ key: { kind: 'fwmark', family: 'inet', mark: 1 }, scheduler: 'wrr', netmask: '255.255.255.0', persistent: 600 });
    expect(l.services[4]?.dests[0]).toMatchObject({ address: '10.0.1.11', port: 0, activeConns: 3 });
    expect(l.services[5]).toMatchObject({ key: { kind: 'fwmark', family: 'inet6', mark: 3 }, scheduler: 'rr', dests: [] });
  });

  it('reads --exact numbers in ragged columns and a glued 9-character T field', () => {
    const stats = rows([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
      'TCP  10.0.0.100:80                   12345 123456789        0 98765432101        0',
      '  -> 10.0.1.11:80                    12345  123456K        018446744T        0',
    ]);
    const svc = parseIpvsList(stats).services[0];
    expect(svc?.stats).toEqual({ conns: 12345n, inPkts: 123456789n, outPkts: 0n, inBytes: 98765432101n, outBytes: 0n });
    expect(svc?.dests[0]?.stats).toEqual({ conns: 12345n, inPkts: 123456000n, outPkts: 0n, inBytes: 18446744000000000000n, outBytes: 0n });
  });

  it.each([
    ['a foreign title', rows(['Prot LocalAddress:Port Scheduler', 'x']), 1],
    ['--tun-info', rows([HEAD[1] ?? '', '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn']), 1],
    ['a dest before any service', rows([...HEAD, '  -> 10.0.1.11:80                 Route   1      0          0         ']), 4],
    ['an unknown forwarding method', rows([...HEAD, 'TCP  10.0.0.1:80 rr', '  -> 10.0.1.11:80                 Bridge  1      0          0         ']), 5],
    ['an unknown service part', rows([...HEAD, 'TCP  10.0.0.1:80 rr sticky']), 4],
    ['a bad address', rows([...HEAD, 'TCP  10.0.0.300:80 rr']), 4],
    ['a short dest row', rows([...HEAD, 'TCP  10.0.0.1:80 rr', '  -> 10.0.1.11:80 Route 1 0']), 5],
    ['empty output', '', 0],
  ])('throws IpvsParseError with the line number on %s', (_, input, line) => {
    expect(() => parseIpvsList(input)).toThrow(IpvsParseError);
    try {
      parseIpvsList(input);
    } catch (e) {
      expect((e as IpvsParseError).line).toBe(line);
    }
  });
});
