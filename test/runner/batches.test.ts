import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { runBatches, type BatchRunOptions } from '../../src/runner/batches.ts';
import { createFakeCluster, type FakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aHarness, aPipeline, type Harness } from './builders.ts';

const ADDRESS: Record<string, string> = { web1: '10.0.1.11', web2: '10.0.1.12', web3: '10.0.1.13', web4: '10.0.1.14' };
const SPECS: FakeServerSpec[] = [
  { name: 'web1', address: '10.0.1.11', connections: [2, 0] },
  { name: 'web2', address: '10.0.1.12', connections: [3, 1, 0] },
  { name: 'web3', address: '10.0.1.13', connections: [1, 0] },
  { name: 'web4', address: '10.0.1.14', connections: [0] },
];

function fourServers(): FakeCluster {
  return createFakeCluster({ clock: fakeClock(), servers: SPECS });
}

function options(h: Harness, overrides: Partial<BatchRunOptions> & { batch?: string; canary?: number } = {}): BatchRunOptions {
  const { batch = '2', canary, ...rest } = overrides;
  return {
    plan: h.plan(batch, canary),
    fromBatch: 0,
    servers: h.servers,
    rollbackPolicy: h.pipeline.rollback,
    windowBlocks: () => undefined,
    confirmCanary: async () => true,
    ...rest,
  };
}

/** Mutating ipvsadm commands that name `server`. */
const writesFor = (fc: FakeCluster, server: string) => fc.ipvsWrites().filter((w) => w.argv.some((a) => a.startsWith(`${ADDRESS[server]}:`)));
const prepareOf = (fc: FakeCluster, server: string) => fc.execs(server).find((e) => e.line.startsWith('prepare '));
const outcomes = (results: { server: string; outcome: string }[]) => Object.fromEntries(results.map((r) => [r.server, r.outcome]));

