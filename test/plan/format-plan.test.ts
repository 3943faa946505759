import { describe, expect, it } from 'vitest';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { formatPlan } from '../../src/plan/format-plan.ts';
import { aPoolState, someServers } from './builders.ts';

describe('formatPlan', () => {
  it('a table of batches with out/budget and in pool, the canary pause, skipped servers', () => {
    const servers = someServers(6);
    const plan = buildPlan({
      servers,
      state: aPoolState(servers, { web6: 'weight 0 on lvs2 for TCP 10.0.0.100:80' }),
      batch: parseBatchSpec('3'),
      canary: 1,
    });
    expect(formatPlan(plan)).toEqual([
      'plan: 5 of 6 real servers in 3 batches (--batch 3, canary 1, 1 already out); at most 3 out of the pool at once',
      'batch  out/budget  in pool  servers',
      '1*     2/3         4/6      web1',
      '2      3/3         3/6      web2, web3',
      '3      3/3         3/6      web4, web5',
      '* canary: pause after batch 1 for release promote / release abort',
      'skipped (out of the pool, counted against every batch):',
      '  web6: weight 0 on lvs2 for TCP 10.0.0.100:80',
    ]);
  });

  it('a blocked plan says why and what to do', () => {
    const servers = someServers(3);
    const plan = buildPlan({ servers, state: aPoolState(servers, { web1: 'absent on lvs1' }), batch: parseBatchSpec('1') });
    const lines = formatPlan(plan);
    expect(lines[0]).toBe('plan: 3 real servers (--batch 1, 1 already out)');
    expect(lines[1]).toMatch(/^blocked: 1 server is already out of the pool \(web1: absent on lvs1\)/);
    expect(lines[2]).toMatch(/^ {2}hint: /);
  });
});
