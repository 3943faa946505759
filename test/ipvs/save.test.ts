import { describe, expect, it } from 'vitest';
import { IpvsParseError } from '../../src/ipvs/parse-error.ts';
import { parseSave, renderSave, serviceOptionArgs } from '../../src/ipvs/save.ts';
import { readFixture } from '../helpers/fixtures.ts';

const rows = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

describe('ipvsadm -S -n', () => {
  const text = readFixture('ipvsadm/save.txt');
  const services = parseSave(text);

  it('reads services and dests, with zero thresholds (not saved)', () => {
    expect(services.map((s) => [s.key, s.scheduler, s.persistent, s.dests.length])).toEqual([
      [{ kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 }, 'wlc', undefined, 3],
      [{ kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 443 }, 'wlc', 300, 3],
      [{ kind: 'addr', protocol: 'udp', family: 'inet', address: '10.0.0.100', port: 53 }, 'rr', undefined, 3],
    ]);
    expect(services[2]?.dests[1]).toEqual({
      family: 'inet',
      address: '10.0.1.12',
      port: 53,
      forward: 'Route',
      weight: 0,
      upperThreshold: 0,
      lowerThreshold: 0,
      activeConns: 0,
      inactiveConns: 0,
      persistConns: 0,
    });
  });

  it('renders save.txt back byte for byte', () => {
    expect(renderSave(services)).toBe(text);
  });

  it('round-trips fwmark (-f N [-6]), -M, --pe, -o, -b, SCTP, IPv6, NAT and every tunnel type', () => {
    const hand = rows([
      '-A -t 10.0.0.200:3306 -s sh -b sh-fallback,sh-port',
      '-a -t 10.0.0.200:3306 -r 10.0.1.21:3306 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
      '-a -t 10.0.0.200:3306 -r 10.0.1.22:3306 -i -w 1 --tun-type ipip',
      '-A -u 10.0.0.200:5060 -s rr -p 60 --pe sip -o',
      '-A --sctp-service 10.0.0.200:3868 -s rr',
      '-a --sctp-service 10.0.0.200:3868 -r 10.0.1.31:3868 -g -w 1',
      '-A -t [2001:db8::100]:443 -s wlc -p 300 -M 64',
      '-a -t [2001:db8::100]:443 -r [2001:db8::12]:8443 -m -w 100',
      '-A -f 1 -s wrr -p 600 -M 255.255.255.0',
      '-a -f 1 -r 10.0.1.11:0 -g -w 1',
      '-A -f 3 -6 -s rr',
      '-a -f 3 -6 -r [2001:db8::13]:0 -i -w 2 --tun-type gre --tun-remcsum',
    ]);
    const parsed = parseSave(hand);
    expect(parsed[0]).toMatchObject({ scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] });
    expect(parsed[0]?.dests[0]).toMatchObject({ forward: 'Tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' });
    expect(parsed[1]).toMatchObject({ persistent: 60, pe: 'sip', ops: true });
    expect(parsed[2]?.key).toMatchObject({ protocol: 'sctp' });
    expect(parsed[3]).toMatchObject({ key: { family: 'inet6', address: '2001:db8::100' }, netmask: '64' });
    expect(parsed[3]?.dests[0]).toMatchObject({ family: 'inet6', port: 8443, forward: 'Masq', weight: 100 });
    expect(parsed[4]).toMatchObject({ key: { kind: 'fwmark', mark: 1, family: 'inet' }, netmask: '255.255.255.0' });
    expect(parsed[5]?.key).toEqual({ kind: 'fwmark', family: 'inet6', mark: 3 });
    expect(parsed[5]?.dests[0]).toMatchObject({ tunnelType: 'gre', tunnelChecksum: 'remcsum' });
    expect(renderSave(parsed)).toBe(hand);
  });

  it('prints Local as -g and a tunnel without a known type as ipip, like ipvsadm 1.31', () => {
    const [svc] = parseSave('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -i -w 3\n');
    const dest = svc?.dests[0];
    if (!svc || !dest) throw new Error('the rule above has one service with one dest');
    const local = { ...svc, dests: [{ ...dest, forward: 'Local' as const }] };
    expect(renderSave([local])).toBe('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 3\n');
    expect(renderSave([svc])).toBe('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -i -w 3 --tun-type ipip\n');
  });

  it('names services the way -A/-a take them', () => {
    expect(serviceOptionArgs({ kind: 'addr', protocol: 'udp', family: 'inet6', address: '::1', port: 53 })).toEqual(['-u', '[::1]:53']);
    expect(serviceOptionArgs({ kind: 'fwmark', family: 'inet6', mark: 7 })).toEqual(['-f', '7', '-6']);
  });

  it.each([
    ['a dest before its service', '-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n', 1],
    ['an unknown option', '-A -t 10.0.0.1:80 -s rr --bogus\n', 1],
    ['names (saved without -n)', '-A -t www.example.com:http -s rr\n', 1],
    ['a stray line', '-A -t 10.0.0.1:80 -s rr\n-X\n', 2],
  ])('throws IpvsParseError on %s', (_, input, line) => {
    expect(() => parseSave(input)).toThrow(IpvsParseError);
    expect(() => parseSave(input)).toThrow(expect.objectContaining({ line }));
  });
});
