// SPEC "The release" 5 and 8 on the lab, under load through the VIP: a release that fails on its
// first batch rolls back (exit 1, the report names server and step); a server already out of the
// pool counts against the batch budget and is never touched; no room at all is a refusal (exit 3).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/ui/report.ts';
import {
  currentReleases,
  failuresOf,
  hashServerDirs,
  hashTree,
  isMutatingIpvsadm,
  recordDirectors,
  ripOf,
  saveListings,
  setWeightOnAllDirectors,
  startE2eLab,
  type DirectorRecorder,
  type E2eLab,
} from './harness.ts';

let env: E2eLab | undefined;
let recorder: DirectorRecorder | undefined;
afterEach(async () => {
  recorder?.stop();
  recorder = undefined;
  await env?.close();
  env = undefined;
});

const ALL = ['web1', 'web2', 'web3', 'web4', 'web5', 'web6'];

function expectWeights(e: E2eLab, expected: Record<string, number>) {
  const weights = e.weights();
  expect(Object.keys(weights)).toEqual(['lvs1', 'lvs2']);
  for (const [director, perServer] of Object.entries(weights)) expect(perServer, director).toEqual(expected);
}

const REPORT_KEYS = [
  'version',
  'runId',
  'cluster',
  'release',
  'command',
  'trigger',
  'dryRun',
  'outcome',
  'exitCode',
  'startedAt',
  'finishedAt',
  'durationMs',
  'batches',
  'servers',
  'markedBad',
  'warnings',
];
const SERVER_KEYS = ['server', 'outcome', 'releaseBefore', 'releaseAfter', 'outOfPoolMs', 'drainMs', 'batches'];

const everyWeight = (w: number) => Object.fromEntries(ALL.map((s) => [s, w]));

describe('a failing release on the lab', () => {
  it.each([
    ['start', 'deploy: restart the app'],
    ['health', 'verify: the app answers'],
  ] as const)(
    '--broken %s: exit 1, every server back on v1 at weight 100 on both directors, the report names the failing servers and step',
    async (broken, step) => {
      env = await startE2eLab({ servers: 6 });
      const bad = await env.artifact('v2', broken);
      const load = env.startLoad();
      const result = await env.release(['--artifact', bad, '--release-id', 'r2', '--batch', '2', '--report', 'report.json']);
      const traffic = await load.stop();

      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(env.versions()).toEqual(Object.fromEntries(ALL.map((s) => [s, 'v1'])));
      expect(await currentReleases(env)).toEqual(Object.fromEntries(ALL.map((s) => [s, 'v1'])));
      expectWeights(env, everyWeight(100));
      expect(failuresOf(traffic)).toEqual({});
      expect(traffic.ok).toBeGreaterThan(20);
      expect(env.maxOut()).toBeGreaterThan(0);
      expect(env.maxOut()).toBeLessThanOrEqual(2);

      const report = JSON.parse(await readFile(join(env.dir, 'report.json'), 'utf8')) as RunReport;
      expect(report).toMatchObject({ version: 1, release: 'r2', command: 'release', dryRun: false, outcome: 'rolled-back', exitCode: 1 });
      // The shape of src/ui/report.ts (RunReport = version + RunSummary).
      expect(Object.keys(report)).toEqual(expect.arrayContaining(REPORT_KEYS));
      for (const s of report.servers) expect(Object.keys(s), s.server).toEqual(expect.arrayContaining(SERVER_KEYS));
      expect(report.servers.map((s) => s.server).sort()).toEqual(ALL);
      const failing = report.batches[0]?.servers ?? [];
      expect(failing).toEqual(['web1', 'web2']);
      expect(report.batches.filter((b) => b.purpose === 'release')).toHaveLength(1);
      for (const name of failing) {
        const s = report.servers.find((x) => x.server === name);
        expect(s, name).toMatchObject({
          outcome: 'rolled-back',
          releaseBefore: 'v1',
          releaseAfter: 'v1',
          failedStep: expect.stringMatching(new RegExp(`^${step} \\(.*pipeline\\.yaml:\\d+\\)$`)),
        });
        expect(s?.error, name).toEqual(expect.any(String));
        expect(s?.outOfPoolMs, name).toBeGreaterThan(0);
      }
      expect(report.markedBad).toEqual(expect.arrayContaining([{ server: 'web1', release: 'r2' }]));
      for (const s of report.servers.filter((x) => !failing.includes(x.server))) {
        expect(s, s.server).toMatchObject({ outcome: 'not-started', releaseBefore: 'v1', releaseAfter: 'v1' });
        expect(s.failedStep).toBeUndefined();
      }
      // The summary people read names them too.
      expect(result.stdout).toMatch(/web1\s+rolled[ -]back/);
    },
  );
});

