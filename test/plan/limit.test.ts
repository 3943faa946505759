// `--limit SERVER…` (issue 12 item 11): names or globs, comma-separated or repeated; an unknown
// name is a USAGE error with a suggestion; the plan releases only the limited servers while every
// server that is out of the pool, limited or not, still counts against each batch's budget.
import { describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/core/errors.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { formatPlan } from '../../src/plan/format-plan.ts';
import { globPattern, resolveLimit, splitLimit } from '../../src/plan/limit.ts';
import { aPoolState, someServers } from './builders.ts';

const servers = [
  { name: 'web1', host: 'web1.example.net' },
  { name: 'web2', host: 'web2.example.net' },
  { name: 'web10', host: 'web10.example.net' },
  { name: 'api1', host: '10.0.0.21' },
];

function usageError(fn: () => unknown): ReleaseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ReleaseError);
    return error as ReleaseError;
  }
  throw new Error('expected a ReleaseError');
}

describe('resolveLimit', () => {
  it('names, comma-separated or repeated, in configuration order, without duplicates', () => {
    expect(splitLimit(['web2,web1', ' api1 ', ''])).toEqual(['web2', 'web1', 'api1']);
    expect(resolveLimit(['api1,web1', 'web1'], servers)).toEqual(['web1', 'api1']);
  });

  it('globs on names and hosts: *, ? and classes', () => {
    expect(resolveLimit(['web1*'], servers)).toEqual(['web1', 'web10']);
    expect(resolveLimit(['web?'], servers)).toEqual(['web1', 'web2']);
    expect(resolveLimit(['web[12]'], servers)).toEqual(['web1', 'web2']);
    expect(resolveLimit(['10.0.0.*'], servers)).toEqual(['api1']);
    expect(resolveLimit(['web2.example.net'], servers)).toEqual(['web2']);
    expect(globPattern('a.b*').test('axb')).toBe(false);
  });

  it('an unknown name: USAGE (exit 2) naming it, with the closest name and the list', () => {
    const error = usageError(() => resolveLimit(['web3', 'web1'], servers));
    expect(error.code).toBe('USAGE');
    expect(error.exitStatus).toBe(2);
    expect(error.message).toContain('"web3"');
    expect(error.hint).toMatch(/did you mean web1\?/);
    expect(error.hint).toContain('realServers[].name');
    expect(error.details).toMatchObject({ unknown: ['web3'] });
    expect(usageError(() => resolveLimit(['db*'], servers)).message).toContain('"db*"');
    expect(usageError(() => resolveLimit([',,'], servers)).message).toMatch(/names no server/);
  });
});

describe('buildPlan with a limit', () => {
  const six = someServers(6);
  const batch = parseBatchSpec('2');

  it('releases only the limited servers; the others in the pool are left alone', () => {
    const plan = buildPlan({ servers: six, state: aPoolState(six), batch, limit: ['web2', 'web5', 'web6'] });
    expect(plan.batches.map((b) => b.servers)).toEqual([['web2', 'web5'], ['web6']]);
    expect(plan.total).toBe(3);
    expect(plan.clusterSize).toBe(6);
    expect(plan.limit).toEqual(['web2', 'web5', 'web6']);
    expect(plan.outsideLimit).toEqual(['web1', 'web3', 'web4']);
    expect(formatPlan(plan).join('\n')).toMatch(/limit: web2, web5, web6; not released \(in the pool, outside --limit\): web1, web3, web4/);
  });

  it('a server out of the pool outside the limit still counts against the budget', () => {
    const plan = buildPlan({ servers: six, state: aPoolState(six, { web1: 'weight 0 on lvs1' }), batch, limit: ['web2', 'web3'] });
    expect(plan.alreadyOut).toBe(1);
    expect(plan.batches.map((b) => b.servers)).toEqual([['web2'], ['web3']]);
    for (const b of plan.batches) expect(b.outDuring).toBeLessThanOrEqual(2);
    // A budget the out-of-pool servers exhaust is blocked, limit or not.
    const blocked = buildPlan({ servers: six, state: aPoolState(six, { web1: 'out', web4: 'out' }), batch, limit: ['web2'] });
    expect(blocked.blocked?.reason).toMatch(/2 servers are already out of the pool/);
  });

  it('percentages are of the whole cluster (the capacity a batch size promises)', () => {
    const plan = buildPlan({ servers: six, state: aPoolState(six), batch: parseBatchSpec('50%'), limit: ['web1', 'web2', 'web3', 'web4'] });
    expect(plan.batches.map((b) => b.servers)).toEqual([['web1', 'web2', 'web3'], ['web4']]);
  });

  it('every limited server out of the pool: blocked, naming --limit', () => {
    const plan = buildPlan({ servers: six, state: aPoolState(six, { web3: 'weight 0 on lvs2' }), batch, limit: ['web3'] });
    expect(plan.batches).toEqual([]);
    expect(plan.blocked?.reason).toMatch(/every server of --limit is out of the pool \(web3: weight 0 on lvs2\)/);
    expect(plan.blocked?.hint).toMatch(/release status/);
  });

  it('without a limit the plan has no limit fields (older plans read the same)', () => {
    const plan = buildPlan({ servers: six, state: aPoolState(six), batch });
    expect('limit' in plan).toBe(false);
    expect('outsideLimit' in plan).toBe(false);
  });
});
