// Issue 11's reads need no root: the network checks are argvs sent as the SSH user, never
// mutating; the only root reads they add are in the README's directors block (`ipvsadm -L -n
// --tun-info`, and `cat` of the documented keepalived.conf, probed when none is named).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEPALIVED_CONF, keepalivedRead } from '../../src/doctor/reads.ts';
import { arpReadCommand } from '../../src/hosts/arp.ts';
import { ipAddrCommand } from '../../src/hosts/ip-addr.ts';
import { procSysCommand } from '../../src/hosts/proc-sys.ts';
import { defaultRouteCommand } from '../../src/hosts/route.ts';
import { vipPathCommand } from '../../src/hosts/vip-path.ts';
import { tunInfoListCommand } from '../../src/ipvs/commands.ts';
import { effectiveArgv } from '../../src/transport/command.ts';
import { allows, parseSudoers, sudoersBlocks } from './sudoers.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const DIRECTORS = parseSudoers(sudoersBlocks(README, 'Privileges on the directors and servers').find((b) => /^# Directors/m.test(b)) ?? '');
const allowed = (argv: readonly string[]) =>
  DIRECTORS.some((r) => r.user === 'deploy' && r.runas === 'root' && r.nopasswd && r.commands.some((c) => allows(c, argv)));

describe('the network checks run as the SSH user', () => {
  it('ip -o addr show, cat /proc/sys, ip route, curl: argvs, no sudo, read-only', () => {
    const vip = { address: '10.0.0.100', family: 'inet', service: 'TCP 10.0.0.100:80', port: 80, protocol: 'tcp', forward: 'Route' } as const;
    for (const c of [
      ipAddrCommand(),
      arpReadCommand(['eth0']),
      procSysCommand(['net.ipv4.ip_forward', 'net.ipv4.vs.expire_quiescent_template']),
      defaultRouteCommand(),
      vipPathCommand(vip, { hostHeader: 'www.example.com' }),
    ]) {
      expect(c.sudo ?? false, c.argv.join(' ')).toBe(false);
      expect(c.mutates).toBe(false);
      expect(effectiveArgv(c)?.[0]).not.toBe('sudo');
    }
  });

  it("the root reads they add are in the directors' sudoers block: --tun-info, and cat of the default keepalived.conf", () => {
    expect(allowed(tunInfoListCommand().argv)).toBe(true);
    expect(DEFAULT_KEEPALIVED_CONF).toBe('/etc/keepalived/keepalived.conf');
    expect(allowed(effectiveArgv(keepalivedRead(DEFAULT_KEEPALIVED_CONF, true).command)?.slice(2) ?? [])).toBe(true);
  });
});
