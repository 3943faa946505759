// The API without a network (issue 12 item 7): one options object in, a value out; refusals and
// config errors are results (exit status, outcome, error), never a write to stdout or an exit.
// The history helpers are pure and tested here too; a real release through the API is in
// test/api/release.e2e.test.ts.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify, parse } from 'yaml';
import { aggregateReleases, parseReleaseListing, runsOf } from '../../src/api/history.ts';
import { loadCluster, plan, release, ReleaseError, rollback, validate, windows, type ReleaseEvent } from '../../src/index.ts';
import { twoClusters } from '../cli/support.ts';

let dir: string;
beforeAll(async () => {
  dir = await twoClusters();
  await writeFile(join(dir, 'app.tar.gz'), 'not really a tarball');
  // The lab fixture with a daily window around now (UTC).
  const cluster = parse(await readFile(join(dir, 'release.yaml'), 'utf8')) as Record<string, unknown>;
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const now = Date.now();
  cluster.peakWindows = {
    timezone: 'UTC',
    windows: [{ name: 'lunch-peak', days: 'daily', from: hhmm(new Date(now - 3_600_000)), to: hhmm(new Date(now + 3_600_000)) }],
  };
  await writeFile(join(dir, 'peak.yaml'), stringify(cluster));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let stdout: ReturnType<typeof vi.spyOn> | undefined;
afterEach(() => {
  // Nothing the API does reaches the process's stdout.
  expect(stdout?.mock.calls ?? []).toEqual([]);
  stdout?.mockRestore();
});
function watchStdout(): void {
  stdout = vi.spyOn(process.stdout, 'write');
}

describe('the API refuses with a result, not a throw or an exit', () => {
  it('an unknown --limit server: USAGE, exit 2, no run', async () => {
    watchStdout();
    const events: ReleaseEvent[] = [];
    const result = await release({ config: 'release.yaml', cwd: dir, env: {}, artifact: 'app.tar.gz', limit: ['web7'], onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ exitCode: 2, outcome: null, runId: null, report: null, plan: null });
    expect(result.error).toBeInstanceOf(ReleaseError);
    expect(result.error?.code).toBe('USAGE');
    expect(events).toEqual([]);
  });

  it('inside a peak window: PEAK_WINDOW, exit 3, outcome refused, before any connection', async () => {
    watchStdout();
    const result = await release({ config: 'peak.yaml', cwd: dir, env: {}, artifact: 'app.tar.gz' });
    expect(result).toMatchObject({ exitCode: 3, outcome: 'refused', runId: null });
    expect(result.error?.code).toBe('PEAK_WINDOW');
    expect(result.error?.details).toMatchObject({ nextAllowed: expect.any(String) });
  });

  it('a config already loaded is taken as it is; RELEASE_CONFIG from the env option is the default', async () => {
    watchStdout();
    const loaded = await loadCluster('peak.yaml', { cwd: dir, home: dir });
    if (!loaded.ok) throw new Error('peak.yaml does not load');
    const result = await rollback({ config: { cluster: loaded.cluster, pipeline: loaded.pipeline }, cwd: dir, env: {}, batch: 0 });
    expect(result.error?.message).toMatch(/--batch "0" must be a whole number/);
    const fromEnv = await release({ cwd: dir, env: { RELEASE_CONFIG: 'peak.yaml' }, artifact: 'app.tar.gz' });
    expect(fromEnv.error?.code).toBe('PEAK_WINDOW');
    const missing = await plan({ cwd: dir, env: { RELEASE_CONFIG: 'nowhere.yaml' } });
    expect(missing).toMatchObject({ exitCode: 2, outcome: null });
    expect(missing.error?.code).toBe('CONFIG_INVALID');
  });

  it('validate and windows answer with values', async () => {
    watchStdout();
    const bad = await validate({ config: 'nowhere.yaml', cwd: dir, env: {} });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.message).toMatch(/cannot read the cluster file/);
    const good = await validate({ cwd: dir, env: { RELEASE_CONFIG: 'peak.yaml' } });
    expect(good.ok && good.document).toMatchObject({ command: 'validate', source: 'RELEASE_CONFIG', cluster: { name: 'lab' } });
    const refused = await windows({ config: 'peak.yaml', cwd: dir, env: {}, trigger: 'manual' });
    expect(refused).toMatchObject({ allowed: false, blockers: [{ kind: 'window', name: 'lunch-peak' }], refusal: { code: 'PEAK_WINDOW' } });
    const later = await windows({ config: 'peak.yaml', cwd: dir, env: {}, at: new Date(Date.now() + 3 * 3_600_000) });
    expect(later.allowed).toBe(true);
  });
});

describe('history helpers', () => {
  it('parseReleaseListing keeps directories, without unpacking leftovers or hidden entries', () => {
    expect(parseReleaseListing('r3/\nr3.tar.gz\nr4.partial/\n.tmp/\nr2/\nnotes.txt\nr1/\n')).toEqual(['r3', 'r2', 'r1']);
  });

  it('runsOf: one run per run-started, finished by its run-finished, newest first', () => {
    const started = (runId: string, release: string, at: string): ReleaseEvent => ({
      type: 'run-started',
      runId,
      at,
      cluster: 'lab',
      release,
      command: 'release',
      trigger: 'ci',
      user: 'deploy',
      host: 'ci-1',
      pid: 1,
      ciJob: '42',
    });
    const runs = runsOf([
      started('r1-a', 'r1', '2026-01-01T00:00:00Z'),
      { type: 'run-finished', runId: 'r1-a', at: '2026-01-01T00:01:00Z', outcome: 'released', exitCode: 0 },
      started('r2-b', 'r2', '2026-01-02T00:00:00Z'),
    ]);
    expect(runs.map((r) => [r.runId, r.outcome, r.exitCode, r.finishedAt])).toEqual([
      ['r2-b', null, null, null],
      ['r1-a', 'released', 0, '2026-01-01T00:01:00Z'],
    ]);
    expect(runs[1]).toMatchObject({ user: 'deploy', host: 'ci-1', ciJob: '42', source: 'local' });
  });

  it('aggregateReleases: newest first, where each is held and current, and the bad ones', () => {
    const servers = [
      { name: 'web1', current: 'r3', releases: ['r3', 'r2', 'r1'], error: null },
      { name: 'web2', current: 'r2', releases: ['r2', 'r1'], error: null },
    ];
    expect(aggregateReleases(servers, new Set(['r3']))).toEqual([
      { id: 'r3', servers: ['web1'], current: ['web1'], bad: true },
      { id: 'r2', servers: ['web1', 'web2'], current: ['web2'], bad: false },
      { id: 'r1', servers: ['web1', 'web2'], current: [], bad: false },
    ]);
  });
});
