// Issue 12 item 2, done-when on the lab: a pipeline with linkedFiles (and a linked dir) and a
// `before` step (a migration that writes a marker) releases 4 servers; the marker is written
// exactly once per release, on one server, after that server's release was unpacked and linked;
// every release on every server links the same shared file; a canary promoted later does not
// migrate again; a failing migration drains nothing and fails the release (exit 1).
import { mkdir, readFile, realpath, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventsOf, expectAllOn, recordDirectors, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab;

// NOTE: no `cd`: the lab's app.root is relative (to the login directory), as {{shared}} is.
const MIGRATE =
  'env={{root}}/releases/{{release}}/.env && test -L "$env" && printf "%s %s %s\\n" {{release}} {{server.name}} "$(cat "$env")" >> {{shared}}/migrations.log';

/** The lab's pipeline with shared files, `link: shared` after the unpack, and a `before` migration. */
async function usePipeline(e: E2eLab, before: unknown): Promise<void> {
  const path = join(e.lab.dir, 'pipeline.yaml');
  const pipeline = parse(await readFile(path, 'utf8')) as { phases: Record<string, unknown[]> } & Record<string, unknown>;
  pipeline['linkedFiles'] = ['.env'];
  pipeline['linkedDirs'] = ['storage'];
  pipeline['before'] = before;
  const prepare = (pipeline.phases['prepare'] ?? []).filter((step) => !(step && typeof step === 'object' && 'link' in step));
  pipeline.phases['prepare'] = [...prepare, { name: 'link .env and storage', link: 'shared' }];
  await writeFile(path, stringify(pipeline));
}

const serverDir = (e: E2eLab, name: string) => {
  const server = e.lab.servers.find((s) => s.name === name);
  if (!server) throw new Error(`no lab server ${name}`);
  return server.dir;
};

/** Every line any server's shared/migrations.log holds, as `server: line`. */
async function migrationLines(e: E2eLab): Promise<string[]> {
  const lines: string[] = [];
  for (const s of e.lab.servers) {
    const text = await readFile(join(s.dir, 'app', 'shared', 'migrations.log'), 'utf8').catch(() => '');
    for (const line of text.split('\n').filter(Boolean)) lines.push(`${s.name}: ${line}`);
  }
  return lines;
}

beforeAll(async () => {
  env = await startE2eLab({ servers: 4 });
  // The operator puts the app's .env on each server once, before the first release.
  for (const s of env.lab.servers) {
    await mkdir(join(s.dir, 'app', 'shared'), { recursive: true });
    await writeFile(join(s.dir, 'app', 'shared', '.env'), `APP_KEY=key-of-${s.name}`);
  }
  await usePipeline(env, { on: 'first', steps: [{ name: 'migrate', run: MIGRATE }] });
});
afterAll(async () => {
  await env?.close();
});

describe('shared files and a run-once migration on the lab', () => {
  it('releases 4 servers: one migration, run on the first server with its linked .env; every release links shared/.env', async () => {
    const validate = await env.cli(['validate', '-c', env.config]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const result = await env.release(['--artifact', await env.artifact('v2'), '--release-id', 'v2', '--batch', '2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllOn(env, 'v2');
    expect(await migrationLines(env)).toEqual(['web1: v2 web1 APP_KEY=key-of-web1']);
    for (const s of env.lab.servers) {
      const release = join(s.dir, 'app', 'releases', 'v2');
      expect(await readlink(join(release, '.env'))).toBe('../../shared/.env');
      expect(await realpath(join(release, '.env'))).toBe(await realpath(join(s.dir, 'app', 'shared', '.env')));
      expect(await readFile(join(s.dir, 'app', 'current', '.env'), 'utf8')).toBe(`APP_KEY=key-of-${s.name}`);
      expect(await readlink(join(release, 'storage'))).toBe('../../shared/storage');
    }
    expect(eventsOf(env, 'once-finished')).toMatchObject([{ phase: 'before', release: 'v2', on: 'web1', ok: true }]);
    // The migration ran before anything left the pool.
    const migrated = eventsOf(env, 'once-finished')[0]?.at ?? '';
    const firstDrain = eventsOf(env, 'server-draining')[0]?.at ?? '';
    expect(migrated <= firstDrain).toBe(true);
  });

  it('the next release links the same shared files: what v2 wrote in storage, v3 sees', async () => {
    await writeFile(join(serverDir(env, 'web3'), 'app', 'current', 'storage', 'upload.txt'), 'written under v2');
    const result = await env.release(['--artifact', await env.artifact('v3'), '--release-id', 'v3', '--batch', '2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllOn(env, 'v3');
    expect(await migrationLines(env)).toEqual(['web1: v2 web1 APP_KEY=key-of-web1', 'web1: v3 web1 APP_KEY=key-of-web1']);
    for (const s of env.lab.servers) {
      const [v2, v3] = await Promise.all(['v2', 'v3'].map((id) => realpath(join(s.dir, 'app', 'releases', id, '.env'))));
      expect(v3).toBe(v2);
    }
    expect(await readFile(join(serverDir(env, 'web3'), 'app', 'current', 'storage', 'upload.txt'), 'utf8')).toBe('written under v2');
  });

  it('a canary then promote migrates once: promote finds the migration in the journal', async () => {
    const canary = await env.release(['--artifact', await env.artifact('v4'), '--release-id', 'v4', '--canary', '1', '--batch', '2']);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    const promote = await env.cli(['promote', '-c', env.config]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    await expectAllOn(env, 'v4');
    expect((await migrationLines(env)).filter((line) => line.includes(' v4 '))).toEqual(['web1: v4 web1 APP_KEY=key-of-web1']);
    expect(eventsOf(env, 'once-finished').filter((e) => e.release === 'v4')).toMatchObject([
      { ok: true, on: 'web1' },
      { ok: true, skipped: expect.stringContaining('it ran for v4 in run') },
    ]);
  });

  it('a failing migration drains nothing and fails the release with exit 1', async () => {
    await usePipeline(env, { on: 'first', steps: [{ name: 'migrate', run: 'echo "SQLSTATE: no such table" >&2; exit 3' }] });
    const directors = recordDirectors(env);
    try {
      const result = await env.release(['--artifact', await env.artifact('v5'), '--release-id', 'v5', '--batch', '2']);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout + result.stderr).toContain('before failed on web1 at migrate');
      expect(result.stdout + result.stderr).toContain('SQLSTATE: no such table');
      expect(directors.changes).toEqual([]);
    } finally {
      directors.stop();
    }
    await expectAllOn(env, 'v4');
    expect(eventsOf(env, 'run-finished').at(-1)).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
  });
});
