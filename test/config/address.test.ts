import { describe, expect, it } from 'vitest';
import { canonicalAddress, ipFamily, parseEndpoint, parseJumpHost } from '../../src/config/address.ts';

describe('addresses', () => {
  it('tells IPv4, IPv6 and names apart', () => {
    expect([ipFamily('10.0.0.1'), ipFamily('2001:db8::1'), ipFamily('web1'), ipFamily('10.0.0.256')]).toEqual(['inet', 'inet6', undefined, undefined]);
  });

  it('writes IPv6 as ipvsadm lists it', () => {
    expect(canonicalAddress('2001:0DB8:0000::0001')).toBe('2001:db8::1');
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
  });

  it('parses endpoints', () => {
    expect(parseEndpoint('192.168.1.181:80')).toEqual({ ok: true, family: 'inet', address: '192.168.1.181', port: 80 });
    expect(parseEndpoint('[2001:DB8::1]:443')).toEqual({ ok: true, family: 'inet6', address: '2001:db8::1', port: 443 });
    expect(parseEndpoint('[10.0.0.1]:80').ok).toBe(false);
  });

  it('parses jump hosts', () => {
    expect(parseJumpHost('bastion')).toEqual({ ok: true, host: 'bastion' });
    expect(parseJumpHost('ops@bastion:2222')).toEqual({ ok: true, user: 'ops', host: 'bastion', port: 2222 });
    expect(parseJumpHost('[2001:db8::1]:22')).toEqual({ ok: true, host: '2001:db8::1', port: 22 });
    expect(parseJumpHost('a@b@c').ok).toBe(false);
  });
});
