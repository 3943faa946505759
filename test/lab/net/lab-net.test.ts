// The lab's addresses and per-host network state: who holds the VIP, and the defaults a healthy
// DR or NAT host starts with.
import { describe, expect, it } from 'vitest';
import { createLabNet, directorAddress, serverAddress } from '../../../src/lab/net/lab-net.ts';

const aNet = (forward: 'nat' | 'dr', vipAddress = forward === 'dr' ? '127.0.0.100' : '127.0.0.1') =>
  createLabNet({ forward, vipAddress, directors: ['lvs1', 'lvs2'], servers: ['web1', 'web2'], master: 'lvs1' });

describe('lab addresses', () => {
  it('server N is 127.0.1.N, then 127.1.x.y (127.0.2.x and up are the load clients); directors 127.0.0.1x', () => {
    expect([0, 1, 253, 254, 255, 508].map(serverAddress)).toEqual(['127.0.1.1', '127.0.1.2', '127.0.1.254', '127.1.0.1', '127.1.0.2', '127.1.1.1']);
    expect([0, 1].map(directorAddress)).toEqual(['127.0.0.11', '127.0.0.12']);
  });
});

describe('lab network state', () => {
  it('DR: servers hold the VIP on lo with ARP suppressed; only the MASTER holds it on eth0', () => {
    const net = aNet('dr');
    expect(['web1', 'web2'].map((s) => net.serverHoldsVip(s))).toEqual([true, true]);
    expect(['lvs1', 'lvs2'].map((d) => net.directorHoldsVip(d))).toEqual([true, false]);
    expect(net.host('web1')?.sysctl('net.ipv4.conf.all.arp_ignore')).toBe('1');
    expect(net.host('web1')?.sysctl('net.ipv4.conf.lo.arp_announce')).toBe('2');
    expect(net.ipForward('lvs1')).toBe(false);
  });

  it("NAT: lo's own 127.0.0.1/8 is not the VIP, even when the VIP is 127.0.0.1; directors forward", () => {
    const net = aNet('nat');
    expect(net.serverHoldsVip('web1')).toBe(false);
    expect(net.directorHoldsVip('lvs2')).toBe(false);
    expect(net.ipForward('lvs1')).toBe(true);
    expect(net.host('web1')?.sysctl('net.ipv4.conf.all.arp_ignore')).toBe('0');
    expect(net.host('web1')?.sysctl('net.ipv4.vs.expire_nodest_conn')).toBeUndefined();
  });

  it("changes are heard: the VIP off a server's lo and back, split brain on a director", () => {
    const net = aNet('dr');
    const heard: string[] = [];
    net.onChange((host) => heard.push(host));
    expect(net.setServerVip('web2', false)).toBe('ok');
    expect(net.serverHoldsVip('web2')).toBe(false);
    expect(net.setServerVip('web2', false)).toBe('not-found');
    expect(net.setServerVip('web2', true)).toBe('ok');
    expect(net.setDirectorVip('lvs2', true)).toBe('ok');
    expect(['lvs1', 'lvs2'].map((d) => net.directorHoldsVip(d))).toEqual([true, true]);
    expect(net.host('lvs2')?.setSysctl('net.ipv4.ip_forward', '1')).toBe('ok');
    expect(heard).toEqual(['web2', 'web2', 'lvs2', 'lvs2']);
  });
});
