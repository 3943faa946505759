import { describe, expect, it } from 'vitest';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import { renderIpvsList, renderListTitle, renderServiceEntry } from '../../src/ipvs/list-render.ts';
import type { Counters, Destination, ListMode, VirtualService } from '../../src/ipvs/model.ts';
import { readFixture } from '../helpers/fixtures.ts';

const rows = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
const sp = (n: number) => ' '.repeat(n);

function aDest(over: Partial<Destination> = {}): Destination {
  return {
    family: 'inet',
    address: '10.0.1.11',
    port: 80,
    forward: 'Route',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
    ...over,
  };
}

function aService(over: Partial<VirtualService> = {}): VirtualService {
  return {
    key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 },
    scheduler: 'wlc',
    flags: [],
    ops: false,
    dests: [],
    ...over,
  };
}

const counters = (conns: bigint, inPkts: bigint, outPkts: bigint, inBytes: bigint, outBytes: bigint): Counters => ({
  conns,
  inPkts,
  outPkts,
  inBytes,
  outBytes,
});

describe('renderIpvsList reproduces every listing fixture byte for byte', () => {
  it.each([
    'list-empty.txt',
    'list-dr-two-services.txt',
    'list-draining.txt',
    'list-nat-masq.txt',
    'list-stats.txt',
    'list-rate.txt',
    'list-thresholds.txt',
    'list-persistent-conn.txt',
  ])('%s', (name) => {
    const text = readFixture(`ipvsadm/${name}`);
    const l = parseIpvsList(text);
    expect(renderIpvsList({ connTableSize: l.connTableSize ?? 0, services: l.services }, { mode: l.mode })).toBe(text);
  });

  it('list-single-service.txt (single-service mode: no version line)', () => {
    const text = readFixture('ipvsadm/list-single-service.txt');
    const l = parseIpvsList(text);
    const table = { connTableSize: 4096, services: parseIpvsList(readFixture('ipvsadm/list-draining.txt')).services };
    expect(renderIpvsList(table, { service: l.services[0]?.key })).toBe(text);
  });
});

