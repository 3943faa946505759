import { describe, expect, it } from 'vitest';
import { directorsDisagree, hashWithoutFallback, persistenceNeedsExpireQuiescent, serversInPool } from '../../src/doctor/checks.ts';
import { aDest, aDirector, anInput, aService, aTable, confText, HTTP, HTTPS, withConf } from './builders.ts';

const ids = (findings: { id: string; level: string }[]) => findings.map((f) => `${f.level} ${f.id}`);

describe('directorsDisagree', () => {
  it('passes when every director lists the same table', () => {
    expect(directorsDisagree(anInput())).toEqual([]);
  });

  it('names each difference of weight, method, dests and scheduler against the first director', () => {
    const other = aService(HTTP, { scheduler: 'rr', dests: [aDest(1, 80, { weight: 50 }), aDest(2, 80, { forward: 'Masq' })] });
    const findings = directorsDisagree(anInput({ directors: [aDirector('lvs1'), aDirector('lvs2', { table: aTable([other]) })] }));
    expect(findings).toEqual([
      {
        id: 'directors-disagree',
        level: 'error',
        subject: { director: 'lvs2', service: 'TCP 10.0.0.100:80' },
        message: 'lvs2 differs from lvs1: scheduler wlc vs rr; 10.0.1.11:80 weight 100 vs 50; 10.0.1.12:80 method Route vs Masq; 10.0.1.13:80 missing',
        hint: expect.stringContaining('release recover'),
      },
    ]);
  });

  it('reports a service present on only one director, either way round', () => {
    const findings = directorsDisagree(anInput({ directors: [aDirector('lvs1'), aDirector('lvs2', { table: aTable([aService(HTTPS)]) })] }));
    expect(findings.map((f) => f.message)).toEqual(['TCP 10.0.0.100:80 is on lvs1 but not on lvs2', 'TCP 10.0.0.100:443 is on lvs2 but not on lvs1']);
  });

  it('says nothing without tables', () => {
    expect(directorsDisagree(anInput({ directors: [aDirector('lvs1', { table: undefined })] }))).toEqual([]);
  });
});

describe('serversInPool', () => {
  it('passes when every configured server is listed with a weight', () => {
    expect(serversInPool(anInput())).toEqual([]);
  });

  it('reports a missing server (error), a weight-0 server (warn) and unknown dests (info)', () => {
    const table = aTable([aService(HTTP, { dests: [aDest(1, 80, { weight: 0 }), aDest(2), aDest(9)] })]);
    const findings = serversInPool(anInput({ directors: [aDirector('lvs1', { table })] }));
    expect(findings.map((f) => [f.level, f.id, f.subject])).toEqual([
      ['warn', 'server-weight-zero', { director: 'lvs1', service: 'TCP 10.0.0.100:80', server: 'web1' }],
      ['error', 'server-missing', { director: 'lvs1', service: 'TCP 10.0.0.100:80', server: 'web3' }],
      ['info', 'unknown-destination', { director: 'lvs1', service: 'TCP 10.0.0.100:80' }],
    ]);
    expect(findings[2]?.message).toContain('10.0.1.19:80');
  });

  it('reports a configured service the director does not have', () => {
    const findings = serversInPool(anInput({ directors: [aDirector('lvs1', { table: aTable([aService(HTTPS)]) })] }));
    expect(ids(findings)).toEqual(['error service-missing']);
  });
});

describe('persistenceNeedsExpireQuiescent', () => {
  const persistent = aTable([aService(HTTP, { persistent: 300 })]);

  it('passes with expire_quiescent_template=1, or without persistent services', () => {
    const input = anInput({ directors: [aDirector('lvs1', { table: persistent, sysctls: { expire_quiescent_template: 1 } })] });
    expect(persistenceNeedsExpireQuiescent(input)).toEqual([]);
    expect(persistenceNeedsExpireQuiescent(anInput({ directors: [aDirector('lvs1', { sysctls: { expire_quiescent_template: 0 } })] }))).toEqual([]);
  });

  it('warns with 0 and informs when the sysctl was not read', () => {
    const input = anInput({
      directors: [aDirector('lvs1', { table: persistent, sysctls: { expire_quiescent_template: 0 } }), aDirector('lvs2', { table: persistent })],
    });
    const findings = persistenceNeedsExpireQuiescent(input);
    expect(ids(findings)).toEqual(['warn persistence-expire-quiescent', 'info persistence-expire-quiescent']);
    expect(findings[0]?.message).toContain('may never finish');
  });

  it('sees persistence configured in keepalived.conf too', () => {
    const input = anInput({
      directors: [aDirector('lvs1', { keepalived: withConf(confText({ persistence: 600 })), sysctls: { expire_quiescent_template: 0 } })],
    });
    expect(ids(persistenceNeedsExpireQuiescent(input))).toEqual(['warn persistence-expire-quiescent']);
  });
});

describe('hashWithoutFallback', () => {
  it('passes for sh with sh-fallback and for other schedulers', () => {
    const table = aTable([aService(HTTP, { scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] })]);
    expect(hashWithoutFallback(anInput({ directors: [aDirector('lvs1', { table })] }))).toEqual([]);
    expect(hashWithoutFallback(anInput())).toEqual([]);
  });

  it('warns for sh/mh without the fallback flag, in the table or in keepalived.conf, once per director and service', () => {
    const table = aTable([aService(HTTP, { scheduler: 'mh' })]);
    const input = anInput({
      directors: [
        aDirector('lvs1', { table, keepalived: withConf(confText({ sched: 'mh' })) }),
        aDirector('lvs2', { keepalived: withConf(confText({ sched: 'sh' })) }),
      ],
    });
    const findings = hashWithoutFallback(input);
    expect(findings.map((f) => [f.subject.director, f.message])).toEqual([
      ['lvs1', expect.stringContaining('uses mh without mh-fallback')],
      ['lvs2', expect.stringContaining('uses sh without sh-fallback')],
    ]);
  });
});