describe('servers already out of the pool', () => {
  it('--batch 2 with web3 at weight 0 on both directors: web3 counts against the budget (never more than 2 out) and is left untouched', async () => {
    env = await startE2eLab({ servers: 6 });
    const good = await env.artifact('v2');
    setWeightOnAllDirectors(env, 2, 0);
    const web3Dir = env.lab.servers[2]?.dir as string;
    const web3Before = await hashTree(web3Dir);
    recorder = recordDirectors(env);
    const load = env.startLoad();
    const result = await env.release(['--artifact', good, '--release-id', 'r2', '--batch', '2', '--report', 'report.json']);
    const traffic = await load.stop();
    recorder.stop();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(env.versions()).toEqual({ web1: 'v2', web2: 'v2', web3: 'v1', web4: 'v2', web5: 'v2', web6: 'v2' });
    expectWeights(env, { ...everyWeight(100), web3: 0 });
    expect(failuresOf(traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(20);
    // web3 out the whole time, and one more at a time: exactly 2 at the peak.
    expect(env.maxOut()).toBe(2);
    // Never touched: no ipvsadm change names it, no table change concerns it, its files are as they were.
    const web3Rip = ripOf(env, 2);
    expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv) && c.argv.includes(web3Rip))).toEqual([]);
    expect(recorder.changes.filter((c) => c.server === 'web3')).toEqual([]);
    expect(await hashTree(web3Dir)).toBe(web3Before);

    const report = JSON.parse(await readFile(join(env.dir, 'report.json'), 'utf8')) as RunReport;
    expect(report.outcome).toBe('released');
    expect(report.batches.map((b) => b.servers)).toEqual([['web1'], ['web2'], ['web4'], ['web5'], ['web6']]);
    const web3 = report.servers.find((s) => s.server === 'web3');
    expect(web3?.releaseAfter).toBe('v1');
    expect(['not-started', 'skipped']).toContain(web3?.outcome);
  });

  it('--batch 1 with web3 already out: refused with exit 3 (no room), nothing changes', async () => {
    env = await startE2eLab({ servers: 6 });
    const good = await env.artifact('v2');
    setWeightOnAllDirectors(env, 2, 0);
    const dirsBefore = await hashServerDirs(env);
    const tablesBefore = saveListings(env);
    const maxOutBefore = env.maxOut();
    recorder = recordDirectors(env);
    const load = env.startLoad();
    const result = await env.release(['--artifact', good, '--release-id', 'r2', '--batch', '1']);
    const traffic = await load.stop();
    recorder.stop();

    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/already out of the pool/);
    expect(result.stderr).toMatch(/web3/);
    expect(Object.values(env.versions())).toEqual(Array(6).fill('v1'));
    expectWeights(env, { ...everyWeight(100), web3: 0 });
    expect(failuresOf(traffic)).toEqual({});
    expect(env.maxOut()).toBe(maxOutBefore);
    expect(recorder.changes).toEqual([]);
    expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
    expect(saveListings(env)).toEqual(tablesBefore);
    expect(await hashServerDirs(env)).toEqual(dirsBefore);
  });
});
