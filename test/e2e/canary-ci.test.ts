// Canary across CI jobs (issue 12, item 1) on the lab, under load through the VIP: a canary paused
// by one job (runner A: its own journal directory and artifact path) is promoted, aborted or
// resumed by another job on another runner (runner B: a different, empty journal directory, the
// artifact downloaded again elsewhere) from the run state the directors keep. Each runner is the
// same cluster file with its own `journal.dir`.
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { readJournal } from '../../src/journal/journal.ts';
import { holdConnections, type HeldConnections } from '../../src/lab/net/hold.ts';
import { startCli } from './child.ts';
import { eventsOf, everOut, expectAllOn, failuresOf, startCheckedLab, trafficDiagnosis, writeClusterVariant, type E2eLab, type LoadHandle } from './harness.ts';

let env: E2eLab | undefined;
let load: LoadHandle | undefined;
let held: HeldConnections | undefined;
afterEach(async () => {
  await held?.close();
  held = undefined;
  await load?.stop();
  load = undefined;
  await env?.close();
  env = undefined;
});

interface Runners {
  e: E2eLab;
  /** Runner B's cluster file: the same cluster, journal in `journal-b/` (empty). */
  configB: string;
  /** The build as runner A has it (removed once A's job is over) and as runner B downloaded it. */
  artifactA: string;
  artifactB: string;
  /** Runner B's journal. */
  journalB(): ReleaseEvent[];
}

async function twoRunners(options: { servers: number; timeScale: number }): Promise<Runners> {
  env = await startCheckedLab(options);
  const e = env;
  const configB = await writeClusterVariant(e, 'runner-b.yaml', { journal: { dir: './journal-b' } });
  const build = await e.artifact('v2');
  const artifactA = join(e.dir, 'runner-a', 'app.tar.gz');
  const artifactB = join(e.dir, 'runner-b', 'downloaded', 'app.tar.gz');
  for (const path of [artifactA, artifactB]) {
    await mkdir(join(path, '..'), { recursive: true });
    await copyFile(build, path);
  }
  return { e, configB, artifactA, artifactB, journalB: () => readJournal(join(e.lab.dir, 'journal-b', 'lab.journal.ndjson')) };
}

const onV2 = (e: E2eLab) =>
  Object.entries(e.versions())
    .filter(([, v]) => v === 'v2')
    .map(([name]) => name);
const ofType = <T extends ReleaseEvent['type']>(events: readonly ReleaseEvent[], type: T) =>
  events.filter((x): x is Extract<ReleaseEvent, { type: T }> => x.type === type);

const GITLAB_A = { CI_JOB_ID: '1001', CI_JOB_URL: 'https://gitlab.example/ops/web/-/jobs/1001' };
const GITLAB_B = { CI_JOB_ID: '1002', CI_JOB_URL: 'https://gitlab.example/ops/web/-/jobs/1002' };

async function expectCleanTraffic(e: E2eLab): Promise<void> {
  const traffic = await (load as LoadHandle).stop();
  load = undefined;
  expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
  expect(traffic.ok).toBeGreaterThan(10);
}

