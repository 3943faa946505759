// ipvsadm's argument readers: glibc inet_aton forms, parse_service quirks, strtol numbers.
import { describe, expect, it } from 'vitest';
import { atoi, inetAton, inetPton6, parseServiceAddress, stringToNumber } from '../../../src/lab/ipvsadm/inet.ts';

describe('inetAton', () => {
  it('reads the forms glibc accepts', () => {
    expect(inetAton('10.0.0.100')).toBe('10.0.0.100');
    expect(inetAton('10.1')).toBe('10.0.0.1');
    expect(inetAton('10.1.258')).toBe('10.1.1.2');
    expect(inetAton('167772161')).toBe('10.0.0.1');
    expect(inetAton('0x0a.010.0.1')).toBe('10.8.0.1');
  });

  it('refuses the rest', () => {
    for (const bad of ['10.0.0.300', '10.0.1.x', '1..2', '', '1.2.3.4.5', '08.1.1.1', 'web1']) expect(inetAton(bad)).toBeUndefined();
  });
});

describe('parseServiceAddress', () => {
  it('reads addr[:port], [v6]:port and bare IPv6', () => {
    expect(parseServiceAddress('10.0.0.100:80', 'tcp')).toEqual({ family: 'inet', address: '10.0.0.100', port: 80 });
    expect(parseServiceAddress('10.0.0.100', 'tcp')).toEqual({ family: 'inet', address: '10.0.0.100' });
    expect(parseServiceAddress('[2001:DB8:0::1]:443', 'tcp')).toEqual({ family: 'inet6', address: '2001:db8::1', port: 443 });
    expect(parseServiceAddress('2001:db8::1:80', 'tcp')).toEqual({ family: 'inet6', address: '2001:db8::1:80' });
    expect(parseServiceAddress('10.0.0.100:http', 'tcp')).toEqual({ family: 'inet', address: '10.0.0.100', port: 80 });
  });

  it('keeps the quirks and refusals of parse_service', () => {
    expect(parseServiceAddress('8080', 'tcp')).toBeUndefined();
    expect(parseServiceAddress('[10.0.0.1]:80', 'tcp')).toEqual({ family: 'inet', address: '10.0.0.1' });
    for (const bad of ['10.0.0.300:80', '10.0.0.1:65536', '10.0.0.1:', '[::1]', '[::1]:', 'fe80::1%eth0', 'vip.example.com:80']) {
      expect(parseServiceAddress(bad, 'tcp')).toBeUndefined();
    }
    expect(inetPton6('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
  });
});

describe('numbers', () => {
  it('reads strtol-complete numbers within range, and atoi prefixes', () => {
    expect(stringToNumber('65535', 0, 65535)).toBe(65535);
    expect(stringToNumber(' +7', 0, 9)).toBe(7);
    for (const bad of ['65536', '-1', '7x', '', ' ', '1e3', '0x10']) expect(stringToNumber(bad, 0, 65535)).toBeUndefined();
    expect(atoi('64abc')).toBe(64);
    expect(atoi('abc')).toBe(0);
  });
});
