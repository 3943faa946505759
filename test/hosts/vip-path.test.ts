// The VIP path after a restore: the VIP read on lo first, then one request to VIP:PORT from the server.
import { describe, expect, it } from 'vitest';
import type { ServedVip } from '../../src/hosts/types.ts';
import { checkVipPath, vipPathCommand } from '../../src/hosts/vip-path.ts';
import { fakeHost, ipAddrText } from './fake-host.ts';

const VIP: ServedVip = { address: '10.0.0.100', family: 'inet', service: 'TCP 10.0.0.100:80', port: 80, protocol: 'tcp', forward: 'Route' };
const CURL = 'curl -sS -o /dev/null -w %{http_code} --connect-timeout 3 --max-time 5 http://10.0.0.100:80/';

describe('vipPathCommand', () => {
  it('is one curl argv with a Host header and path when given; IPv6 in brackets; never a shell', () => {
    expect(vipPathCommand(VIP, { path: '/health/ready.html', hostHeader: 'www.example.com' }).argv).toEqual([
      'curl',
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--connect-timeout',
      '3',
      '--max-time',
      '5',
      '-H',
      'Host: www.example.com',
      'http://10.0.0.100:80/health/ready.html',
    ]);
    expect(vipPathCommand({ ...VIP, address: '2001:db8::100', family: 'inet6' }).argv.at(-1)).toBe('http://[2001:db8::100]:80/');
    expect(() => vipPathCommand(VIP, { path: 'x y' })).toThrow(TypeError);
  });
});

describe('checkVipPath', () => {
  it('passes when the VIP is on lo and VIP:PORT answers from the server itself', async () => {
    const host = fakeHost('web1', { 'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11', loVip: '10.0.0.100' }) }, [CURL]: { stdout: '200' } });
    const r = await checkVipPath(host.session, 'web1', [VIP]);
    expect(r).toMatchObject({ problems: [], checked: ['http://10.0.0.100:80/ from web1'] });
    expect(host.sent.every((s) => !s.sudo && !s.mutates)).toBe(true);
  });

  it('without the VIP on lo it does not ask at all (the answer could come from any server of the pool): the VIP problem', async () => {
    const host = fakeHost('web1', { 'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11' }) }, [CURL]: { stdout: '200' } });
    const r = await checkVipPath(host.session, 'web1', [VIP]);
    expect(r.problems.map((p) => p.id)).toEqual(['vip-not-on-lo']);
    expect(host.sent.map((s) => s.line)).toEqual(['ip -o addr show']);
  });

  it('an app that does not listen on the VIP (refused), or answers 5xx, fails it; a UDP service is not asked', async () => {
    const refused = fakeHost('web1', {
      'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11', loVip: '10.0.0.100' }) },
      [CURL]: { stdout: '000', stderr: "curl: (7) Failed to connect to 10.0.0.100 port 80 after 0 ms: Couldn't connect to server\n", exitCode: 7 },
    });
    const r = await checkVipPath(refused.session, 'web1', [VIP]);
    expect(r.problems.map((p) => p.id)).toEqual(['vip-path']);
    expect(r.problems[0]?.message).toContain('curl exit 7: curl: (7) Failed to connect');
    const five = fakeHost('web1', { 'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11', loVip: '10.0.0.100' }) }, [CURL]: { stdout: '503' } });
    expect((await checkVipPath(five.session, 'web1', [VIP])).problems[0]?.message).toContain('HTTP 503');
    const udp = fakeHost('web1', {});
    expect(await checkVipPath(udp.session, 'web1', [{ ...VIP, protocol: 'udp' }])).toMatchObject({ problems: [], checked: [] });
    expect(udp.sent).toEqual([]);
  });
});
