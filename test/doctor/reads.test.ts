// What doctor sends: argvs only, read-only, and as root only `ipvsadm …` and `cat <keepalived.conf>`.
import { describe, expect, it } from 'vitest';
import { directorReads, healthFileRead, keepalivedRead, SYSCTL_PATHS } from '../../src/doctor/reads.ts';
import { buildCommandLine } from '../../src/transport/command.ts';
import { thrown } from '../shell/errors.ts';

describe('directorReads', () => {
  it('with sudo: four ipvsadm reads through sudo -n, the sysctls as the SSH user, keepalived.conf through sudo -n cat', () => {
    const { reads, refused } = directorReads({ sudo: true, keepalived: '/etc/keepalived/keepalived.conf' });
    expect(refused).toEqual({});
    expect(reads.map((r) => [r.field, buildCommandLine(r.command)])).toEqual([
      ['list', 'sudo -n ipvsadm -L -n'],
      ['thresholds', 'sudo -n ipvsadm -L -n --thresholds'],
      ['version', 'sudo -n ipvsadm -v'],
      ['timeout', 'sudo -n ipvsadm -L --timeout'],
      ['sysctls', `grep -H . ${SYSCTL_PATHS.join(' ')}`],
      ['keepalived', 'sudo -n cat /etc/keepalived/keepalived.conf'],
    ]);
    expect(reads.every((r) => r.command.mutates === false)).toBe(true);
    expect(reads.find((r) => r.field === 'sysctls')).toMatchObject({ acceptExit: [2], quiet: true });
  });

  it('without sudo: the same argvs, none through sudo; without directors[].keepalived the default path is probed, quietly', () => {
    const { reads } = directorReads({ sudo: false });
    expect(reads.map((r) => r.command.sudo ?? false)).toEqual([false, false, false, false, false, false]);
    expect(reads.find((r) => r.field === 'keepalived')).toMatchObject({ quiet: true, command: { argv: ['cat', '/etc/keepalived/keepalived.conf'] } });
    // With sudo the probe is the one documented `sudo -n cat` line.
    expect(buildCommandLine(directorReads({ sudo: true }).reads.find((r) => r.field === 'keepalived')?.command ?? { argv: [], mutates: false })).toBe(
      'sudo -n cat /etc/keepalived/keepalived.conf',
    );
  });

  it('names each read as the unreadable warnings show it', () => {
    expect(directorReads({ sudo: false, keepalived: 'ka.conf' }).reads.map((r) => r.what)).toEqual([
      'ipvsadm -L -n',
      'ipvsadm -L -n --thresholds',
      'ipvsadm -v',
      'ipvsadm -L --timeout',
      'IPVS sysctls',
      'cat ka.conf',
    ]);
  });

  it('a relative keepalived path under sudo is refused as a read (a sudoers line names an absolute path), not sent', () => {
    const { reads, refused } = directorReads({ sudo: true, keepalived: 'keepalived.conf' });
    expect(reads.map((r) => r.field)).not.toContain('keepalived');
    expect(refused['cat keepalived.conf']).toMatch(/not an absolute path.*sudo -n cat PATH/);
    expect(thrown(() => keepalivedRead('', false)).code).toBe('CONFIG_INVALID');
  });

  it('a keepalived path or health file starting with "-" is read as ./-…, never as an option', () => {
    expect(keepalivedRead('-ka.conf', false).command.argv).toEqual(['cat', './-ka.conf']);
    expect(healthFileRead('-ready.html').argv).toEqual(['test', '-f', './-ready.html']);
    expect(healthFileRead('/srv/www/app/shared/health/ready.html')).toMatchObject({
      argv: ['test', '-f', '/srv/www/app/shared/health/ready.html'],
      mutates: false,
    });
  });
});
