// Issue 8, items 5 and 6, on the lab: a release killed with kill -9 while web1 and web2 are
// quiesced (weight 0 on both directors). Runs that come after it (refused for the stale lock,
// refused for the servers it left out) must not make `release recover` forget them; recover
// right after the crash takes the dead holder's lock over by itself; another machine (no local
// journal) recovers from the copy kept on the directors.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './child.ts';
import {
  eventsOf,
  expectAllOn,
  failuresOf,
  isMutatingIpvsadm,
  lockDirOf,
  lockHeld,
  recordDirectors,
  saveListings,
  startCheckedLab,
  waitUntil,
  type CliRun,
  type E2eLab,
} from './harness.ts';

const SERVERS = 4;
// NOTE: a long settle keeps the drain wait open even with no connection left, so the kill lands
// while web1 and web2 are at weight 0 on both directors, before the delete.
const DRAIN = { settle: '60s', timeout: '120s', poll: '250ms' };

const quiesced = (e: E2eLab) => Object.values(e.weights()).every((w) => w.web1 === 0 && w.web2 === 0);

/** The essentials copy on one director, or undefined before the first write. */
function copyOn(e: E2eLab, director: string): { state: { servers: { server: string; drained: unknown }[] } } | undefined {
  const path = join(e.lab.dir, director, '.lvs-release', 'lab.journal.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { state: { servers: { server: string; drained: unknown }[] } }) : undefined;
}

const copyNamesDrained = (e: E2eLab) =>
  e.lab.directors.every((d) => {
    const drained =
      copyOn(e, d.name)
        ?.state.servers.filter((s) => s.drained)
        .map((s) => s.server) ?? [];
    return drained.includes('web1') && drained.includes('web2');
  });

/** `release --batch 2` as a child process, killed with kill -9 once web1 and web2 are quiesced on both directors. */
async function killDuringDrainWait(e: E2eLab, id: string): Promise<{ pid: number; artifact: string }> {
  const artifact = await e.artifact(id);
  const child = startCli(['-c', e.config, '--artifact', artifact, '--release-id', id, '--batch', '2'], { cwd: e.dir });
  try {
    await waitUntil('web1 and web2 at weight 0 on both directors', () => quiesced(e), 120_000);
    await waitUntil('the copy on every director to name web1 and web2 drained', () => copyNamesDrained(e), 60_000);
  } finally {
    child.kill('SIGKILL');
  }
  const killed = await child.wait();
  expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
  expect(quiesced(e)).toBe(true);
  expect(await lockHeld(e)).toBe(true);
  return { pid: child.pid, artifact };
}

/** The commands a refusal's hint names (`release …`), as argv without the leading `release`. */
function hintedCommands(run: CliRun): string[][] {
  const hint = /hint: (.*)/.exec(run.stderr)?.[1] ?? '';
  return [...hint.matchAll(/`release([^`]*)`/g)].map((m) => (m[1] ?? '').trim().split(/\s+/).filter(Boolean));
}

/** A second recover finds nothing to do and changes nothing. */
async function expectRecoverIdle(e: E2eLab): Promise<void> {
  const tables = saveListings(e);
  const recorder = recordDirectors(e);
  const again = await e.cli(['recover', '-c', e.config]);
  recorder.stop();
  expect(again.code, again.stdout + again.stderr).toBe(0);
  expect(again.stdout).toMatch(/recovered 0 server\(s\); 4 needed nothing/);
  expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
  expect(saveListings(e)).toEqual(tables);
}

describe('kill -9 while web1 and web2 are quiesced (--batch 2 on 4 servers)', () => {
  let e: E2eLab;
  beforeAll(async () => {
    e = await startCheckedLab({ servers: SERVERS, timeScale: 0.002, drain: DRAIN });
  }, 120_000);
  afterAll(async () => {
    await e?.close();
  });

  it('then a refused release (stale lock) and a refused release --break-lock: recover --break-lock still puts web1 and web2 back', async () => {
    const load = e.startLoad();
    const { artifact } = await killDuringDrainWait(e, 'v2');
    const args = ['--artifact', artifact, '--release-id', 'v3', '--batch', '2'];

    const stale = await e.release(args);
    expect(stale.code, stale.stdout + stale.stderr).toBe(3);
    expect(stale.stderr).toMatch(/LOCK_STALE/);

    const refused = await e.release([...args, '--break-lock']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_BROKEN')).toHaveLength(2);
    // Named as what they are: left drained by the crashed run, which recover repairs.
    expect(refused.stderr).toMatch(/web1, web2/);
    expect(refused.stderr).toMatch(/did not finish/);
    expect(refused.stderr).toContain('`release recover`');
    expect(refused.stderr).not.toMatch(/already out of the pool|Put the servers back/);
    // The refusal changed nothing: no run of release v3 was recorded.
    expect(eventsOf(e, 'run-started').map((r) => r.release)).toEqual(['v2']);
    expect(quiesced(e)).toBe(true);

    const recover = await e.cli(['recover', '-c', e.config, '--break-lock']);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/recovered 2 server\(s\); 2 needed nothing/);
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(false);
    await expectRecoverIdle(e);

    const traffic = await load.stop();
    expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
    expect(e.maxOut()).toBeLessThanOrEqual(2);
  }, 300_000);

  it('the hint of the refusal for servers left drained names a command that repairs them', async () => {
    const { artifact } = await killDuringDrainWait(e, 'v4');
    const refused = await e.release(['--artifact', artifact, '--release-id', 'v5', '--batch', '2', '--break-lock']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/web1, web2/);
    const commands = hintedCommands(refused);
    expect(commands).toEqual([['recover']]);
    for (const argv of commands) {
      const run = await e.cli([...argv, '-c', e.config]);
      expect(run.code, `release ${argv.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0);
    }
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(false);
  }, 300_000);

  it("plain `release recover` right after the kill takes the dead holder's lock over (recorded) and repairs", async () => {
    const { pid } = await killDuringDrainWait(e, 'v6');
    const recover = await e.cli(['recover', '-c', e.config]);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    expect(recover.stderr).not.toMatch(/LOCK_STALE/);
    const takeovers = eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_TAKEN_OVER');
    expect(takeovers.map((w) => w.director).sort()).toEqual(['lvs1', 'lvs2']);
    for (const w of takeovers) expect(w.message).toContain(`pid ${pid}`);
    expect(recover.stdout).toMatch(/LOCK_TAKEN_OVER/);
    expect(recover.stdout).toMatch(/recovered 2 server\(s\)/);
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(false);
    await expectRecoverIdle(e);
  }, 300_000);

  it('another machine (no local journal) is refused naming the drained servers, and recovers them from the copy on the directors', async () => {
    const { artifact } = await killDuringDrainWait(e, 'v7');
    await rm(join(e.lab.dir, 'journal'), { recursive: true, force: true });

    const refused = await e.release(['--artifact', artifact, '--release-id', 'v8', '--batch', '2', '--break-lock']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/web1, web2/);
    expect(refused.stderr).toContain('`release recover`');
    expect(quiesced(e)).toBe(true);

    const recover = await e.cli(['recover', '-c', e.config]);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/recovered 2 server\(s\); 2 needed nothing/);
    await expectAllOn(e, 'v1');
    for (const d of e.lab.directors) expect(existsSync(lockDirOf(e, d.name))).toBe(false);
    // What recover adopted from the copy is in this machine's journal now; the copy says nobody is owed.
    expect(copyNamesDrained(e)).toBe(false);
    await expectRecoverIdle(e);
  }, 300_000);
});
