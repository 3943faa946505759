// Issue 11 item 8: a weight ramp needs a method that sets the weight; with healthfile keepalived does.
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import { pipelineRules, rampNeedsWeightMethod } from '../../src/config/rules-pipeline.ts';

describe('rampNeedsWeightMethod', () => {
  it('refuses drain.ramp with the healthfile method, naming drain.ramp and the fix', () => {
    const findings = rampNeedsWeightMethod({ drain: { method: 'healthfile', ramp: ['10%', '100%'] } });
    expect(findings.map((f) => [formatPath(f.path), f.warning ?? false])).toEqual([['drain.ramp', false]]);
    expect(findings[0]?.message).toContain('keepalived restores the configured weight itself');
    expect(findings[0]?.hint).toContain('ipvsadm or quiesce');
    expect(pipelineRules).toContain(rampNeedsWeightMethod);
  });

  it('accepts a ramp with ipvsadm, quiesce or the default method, and healthfile without a ramp', () => {
    for (const drain of [
      { method: 'ipvsadm', ramp: ['100%'] },
      { method: 'quiesce', ramp: { steps: ['50%', '100%'] } },
      { ramp: ['100%'] },
      { method: 'healthfile' },
      undefined,
    ]) {
      expect(rampNeedsWeightMethod({ drain })).toEqual([]);
    }
  });
});
