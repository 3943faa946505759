import { describe, expect, it } from 'vitest';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import type { Plan } from '../../src/plan/types.ts';
import { aPoolState, someServers } from './builders.ts';

function plan(count: number, batch: string, options: { out?: Record<string, string>; canary?: number; order?: string[] } = {}): Plan {
  const servers = someServers(count);
  return buildPlan({
    servers,
    state: aPoolState(servers, options.out),
    batch: parseBatchSpec(batch),
    ...(options.canary === undefined ? {} : { canary: options.canary }),
    ...(options.order === undefined ? {} : { order: options.order }),
  });
}

const serversOf = (p: Plan) => p.batches.map((b) => b.servers);

describe('buildPlan: batch sizes', () => {
  it('batches of N, the last one shorter', () => {
    const p = plan(5, '2');
    expect(serversOf(p)).toEqual([['web1', 'web2'], ['web3', 'web4'], ['web5']]);
    expect(p.batches[0]).toEqual({
      index: 0,
      canary: false,
      servers: ['web1', 'web2'],
      budget: 2,
      outBefore: 0,
      outDuring: 2,
      inPoolDuring: 3,
      inPoolAfter: 5,
      pauseAfter: false,
    });
    expect(p).toMatchObject({ version: 1, total: 5, clusterSize: 5, alreadyOut: 0, maxOut: 2, blocked: null, skipped: [] });
  });

  it('N% of the configured servers, rounded down', () => {
    expect(serversOf(plan(10, '25%')).map((s) => s.length)).toEqual([2, 2, 2, 2, 2]);
    expect(serversOf(plan(8, '30%')).map((s) => s.length)).toEqual([2, 2, 2, 2]);
  });

  it('percentages of small clusters never go below 1', () => {
    expect(serversOf(plan(3, '25%')).map((s) => s.length)).toEqual([1, 1, 1]);
    expect(serversOf(plan(1, '50%'))).toEqual([['web1']]);
  });

  it('a list: first 1, then 2, then 25% repeating', () => {
    const p = plan(20, '1,2,25%');
    expect(p.batches.map((b) => b.servers.length)).toEqual([1, 2, 5, 5, 5, 2]);
    expect(p.batches.map((b) => b.budget)).toEqual([1, 2, 5, 5, 5, 5]);
    expect(p.maxOut).toBe(5);
  });

  it('a batch larger than the cluster releases everything at once', () => {
    expect(serversOf(plan(3, '10'))).toEqual([['web1', 'web2', 'web3']]);
  });
});

describe('buildPlan: servers already out count against the budget', () => {
  it('6 servers, batch 2, one out → batches of 1', () => {
    const p = plan(6, '2', { out: { web3: 'weight 0 on lvs2 for TCP 10.0.0.100:80' } });
    expect(serversOf(p)).toEqual([['web1'], ['web2'], ['web4'], ['web5'], ['web6']]);
    expect(p.batches.every((b) => b.outBefore === 1 && b.outDuring === 2 && b.inPoolDuring === 4 && b.inPoolAfter === 5)).toBe(true);
    expect(p.skipped).toEqual([{ server: 'web3', reason: 'weight 0 on lvs2 for TCP 10.0.0.100:80' }]);
    expect(p).toMatchObject({ total: 5, alreadyOut: 1, maxOut: 2, blocked: null });
  });

  it('budget exhausted → blocked, never a batch of 0', () => {
    const p = plan(6, '2', { out: { web1: 'absent on lvs1', web2: 'weight 0 on lvs2 for TCP 10.0.0.100:80' } });
    expect(p.batches).toEqual([]);
    expect(p.blocked?.reason).toBe(
      '2 servers are already out of the pool (web1: absent on lvs1; web2: weight 0 on lvs2 for TCP 10.0.0.100:80) and batch size 2 allows 2 out at a time, so no server can be drained',
    );
    expect(p.blocked?.hint).toContain('--batch');
  });

  it('a list whose later, smaller element would be exhausted is blocked up front', () => {
    const p = plan(10, '3,1', { out: { web1: 'weight 0' } });
    expect(p.blocked?.reason).toContain('batch size 1 allows 1 out');
    expect(p.batches).toEqual([]);
  });

  it('a percentage budget exhausted by a small cluster', () => {
    expect(plan(3, '25%', { out: { web2: 'weight 0' } }).blocked).not.toBeNull();
  });

  it('a server without a pool state is treated as out', () => {
    const servers = someServers(4);
    const p = buildPlan({ servers, state: aPoolState(servers.slice(1)), batch: parseBatchSpec('2') });
    expect(p.skipped).toEqual([{ server: 'web1', reason: 'pool state unknown' }]);
    expect(p.batches.every((b) => b.servers.length === 1)).toBe(true);
  });

  it('every server out, or none configured → blocked', () => {
    expect(plan(2, '5', { out: { web1: 'x', web2: 'y' } }).blocked?.reason).toContain('every real server is out of the pool');
    expect(plan(0, '1').blocked?.reason).toBe('the cluster has no real servers');
  });
});

describe('buildPlan: canary', () => {
  it('a canary batch first, paused after, then the spec from its first element', () => {
    const p = plan(6, '2', { canary: 1 });
    expect(serversOf(p)).toEqual([['web1'], ['web2', 'web3'], ['web4', 'web5'], ['web6']]);
    expect(p.batches.map((b) => [b.canary, b.pauseAfter, b.budget])).toEqual([
      [true, true, 2],
      [false, false, 2],
      [false, false, 2],
      [false, false, 2],
    ]);
    expect(p.canary).toBe(1);
  });

  it('a canary larger than the first batch is a USAGE error', () => {
    expect(() => plan(6, '1,3', { canary: 2 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => plan(6, '2', { canary: 0 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => plan(6, '2', { canary: 1.5 })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('a canary shrinks to the room left by servers already out', () => {
    const p = plan(6, '3', { canary: 3, out: { web6: 'weight 0' } });
    expect(p.batches[0]).toMatchObject({ canary: true, servers: ['web1', 'web2'], outDuring: 3, pauseAfter: true });
  });

  it('a canary that covers every server does not pause', () => {
    const p = plan(2, '2', { canary: 2 });
    expect(p.batches).toHaveLength(1);
    expect(p.batches[0]?.pauseAfter).toBe(false);
  });
});

describe('buildPlan: order', () => {
  it('named servers go first, the rest in configuration order', () => {
    expect(serversOf(plan(4, '1', { order: ['web3'] }))).toEqual([['web3'], ['web1'], ['web2'], ['web4']]);
  });

  it('an unknown name is a USAGE error', () => {
    expect(() => plan(4, '1', { order: ['web9'] })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
