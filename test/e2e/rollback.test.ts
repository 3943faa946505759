// SPEC "Rollback" on the lab, under load through the VIP: `release rollback` (to what each server
// ran before, or `--to ID`) with the same drain discipline, and the pipeline's `rollback:` policy
// when one server of the second batch fails.
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, failuresOf, plantRelease, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

function expectAllInPool(e: E2eLab) {
  for (const weights of Object.values(e.weights())) {
    expect(Object.values(weights)).toEqual(Array(e.lab.servers.length).fill(100));
  }
}

async function release(e: E2eLab, version: string, id: string, batch = '2') {
  const artifact = await e.artifact(version);
  const result = await e.release(['--artifact', artifact, '--release-id', id, '--batch', batch]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

const outcomes = (e: E2eLab) => Object.fromEntries(eventsOf(e, 'server-finished').map((f) => [f.server, f.outcome]));

describe('release rollback on the lab', () => {
  it('after a good release, rollback --batch 2 puts every server back on v1, in the pool, never more than 2 out', async () => {
    const e = (env = await startE2eLab({ servers: 4 }));
    const load = e.startLoad();
    await release(e, 'v2', 'r2');
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v2'));
    const rollback = await e.cli(['rollback', '-c', e.config, '--batch', '2']);
    const traffic = await load.stop();
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v1'));
    expectAllInPool(e);
    expect(failuresOf(traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(20);
    expect(e.maxOut()).toBe(2);
    const last = eventsOf(e, 'run-started').at(-1);
    expect(last).toMatchObject({ command: 'rollback', release: 'r2' });
    const rolled = eventsOf(e, 'batch-started').filter((b) => b.purpose === 'rollback');
    expect(rolled.map((b) => b.servers.length)).toEqual([2, 2]);
    expect(eventsOf(e, 'run-finished').at(-1)).toMatchObject({ outcome: 'rolled-back', exitCode: 0 });

    // Already rolled back: nothing left to do, nothing drained.
    const outBefore = e.lab.timeline.points().length;
    const again = await e.cli(['rollback', '-c', e.config, '--batch', '2']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(e.lab.timeline.points().length).toBe(outBefore);
  });

  it('rollback --to ID goes to the named release, not to the one before the last (r2 → r3, --to v1)', async () => {
    const e = (env = await startE2eLab({ servers: 4 }));
    const load = e.startLoad();
    await release(e, 'v2', 'r2');
    await release(e, 'v3', 'r3');
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v3'));
    const rollback = await e.cli(['rollback', '-c', e.config, '--to', 'v1', '--batch', '2']);
    const traffic = await load.stop();
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v1'));
    expectAllInPool(e);
    expect(failuresOf(traffic)).toEqual({});
    expect(e.maxOut()).toBe(2);
    expect(eventsOf(e, 'run-started').at(-1)).toMatchObject({ command: 'rollback', release: 'rollback-to-v1' });
    const switches = eventsOf(e, 'release-switch').filter((s) => s.stage === 'done').slice(-4);
    expect(switches.map((s) => [s.from, s.to])).toEqual(Array(4).fill(['r3', 'v1']));
  });

  // One server of batch 2 fails: r2 is planted broken (it fails to start) on web3 before the
  // release, and prepare keeps a release directory that already exists.
  async function failInBatchTwo(policy: 'failed' | 'all') {
    const e = (env = await startE2eLab({ servers: 6, pipelineExtra: { rollback: policy } }));
    await plantRelease(e, 'web3', 'r2', { version: 'v2', broken: 'start' });
    const artifact = await e.artifact('v2');
    const load = e.startLoad();
    const result = await e.release(['--artifact', artifact, '--release-id', 'r2', '--batch', '2']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const plan = eventsOf(e, 'plan')[0]?.plan as { batches: { servers: string[] }[] };
    expect(plan.batches.map((b) => b.servers)).toEqual([['web1', 'web2'], ['web3', 'web4'], ['web5', 'web6']]);
    expect(failuresOf(traffic)).toEqual({});
    expectAllInPool(e);
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    expect(eventsOf(e, 'marked-bad').map((m) => m.release)).toContain('r2');
    // The third batch never starts.
    expect(eventsOf(e, 'batch-started').filter((b) => b.purpose === 'release').map((b) => b.index)).toEqual([0, 1]);
    expect(eventsOf(e, 'run-finished').at(-1)).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
    return e;
  }

  it('rollback: failed — only the failing server of batch 2 is rolled back; batch 1 and its batch-mate stay on v2, batch 3 untouched', async () => {
    const e = await failInBatchTwo('failed');
    expect(e.versions()).toEqual({ web1: 'v2', web2: 'v2', web3: 'v1', web4: 'v2', web5: 'v1', web6: 'v1' });
    expect(outcomes(e)).toEqual({ web1: 'released', web2: 'released', web3: 'rolled-back', web4: 'released' });
    expect(eventsOf(e, 'batch-started').filter((b) => b.purpose === 'rollback')).toEqual([]);
  });

  it('rollback: all — every server this release finished goes back to v1 with the same drain discipline', async () => {
    const e = await failInBatchTwo('all');
    expect(Object.values(e.versions())).toEqual(Array(6).fill('v1'));
    expect(outcomes(e)).toEqual({ web1: 'rolled-back', web2: 'rolled-back', web3: 'rolled-back', web4: 'rolled-back' });
    const rolled = eventsOf(e, 'batch-started').filter((b) => b.purpose === 'rollback');
    expect(rolled.flatMap((b) => b.servers).sort()).toEqual(['web1', 'web2', 'web4']);
    expect(Math.max(...rolled.map((b) => b.servers.length))).toBeLessThanOrEqual(2);
  });
});
