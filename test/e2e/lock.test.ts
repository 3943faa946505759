// SPEC invariant 5 on the lab, under load through the VIP: one run per cluster. Two releases
// started at once: one runs, the other is refused (exit 3) naming the holder. A stale lock is
// reported and broken only with --break-lock (recorded). rollback, recover and abort take the
// same lock.
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from './child.ts';
import { eventsOf, failuresOf, lockDirOf, lockHeld, plantLock, saveListings, startCheckedLab, type E2eLab, type LoadHandle, expectAllOn } from './harness.ts';

let env: E2eLab | undefined;
let load: LoadHandle | undefined;
afterEach(async () => {
  await load?.stop();
  load = undefined;
  await env?.close();
  env = undefined;
});

const SERVERS = 4;

async function expectCleanTraffic(e: E2eLab, batch: number): Promise<void> {
  const traffic = await (load as LoadHandle).stop();
  load = undefined;
  expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
  expect(traffic.ok).toBeGreaterThan(0);
  expect(e.maxOut()).toBeLessThanOrEqual(batch);
}

/** The pid of a process that has just exited: a holder that is certainly gone. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(done.stdout);
}

describe('the cluster lock on the lab', () => {
  it('two releases started at once: exactly one runs (exit 0), the other exits 3 naming the holder user@host pid', async () => {
    env = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
    const e = env;
    const artifact = await e.artifact('v2');
    load = e.startLoad();
    const args = (id: string) => ['-c', e.config, '--artifact', artifact, '--release-id', id, '--batch', '2'];
    const a = startCli(args('v2'), { cwd: e.dir });
    const b = startCli(args('v2'), { cwd: e.dir });
    const [ra, rb] = await Promise.all([a.wait(), b.wait()]);

    const codes = [ra.code, rb.code].sort();
    expect(codes, `A: ${ra.stdout}${ra.stderr}\nB: ${rb.stdout}${rb.stderr}`).toEqual([0, 3]);
    const [winner, loser] = ra.code === 0 ? [a, rb] : [b, ra];
    expect(loser.stderr).toMatch(/LOCK_HELD/);
    expect(loser.stderr).toContain(`pid ${winner.pid}`);
    expect(loser.stderr).toMatch(new RegExp(`\\S+@${hostname()} pid ${winner.pid}`));
    // The loser refused before anything: it wrote no run to the journal.
    expect(eventsOf(e, 'run-started').map((r) => r.pid)).toEqual([winner.pid]);
    await expectAllOn(e, 'v2');
    expect(await lockHeld(e)).toBe(false);
    await expectCleanTraffic(e, 2);
  }, 240_000);

  it('a stale lock (heartbeat an hour old) refuses with exit 3 naming stale and --break-lock; --break-lock runs and records LOCK_BROKEN', async () => {
    env = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
    const e = env;
    const artifact = await e.artifact('v2');
    await plantLock(e, { user: 'deploy', host: 'ci-runner-7', pid: 4242 }, 3_600_000);
    load = e.startLoad();
    const tables = saveListings(e);

    const refused = await e.release(['--artifact', artifact, '--release-id', 'v2', '--batch', '2']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/LOCK_STALE/);
    expect(refused.stderr).toMatch(/stale/);
    expect(refused.stderr).toMatch(/deploy@ci-runner-7 pid 4242/);
    expect(refused.stderr).toContain('--break-lock');
    expect(saveListings(e)).toEqual(tables);
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(true);

    const broken = await e.release(['--artifact', artifact, '--release-id', 'v2', '--batch', '2', '--break-lock']);
    expect(broken.code, broken.stdout + broken.stderr).toBe(0);
    await expectAllOn(e, 'v2');
    const warnings = eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_BROKEN');
    expect(warnings.map((w) => w.director).sort()).toEqual(['lvs1', 'lvs2']);
    for (const w of warnings) expect(w.message).toMatch(/deploy@ci-runner-7 pid 4242/);
    expect(broken.stdout).toMatch(/LOCK_BROKEN/);
    expect(await lockHeld(e)).toBe(false);
    await expectCleanTraffic(e, 2);
  }, 240_000);

  it('a lock whose holder ran on this host and is dead is stale at once, even with a fresh heartbeat', async () => {
    env = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
    const e = env;
    const gone = deadPid();
    await plantLock(e, { user: 'deploy', host: hostname(), pid: gone }, 0);
    const refused = await e.cli(['rollback', '-c', e.config, '--to', 'v1']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/LOCK_STALE/);
    expect(refused.stderr).toContain(`pid ${gone}`);
    expect(refused.stderr).toContain('--break-lock');
    const broken = await e.cli(['rollback', '-c', e.config, '--to', 'v1', '--break-lock']);
    expect(broken.code, broken.stdout + broken.stderr).toBe(0);
    expect(eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_BROKEN')).toHaveLength(2);
    expect(await lockHeld(e)).toBe(false);
  }, 120_000);

  it("recover takes over, without --break-lock, a lock whose holder died on this host (recorded); another host's stale lock still needs --break-lock", async () => {
    env = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
    const e = env;
    const gone = deadPid();
    await plantLock(e, { user: 'deploy', host: hostname(), pid: gone }, 0);
    const recover = await e.cli(['recover', '-c', e.config]);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    const taken = eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_TAKEN_OVER');
    expect(taken.map((w) => w.director).sort()).toEqual(['lvs1', 'lvs2']);
    for (const w of taken) expect(w.message).toContain(`pid ${gone}`);
    expect(await lockHeld(e)).toBe(false);

    await plantLock(e, { user: 'deploy', host: 'ci-runner-7', pid: 4242 }, 3_600_000);
    const refused = await e.cli(['recover', '-c', e.config]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/LOCK_STALE/);
    expect(refused.stderr).toContain('`release recover --break-lock`');
    expect(await lockHeld(e)).toBe(true);
    const broken = await e.cli(['recover', '-c', e.config, '--break-lock']);
    expect(broken.code, broken.stdout + broken.stderr).toBe(0);
    expect(eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_BROKEN')).toHaveLength(2);
    await expectAllOn(e, 'v1');
  }, 120_000);

  it('rollback, recover, abort and promote take the same lock: a held lock refuses each with exit 3 naming its holder, and changes nothing', async () => {
    env = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
    const e = env;
    const artifact = await e.artifact('v2');
    load = e.startLoad();
    const canary = await e.release(['--artifact', artifact, '--release-id', 'v2', '--canary', '1', '--batch', '2']);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    expect(eventsOf(e, 'paused').map((p) => p.reason)).toEqual(['canary']);
    const versions = e.versions();
    expect(Object.values(versions).filter((v) => v === 'v2')).toHaveLength(1);

    // Another operator's run, alive (fresh heartbeat, another host).
    await plantLock(e, { user: 'oncall', host: 'bastion-2', pid: 777 }, 0);
    const tables = saveListings(e);
    for (const args of [['abort'], ['rollback', '--to', 'v1'], ['recover'], ['promote']]) {
      const refused = await e.cli([...args, '-c', e.config]);
      const what = `release ${args.join(' ')}`;
      expect(refused.code, `${what}: ${refused.stdout}${refused.stderr}`).toBe(3);
      expect(refused.stderr, what).toMatch(/LOCK_HELD/);
      expect(refused.stderr, what).toMatch(/oncall@bastion-2 pid 777/);
    }
    expect(saveListings(e)).toEqual(tables);
    expect(e.versions()).toEqual(versions);
    expect(await lockHeld(e)).toBe(true);

    // The holder finishes (its lock goes away): abort now runs and rolls the canary back.
    for (const d of e.lab.directors) await rm(lockDirOf(e, d.name), { recursive: true, force: true });
    const abort = await e.cli(['abort', '-c', e.config]);
    expect(abort.code, abort.stdout + abort.stderr).toBe(0);
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(false);
    await expectCleanTraffic(e, 2);
  }, 240_000);
});