describe('a canary paused by one CI job, continued by another on another runner', () => {
  it('promote from another runner (empty journal dir): the same build only (sha256), then every server on the new release', async () => {
    const { e, configB, artifactA, artifactB, journalB } = await twoRunners({ servers: 4, timeScale: 0.01 });
    load = e.startLoad({ concurrency: 2 });
    const report = join(e.dir, 'runner-a', 'canary-report.json');
    const canary = await e.release(['--artifact', artifactA, '--release-id', 'v2', '--canary', '1', '--batch', '2', '--json', '--report', report], GITLAB_A);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    // A paused canary is its own outcome: in --json (run-finished), and in --report with what continues it.
    const lines = canary.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReleaseEvent);
    expect(ofType(lines, 'paused')).toMatchObject([
      { reason: 'canary', resumeWith: 'release promote | release abort', ciJob: '1001', ciJobUrl: GITLAB_A.CI_JOB_URL },
    ]);
    expect(ofType(lines, 'run-finished')).toMatchObject([{ outcome: 'paused', exitCode: 0 }]);
    expect(JSON.parse(await readFile(report, 'utf8'))).toMatchObject({
      outcome: 'paused',
      exitCode: 0,
      paused: { reason: 'canary', resumeWith: 'release promote | release abort' },
    });
    const [canaryRun] = eventsOf(e, 'run-started');
    expect(canaryRun).toMatchObject({ ciJob: '1001', ciJobUrl: GITLAB_A.CI_JOB_URL, artifactSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(onV2(e)).toEqual(['web1']);
    // Runner A's job is over: its workspace (and the artifact in it) is gone.
    await rm(join(e.dir, 'runner-a'), { recursive: true });

    // Runner B sees the pause, and who paused it, from the directors.
    const status = await e.cli(['status', '-c', configB], GITLAB_B);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      /last run v2-\S+ \(from the journal's copy on lvs[12]\): release v2, paused \(canary\) at \S+ by CI job 1001 \(https:\/\/gitlab\.example\/ops\/web\/-\/jobs\/1001\): continue with release promote \| release abort/,
    );
    const statusJson = await e.cli(['status', '-c', configB, '--json'], GITLAB_B);
    expect(JSON.parse(statusJson.stdout).lastRun).toMatchObject({
      runId: canaryRun?.runId,
      release: 'v2',
      outcome: 'paused',
      from: expect.stringMatching(/^lvs[12]$/),
      paused: { reason: 'canary', nextBatch: 1, ciJob: '1001' },
    });

    // No artifact on runner B: refused before anything changes, naming --artifact and the build it needs.
    const bare = await e.cli(['promote', '-c', configB], GITLAB_B);
    expect(bare.code, bare.stdout + bare.stderr).toBe(2);
    expect(bare.stderr).toMatch(
      /✖ USAGE Pipeline "\S+" uploads \{\{artifact\}\}, and release v2 was started with --artifact \S+runner-a\/app\.tar\.gz, which is not on this machine: pass --artifact FILE with the same build \(sha256 [0-9a-f]{64}, \d+ bytes\)/,
    );
    // Another build: refused by its sha256, nothing changed.
    const other = await e.artifact('v3');
    const wrong = await e.cli(['promote', '-c', configB, '--artifact', other], GITLAB_B);
    expect(wrong.code, wrong.stdout + wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(
      /✖ USAGE --artifact \S+v3\.tar\.gz is not the build release v2 started with: it has sha256 [0-9a-f]{64}, \d+ bytes; the first run's had sha256 [0-9a-f]{64}, \d+ bytes\. Nothing was changed\./,
    );
    expect(onV2(e)).toEqual(['web1']);
    expect(ofType(journalB(), 'run-started')).toEqual([]);

    const promote = await e.cli(['promote', '-c', configB, '--artifact', artifactB], GITLAB_B);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    await expectAllOn(e, 'v2');
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    await expectCleanTraffic(e);
    // Runner B's journal: the promote continues runner A's run, adopting the directors' copy (said once).
    const b = journalB();
    expect(ofType(b, 'run-started')).toMatchObject([
      { command: 'promote', release: 'v2', continues: canaryRun?.runId, ciJob: '1002', adopted: { from: expect.stringMatching(/^lvs[12]$/) } },
    ]);
    expect(ofType(b, 'warning').filter((w) => w.code === 'JOURNAL_FROM_DIRECTOR')).toHaveLength(1);
    expect(ofType(b, 'run-finished')).toMatchObject([{ outcome: 'released', exitCode: 0 }]);
    // The canary was not released again.
    expect(
      ofType(b, 'batch-started')
        .flatMap((x) => x.servers)
        .sort(),
    ).toEqual(['web2', 'web3', 'web4']);
    // Runner A's journal knows nothing of it; its next promote reads the newer copy and finds nothing to do.
    expect(eventsOf(e, 'run-started').map((r) => r.command)).toEqual(['release']);
    const again = await e.cli(['promote', '-c', e.config], GITLAB_A);
    expect(again.code, again.stdout + again.stderr).toBe(2);
    expect(again.stderr).toMatch(/Nothing to promote: the last run in the journal's copy on lvs[12] \(release v2, released\)/);
  }, 240_000);

  it('abort from another runner (empty journal dir): the canary goes back to v1, the release is marked bad; the first runner then finds nothing to abort', async () => {
    const { e, configB, artifactA, journalB } = await twoRunners({ servers: 4, timeScale: 0.01 });
    load = e.startLoad({ concurrency: 2 });
    const github = { GITHUB_RUN_ID: '555', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop' };
    const canary = await e.release(['--artifact', artifactA, '--release-id', 'v2', '--canary', '1'], github);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    expect(eventsOf(e, 'paused')).toMatchObject([{ reason: 'canary', ciJob: '555', ciJobUrl: 'https://github.com/acme/shop/actions/runs/555' }]);
    const [canaryName] = onV2(e);

    const abort = await e.cli(['abort', '-c', configB], GITLAB_B);
    expect(abort.code, abort.stdout + abort.stderr).toBe(0);
    await expectAllOn(e, 'v1');
    expect(everOut(e)).toEqual([canaryName]);
    await expectCleanTraffic(e);
    const b = journalB();
    expect(ofType(b, 'run-started')).toMatchObject([{ command: 'abort', release: 'v2', continues: eventsOf(e, 'run-started')[0]?.runId }]);
    expect(ofType(b, 'marked-bad').map((m) => m.release)).toEqual(['v2']);
    expect(ofType(b, 'run-finished')).toMatchObject([{ outcome: 'rolled-back', exitCode: 0 }]);

    // Runner A, later: the copy is newer than its journal; nothing to abort.
    const abortAgain = await e.cli(['abort', '-c', e.config]);
    expect(abortAgain.code, abortAgain.stdout + abortAgain.stderr).toBe(2);
    expect(abortAgain.stderr).toMatch(/Nothing to abort: the last run in the journal's copy on lvs[12] \(release v2, rolled-back\)/);
    const status = await e.cli(['status', '-c', e.config, '--json']);
    expect(JSON.parse(status.stdout).lastRun).toMatchObject({ release: 'v2', outcome: 'rolled-back', paused: null, from: expect.stringMatching(/^lvs[12]$/) });
  }, 240_000);

  it('SIGTERM (a CI cancel) during the canary: in-flight server put back, exit 130; another runner resumes (the canary pauses again) and promotes', async () => {
    // IPVS entries that outlive a 20 s request (ESTABLISHED 900 s × 0.03), held on every server: the canary's drain waits.
    const { e, configB, artifactA, artifactB, journalB } = await twoRunners({ servers: 4, timeScale: 0.03 });
    load = e.startLoad({ concurrency: 2 });
    held = await holdConnections({ url: e.lab.vip.url, count: 12, mode: 'request', path: '/slow?ms=20000' });
    const run = startCli(['-c', e.config, '--artifact', artifactA, '--release-id', 'v2', '--canary', '1', '--batch', '2'], {
      cwd: e.dir,
      env: { CI_JOB_ID: '2001' },
    });
    await run.waitForLine(/ web1 waiting: [1-9]\d* connections?/);
    run.kill('SIGTERM');
    const stopped = await run.wait();
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/SIGTERM: stopping/);
    expect(stopped.stderr).not.toMatch(/exiting now/);
    await expectAllOn(e, 'v1');
    expect(eventsOf(e, 'paused')).toMatchObject([{ reason: 'interrupt', nextBatch: 0, ciJob: '2001' }]);
    expect(eventsOf(e, 'run-finished')).toMatchObject([{ outcome: 'interrupted', exitCode: 130 }]);
    await held.close();
    held = undefined;
    await rm(join(e.dir, 'runner-a'), { recursive: true });

    const resumed = await e.cli(['resume', '-c', configB, '--artifact', artifactB], GITLAB_B);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(onV2(e)).toEqual(['web1']);
    expect(ofType(journalB(), 'paused')).toMatchObject([{ reason: 'canary', ciJob: '1002' }]);
    expect(ofType(journalB(), 'run-finished')).toMatchObject([{ outcome: 'paused', exitCode: 0 }]);

    const promote = await e.cli(['promote', '-c', configB, '--artifact', artifactB], GITLAB_B);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    await expectAllOn(e, 'v2');
    expect(ofType(journalB(), 'run-started').map((r) => r.command)).toEqual(['resume', 'promote']);
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    await expectCleanTraffic(e);
  }, 240_000);
});
