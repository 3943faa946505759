// A real release driven through the programmatic API on the lab (issue 12 item 7): events to a
// callback instead of stdout, the result with exit status, outcome and report, and nothing
// written to the process's stdout. Then the API's status and history read the result back.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { abort, history, plan, promote, release, rollback, status, type ReleaseEvent } from '../../src/index.ts';
import { currentReleases, startE2eLab, writeClusterVariant, type E2eLab } from '../e2e/harness.ts';

let e: E2eLab;
beforeAll(async () => {
  e = await startE2eLab({ servers: 3, timeScale: 0.01 });
});
afterAll(async () => {
  await e?.close();
});

it('release(), plan(), status() and history() on the lab', async () => {
  const artifact = await e.artifact('v2');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const stdout = vi.spyOn(process.stdout, 'write');
  try {
    const dry = await plan({ config: e.config, cwd: e.dir, env, artifact, releaseId: 'r2', batch: 2 });
    expect(dry).toMatchObject({ exitCode: 0, outcome: 'dry-run', error: null, window: { allowed: true } });
    expect(dry.plan?.batches.map((b) => b.servers)).toEqual([['web1', 'web2'], ['web3']]);
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1']);

    const events: ReleaseEvent[] = [];
    const result = await release({
      config: e.config,
      cwd: e.dir,
      env,
      artifact,
      releaseId: 'r2',
      batch: '2',
      trigger: 'manual',
      onEvent: (event) => events.push(event),
      signal: new AbortController().signal,
    });
    expect(result.error).toBeNull();
    expect(result).toMatchObject({ exitCode: 0, outcome: 'released', runId: expect.stringMatching(/^r2-/) });
    expect(result.report).toMatchObject({ version: 1, release: 'r2', command: 'release', trigger: 'manual', outcome: 'released', exitCode: 0 });
    expect(result.report?.servers.map((s) => [s.server, s.outcome, s.releaseBefore, s.releaseAfter])).toEqual([
      ['web1', 'released', 'v1', 'r2'],
      ['web2', 'released', 'v1', 'r2'],
      ['web3', 'released', 'v1', 'r2'],
    ]);
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'released', exitCode: 0 });
    expect(events.every((event) => event.runId === result.runId)).toBe(true);
    expect(await currentReleases(e)).toEqual({ web1: 'r2', web2: 'r2', web3: 'r2' });
    expect(e.versions()).toEqual({ web1: 'v2', web2: 'v2', web3: 'v2' });

    const pool = await status({ config: e.config, cwd: e.dir, env });
    expect(pool.servers.map((s) => [s.name, s.inPool, s.release])).toEqual([
      ['web1', true, 'r2'],
      ['web2', true, 'r2'],
      ['web3', true, 'r2'],
    ]);
    expect(pool.lastRun).toMatchObject({ runId: result.runId, outcome: 'released', finished: true });
    const past = await history({ config: e.config, cwd: e.dir, env });
    expect(past.runs[0]).toMatchObject({ runId: result.runId, outcome: 'released', exitCode: 0, trigger: 'manual' });
    // The API printed nothing: output is the caller's.
    expect(stdout).not.toHaveBeenCalled();
  } finally {
    stdout.mockRestore();
  }
});

it('a canary paused by release(), continued by promote(), and the next one undone by abort()', async () => {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const common = { config: e.config, cwd: e.dir, env };
  const v3 = await e.artifact('v3');
  const paused = await release({ ...common, artifact: v3, releaseId: 'r3', batch: '2', canary: 1, trigger: 'manual' });
  expect(paused).toMatchObject({ exitCode: 0, outcome: 'paused', error: null });
  expect(await currentReleases(e)).toEqual({ web1: 'r3', web2: 'r2', web3: 'r2' });
  const events: ReleaseEvent[] = [];
  const promoted = await promote({ ...common, onEvent: (event) => events.push(event) });
  expect(promoted).toMatchObject({ exitCode: 0, outcome: 'released', error: null });
  expect(events[0]).toMatchObject({ type: 'run-started', command: 'promote' });
  expect(await currentReleases(e)).toEqual({ web1: 'r3', web2: 'r3', web3: 'r3' });
  // Nothing to abort is a value too: a USAGE error, nothing changed.
  expect((await abort(common)).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('Nothing to abort') });

  const v4 = await e.artifact('v4');
  expect(await release({ ...common, artifact: v4, releaseId: 'r4', batch: '1', canary: 1, trigger: 'manual' })).toMatchObject({ outcome: 'paused' });
  const aborted = await abort(common);
  expect(aborted).toMatchObject({ exitCode: 0, outcome: 'rolled-back', error: null });
  expect(await currentReleases(e)).toEqual({ web1: 'r3', web2: 'r3', web3: 'r3' });
  expect((await promote(common)).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('Nothing to promote') });
});

it('rollback() on another runner (an empty journal) undoes the last release from the copy on the directors', async () => {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const v5 = await e.artifact('v5');
  expect(await release({ config: e.config, cwd: e.dir, env, artifact: v5, releaseId: 'r5', batch: '2', trigger: 'manual' })).toMatchObject({
    outcome: 'released',
  });
  expect(await currentReleases(e)).toEqual({ web1: 'r5', web2: 'r5', web3: 'r5' });
  const runnerB = await writeClusterVariant(e, 'runner-b.yaml', { journal: { dir: './journal-b' } });
  const events: ReleaseEvent[] = [];
  const undone = await rollback({ config: runnerB, cwd: e.dir, env, batch: 2, onEvent: (event) => events.push(event) });
  expect(undone).toMatchObject({ exitCode: 0, outcome: 'rolled-back', error: null });
  expect(await currentReleases(e)).toEqual({ web1: 'r3', web2: 'r3', web3: 'r3' });
  expect(events.find((event) => event.type === 'warning')).toMatchObject({
    code: 'JOURNAL_FROM_DIRECTOR',
    message: expect.stringContaining('rolling back release r5 as recorded from the copy on'),
  });
});
