import { describe, expect, it } from 'vitest';
import {
  healthCheckServesHealthFile,
  healthfileWithoutInhibit,
  keepalivedManualDrain,
  keepalivedPairMismatch,
  keepalivedParseDiagnostics,
  quorumSorryFlip,
  syncDaemonAbsent,
  urlServesHealthFile,
} from '../../src/doctor/checks.ts';
import type { DoctorDrain } from '../../src/doctor/types.ts';
import { aDirector, anInput, aServer, confText, DRAIN, fixtureConf, withConf, type ConfOptions } from './builders.ts';

const quiesce: DoctorDrain = { ...DRAIN, method: 'quiesce' };
const both = (o: ConfOptions = {}) => [
  aDirector('lvs1', { keepalived: withConf(confText(o)) }),
  aDirector('lvs2', { keepalived: withConf(confText({ ...o, routerId: 'lvs2' })) }),
];

describe('keepalivedManualDrain', () => {
  it('passes with the healthfile method, or when keepalived does not manage the servers', () => {
    expect(keepalivedManualDrain(anInput({ directors: both() }))).toEqual([]);
    const other = anInput({ drain: quiesce, servers: [aServer(7)], directors: both() });
    expect(keepalivedManualDrain(other)).toEqual([]);
  });

  it('warns per director when ipvsadm/quiesce drains servers keepalived manages', () => {
    const findings = keepalivedManualDrain(anInput({ drain: quiesce, directors: both() }));
    expect(findings.map((f) => [f.level, f.id, f.subject.director])).toEqual([
      ['warn', 'keepalived-manual-drain', 'lvs1'],
      ['warn', 'keepalived-manual-drain', 'lvs2'],
    ]);
    expect(findings[0]?.message).toContain('(web1, web2, web3)');
  });
});

describe('healthfileWithoutInhibit', () => {
  it('passes when every real server has inhibit_on_failure, and for other methods', () => {
    expect(healthfileWithoutInhibit(anInput({ directors: both() }))).toEqual([]);
    expect(healthfileWithoutInhibit(anInput({ drain: quiesce, directors: both({ inhibit: false }) }))).toEqual([]);
  });

  it('is an error without inhibit_on_failure: keepalived deletes the destination', () => {
    const findings = healthfileWithoutInhibit(anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({ inhibit: false })) })] }));
    expect(findings).toEqual([
      {
        id: 'healthfile-without-inhibit',
        level: 'error',
        subject: { director: 'lvs1', service: 'TCP 10.0.0.100:80' },
        message: expect.stringMatching(
          /^keepalived\.conf \(\/etc\/keepalived\/keepalived\.conf\) on lvs1: real servers of TCP 10\.0\.0\.100:80 lack inhibit_on_failure \(web1 \(line 8\), web2 \(line 16\), web3 \(line 24\)\): a failed health check DELETES/,
        ),
        hint: expect.stringContaining('inhibit_on_failure'),
        file: '/etc/keepalived/keepalived.conf',
        line: 8,
      },
    ]);
  });

  it('warns when a server is not in keepalived.conf, or no keepalived.conf is known at all', () => {
    const partial = healthfileWithoutInhibit(anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({ weights: [100, 100] })) })] }));
    expect(partial.map((f) => [f.level, f.id, f.message])).toEqual([['warn', 'healthfile-unchecked', expect.stringContaining('no real_server for web3')]]);
    expect(healthfileWithoutInhibit(anInput()).map((f) => [f.level, f.id, f.subject])).toEqual([['warn', 'healthfile-unchecked', {}]]);
  });
});

describe('quorumSorryFlip', () => {
  it('passes for pair A: quorum 100 with 3 × 100, one drained leaves 200', () => {
    expect(quorumSorryFlip(anInput({ directors: [aDirector('lvs1', { keepalived: fixtureConf('pair-a-master') })] }))).toEqual([]);
  });

  it('passes without a sorry server, or when hysteresis keeps the pool up', () => {
    expect(quorumSorryFlip(anInput({ directors: both({ quorum: 250 }) }))).toEqual([]);
    expect(quorumSorryFlip(anInput({ directors: both({ quorum: 250, hysteresis: 50, sorry: true }) }))).toEqual([]);
  });

  it('is an error with the healthfile method when draining the largest server flips the VIP to the sorry server', () => {
    const findings = quorumSorryFlip(
      anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({ quorum: 250, sorry: true, weights: [100, 150, 100] })) })] }),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        id: 'quorum-sorry-server',
        level: 'error',
        subject: { director: 'lvs1', service: 'TCP 10.0.0.100:80' },
        message:
          'taking web2 (weight 150) out of TCP 10.0.0.100:80 leaves a live weight of 200, below quorum 250 - hysteresis 0: keepalived would replace every real server with the sorry server 10.0.9.10:80',
      }),
    ]);
  });

  it('is a warning with other methods (the restart can fail the check too)', () => {
    const findings = quorumSorryFlip(
      anInput({ drain: quiesce, directors: [aDirector('lvs1', { keepalived: withConf(confText({ quorum: 250, sorry: true })) })] }),
    );
    expect(findings.map((f) => f.level)).toEqual(['warn']);
    expect(findings[0]?.message).toContain('during the restart');
  });
});