describe('renderIpvsList formats', () => {
  it('round-trips IPv6, fwmark, flags, pe, ops, mask, SCTP, Local and a 10-digit InActConn', () => {
    const text = rows([
      'IP Virtual Server version 1.2.1 (size=1048576)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.0.0.200:3306 sh (sh-fallback,sh-port)',
      `  -> 10.0.1.21:3306${sp(14)} Route   1      0          0${sp(9)}`,
      'UDP  10.0.0.200:5060 rr persistent 60 pe sip ops',
      'SCTP 10.0.0.200:3868 rr',
      `  -> 10.0.1.31:3868${sp(14)} Local   1      0          0${sp(9)}`,
      'TCP  [2001:db8:0:1::100]:443 wlc (flag-1,flag-2) persistent 300 mask 64',
      `  -> [2001:db8::12]:443${sp(10)} Tunnel  5      0          0${sp(9)}`,
      '  -> [2001:db8:0:1:ffff:ffff:ffff:fff1]:443 Masq    100    12         4294967295',
      'FWM  1 wrr persistent 600 mask 255.255.255.0',
      `  -> 10.0.1.11:0${sp(17)} Route   1      3          1${sp(9)}`,
      'FWM  3 IPv6 rr',
    ]);
    const l = parseIpvsList(text);
    expect(renderIpvsList({ connTableSize: 1048576, services: l.services })).toBe(text);
  });

  it('sorts like ipvsadm: address services first (IPv4, then IPv6; TCP < UDP < SCTP), fwmarks last', () => {
    const v6 = aService({ key: { kind: 'addr', protocol: 'tcp', family: 'inet6', address: '2001:db8::1', port: 80 } });
    const fwm = aService({ key: { kind: 'fwmark', family: 'inet', mark: 2 }, scheduler: 'rr' });
    const fwm6 = aService({ key: { kind: 'fwmark', family: 'inet6', mark: 1 }, scheduler: 'rr' });
    const sctp = aService({ key: { kind: 'addr', protocol: 'sctp', family: 'inet', address: '10.0.0.1', port: 1 } });
    const udp = aService({ key: { kind: 'addr', protocol: 'udp', family: 'inet', address: '10.0.0.9', port: 53 } });
    const tcp443 = aService({
      key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 443 },
      dests: [aDest({ address: '10.0.1.12', port: 443 }), aDest({ address: '10.0.1.2', port: 443 }), aDest({ address: '10.0.1.12', port: 8 })],
    });
    const tcpHigh = aService({ key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '192.168.0.1', port: 80 } });
    // 10.x and 192.x differ by more than 2^31: ipvsadm's int comparator may swap them; we use unsigned order.
    const out = renderIpvsList({ connTableSize: 4096, services: [fwm, v6, fwm6, sctp, udp, tcpHigh, tcp443] });
    const names = out
      .split('\n')
      .slice(3)
      .filter((l) => l !== '');
    expect(names).toEqual([
      'TCP  10.0.0.100:443 wlc',
      `  -> 10.0.1.2:443${sp(16)} Route   1      0          0${sp(9)}`,
      `  -> 10.0.1.12:8${sp(17)} Route   1      0          0${sp(9)}`,
      `  -> 10.0.1.12:443${sp(15)} Route   1      0          0${sp(9)}`,
      'TCP  192.168.0.1:80 wlc',
      'UDP  10.0.0.9:53 wlc',
      'SCTP 10.0.0.1:1 wlc',
      'TCP  [2001:db8::1]:80 wlc',
      'FWM  1 IPv6 rr',
      'FWM  2 rr',
    ]);
    expect(renderIpvsList({ connTableSize: 4096, services: [fwm, udp] }, { nosort: true })).toContain('FWM  2 rr\nUDP');
  });

  it('cuts IPv4 names to 33 (service) and 28 (dest) characters, never IPv6', () => {
    const svc = aService({
      key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: 'vip-www.prod.example.com.x', port: 80 },
      dests: [aDest({ address: 'web-canary-01.prod.example.com' })],
    });
    expect(renderServiceEntry(svc)).toBe(
      rows(['TCP  vip-www.prod.example.com.x:8 wlc', '  -> web-canary-01.prod.example.c Route   1      0          0         ']),
    );
  });

  it('leaves out the default masks, and pe when not persistent', () => {
    const line = (s: Partial<VirtualService>) => renderServiceEntry(aService(s)).trimEnd();
    expect(line({ persistent: 300, netmask: '255.255.255.255' })).toBe('TCP  10.0.0.100:80 wlc persistent 300');
    expect(line({ key: { kind: 'addr', protocol: 'tcp', family: 'inet6', address: '::1', port: 80 }, persistent: 3, netmask: '128' })).toBe(
      'TCP  [::1]:80 wlc persistent 3',
    );
    expect(line({ pe: 'sip' })).toBe('TCP  10.0.0.100:80 wlc');
    expect(line({ ops: true, flags: ['flag-3'] })).toBe('TCP  10.0.0.100:80 wlc (flag-3) ops');
  });

  it('prints --exact numbers right-aligned in max(9, digits+1) columns', () => {
    const svc = aService({
      stats: counters(12345n, 123456789n, 0n, 98765432101n, 0n),
      dests: [aDest({ stats: counters(12345n, 123456789n, 0n, 98765432101n, 0n) })],
    });
    expect(renderServiceEntry(svc, { mode: 'stats', exact: true })).toBe(
      rows([
        `TCP  10.0.0.100:80${sp(15)}    12345 123456789        0 98765432101        0`,
        `  -> 10.0.1.11:80${sp(16)}    12345 123456789        0 98765432101        0`,
      ]),
    );
    expect(renderServiceEntry(svc, { mode: 'stats' })).toBe(
      rows([
        `TCP  10.0.0.100:80${sp(15)}    12345  123456K        0   98765M        0`,
        `  -> 10.0.1.11:80${sp(16)}    12345  123456K        0   98765M        0`,
      ]),
    );
  });

  it('prints a 9-character T field touching its left neighbour, as %8lluT does', () => {
    const svc = aService({ dests: [aDest({ stats: counters(12345n, 123456789n, 0n, 18_446_744_073_709_551_615n, 0n) })] });
    expect(renderServiceEntry(svc, { mode: 'stats' }).split('\n')[1]).toBe(`  -> 10.0.1.11:80${sp(16)}    12345  123456K        018446744T        0`);
  });

  it("prints a dest's CPS/InPPS/OutPPS under --rate without suffix, the service's with", () => {
    const rate = counters(123456789n, 5n, 0n, 2_000_000_000n, 0n);
    const svc = aService({ rate, dests: [aDest({ rate })] });
    expect(renderServiceEntry(svc, { mode: 'rate' })).toBe(
      rows([
        `TCP  10.0.0.100:80${sp(15)}  123456K        5        0    2000M        0`,
        `  -> 10.0.1.11:80${sp(16)} 123456789        5        0    2000M        0`,
      ]),
    );
    const back = parseIpvsList(renderListTitle('rate') + renderServiceEntry(svc, { mode: 'rate' }));
    expect(back.services[0]?.rate?.conns).toBe(123456000n);
    expect(back.services[0]?.dests[0]?.rate?.conns).toBe(123456789n);
  });

  it('renders missing counters as zeros and keeps IPv6 names whole in the 33-column modes', () => {
    const svc = aService({
      key: { kind: 'addr', protocol: 'tcp', family: 'inet6', address: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:100', port: 443 },
      dests: [aDest({ family: 'inet6', address: '2001:db8::11', port: 443, upperThreshold: 10, lowerThreshold: 5 })],
    });
    expect(renderServiceEntry(svc, { mode: 'stats' })).toBe(
      rows([`TCP  [2001:db8:aaaa:bbbb:cccc:dddd:eeee:100]:443${'        0'.repeat(5)}`, `  -> [2001:db8::11]:443${sp(10)}${'        0'.repeat(5)}`]),
    );
    expect(renderServiceEntry(svc, { mode: 'thresholds' })).toBe(
      rows(['TCP  [2001:db8:aaaa:bbbb:cccc:dddd:eeee:100]:443 wlc', `  -> [2001:db8::11]:443${sp(10)} 10         5          0          0${sp(9)}`]),
    );
  });

  it.each<[ListMode, string]>([
    ['default', 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'],
    ['thresholds', 'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n'],
  ])('title of %s mode', (mode, title) => {
    expect(renderListTitle(mode)).toBe(title);
  });

  it('refuses to render a single service that is not in the table', () => {
    expect(() => renderIpvsList({ connTableSize: 4096, services: [] }, { service: { kind: 'fwmark', family: 'inet', mark: 9 } })).toThrow(/no such service/);
  });
});
