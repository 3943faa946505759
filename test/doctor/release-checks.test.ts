// doctor's keepalived findings at release time: which refuse (naming director, file and line), which warn.
import { describe, expect, it } from 'vitest';
import { keepalivedVerdicts } from '../../src/doctor/release-checks.ts';
import { aDirector, anInput, confText, DRAIN, withConf } from './builders.ts';

const pair = (a: Parameters<typeof confText>[0], b: Parameters<typeof confText>[0] = a) => [
  aDirector('lvs1', { keepalived: withConf(confText(a)) }),
  aDirector('lvs2', { keepalived: withConf(confText({ routerId: 'lvs2', ...b })) }),
];
const POLICY = { allowHardCut: false, keepalived: 'warn' } as const;

describe('keepalivedVerdicts', () => {
  it('a consistent pair with inhibit_on_failure: nothing to say', () => {
    expect(keepalivedVerdicts(anInput({ directors: pair({}) }), POLICY)).toEqual({ refusals: [], warnings: [] });
  });

  it('healthfile without inhibit_on_failure on one director: refused naming the director, the file and the lines', () => {
    const v = keepalivedVerdicts(anInput({ directors: pair({}, { inhibit: false }) }), POLICY);
    expect(v.refusals).toHaveLength(1);
    expect(v.refusals[0]?.message).toMatch(
      /on lvs2: real servers of TCP 10\.0\.0\.100:80 lack inhibit_on_failure \(web1 \(line 8\), web2 \(line 16\), web3 \(line 24\)\).*\[\/etc\/keepalived\/keepalived\.conf:8\]$/,
    );
    expect(v.refusals[0]?.hint).toContain('drain.allowHardCut: true');
    // The pair differs in that too: reported as drift, not counted twice as a refusal.
    expect(v.warnings.map((w) => w.code)).toContain('KEEPALIVED_DRIFT');
  });

  it('with drain.allowHardCut it runs, warned that each cut will be counted', () => {
    const v = keepalivedVerdicts(anInput({ directors: pair({ inhibit: false }) }), { ...POLICY, allowHardCut: true });
    expect(v.refusals).toEqual([]);
    expect(v.warnings.filter((w) => w.code === 'HARD_CUT').map((w) => w.director)).toEqual(['lvs1', 'lvs2']);
  });

  it('ipvsadm/quiesce on keepalived-managed servers: a warning, or refused with drain.keepalived: refuse', () => {
    const quiesce = anInput({ directors: pair({}), drain: { ...DRAIN, method: 'quiesce' } });
    expect(keepalivedVerdicts(quiesce, POLICY).warnings.map((w) => w.code)).toEqual(['KEEPALIVED_MANAGED', 'KEEPALIVED_MANAGED']);
    const refused = keepalivedVerdicts(quiesce, { ...POLICY, keepalived: 'refuse' });
    expect(refused.refusals).toHaveLength(2);
    expect(refused.refusals[0]?.hint).toContain('drain.keepalived: refuse');
  });

  it('a health check of another path refuses; a drifted pair (a weight, the scheduler) and a broken file warn', () => {
    expect(keepalivedVerdicts(anInput({ directors: pair({ path: '/status' }) }), POLICY).refusals).toHaveLength(6);
    const drifted = keepalivedVerdicts(anInput({ directors: pair({}, { weights: [50, 100, 100], sched: 'rr' }) }), POLICY);
    expect(drifted.refusals).toEqual([]);
    expect(drifted.warnings.map((w) => w.code)).toEqual(['KEEPALIVED_DRIFT', 'KEEPALIVED_DRIFT']);
    const broken = keepalivedVerdicts(anInput({ directors: [aDirector('lvs1', { keepalived: withConf(confText({}).replace(/}\n$/, '\n')) })] }), POLICY);
    expect(broken.warnings.map((w) => [w.code, w.director])).toEqual([['KEEPALIVED_CONFIG', 'lvs1']]);
  });
});