describe('keepalivedPairMismatch', () => {
  it('passes for pair A', () => {
    expect(
      keepalivedPairMismatch(
        anInput({
          directors: [aDirector('lvs-a', { keepalived: fixtureConf('pair-a-master') }), aDirector('lvs-b', { keepalived: fixtureConf('pair-a-backup') })],
        }),
      ),
    ).toEqual([]);
  });

  it('reports each mismatch of pair C as an error on the second director', () => {
    const findings = keepalivedPairMismatch(
      anInput({
        directors: [aDirector('edge1', { keepalived: fixtureConf('pair-c-master') }), aDirector('edge2', { keepalived: fixtureConf('pair-c-backup') })],
      }),
    );
    expect(findings).toHaveLength(5);
    expect(findings.every((f) => f.level === 'error' && f.subject.director === 'edge2')).toBe(true);
    expect(findings.at(-1)?.message).toBe(
      'keepalived.conf differs between edge1 and edge2: virtual_server 172.16.0.100 80: `real_server 192.168.50.12 8080` on edge1, absent on edge2 (edge1 line 59)',
    );
    expect(findings.at(-1)).toMatchObject({ file: '/etc/keepalived/keepalived.conf', line: 59 });
  });
});

describe('keepalivedParseDiagnostics', () => {
  it('passes for a clean file', () => {
    expect(keepalivedParseDiagnostics(anInput({ directors: [aDirector('lvs1', { keepalived: fixtureConf('pair-c-master') })] }))).toEqual([]);
  });

  it("reports keepalived's errors with their lines, our hint as info and an include as a warning", () => {
    const findings = keepalivedParseDiagnostics(anInput({ directors: [aDirector('edge2', { keepalived: fixtureConf('pair-c-backup') })] }));
    expect(findings.map((f) => [f.level, f.message.replace('keepalived.conf (/etc/keepalived/keepalived.conf) on edge2: ', '')])).toEqual([
      ['info', expect.stringMatching(/^\(Line 49\) 'url' block opened here is probably never closed/)],
      ['error', "(Line 53) Unknown keyword 'connect_timeout'"],
      ['error', "(Line 54) Unknown keyword 'retry'"],
      ['error', "(Line 55) Unknown keyword 'delay_before_retry'"],
      ['error', "(Line 59) Unknown keyword 'real_server'"],
      ['error', "(Line 59) Unexpected '{' - ignoring"],
      ['error', "(Line 71) There are 1 missing '}'s or extra '{'s"],
    ]);
    expect(findings[1]?.hint).toContain('keepalived -t -f /etc/keepalived/keepalived.conf');
    const include = keepalivedParseDiagnostics(anInput({ directors: [aDirector('lvs1', { keepalived: withConf('include /etc/keepalived/vs.conf\n') })] }));
    expect(include.map((f) => f.level)).toEqual(['warn']);
  });
});

describe('healthCheckServesHealthFile', () => {
  it('passes when the checked URL has the health file name, and for other methods', () => {
    expect(healthCheckServesHealthFile(anInput({ directors: both() }))).toEqual([]);
    expect(healthCheckServesHealthFile(anInput({ drain: quiesce, directors: both({ checker: 'TCP_CHECK' }) }))).toEqual([]);
  });

  it('is an error when the checked path is not the health file: the drain could never take the server out', () => {
    const findings = healthCheckServesHealthFile(anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({ path: '/status' })) })] }));
    expect(findings.map((f) => [f.level, f.subject.server])).toEqual([
      ['error', 'web1'],
      ['error', 'web2'],
      ['error', 'web3'],
    ]);
    expect(findings[0]?.message).toContain('/status (line 12)');
    expect(findings[0]).toMatchObject({ file: '/etc/keepalived/keepalived.conf', line: 12 });
    expect(findings[0]?.hint).toContain('app.healthUrl');
  });

  it('maps the file to the URL by its last path segments, or by app.healthUrl exactly', () => {
    const server = { healthFile: '/srv/www/app/shared/health/ready.html' };
    expect(urlServesHealthFile('/health/ready.html', server)).toBe(true);
    expect(urlServesHealthFile('/ready.html?x=1', server)).toBe(true);
    expect(urlServesHealthFile('/', server)).toBe(false);
    expect(urlServesHealthFile('/status/ready.html', server)).toBe(false);
    expect(urlServesHealthFile('/healthz', { ...server, healthUrl: '/healthz' })).toBe(true);
    expect(urlServesHealthFile('/health/ready.html', { ...server, healthUrl: '/healthz' })).toBe(false);
    // With app.healthUrl set, a check of /healthz passes the doctor.
    const servers = [1, 2, 3].map((n) => aServer(n, undefined, { healthUrl: '/healthz' }));
    expect(healthCheckServesHealthFile(anInput({ servers, directors: [aDirector('lvs1', { keepalived: withConf(confText({ path: '/healthz' })) })] }))).toEqual(
      [],
    );
  });

  it('warns when only a TCP_CHECK watches the server: the file cannot fail it', () => {
    const findings = healthCheckServesHealthFile(anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({ checker: 'TCP_CHECK' })) })] }));
    expect(findings.map((f) => f.level)).toEqual(['warn', 'warn', 'warn']);
    expect(findings[0]?.message).toContain('drain will time out');
  });
});

describe('syncDaemonAbsent', () => {
  it('passes with lvs_sync_daemon and informs without it', () => {
    expect(syncDaemonAbsent(anInput({ directors: both() }))).toEqual([]);
    const findings = syncDaemonAbsent(anInput({ directors: both({ syncDaemon: false }) }));
    expect(findings.map((f) => [f.level, f.id, f.subject.director])).toEqual([
      ['info', 'no-sync-daemon', 'lvs1'],
      ['info', 'no-sync-daemon', 'lvs2'],
    ]);
  });
});
