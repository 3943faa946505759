// Issue 12 item 2, the run-once phases on the fake cluster: `before` runs once (after its server's
// prepare, before anything is drained), `after` once the last batch is back; what their failures
// mean; and that a promoted or resumed release never runs `before` twice (from the journal, or
// from the batches already released when this machine has no journal).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AfterPhase, OncePhase, Pipeline, RunStep } from '../../src/config/types.ts';
import { EXIT } from '../../src/core/errors.ts';
import { dryRunDeps } from '../../src/dry-run/seams.ts';
import type { EventOf, ReleaseEvent } from '../../src/events/types.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { beforeRanIn } from '../../src/runner/run-once.ts';
import { runRelease, type ReleaseRequest, type ResumeState, type RunDeps } from '../../src/runner/run.ts';
import { dryRunSession } from '../../src/transport/dry-run.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline, aRunStep } from './builders.ts';

const SERVERS = [
  { name: 'web1', address: '10.0.1.11' },
  { name: 'web2', address: '10.0.1.12' },
  { name: 'web3', address: '10.0.1.13' },
  { name: 'web4', address: '10.0.1.14' },
];

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cluster(): FakeCluster {
  return createFakeCluster({ clock: fakeClock(), servers: SERVERS });
}

const migrate: RunStep = aRunStep('migrate --release {{release}} --root {{root}}', 'migrate');

function withOnce(phases: { before?: OncePhase; after?: AfterPhase }): Pipeline {
  return { ...aPipeline(), ...phases };
}

function request(fc: FakeCluster, pipeline: Pipeline, overrides: Partial<ReleaseRequest> = {}): ReleaseRequest {
  return { cluster: fc.cluster, pipeline, batch: parseBatchSpec('2'), release: 'r2', trigger: 'manual', ...overrides };
}

function deps(fc: FakeCluster, events: ReleaseEvent[], more: Partial<RunDeps> = {}): RunDeps {
  return {
    openSessions: async () => fc.sessions,
    emit: (event) => {
      events.push(event);
      fc.emit(event);
    },
    clock: fc.clock,
    stop: new AbortController().signal,
    confirmCanary: async () => true,
    journalEvents: () => [],
    ...more,
  };
}

const linesOn = (fc: FakeCluster, host: string) => fc.execs(host).map((e) => e.line);
const migrations = (fc: FakeCluster) => fc.execs().filter((e) => e.line.startsWith('migrate '));
const onceEvents = (events: ReleaseEvent[]) => events.filter((e): e is EventOf<'once-finished'> => e.type === 'once-finished');
const firstDrain = (fc: FakeCluster) => fc.ipvsWrites()[0]?.seq ?? Number.POSITIVE_INFINITY;

