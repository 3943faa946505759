import { describe, expect, it } from 'vitest';
import { runDoctorChecks } from '../../src/doctor/checks.ts';
import { describeSubject, doctorExitCode, formatFindings } from '../../src/doctor/format.ts';
import { buildDoctorInput, type DoctorRawInput } from '../../src/doctor/input.ts';
import type { Finding } from '../../src/doctor/types.ts';
import { readFixture } from '../helpers/fixtures.ts';
import { aServer, DRAIN, HTTP, HTTPS } from './builders.ts';

const f = (level: Finding['level'], id: string, subject: Finding['subject'] = {}): Finding => ({
  id,
  level,
  subject,
  message: `${id} happened`,
  hint: `fix ${id}`,
});

describe('formatFindings', () => {
  it('groups by level, one line per finding with its hint, and counts them', () => {
    const text = formatFindings([
      f('info', 'c', { director: 'lvs1' }),
      f('error', 'a', { director: 'lvs1', service: 'TCP 10.0.0.100:80', server: 'web1' }),
      f('warn', 'b'),
    ]);
    expect(text).toBe(
      [
        'errors (1):',
        '  ✖ [a] lvs1 · TCP 10.0.0.100:80 · web1: a happened — hint: fix a',
        'warnings (1):',
        '  ! [b] cluster: b happened — hint: fix b',
        'info (1):',
        '  i [c] lvs1: c happened — hint: fix c',
        'doctor: 1 error, 1 warning, 1 info',
        '',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to report', () => {
    expect(formatFindings([])).toBe('doctor: no problems found\n');
    expect(describeSubject({})).toBe('cluster');
  });
});

describe('doctorExitCode', () => {
  it('is 3 when any finding is an error, else 0', () => {
    expect(doctorExitCode([])).toBe(0);
    expect(doctorExitCode([f('warn', 'w'), f('info', 'i')])).toBe(0);
    expect(doctorExitCode([f('warn', 'w'), f('error', 'e')])).toBe(3);
  });
});

describe('runDoctorChecks on the fixtures', () => {
  const servers = [1, 2, 3].map((n) => {
    const s = aServer(n, [HTTP, HTTPS]);
    return { name: s.name, address: s.address, destinations: s.destinations, app: { healthFile: '/srv/www/app/shared/health/ready.html' } };
  });
  const cluster: DoctorRawInput['cluster'] = { services: [{ key: HTTP }, { key: HTTPS }], realServers: servers };
  const director = (name: string, conf: string) => ({
    name,
    list: readFixture('ipvsadm/list-dr-two-services.txt'),
    keepalived: readFixture(`keepalived/${conf}.conf`),
    sysctls: 'net.ipv4.vs.expire_quiescent_template = 1\nnet.ipv4.vs.conn_reuse_mode = 2\n',
    version: readFixture('ipvsadm/version.txt'),
  });

  it('finds no error in pair A, only the TCP_CHECK on :443 that cannot see the health file', () => {
    const findings = runDoctorChecks(
      buildDoctorInput({
        cluster,
        pipeline: { drain: { ...DRAIN, settleMs: 0, pollMs: 1000, threshold: 0 } },
        directors: [director('lvs-a', 'pair-a-master'), director('lvs-b', 'pair-a-backup')],
      }),
    );
    expect(findings.map((x) => `${x.level} ${x.id}`)).toEqual(Array(6).fill('warn healthcheck-path'));
    expect(doctorExitCode(findings)).toBe(0);
  });

  it('orders errors first and fails with 3 on the drained table and the broken pair C', () => {
    const broken = { ...director('lvs-b', 'pair-c-backup'), list: readFixture('ipvsadm/list-draining.txt') };
    const findings = runDoctorChecks(
      buildDoctorInput({
        cluster,
        pipeline: { drain: { ...DRAIN, settleMs: 0, pollMs: 1000, threshold: 0 } },
        directors: [director('lvs-a', 'pair-c-master'), broken],
      }),
    );
    const levels = findings.map((x) => x.level);
    expect(levels).toEqual([...levels].sort((a, b) => ['error', 'warn', 'info'].indexOf(a) - ['error', 'warn', 'info'].indexOf(b)));
    const ids = new Set(findings.map((x) => x.id));
    for (const id of ['directors-disagree', 'server-weight-zero', 'keepalived-config', 'keepalived-pair-mismatch', 'healthfile-unchecked', 'no-sync-daemon']) {
      expect(ids).toContain(id);
    }
    expect(doctorExitCode(findings)).toBe(3);
    expect(formatFindings(findings)).toContain("(Line 71) There are 1 missing '}'s or extra '{'s");
  });
});
