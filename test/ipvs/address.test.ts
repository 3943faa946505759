import { describe, expect, it } from 'vitest';
import {
  describeServiceKey,
  familyOf,
  formatEndpoint,
  formatFwmarkName,
  isIpv4,
  isIpv6,
  parseEndpoint,
  sameEndpoint,
  sameServiceKey,
} from '../../src/ipvs/address.ts';
import { addressOrder, formatIpv6, formatIpv6Full, ipv4ToNumber, ipv6ToWords, numberToIpv4 } from '../../src/ipvs/ip-number.ts';

describe('endpoints', () => {
  it('parses addr:port and [v6]:port, numeric only', () => {
    expect(parseEndpoint('10.0.0.100:80')).toEqual({ family: 'inet', address: '10.0.0.100', port: 80 });
    expect(parseEndpoint('[2001:db8::1]:443')).toEqual({ family: 'inet6', address: '2001:db8::1', port: 443 });
    expect(parseEndpoint('10.0.1.11:0')).toEqual({ family: 'inet', address: '10.0.1.11', port: 0 });
    for (const bad of ['10.0.0.300:80', '10.0.0.1', '10.0.0.1:65536', '2001:db8::1:80', '[10.0.0.1]:80', 'web01:http', '10.0.0.1:8o', '[::1]:']) {
      expect(parseEndpoint(bad)).toBeUndefined();
    }
  });

  it('formats them back, bracketing IPv6', () => {
    expect(formatEndpoint({ family: 'inet6', address: '::1', port: 53 })).toBe('[::1]:53');
    expect(formatEndpoint({ family: 'inet', address: '10.0.0.1', port: 8080 })).toBe('10.0.0.1:8080');
    expect(formatEndpoint({ family: 'inet6', address: '2001:0DB8:0:0::0001', port: 80 })).toBe('[2001:db8::1]:80');
  });

  it('validates families with node:net', () => {
    expect([isIpv4('10.0.0.1'), isIpv4('10.0.0.256'), isIpv6('fe80::1'), isIpv6('10.0.0.1')]).toEqual([true, false, true, false]);
    expect([familyOf('10.0.0.1'), familyOf('::ffff:1.2.3.4'), familyOf('host')]).toEqual(['inet', 'inet6', undefined]);
  });

  it('names fwmark services with two spaces, and services for humans', () => {
    expect(formatFwmarkName(1, 'inet')).toBe('FWM  1');
    expect(formatFwmarkName(3, 'inet6')).toBe('FWM  3 IPv6');
    expect(describeServiceKey({ kind: 'addr', protocol: 'sctp', family: 'inet6', address: '::1', port: 1 })).toBe('SCTP [::1]:1');
  });

  it('compares keys and endpoints, IPv6 spellings canonically', () => {
    const a = { kind: 'addr', protocol: 'tcp', family: 'inet6', address: '2001:db8::1', port: 80 } as const;
    expect(sameServiceKey(a, { ...a, address: '2001:0db8:0:0::0001' })).toBe(true);
    expect(sameServiceKey(a, { ...a, protocol: 'udp' })).toBe(false);
    expect(sameServiceKey({ kind: 'fwmark', family: 'inet', mark: 1 }, { kind: 'fwmark', family: 'inet6', mark: 1 })).toBe(false);
    expect(sameServiceKey({ kind: 'fwmark', family: 'inet', mark: 1 }, a)).toBe(false);
    expect(sameEndpoint({ family: 'inet', address: '10.0.0.1', port: 1 }, { family: 'inet', address: '10.0.0.1', port: 2 })).toBe(false);
  });
});

describe('addresses as numbers', () => {
  it('converts IPv4 to and from 32 bits', () => {
    expect(ipv4ToNumber('198.51.100.150')).toBe(0xc6336496);
    expect(numberToIpv4(0x0a00010d)).toBe('10.0.1.13');
    expect(ipv4ToNumber('::1')).toBeUndefined();
  });

  it('prints IPv6 like glibc inet_ntop and like the kernel %pI6', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['2001:db8:0:1:0:0:0:0', '2001:db8:0:1::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['::192.0.2.1', '::192.0.2.1'],
    ];
    for (const [input, printed] of cases) expect(formatIpv6(ipv6ToWords(input) ?? [])).toBe(printed);
    expect(formatIpv6Full(ipv6ToWords('2001:db8::77') ?? [])).toBe('2001:0db8:0000:0000:0000:0000:0000:0077');
    expect(ipv6ToWords('10.0.0.1')).toBeUndefined();
  });

  it('orders addresses as unsigned numbers', () => {
    expect(addressOrder('192.168.0.1') > addressOrder('10.0.0.1')).toBe(true);
    expect(addressOrder('2001:db8::12') < addressOrder('2001:db8:0:1::')).toBe(true);
  });
});
