import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.ts';
import { runRollback, type RollbackRequest } from '../../src/runner/rollback.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline } from './builders.ts';

function cluster(): FakeCluster {
  return createFakeCluster({
    clock: fakeClock(),
    servers: [
      { name: 'web1', address: '10.0.1.11', release: 'r2', connections: [1, 0] },
      { name: 'web2', address: '10.0.1.12', release: 'r2' },
      { name: 'web3', address: '10.0.1.13', release: 'r2' },
      { name: 'web4', address: '10.0.1.14', release: 'r1' },
    ],
  });
}

function rollbackTo(fc: FakeCluster, to: string, batchSize: number): RollbackRequest {
  return {
    cluster: fc.cluster,
    pipeline: aPipeline(),
    command: 'rollback',
    release: 'r2',
    markBad: 'r2',
    batchSize,
    targets: (servers) => [...servers.keys()].map((server) => ({ server, to })),
  };
}

const deps = (fc: FakeCluster) => ({ openSessions: async () => fc.sessions, emit: fc.emit, clock: fc.clock, stop: new AbortController().signal });

describe('runRollback', () => {
  it('rolls the cluster back in batches with the drain discipline, skipping servers already there', async () => {
    const fc = cluster();
    const result = await runRollback(rollbackTo(fc, 'r1', 2), deps(fc));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'rolled-back' });
    expect(result.results.map((r) => [r.server, r.outcome, r.releaseBefore, r.releaseAfter])).toEqual([
      ['web1', 'rolled-back', 'r2', 'r1'],
      ['web2', 'rolled-back', 'r2', 'r1'],
      ['web3', 'rolled-back', 'r2', 'r1'],
    ]);
    expect(['web1', 'web2', 'web3', 'web4'].map((s) => fc.server(s).current)).toEqual(['r1', 'r1', 'r1', 'r1']);
    expect(fc.events('batch-started').map((b) => b.servers)).toEqual([['web1', 'web2'], ['web3']]);
    expect(fc.events('marked-bad')).toMatchObject([{ release: 'r2' }]);
    expect(fc.maxOut()).toBe(2);
    expect(fc.outOfPool()).toEqual([]);
    expect(fc.ipvsWrites().some((w) => w.argv.includes('10.0.1.14:80'))).toBe(false);
    const web1Deletes = fc.ipvsWrites().filter((x) => x.argv[1] === '-d' && x.argv.includes('10.0.1.11:80'));
    expect(web1Deletes).toHaveLength(2);
    for (const w of web1Deletes) expect(w.counts['web1']).toBe(0);
  });

  it('refuses, changing nothing, when servers already out leave no room in the batch', async () => {
    const fc = cluster();
    fc.ipvsadm('lvs1', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.14:80', '-m', '-w', '0']);
    const result = await runRollback(rollbackTo(fc, 'r1', 1), deps(fc));
    expect(result).toMatchObject({ exitCode: EXIT.refused, outcome: 'refused', results: [] });
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.events('warning').map((w) => w.code)).toEqual(['ROLLBACK_NO_ROOM']);
  });

  it('stops at the first batch with a failed rollback and leaves that server out', async () => {
    const fc = cluster();
    fc.on('web1', /^verify r1/, { exitCode: 1 });
    const result = await runRollback(rollbackTo(fc, 'r1', 1), deps(fc));
    expect(result).toMatchObject({ exitCode: EXIT.rollbackFailed, outcome: 'rollback-failed' });
    expect(result.results.map((r) => [r.server, r.outcome])).toEqual([['web1', 'rollback-failed']]);
    expect(fc.outOfPool()).toEqual(['web1']);
    expect(fc.ipvsWrites().some((w) => w.argv.includes('10.0.1.12:80'))).toBe(false);
  });
});