describe('before', () => {
  it('runs once, on the first server of the plan, after its prepare and before anything is drained', async () => {
    const fc = cluster();
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, withOnce({ before: { on: { kind: 'first' }, steps: [migrate] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    expect(migrations(fc).map((e) => [e.host, e.line])).toEqual([['web1', 'migrate --release r2 --root /srv/app']]);
    const [migration] = migrations(fc);
    const prepared = fc.execs('web1').find((e) => e.line === 'prepare r2');
    expect(prepared && migration && prepared.seq < migration.seq).toBe(true);
    expect((migration?.seq ?? Infinity) < firstDrain(fc)).toBe(true);
    expect(onceEvents(events)).toMatchObject([{ phase: 'before', release: 'r2', on: 'web1', ok: true }]);
    expect(['web1', 'web2', 'web3', 'web4'].map((s) => fc.server(s).current)).toEqual(['r2', 'r2', 'r2', 'r2']);
  });

  it("runs on a named server, with that server's variables", async () => {
    const fc = cluster();
    const step = aRunStep('migrate {{server.name}} {{shared}}', 'migrate');
    await runRelease(request(fc, withOnce({ before: { on: { kind: 'server', name: 'web3' }, steps: [step] } })), deps(fc, []));
    expect(migrations(fc).map((e) => [e.host, e.line])).toEqual([['web3', 'migrate web3 /srv/app/shared']]);
  });

  it('fails the release with exit 1 when it fails: nothing drained, no batch, the journal says why', async () => {
    const fc = cluster();
    fc.on('web1', /^migrate/, { exitCode: 2, stderr: 'SQLSTATE[42S01]: table exists\n' });
    const events: ReleaseEvent[] = [];
    const never = aRunStep('never runs', 'second');
    const result = await runRelease(request(fc, withOnce({ before: { on: { kind: 'first' }, steps: [migrate, never] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.failedRolledBack, outcome: 'rolled-back', results: [] });
    expect(result.message).toMatch(/^before failed on web1 at migrate \(pipeline\.yaml:\d+\): exit 2: SQLSTATE\[42S01\]: table exists; nothing was drained/);
    expect(fc.ipvsWrites()).toEqual([]);
    expect(events.some((e) => e.type === 'batch-started')).toBe(false);
    expect(linesOn(fc, 'web1')).not.toContain('never runs');
    expect(onceEvents(events)).toMatchObject([
      { phase: 'before', on: 'web1', ok: false, failedStep: expect.stringMatching(/^migrate/), detail: 'exit 2: SQLSTATE[42S01]: table exists' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'rolled-back', exitCode: 1, message: result.message });
    for (const s of ['web1', 'web2', 'web3', 'web4']) expect(fc.server(s).current).toBe('r1');
  });

  it("runs on the controller as a child process: argv without a shell, in the cluster file's directory; a dry run only reports it", async () => {
    const fc = cluster();
    const dir = mkdtempSync(join(tmpdir(), 'lvs-once-'));
    temps.push(dir);
    const onController = { ...fc.cluster, file: join(dir, 'release.yaml') };
    const step: RunStep = {
      ...aRunStep('unused', 'record'),
      cmd: undefined,
      argv: [process.execPath, '-e', "require('fs').appendFileSync('marker', process.argv[1] + '\\n')", '{{release}} $(id) `x`'],
    };
    const pipeline = withOnce({ before: { on: { kind: 'controller' }, steps: [step] } });
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, pipeline, { cluster: onController }), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.ok });
    expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('r2 $(id) `x`\n');
    expect(onceEvents(events)).toMatchObject([{ phase: 'before', on: 'controller', ok: true }]);

    const dry = cluster();
    const dryEvents: ReleaseEvent[] = [];
    const dryResult = await runRelease(
      request(dry, pipeline, { cluster: { ...dry.cluster, file: join(dir, 'release.yaml') }, release: 'r3' }),
      dryRunDeps(
        deps(dry, dryEvents, { openSessions: async () => new Map([...dry.sessions].map(([n, s]) => [n, dryRunSession(s, { report: () => undefined })])) }),
      ),
    );
    expect(dryResult).toMatchObject({ exitCode: EXIT.ok });
    expect(readFileSync(join(dir, 'marker'), 'utf8')).toBe('r2 $(id) `x`\n');
    expect(dryEvents.filter((e) => e.type === 'command' && e.host === 'controller')).toMatchObject([
      { mutates: true, dryRun: true, command: expect.stringContaining("'r3 $(id) `x`'") },
    ]);
  });
});

describe('before, continued runs', () => {
  const pipeline = () => withOnce({ before: { on: { kind: 'first' }, steps: [migrate] } });

  /** A canary of web1, paused: what the journal holds afterwards. */
  async function pausedCanary(fc: FakeCluster) {
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, pipeline(), { canary: 1 }), deps(fc, events, { confirmCanary: async () => false }));
    expect(result).toMatchObject({ outcome: 'paused' });
    const plan = events.find((e): e is EventOf<'plan'> => e.type === 'plan')?.plan;
    if (!plan) throw new Error('no plan');
    const resume: ResumeState = {
      command: 'promote',
      continues: result.runId,
      plan,
      fromBatch: 1,
      releasesBefore: new Map(SERVERS.map((s) => [s.name, 'r1'])),
      released: ['web1'],
    };
    return { events, resume };
  }

  it('a promote does not run it again: the journal says it ran', async () => {
    const fc = cluster();
    const { events, resume } = await pausedCanary(fc);
    const promoteEvents: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, pipeline(), { resume }), deps(fc, promoteEvents, { journalEvents: () => events }));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    expect(migrations(fc)).toHaveLength(1);
    expect(onceEvents(promoteEvents)).toMatchObject([
      { phase: 'before', ok: true, skipped: expect.stringContaining(`it ran for r2 in run ${events[0]?.runId}`) },
    ]);
    expect(['web1', 'web2', 'web3', 'web4'].map((s) => fc.server(s).current)).toEqual(['r2', 'r2', 'r2', 'r2']);
  });

  it('a promote from another machine (an empty journal) does not either: the canary was released after it', async () => {
    const fc = cluster();
    const { resume } = await pausedCanary(fc);
    const promoteEvents: ReleaseEvent[] = [];
    await runRelease(request(fc, pipeline(), { resume }), deps(fc, promoteEvents, { journalEvents: () => [] }));
    expect(migrations(fc)).toHaveLength(1);
    expect(onceEvents(promoteEvents)).toMatchObject([{ skipped: 'r2 was already released on web1, so it ran before them' }]);
  });

  it('a resume after an interrupt inside it runs it again; after an interrupt past it, does not', async () => {
    const fc = cluster();
    const stop = new AbortController();
    const two = [migrate, aRunStep('migrate-seed {{release}}', 'seed')];
    // The interrupt arrives while the first migration runs: it finishes, the second never starts.
    const interruptDuring = (line: string) => {
      if (!line.startsWith('migrate ')) return false;
      stop.abort();
      return true;
    };
    fc.on('web1', interruptDuring, {}, { times: 1 });
    const first: ReleaseEvent[] = [];
    const interrupted = await runRelease(request(fc, withOnce({ before: { on: { kind: 'first' }, steps: two } })), deps(fc, first, { stop: stop.signal }));
    expect(interrupted).toMatchObject({ exitCode: EXIT.interrupted, outcome: 'interrupted', results: [] });
    expect(fc.ipvsWrites()).toEqual([]);
    expect(first.find((e) => e.type === 'paused')).toMatchObject({ reason: 'interrupt', nextBatch: 0, resumeWith: 'release resume' });
    const plan = first.find((e): e is EventOf<'plan'> => e.type === 'plan')?.plan;
    if (!plan) throw new Error('no plan');
    const resume: ResumeState = {
      command: 'resume',
      continues: interrupted.runId,
      plan,
      fromBatch: 0,
      releasesBefore: new Map(SERVERS.map((s) => [s.name, 'r1'])),
      released: [],
    };

    const second: ReleaseEvent[] = [];
    const resumed = await runRelease(
      request(fc, withOnce({ before: { on: { kind: 'first' }, steps: two } }), { resume }),
      deps(fc, second, { journalEvents: () => first }),
    );
    expect(resumed).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    expect(
      fc
        .execs('web1')
        .filter((e) => e.line.startsWith('migrate'))
        .map((e) => e.line),
    ).toEqual(['migrate --release r2 --root /srv/app', 'migrate --release r2 --root /srv/app', 'migrate-seed r2']);

    // Interrupted after `before` finished, before the first batch: a resume skips it.
    const finishedFirst: ReleaseEvent[] = [...first, ...second.filter((e) => e.type !== 'run-finished' && e.type !== 'batch-started')];
    expect(beforeRanIn(finishedFirst, 'r2')).toMatchObject({ ok: true, on: 'web1' });
    const third: ReleaseEvent[] = [];
    await runRelease(
      request(fc, withOnce({ before: { on: { kind: 'first' }, steps: two } }), { resume }),
      deps(fc, third, { journalEvents: () => finishedFirst }),
    );
    expect(fc.execs('web1').filter((e) => e.line.startsWith('migrate'))).toHaveLength(3);
    expect(onceEvents(third)).toMatchObject([{ phase: 'before', skipped: expect.stringContaining('it ran for r2') }]);
  });

  it('a new release of the same id runs it again (only promote and resume continue one)', () => {
    const ran = { type: 'once-finished', phase: 'before', release: 'r2', on: 'web1', ok: true, durationMs: 5, at: '2026-11-25T02:00:00Z', runId: 'a' } as const;
    const started = (command: 'release' | 'promote' | 'recover', release = 'r2', runId = 'b') =>
      ({ type: 'run-started', cluster: 'c', release, command, trigger: 'ci', user: 'u', host: 'h', pid: 1, at: '2026-11-25T02:01:00Z', runId }) as const;
    expect(beforeRanIn([started('release', 'r2', 'a'), ran, started('promote')], 'r2')).toBe(ran);
    expect(beforeRanIn([started('release', 'r2', 'a'), ran, started('recover', 'recover')], 'r2')).toBe(ran);
    expect(beforeRanIn([started('release', 'r2', 'a'), ran, started('release')], 'r2')).toBeUndefined();
    expect(beforeRanIn([started('release', 'r2', 'a'), ran, started('release', 'r3')], 'r2')).toBeUndefined();
    expect(beforeRanIn([started('release', 'r2', 'a'), { ...ran, ok: false }], 'r2')).toBeUndefined();
  });
});

