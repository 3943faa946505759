// The lab's `sysctl` against procps-ng 4.0: read, write, unknown keys, and /proc/sys reads.
import { describe, expect, it } from 'vitest';
import { createHostNet, effectiveArp } from '../../../src/lab/net/host-net.ts';
import { directorSysctls, serverSysctls } from '../../../src/lab/net/lab-net.ts';
import { readProcSys, runSysctl } from '../../../src/lab/tools/sysctl-tool.ts';

const aServer = () => createHostNet({ name: 'web1', seed: 1, primary: { address: '127.0.1.1', prefix: 24 }, sysctls: serverSysctls('dr') });
const sysctl = (line: string, net = aServer()) => runSysctl(net, line.split(' '));

describe('sysctl', () => {
  it('reads values (-n) and name = value lines; a DR server has ARP suppressed, a director the IPVS settings', () => {
    expect(sysctl('-n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce')).toEqual({ stdout: '1\n2\n', stderr: '', exitCode: 0 });
    expect(sysctl('net.ipv4.ip_forward net/ipv4/conf/lo/arp_ignore')).toEqual({
      stdout: 'net.ipv4.ip_forward = 0\nnet.ipv4.conf.lo.arp_ignore = 1\n',
      stderr: '',
      exitCode: 0,
    });
    const director = createHostNet({ name: 'lvs1', seed: 2, primary: { address: '127.0.0.11', prefix: 24 }, sysctls: directorSysctls('nat') });
    expect(sysctl('-n net.ipv4.ip_forward net.ipv4.vs.expire_quiescent_template net.ipv4.vs.expire_nodest_conn', director).stdout).toBe('1\n0\n0\n');
    expect(sysctl('-a', director).stdout).toContain('net.ipv4.vs.conn_reuse_mode = 1\n');
  });

  it('says "cannot stat" for a setting the host does not have (status 1), unless -e', () => {
    expect(sysctl('-n net.ipv4.vs.expire_nodest_conn net.ipv4.ip_forward')).toEqual({
      stdout: '0\n',
      stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/vs/expire_nodest_conn: No such file or directory\n',
      exitCode: 1,
    });
    expect(sysctl('-e -n net.ipv4.vs.expire_nodest_conn')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('writes with -w or KEY=VALUE, echoing unless -q; refuses what is not a number', () => {
    const net = aServer();
    expect(sysctl('-w net.ipv4.conf.all.arp_ignore=0', net)).toEqual({ stdout: 'net.ipv4.conf.all.arp_ignore = 0\n', stderr: '', exitCode: 0 });
    expect(effectiveArp(net, 'arp_ignore')).toBe(0);
    expect(sysctl('-q net.ipv4.conf.eth0.arp_ignore=1', net)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    // The kernel takes the larger of all and the interface's own.
    expect(effectiveArp(net, 'arp_ignore')).toBe(1);
    expect(sysctl('-w net.ipv4.conf.all.arp_announce=two', net)).toEqual({
      stdout: '',
      stderr: 'sysctl: setting key "net.ipv4.conf.all.arp_announce": Invalid argument\n',
      exitCode: 1,
    });
    expect(sysctl('-w net.ipv4.conf.all.arp_announce', net)).toMatchObject({
      exitCode: 1,
      stderr: 'sysctl: "net.ipv4.conf.all.arp_announce" must be of the form name=value\n',
    });
    expect(readProcSys(net, '/proc/sys/net/ipv4/conf/eth0/arp_ignore')).toBe('1');
    expect(readProcSys(net, '/proc/sys/net/ipv4/vs/sloppy_tcp')).toBeUndefined();
  });
});
