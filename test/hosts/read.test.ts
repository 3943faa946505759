// The network reads: argvs without sudo, never mutating; a failed or implausible read is a value.
import { describe, expect, it } from 'vitest';
import { parseProcSys, procSysCommand, procSysPath } from '../../src/hosts/proc-sys.ts';
import { readHostNet, readSysctls } from '../../src/hosts/read.ts';
import { parseDefaultRoute } from '../../src/hosts/route.ts';
import { ARP_CAT, fakeHost, ipAddrText } from './fake-host.ts';

describe('/proc/sys reads', () => {
  it('maps sysctl names to paths (dots of a link name stay) and refuses anything else', () => {
    expect(procSysPath('net.ipv4.conf.eth0.100.arp_ignore')).toBe('/proc/sys/net/ipv4/conf/eth0.100/arp_ignore');
    expect(procSysPath('net.ipv4.vs.expire_quiescent_template')).toBe('/proc/sys/net/ipv4/vs/expire_quiescent_template');
    expect(() => procSysPath('net.ipv4.conf.../arp_ignore')).toThrow(TypeError);
    expect(() => procSysPath('kernel.core_pattern')).toThrow(TypeError);
    expect(procSysCommand(['net.ipv4.ip_forward'])).toMatchObject({ argv: ['cat', '/proc/sys/net/ipv4/ip_forward'], mutates: false });
  });

  it('parses one value per key, in order; anything else is not an answer', () => {
    expect(
      parseProcSys(
        ['a', 'b'].map((x) => `net.ipv4.conf.${x}.arp_ignore`),
        '1\n0\n',
      ),
    ).toEqual({ ok: true, value: { 'net.ipv4.conf.a.arp_ignore': 1, 'net.ipv4.conf.b.arp_ignore': 0 } });
    expect(parseProcSys(['net.ipv4.ip_forward'], '')).toMatchObject({ ok: false });
    expect(parseProcSys(['net.ipv4.ip_forward'], 'x\n')).toMatchObject({ ok: false });
  });
});

describe('readHostNet', () => {
  it('reads the addresses, then the ARP settings of all and each network link; argvs only, no sudo, nothing mutating', async () => {
    const host = fakeHost('web1', {
      'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11', loVip: '10.0.0.100' }) },
      [ARP_CAT]: { stdout: '1\n2\n0\n0\n' },
    });
    const facts = await readHostNet(host.session, { arpFor: ['10.0.0.100'] });
    expect(facts.addresses.ok && facts.addresses.value.map((a) => `${a.ifname} ${a.address}`)).toEqual(['lo 127.0.0.1', 'lo 10.0.0.100', 'eth0 10.0.1.11']);
    expect(facts.sysctls).toEqual({
      ok: true,
      value: {
        'net.ipv4.conf.all.arp_ignore': 1,
        'net.ipv4.conf.all.arp_announce': 2,
        'net.ipv4.conf.eth0.arp_ignore': 0,
        'net.ipv4.conf.eth0.arp_announce': 0,
      },
    });
    expect(host.sent.map((s) => [s.line, s.sudo, s.mutates])).toEqual([
      ['ip -o addr show', false, false],
      [ARP_CAT, false, false],
    ]);
  });

  it('a host without ip, or an answer without lo, is unreadable (skipped), never a pass', async () => {
    const none = await readHostNet(fakeHost('web1', {}).session, { arpFor: ['10.0.0.100'] });
    expect(none.addresses).toEqual({ ok: false, reason: 'exit 127: sh: 1: ip: not found' });
    expect(none.sysctls).toMatchObject({ ok: false });
    const empty = await readHostNet(fakeHost('web1', { 'ip -o addr show': { stdout: '' } }).session, {});
    expect(empty.addresses).toEqual({ ok: false, reason: 'ip -o addr show listed no address on lo' });
  });

  it('the default route, when asked; `ip route` failing (the lab has none) is a reason, not an error', async () => {
    expect(parseDefaultRoute('default via 10.0.1.1 dev eth0 proto static metric 100\n10.0.1.0/24 dev eth0 scope link\n')).toEqual({
      via: '10.0.1.1',
      dev: 'eth0',
    });
    expect(parseDefaultRoute('')).toBeNull();
    const lab = fakeHost('web1', {
      'ip -o addr show': { stdout: ipAddrText({ eth0: '10.0.1.11' }) },
      'ip route show default': { stderr: 'ip (lab): "ip route" is not emulated; the lab answers "ip addr" only.\n', exitCode: 255 },
    });
    const facts = await readHostNet(lab.session, { defaultRoute: true });
    expect(facts.defaultRoute).toEqual({ ok: false, reason: 'exit 255: ip (lab): "ip route" is not emulated; the lab answers "ip addr" only.' });
  });
});

describe('readSysctls', () => {
  it('a file missing from a several-key read (ip_vs not loaded yet) does not hide the others', async () => {
    const missing = { stderr: 'cat: /proc/sys/net/ipv4/vs/expire_quiescent_template: No such file or directory\n', exitCode: 1 };
    const host = fakeHost('lvs1', {
      'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/vs/expire_quiescent_template': { stdout: '1\n', ...missing },
      'cat /proc/sys/net/ipv4/ip_forward': { stdout: '1\n' },
      'cat /proc/sys/net/ipv4/vs/expire_quiescent_template': missing,
    });
    expect(await readSysctls(host.session, ['net.ipv4.ip_forward', 'net.ipv4.vs.expire_quiescent_template'])).toEqual({
      ok: true,
      value: { 'net.ipv4.ip_forward': 1 },
    });
    expect(await readSysctls(fakeHost('x', {}).session, ['net.ipv4.ip_forward', 'net.ipv4.vs.expire_quiescent_template'])).toMatchObject({ ok: false });
  });
});