describe('after', () => {
  const notify = aRunStep('notify {{release}}', 'notify');

  it('runs once, when the last batch is back in the pool', async () => {
    const fc = cluster();
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, withOnce({ after: { on: { kind: 'first' }, onFailure: 'warn', steps: [notify] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    const runs = fc.execs().filter((e) => e.line.startsWith('notify'));
    expect(runs.map((e) => [e.host, e.line])).toEqual([['web1', 'notify r2']]);
    const lastRestore = Math.max(...fc.events('server-restored').map((e) => e.seq));
    expect((runs[0]?.seq ?? 0) > lastRestore).toBe(true);
    expect(onceEvents(events)).toMatchObject([{ phase: 'after', on: 'web1', ok: true }]);
  });

  it('a failure is reported, the release stands (onFailure: warn)', async () => {
    const fc = cluster();
    fc.on('web1', /^notify/, { exitCode: 1, stderr: 'cache:clear failed\n' });
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, withOnce({ after: { on: { kind: 'first' }, onFailure: 'warn', steps: [notify] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    expect(result.message).toMatch(/^after failed on web1 at notify \(pipeline\.yaml:\d+\): exit 1: cache:clear failed; the release stands/);
    expect(events.filter((e) => e.type === 'warning' && e.code === 'AFTER_FAILED')).toMatchObject([{ message: result.message }]);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'released', message: result.message });
    expect(['web1', 'web2', 'web3', 'web4'].map((s) => fc.server(s).current)).toEqual(['r2', 'r2', 'r2', 'r2']);
  });

  it('with onFailure: rollback, rolls the whole cluster back with the same drain discipline (exit 1)', async () => {
    const fc = cluster();
    fc.on('web1', /^notify/, { exitCode: 1 });
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, withOnce({ after: { on: { kind: 'first' }, onFailure: 'rollback', steps: [notify] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.failedRolledBack, outcome: 'rolled-back' });
    expect(result.message).toContain('the cluster was rolled back (after.onFailure: rollback)');
    expect(['web1', 'web2', 'web3', 'web4'].map((s) => fc.server(s).current)).toEqual(['r1', 'r1', 'r1', 'r1']);
    expect(result.results.map((r) => [r.server, r.outcome, r.releaseBefore, r.releaseAfter])).toEqual(SERVERS.map((s) => [s.name, 'rolled-back', 'r1', 'r1']));
    expect(events.filter((e) => e.type === 'marked-bad')).toMatchObject([{ server: '*', release: 'r2' }]);
    expect(fc.maxOut()).toBeLessThanOrEqual(2);
    expect(fc.outOfPool()).toEqual([]);
  });

  it('does not run when the release failed', async () => {
    const fc = cluster();
    fc.on('web2', /^verify r2/, { exitCode: 1 });
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc, withOnce({ after: { on: { kind: 'controller' }, onFailure: 'warn', steps: [notify] } })), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.failedRolledBack });
    expect(onceEvents(events)).toEqual([]);
  });
});