describe('runBatches', () => {
  it('releases batch after batch, never more than the batch size out of the pool at any instant', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'released' });
    expect(outcomes(results)).toEqual({ web1: 'released', web2: 'released', web3: 'released', web4: 'released' });
    expect(fc.maxOut()).toBe(2);
    expect(fc.outOfPool()).toEqual([]);
    // Batch 2 drains only after both batch-1 servers are back on every director.
    const lastRestoreOfBatch1 = Math.max(
      ...['web1', 'web2'].flatMap((s) =>
        writesFor(fc, s)
          .filter((w) => w.argv[1] === '-a')
          .map((w) => w.seq),
      ),
    );
    const firstDrainOfBatch2 = Math.min(...['web3', 'web4'].map((s) => writesFor(fc, s)[0]?.seq ?? -1));
    expect(lastRestoreOfBatch1).toBeLessThan(firstDrainOfBatch2);
  });

  it('counts servers already out of the pool against the budget', async () => {
    const fc = fourServers();
    fc.ipvsadm('lvs2', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.14:80', '-m', '-w', '0']);
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'released' });
    expect(results.map((r) => r.server)).toEqual(['web1', 'web2', 'web3']);
    expect(fc.maxOut()).toBe(2);
    expect(writesFor(fc, 'web4')).toEqual([]);
  });

  it('prepares the next batch ahead, while the current one is out of the pool, and before it drains', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    await runBatches(options(h), h.flow);
    for (const s of ['web1', 'web2', 'web3', 'web4']) {
      const prepared = prepareOf(fc, s);
      expect(prepared?.line).toBe('prepare r2');
      expect(prepared && prepared.seq < (writesFor(fc, s)[0]?.seq ?? -1)).toBe(true);
    }
    const web1Restore = writesFor(fc, 'web1').find((w) => w.argv[1] === '-a');
    expect((prepareOf(fc, 'web3')?.seq ?? Infinity) < (web1Restore?.seq ?? -1)).toBe(true);
    // ...once both servers of batch 1 are waiting on their restart (the first deploy step done):
    // their quiesce, counts, deletes and switch are not slowed by it.
    const switched = ['web1', 'web2'].map((s) => fc.execs(s).find((e) => e.line.startsWith('ln -sfn ')));
    expect(switched.every((e) => e !== undefined)).toBe(true);
    for (const s of ['web3', 'web4']) expect(switched.every((e) => (e?.seq ?? Infinity) < (prepareOf(fc, s)?.seq ?? -1))).toBe(true);
  });

  it('with prepareAhead: false, prepares the next batch only once the current one is back, still before it drains', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    await runBatches({ ...options(h), prepareAhead: false }, h.flow);
    const web1Restore = writesFor(fc, 'web1').find((w) => w.argv[1] === '-a');
    const web2Restore = writesFor(fc, 'web2').find((w) => w.argv[1] === '-a');
    const batch1Back = Math.max(web1Restore?.seq ?? Infinity, web2Restore?.seq ?? Infinity);
    for (const s of ['web3', 'web4']) {
      const prepared = prepareOf(fc, s);
      expect(prepared?.line).toBe('prepare r2');
      expect((prepared?.seq ?? -1) > batch1Back).toBe(true);
      expect((prepared?.seq ?? Infinity) < (writesFor(fc, s)[0]?.seq ?? -1)).toBe(true);
    }
  });

  it('cleans up a released batch beside the next one, and ends only once every cleanup has', async () => {
    const fc = fourServers();
    fc.on('web1', /^cleanup /, 'hang');
    const h = await aHarness(fc);
    let ended = false;
    const running = runBatches(options(h), h.flow).then((r) => {
      ended = true;
      return r;
    });
    const restored = () => fc.events('server-restored').map((e) => e.server);
    // Every turn of the event loop until batch 2 is back in the pool (bounded).
    for (let i = 0; i < 10_000 && !['web3', 'web4'].every((s) => restored().includes(s)); i++) await new Promise((r) => setImmediate(r));
    expect(restored()).toEqual(expect.arrayContaining(['web1', 'web2', 'web3', 'web4']));
    // web1's cleanup still runs: batch 2 did not wait for it, and the run does not end without it.
    expect(
      fc
        .execs('web1')
        .filter((e) => e.line.startsWith('cleanup '))
        .map((e) => e.ok),
    ).toEqual([undefined]);
    expect(ended).toBe(false);
    fc.releaseHung();
    const { outcome } = await running;
    expect(outcome).toEqual({ kind: 'released' });
    expect(fc.events('warning')).toMatchObject([{ code: 'CLEANUP_FAILED', server: 'web1' }]);
  });

  it('prepares the first batch as wide as ssh.concurrency: nothing is out of the pool yet to starve', async () => {
    const fc = fourServers();
    for (const s of ['web1', 'web2', 'web3', 'web4']) fc.on(s, /^prepare /, 'hang', { times: 1 });
    const h = await aHarness(fc);
    const started = () => ['web1', 'web2', 'web3', 'web4'].filter((s) => prepareOf(fc, s) !== undefined);
    const running = runBatches(options(h, { batch: '2', prepareConcurrency: 1, idlePrepareConcurrency: 4 }), h.flow);
    for (let i = 0; i < 1000 && started().length < 2; i++) await new Promise((r) => setImmediate(r));
    // Both prepares of the first batch run at once, above the bound for prepares beside a drained batch.
    expect(started()).toEqual(['web1', 'web2']);
    fc.releaseHung();
    const { outcome } = await running;
    expect(outcome.kind).toBe('failed');
  });

  it('fails the release before any drain when a prepare of the first batch fails', async () => {
    const fc = fourServers();
    fc.on('web2', /^prepare /, { exitCode: 1, stderr: 'disk full\n' });
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome.kind).toBe('failed');
    expect(fc.ipvsWrites()).toEqual([]);
    expect(results).toMatchObject([{ server: 'web2', outcome: 'unchanged', failedStep: 'prepare: unpack (pipeline.yaml:1)', error: 'exit 1: disk full' }]);
  });

  it('never drains a batch whose prepare failed, and rolls the earlier batch back (rollback: all)', async () => {
    const fc = fourServers();
    fc.on('web3', /^prepare /, { exitCode: 1, stderr: 'disk full\n' });
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'failed', rolledBack: true });
    expect(writesFor(fc, 'web3')).toEqual([]);
    expect(writesFor(fc, 'web4')).toEqual([]);
    expect(outcomes(results)).toMatchObject({ web1: 'rolled-back', web2: 'rolled-back', web3: 'unchanged' });
    expect(fc.server('web1').current).toBe('r1');
    expect(fc.outOfPool()).toEqual([]);
  });

  it('with rollback: all, rolls the servers of earlier batches back in batches, with the same drain discipline', async () => {
    const fc = fourServers();
    fc.on('web3', /^app-ctl restart/, { exitCode: 1, stderr: 'boom\n' }, { times: 1 });
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'failed', rolledBack: true });
    expect(outcomes(results)).toEqual({ web1: 'rolled-back', web2: 'rolled-back', web3: 'rolled-back', web4: 'rolled-back' });
    for (const s of ['web1', 'web2', 'web3', 'web4']) expect(fc.server(s).current, s).toBe('r1');
    expect(fc.outOfPool()).toEqual([]);
    expect(fc.maxOut()).toBe(2);
    const rollbackBatches = fc
      .events('batch-started')
      .filter((b) => b.purpose === 'rollback')
      .map((b) => b.servers);
    expect(rollbackBatches).toEqual([['web1', 'web2'], ['web4']]);
    // Same discipline: quiesce, wait for zero, delete, then the rollback phase.
    const web1 = writesFor(fc, 'web1').map((w) => w.argv[1]);
    expect(web1).toEqual(['-e', '-e', '-d', '-d', '-a', '-a', '-e', '-e', '-d', '-d', '-a', '-a']);
    for (const w of writesFor(fc, 'web1').filter((x) => x.argv[1] === '-d')) expect(w.counts['web1']).toBe(0);
    const rolled = results.find((r) => r.server === 'web1');
    expect(rolled).toMatchObject({ releaseBefore: 'r1', releaseAfter: 'r1' });
  });

  it('keeps to the budget during rollback when a server was already out', async () => {
    const fc = fourServers();
    fc.ipvsadm('lvs1', ['-d', '-t', '10.0.0.100:80', '-r', '10.0.1.14:80']);
    fc.on('web3', /^verify r2/, { exitCode: 1 });
    const h = await aHarness(fc, { pipeline: aPipeline() });
    const { results } = await runBatches(options(h, { batch: '3' }), h.flow);
    expect(outcomes(results)).toEqual({ web1: 'rolled-back', web2: 'rolled-back', web3: 'rolled-back' });
    expect(fc.maxOut()).toBe(3);
    const rollbackBatches = fc
      .events('batch-started')
      .filter((b) => b.purpose === 'rollback')
      .map((b) => b.servers);
    expect(rollbackBatches).toEqual([['web1', 'web2']]);
  });

  it('with rollback: failed, leaves the servers of earlier batches on the new release', async () => {
    const fc = fourServers();
    fc.on('web3', /^app-ctl restart/, { exitCode: 1 }, { times: 1 });
    const h = await aHarness(fc, { pipeline: aPipeline({ rollback: 'failed' }) });
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'failed', rolledBack: false });
    expect(outcomes(results)).toEqual({ web1: 'released', web2: 'released', web3: 'rolled-back', web4: 'released' });
    expect(fc.server('web1').current).toBe('r2');
    expect(fc.server('web3').current).toBe('r1');
    expect(fc.events('batch-started').some((b) => b.purpose === 'rollback')).toBe(false);
    expect(fc.execs('web1').some((e) => e.line === 'ln -sfn releases/r1 /srv/app/current')).toBe(false);
  });

  it('stops before batch 2 when a window blocks, with batch 1 finished and nothing else drained', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    let checks = 0;
    const { outcome, results } = await runBatches(
      options(h, {
        windowBlocks: () => {
          checks++;
          return 'inside window "evening" until 23:30';
        },
      }),
      h.flow,
    );
    expect(outcome).toEqual({ kind: 'paused', reason: 'window', nextBatch: 1 });
    expect(checks).toBe(1);
    expect(outcomes(results)).toEqual({ web1: 'released', web2: 'released' });
    expect(writesFor(fc, 'web3')).toEqual([]);
    expect(fc.events('warning')).toMatchObject([{ code: 'PEAK_WINDOW', message: 'stopping before batch 2: inside window "evening" until 23:30' }]);
  });

  it('pauses after the canary when it is not promoted', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    let asked = 0;
    const run = options(h, {
      canary: 1,
      confirmCanary: async () => {
        asked++;
        return false;
      },
    });
    expect(run.plan.batches[0]).toMatchObject({ canary: true, servers: ['web1'], pauseAfter: true });
    const { outcome, results } = await runBatches(run, h.flow);
    expect(outcome).toEqual({ kind: 'paused', reason: 'canary', nextBatch: 1 });
    expect(asked).toBe(1);
    expect(outcomes(results)).toEqual({ web1: 'released' });
    expect(fc.ipvsWrites().every((w) => w.argv.includes('10.0.1.11:80'))).toBe(true);
  });

  it('goes on after a promoted canary', async () => {
    const fc = fourServers();
    const h = await aHarness(fc);
    const { outcome, results } = await runBatches(options(h, { canary: 1 }), h.flow);
    expect(outcome).toEqual({ kind: 'released' });
    expect(results).toHaveLength(4);
  });

  it('stops taking new batches once interrupted, and says where to resume', async () => {
    const fc = fourServers();
    const stop = new AbortController();
    const emit = (event: EventInput) => {
      fc.emit(event);
      if (event.type === 'batch-finished' && event.index === 0) stop.abort(new Error('SIGINT'));
    };
    const h = await aHarness(fc, { stop: stop.signal, emit });
    const { outcome, results } = await runBatches(options(h), h.flow);
    expect(outcome).toEqual({ kind: 'interrupted', nextBatch: 1 });
    expect(outcomes(results)).toEqual({ web1: 'released', web2: 'released' });
    expect(writesFor(fc, 'web3')).toEqual([]);
  });

  it('does not roll the cluster back when interrupted while batch 2 is draining', async () => {
    const fc = fourServers();
    // lvs2 lags on web3's quiesce; Ctrl-C arrives while the engine waits for it.
    fc.on('lvs2', /-r 10\.0\.1\.13:80 -m -w 0 /, { exitCode: 0 }, { times: 1 });
    const stop = new AbortController();
    const h = await aHarness(fc, { stop: stop.signal });
    const clock = h.flow.clock;
    const sleep = async (ms: number, signal?: AbortSignal) => {
      if (fc.ipvsWrites('lvs2').some((w) => w.argv.includes('10.0.1.13:80'))) stop.abort(new Error('SIGINT'));
      return clock.sleep(ms, signal);
    };
    const flow = { ...h.flow, clock: { ...clock, sleep }, lb: { ...h.flow.lb, clock: { ...clock, sleep } } };
    const { outcome, results } = await runBatches(options(h), flow);
    expect(outcome).toEqual({ kind: 'interrupted', nextBatch: 1 });
    expect(outcomes(results)).toMatchObject({ web1: 'released', web2: 'released' });
    expect(fc.events('batch-started').some((b) => b.purpose === 'rollback')).toBe(false);
    expect(fc.server('web1').current).toBe('r2');
    expect(fc.outOfPool()).toEqual([]);
  });

  it('never "rolls back" a server onto the release just marked bad when it had no previous release', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: SPECS.map((s) => (s.name === 'web1' ? { ...s, release: null } : s)) });
    fc.on('web3', /^app-ctl restart/, { exitCode: 1 }, { times: 1 });
    const h = await aHarness(fc);
    const { results } = await runBatches(options(h), h.flow);
    expect(fc.events('marked-bad')).toMatchObject([{ server: 'web3', release: 'r2' }]);
    const web1 = results.find((r) => r.server === 'web1');
    // web1 still runs r2 (nothing to go back to): reporting it as rolled back is false.
    expect(fc.server('web1').current).toBe('r2');
    expect(web1?.outcome).not.toBe('rolled-back');
    // ...and no rollback phase may target the bad release.
    expect(fc.execs('web1').filter((e) => e.line === 'ln -sfn releases/r2 /srv/app/current')).toHaveLength(1);
  });
});
