// `release history` and `--limit` on the lab (issue 12 items 3 and 11): a release of every
// server, then one of web1 alone, then web1 rolled back to what history lists; history shows the
// releases on each server, which is current where, and the runs; with this machine's journal
// gone it reads the copy on the directors.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryDocument } from '../../src/api/history.ts';
import { currentReleases, eventsOf, everOut, startE2eLab, type E2eLab } from './harness.ts';

let e: E2eLab;
beforeAll(async () => {
  e = await startE2eLab({ servers: 3, timeScale: 0.01 });
});
afterAll(async () => {
  await e?.close();
});

async function historyJson(): Promise<HistoryDocument> {
  const result = await e.cli(['history', '-c', e.config, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as HistoryDocument;
}

describe('history and --limit on the lab', () => {
  it('releases r2 everywhere, then r3 on web1 only (--limit): the others are never drained', async () => {
    const v2 = await e.artifact('v2');
    const all = await e.release(['--artifact', v2, '--release-id', 'r2', '--batch', '2']);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const v3 = await e.artifact('v3');
    const before = everOut(e);
    const one = await e.release(['--artifact', v3, '--release-id', 'r3', '--limit', 'web1']);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(await currentReleases(e)).toEqual({ web1: 'r3', web2: 'r2', web3: 'r2' });
    expect(e.versions()).toEqual({ web1: 'v3', web2: 'v2', web3: 'v2' });
    expect(everOut(e)).toEqual(before);
    const plan = eventsOf(e, 'plan').at(-1)?.plan;
    expect(plan).toMatchObject({ limit: ['web1'], outsideLimit: ['web2', 'web3'], total: 1, batches: [{ servers: ['web1'] }] });
    for (const w of Object.values(e.weights())) expect(Object.values(w)).toEqual([100, 100, 100]);
  });

  it('history: the releases on each server, newest first, which is current where, and the runs', async () => {
    const doc = await historyJson();
    expect(doc.journal.from).toBe('local');
    expect(doc.servers).toEqual([
      { name: 'web1', current: 'r3', releases: ['r3', 'r2', 'v1'], error: null },
      { name: 'web2', current: 'r2', releases: ['r2', 'v1'], error: null },
      { name: 'web3', current: 'r2', releases: ['r2', 'v1'], error: null },
    ]);
    expect(doc.releases).toEqual([
      { id: 'r3', servers: ['web1'], current: ['web1'], bad: false },
      { id: 'r2', servers: ['web1', 'web2', 'web3'], current: ['web2', 'web3'], bad: false },
      { id: 'v1', servers: ['web1', 'web2', 'web3'], current: [], bad: false },
    ]);
    expect(doc.runs.map((r) => [r.command, r.release, r.outcome, r.exitCode, r.source])).toEqual([
      ['release', 'r3', 'released', 0, 'local'],
      ['release', 'r2', 'released', 0, 'local'],
    ]);
    for (const run of doc.runs) {
      expect(run.user).toEqual(expect.any(String));
      expect(run.host).toEqual(expect.any(String));
      expect(Date.parse(run.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    }
    const human = await e.cli(['history', '-c', e.config]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ {2}web1 +\*r3 {2}r2 {2}v1$/m);
    expect(human.stdout).toMatch(/^ {2}r2 {2}current on web2, web3; on every server$/m);
    expect(human.stdout).toMatch(/release {2}r3 {2}released \(exit 0\)/);
  });

  it('rollback --to a release history lists, --limit web1: web1 goes back, the others stay', async () => {
    const result = await e.release(['rollback', '--to', 'r2', '--limit', 'web1']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await currentReleases(e)).toEqual({ web1: 'r2', web2: 'r2', web3: 'r2' });
    const doc = await historyJson();
    expect(doc.runs[0]).toMatchObject({ command: 'rollback', release: 'rollback-to-r2', outcome: 'rolled-back', exitCode: 0 });
    expect(doc.servers.map((s) => s.current)).toEqual(['r2', 'r2', 'r2']);
  });

  it("without this machine's journal, history reads the copy on the directors", async () => {
    const journal = join(e.lab.dir, 'journal', 'lab.journal.ndjson');
    await rename(journal, `${journal}.away`);
    try {
      const doc = await historyJson();
      expect(doc.journal.from).toMatch(/^lvs[12]$/);
      expect(doc.runs).toHaveLength(1);
      expect(doc.runs[0]).toMatchObject({ command: 'rollback', source: doc.journal.from });
      const human = await e.cli(['history', '-c', e.config]);
      expect(human.stdout).toMatch(/runs, newest first \(the journal's copy on lvs[12]/);
    } finally {
      await rename(`${journal}.away`, journal);
    }
  });
});
