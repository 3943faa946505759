// Issue 8, item 6, on the lab: no hint may name a command that refuses in the same state. Each
// refusal whose hint names a `release …` command is produced for real, then every command it
// names is run in that same state and must not refuse for the same reason.
import { appendFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, expectAllOn, lockDirOf, lockHeld, plantLock, setWeightOnAllDirectors, startCheckedLab, type CliRun, type E2eLab } from './harness.ts';

const SERVERS = 4;

let e: E2eLab;
let artifact: string;

beforeAll(async () => {
  e = await startCheckedLab({ servers: SERVERS, timeScale: 0.002 });
  artifact = await e.artifact('v2');
}, 120_000);
afterAll(async () => {
  await e?.close();
});

/** The error code of a refusal (`✖ CODE …` on stderr). */
const codeOf = (run: CliRun) => /✖ (\w+)/.exec(run.stderr)?.[1];

/** The commands a hint names (`release …`), as argv without `release`, placeholders filled in. */
function hintedCommands(run: CliRun): string[][] {
  const hint = /hint: (.*)/.exec(run.stderr)?.[1] ?? '';
  const fill: Record<string, string> = { N: '1', ID: 'v1' };
  return [...hint.matchAll(/`release([^`]*)`/g)].map((m) =>
    (m[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((a) => fill[a] ?? a),
  );
}

/** Arguments this lab needs that a hint leaves to the user (the artifact of a release). */
function completed(argv: string[]): string[] {
  const isRelease = argv.length === 0 || argv[0]?.startsWith('-');
  return isRelease ? [...argv, '--artifact', artifact, '--release-id', 'v2', '--batch', '2', '-c', e.config] : [...argv, '-c', e.config];
}

/** Runs every command the refusal's hint names; none may refuse for the same reason. */
async function followHint(refused: CliRun, expected: string[][]): Promise<CliRun[]> {
  const code = codeOf(refused);
  expect(code, refused.stderr).toBeDefined();
  const commands = hintedCommands(refused);
  expect(commands, refused.stderr).toEqual(expected);
  const runs: CliRun[] = [];
  for (const argv of commands) {
    const run = await e.cli(completed(argv));
    const what = `release ${argv.join(' ')} (hinted after ${code}): ${run.stdout}${run.stderr}`;
    expect(codeOf(run), what).not.toBe(code);
    expect(run.code, what).toBe(0);
    runs.push(run);
  }
  return runs;
}

/** The pid of a process that has just exited: a holder that is certainly gone. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(done.stdout);
}

async function dropLock(): Promise<void> {
  for (const d of e.lab.directors) await rm(lockDirOf(e, d.name), { recursive: true, force: true });
}

describe('every hint that names a command, followed in the state that produced it', () => {
  it('no release in the journal: rollback names `release rollback --to ID`, which runs', async () => {
    const refused = await e.cli(['rollback', '-c', e.config]);
    expect(refused.code, refused.stderr).toBe(2);
    await followHint(refused, [['rollback', '--to', 'v1']]);
    await expectAllOn(e, 'v1');
  }, 120_000);

  it('nothing to promote (the last run finished): names `release --canary N`, which starts a canary', async () => {
    const refused = await e.cli(['promote', '-c', e.config]);
    expect(refused.code, refused.stderr).toBe(2);
    await followHint(refused, [['--canary', '1']]);
    expect(eventsOf(e, 'paused').map((p) => p.reason)).toEqual(['canary']);
    const promote = await e.cli(['promote', '-c', e.config]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    await expectAllOn(e, 'v2');
  }, 240_000);

  it('nothing to abort (the last release finished): names `release rollback`, which rolls it back', async () => {
    const refused = await e.cli(['abort', '-c', e.config]);
    expect(refused.code, refused.stderr).toBe(2);
    await followHint(refused, [['rollback']]);
    await expectAllOn(e, 'v1');
  }, 240_000);

  it('lock held by a live run on another host: names `release status`, which shows the holder', async () => {
    await plantLock(e, { user: 'oncall', host: 'bastion-2', pid: 777 }, 0);
    const refused = await e.release(['--artifact', artifact, '--release-id', 'v3', '--batch', '2']);
    expect(refused.code, refused.stderr).toBe(3);
    const [status] = await followHint(refused, [['status']]);
    expect(status?.stdout).toMatch(/oncall@bastion-2 pid 777/);
    await dropLock();
  }, 120_000);

  it('stale lock of another host (old heartbeat): release and recover name `release recover --break-lock`, which runs', async () => {
    await plantLock(e, { user: 'deploy', host: 'ci-runner-7', pid: 4242 }, 3_600_000);
    const refused = await e.release(['--artifact', artifact, '--release-id', 'v3', '--batch', '2']);
    expect(codeOf(refused), refused.stderr).toBe('LOCK_STALE');
    await followHint(refused, [['recover', '--break-lock']]);
    expect(await lockHeld(e)).toBe(false);

    await plantLock(e, { user: 'deploy', host: 'ci-runner-7', pid: 4242 }, 3_600_000);
    const recover = await e.cli(['recover', '-c', e.config]);
    expect(codeOf(recover), recover.stderr).toBe('LOCK_STALE');
    await followHint(recover, [['recover', '--break-lock']]);
    expect(await lockHeld(e)).toBe(false);
  }, 120_000);

  it('lock of a dead process on this host: names `release recover`, which takes the lock over', async () => {
    await plantLock(e, { user: 'deploy', host: hostname(), pid: deadPid() }, 0);
    const refused = await e.release(['--artifact', artifact, '--release-id', 'v3', '--batch', '2']);
    expect(codeOf(refused), refused.stderr).toBe('LOCK_STALE');
    await followHint(refused, [['recover']]);
    expect(eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_TAKEN_OVER')).toHaveLength(2);
    expect(await lockHeld(e)).toBe(false);
  }, 120_000);

  it('the last run did not finish: promote names `release recover`, which runs', async () => {
    // A run that started and never finished (its process died before changing anything).
    const journal = join(e.lab.dir, 'journal', 'lab.journal.ndjson');
    mkdirSync(dirname(journal), { recursive: true });
    appendFileSync(
      journal,
      `${JSON.stringify({ type: 'run-started', at: new Date().toISOString(), runId: 'v3-dead0000', cluster: 'lab', release: 'v3', command: 'release', trigger: 'ci', dryRun: false, user: 'deploy', host: hostname(), pid: deadPid() })}\n`,
    );
    const refused = await e.cli(['promote', '-c', e.config]);
    expect(refused.code, refused.stderr).toBe(2);
    await followHint(refused, [['recover']]);
    await expectAllOn(e, 'v1');
  }, 120_000);

  it('servers out of the pool by hand leave no room: names `release status`, which shows them', async () => {
    setWeightOnAllDirectors(e, 0, 0);
    setWeightOnAllDirectors(e, 1, 0);
    try {
      const refused = await e.release(['--artifact', artifact, '--release-id', 'v3', '--batch', '2']);
      expect(codeOf(refused), refused.stderr).toBe('PREFLIGHT_FAILED');
      const [status] = await followHint(refused, [['status']]);
      expect(status?.stdout).toMatch(/OUT web1/);
    } finally {
      setWeightOnAllDirectors(e, 0, 100);
      setWeightOnAllDirectors(e, 1, 100);
    }
  }, 120_000);
});
