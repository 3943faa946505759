// The lab's `ip addr` against iproute2 6.1's output, messages and exit codes (captured on Linux 6.x).
import { describe, expect, it } from 'vitest';
import { createHostNet, type HostNet } from '../../../src/lab/net/host-net.ts';
import { runIp } from '../../../src/lab/tools/ip-tool.ts';

const VALID = '       valid_lft forever preferred_lft forever';

function aServer(): HostNet {
  const net = createHostNet({ name: 'web1', seed: 0x010000, primary: { address: '10.0.1.11', prefix: 24 }, sysctls: {} });
  net.addAddress('lo', { family: 'inet', address: '10.0.0.100', prefix: 32, scope: 'global', label: 'lo' });
  return net;
}
const ip = (net: HostNet, line: string) => runIp(net, line.split(' '));

describe('ip addr show', () => {
  it('-o prints one line per address, the line breaks as a backslash, as iproute2 does', () => {
    expect(ip(aServer(), '-o addr show dev lo')).toEqual({
      stdout: [
        `1: lo    inet 127.0.0.1/8 scope host lo\\${VALID}`,
        `1: lo    inet 10.0.0.100/32 scope global lo\\${VALID}`,
        `1: lo    inet6 ::1/128 scope host \\${VALID}`,
        '',
      ].join('\n'),
      exitCode: 0,
    });
    expect(ip(aServer(), '-o -4 a s').stdout).toBe(
      [
        `1: lo    inet 127.0.0.1/8 scope host lo\\${VALID}`,
        `1: lo    inet 10.0.0.100/32 scope global lo\\${VALID}`,
        `2: eth0    inet 10.0.1.11/24 brd 10.0.1.255 scope global eth0\\${VALID}`,
        '',
      ].join('\n'),
    );
  });

  it('prints the multi-line form, with link lines unless a family is chosen, and -br', () => {
    const out = ip(aServer(), 'addr show eth0').stdout;
    expect(out).toBe(
      [
        '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
        '    link/ether 52:54:00:01:00:00 brd ff:ff:ff:ff:ff:ff',
        '    inet 10.0.1.11/24 brd 10.0.1.255 scope global eth0',
        VALID,
        '    inet6 fe80::5054:ff:fe01:0/64 scope link ',
        VALID,
        '',
      ].join('\n'),
    );
    expect(ip(aServer(), '-4 addr show dev lo').stdout).toBe(
      [
        '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    inet 127.0.0.1/8 scope host lo',
        VALID,
        '    inet 10.0.0.100/32 scope global lo',
        VALID,
        '',
      ].join('\n'),
    );
    expect(ip(aServer(), '-br addr').stdout).toBe(
      'lo               UNKNOWN        127.0.0.1/8 10.0.0.100/32 ::1/128 \neth0             UP             10.0.1.11/24 fe80::5054:ff:fe01:0/64 \n',
    );
    expect(ip(aServer(), '-o addr show dev lo scope global').stdout).toBe(`1: lo    inet 10.0.0.100/32 scope global lo\\${VALID}\n`);
  });

  it('refuses unknown devices, commands and objects as iproute2 does', () => {
    expect(ip(aServer(), 'addr show dev eth9')).toEqual({ stderr: 'Device "eth9" does not exist.\n', exitCode: 1 });
    expect(ip(aServer(), 'addr frob')).toEqual({ stderr: 'Command "frob" is unknown, try "ip address help".\n', exitCode: 255 });
    expect(ip(aServer(), 'frob')).toEqual({ stderr: 'Object "frob" is unknown, try "ip help".\n', exitCode: 1 });
    expect(ip(aServer(), 'route show').exitCode).toBe(255);
  });
});

describe('ip addr add / del', () => {
  it("removes and restores the VIP on lo, with iproute2's errors for the second time", () => {
    const net = aServer();
    expect(ip(net, 'addr del 10.0.0.100/32 dev lo')).toEqual({ stderr: '', exitCode: 0 });
    expect(net.hasAddress('10.0.0.100')).toBe(false);
    expect(ip(net, 'addr del 10.0.0.100/32 dev lo')).toEqual({ stderr: 'Error: ipv4: Address not found.\n', exitCode: 2 });
    expect(ip(net, 'a a 10.0.0.100/32 dev lo')).toEqual({ exitCode: 0 });
    expect(ip(net, '-o addr show dev lo').stdout).toContain(`1: lo    inet 10.0.0.100/32 scope global lo\\${VALID}\n`);
    expect(ip(net, 'addr add 10.0.0.100/32 dev lo')).toEqual({ stderr: 'Error: ipv4: Address already assigned.\n', exitCode: 2 });
  });

  it('a delete without a prefix length warns and deletes by address; add needs a device', () => {
    const net = aServer();
    const r = ip(net, 'addr del 10.0.0.100 dev lo');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(
      'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
        '         Explicitly specify the prefix length (10.0.0.100/32) to avoid this warning.\n' +
        '         This special behaviour is likely to disappear in further releases,\n' +
        '         fix your scripts!\n',
    );
    expect(ip(net, 'addr add 10.0.0.100/32')).toEqual({ stderr: 'Not enough information: "dev" argument is required.\n', exitCode: 1 });
    expect(ip(net, 'addr add 10.0.0.100/32 dev eth9')).toEqual({ stderr: 'Cannot find device "eth9"\n', exitCode: 1 });
    expect(ip(net, 'addr add 10.0.0.100/32 dev eth0 label eth0:vip')).toEqual({ exitCode: 0 });
    expect(ip(net, '-o -4 addr show dev eth0').stdout).toContain(`2: eth0    inet 10.0.0.100/32 scope global eth0:vip\\${VALID}\n`);
  });
});
