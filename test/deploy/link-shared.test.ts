// `link: shared` run by a real /bin/sh (the controller session runs scripts as `/bin/sh -c`, as a
// server's login shell does), in a temporary deploy root with hostile names everywhere: every path
// is one quoted word, nothing in a name is ever executed, and a missing shared file fails loudly.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LinkStep, Pipeline } from '../../src/config/types.ts';
import { linkSharedScript, missingSharedFilesScript } from '../../src/deploy/link-shared.ts';
import { localSession } from '../../src/deploy/local-session.ts';
import { createPhaseRunner } from '../../src/deploy/phase.ts';
import type { EventInput } from '../../src/events/types.ts';
import { poolServerOf } from '../../src/runner/preflight.ts';
import type { RunServer } from '../../src/runner/types.ts';
import { dryRunSession, type DryRunReport } from '../../src/transport/dry-run.ts';
import type { HostSession } from '../../src/transport/types.ts';
import { createFakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline } from '../runner/builders.ts';

// Names a careless builder would run or split: quotes, $(), backticks, globs, spaces, a leading dash.
const ROOT = "deploy root 'it''s' $(touch PWNED)";
const RELEASE = 'r2';
const DIRS = ['storage', 'var/log files/`touch PWNED`'];
const FILES = ['.env', "config/$(touch PWNED) it's *.php", '-rf'];

let work: string;
const signal = new AbortController().signal;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'lvs-link-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const at = (...parts: string[]) => join(work, ...parts);
const release = (id = RELEASE) => at(ROOT, 'releases', id);
const shared = (...parts: string[]) => at(ROOT, 'shared', ...parts);

/** What an artifact unpacks: a storage dir with content, a .env of its own, a log dir. */
function unpack(id = RELEASE): void {
  mkdirSync(join(release(id), 'storage', 'framework'), { recursive: true });
  writeFileSync(join(release(id), 'storage', 'framework', 'seed.txt'), `seed of ${id}`);
  writeFileSync(join(release(id), '.env'), 'APP_ENV=from-the-artifact');
  mkdirSync(join(release(id), 'config'), { recursive: true });
}

function putSharedFiles(): void {
  for (const file of FILES) {
    mkdirSync(join(shared(file), '..'), { recursive: true });
    writeFileSync(shared(file), `shared ${file}`);
  }
}

function linkStep(): LinkStep {
  return { kind: 'link', name: 'link shared files', source: 'pipeline.yaml:12', dirs: DIRS, files: FILES, timeoutMs: 10_000 };
}

function serverOn(session: HostSession): RunServer {
  const fc = createFakeCluster({ clock: fakeClock(), servers: [{ name: 'web1', address: '10.0.1.11' }], root: ROOT });
  const config = fc.cluster.realServers[0];
  if (!config) throw new Error('no server');
  return { ...poolServerOf(config), config, session, releaseBefore: 'r1' };
}

function runPrepare(session: HostSession, events: EventInput[] = [], id = RELEASE) {
  const pipeline: Pipeline = aPipeline({ phases: { prepare: [linkStep()] } });
  const fc = createFakeCluster({ clock: fakeClock(), servers: [{ name: 'web1', address: '10.0.1.11' }], root: ROOT });
  const run = createPhaseRunner({ cluster: fc.cluster, pipeline, emit: (e) => events.push(e), clock: fc.clock });
  return run('prepare', serverOn(session), { release: id, previous: 'r1' }, signal);
}

function pwned(): boolean {
  const seen: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'PWNED') seen.push(join(dir, entry.name));
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(join(dir, entry.name));
    }
  };
  walk(work);
  return seen.length > 0;
}

describe('link: shared on a real shell', () => {
  it('links every dir and file into the release, replacing what the artifact put there, with relative links', async () => {
    unpack();
    putSharedFiles();
    const result = await runPrepare(localSession({ cwd: work }));
    expect(result).toEqual({ ok: true });
    for (const path of [...DIRS, ...FILES]) {
      expect(lstatSync(join(release(), path)).isSymbolicLink(), path).toBe(true);
      expect(realpathSync(join(release(), path))).toBe(realpathSync(shared(path)));
    }
    expect(readlinkSync(join(release(), '.env'))).toBe('../../shared/.env');
    expect(readlinkSync(join(release(), DIRS[1] as string))).toBe(`../../../../shared/${DIRS[1]}`);
    expect(readFileSync(join(release(), '.env'), 'utf8')).toBe('shared .env');
    // The artifact's storage seeded shared/ once (as Deployer does); its .env did not.
    expect(readFileSync(shared('storage', 'framework', 'seed.txt'), 'utf8')).toBe('seed of r2');
    expect(pwned()).toBe(false);
  });

  it('links the same shared files into the next release: shared/ wins over the new artifact', async () => {
    unpack('r2');
    putSharedFiles();
    expect(await runPrepare(localSession({ cwd: work }), [], 'r2')).toEqual({ ok: true });
    writeFileSync(join(release('r2'), 'storage', 'uploaded.jpg'), 'a user upload');
    unpack('r3');
    expect(await runPrepare(localSession({ cwd: work }), [], 'r3')).toEqual({ ok: true });
    expect(readFileSync(join(release('r3'), 'storage', 'uploaded.jpg'), 'utf8')).toBe('a user upload');
    expect(readFileSync(join(release('r3'), 'storage', 'framework', 'seed.txt'), 'utf8')).toBe('seed of r2');
    expect(realpathSync(join(release('r3'), '.env'))).toBe(realpathSync(join(release('r2'), '.env')));
    // Linking again (a resumed prepare) changes nothing.
    expect(await runPrepare(localSession({ cwd: work }), [], 'r3')).toEqual({ ok: true });
    expect(readlinkSync(join(release('r3'), 'storage'))).toBe('../../shared/storage');
    expect(pwned()).toBe(false);
  });

  it('fails on a linked file missing from shared/, naming it and how to create it, and links nothing', async () => {
    unpack();
    putSharedFiles();
    rmSync(shared('.env'));
    const events: EventInput[] = [];
    const result = await runPrepare(localSession({ cwd: work }), events);
    expect(result).toMatchObject({ ok: false, step: 'link shared files (pipeline.yaml:12)' });
    const detail = result.ok ? '' : result.detail;
    expect(detail).toContain(`linked file missing on web1: ${ROOT}/shared/.env (linkedFiles)`);
    expect(detail).toContain(`scp .env deploy@web1.example.net:${ROOT}/shared/.env`);
    expect(detail).toContain('a release never creates an empty one');
    expect(existsSync(shared('.env'))).toBe(false);
    expect(lstatSync(join(release(), '.env')).isSymbolicLink()).toBe(false);
    expect(existsSync(shared('storage'))).toBe(false);
  });

  it('says so when the release was not unpacked first', async () => {
    putSharedFiles();
    const result = await runPrepare(localSession({ cwd: work }));
    expect(result).toMatchObject({ ok: false, detail: `${ROOT}/releases/r2 does not exist on web1: put link: shared after the step that unpacks the release` });
    expect(existsSync(release())).toBe(false);
  });

  it('never removes through a symlinked directory of the artifact', async () => {
    unpack();
    putSharedFiles();
    const outside = at('outside');
    mkdirSync(join(outside, 'log files'), { recursive: true });
    writeFileSync(join(outside, 'keep.txt'), 'must survive');
    rmSync(join(release(), 'var'), { recursive: true, force: true });
    symlinkSync(outside, join(release(), 'var'));
    const result = await runPrepare(localSession({ cwd: work }));
    expect(result).toMatchObject({ ok: false, detail: expect.stringContaining('is a symbolic link in the release') });
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('must survive');
  });

  it('in a dry run, runs the read-only check and reports the links', async () => {
    unpack();
    putSharedFiles();
    const reports: DryRunReport[] = [];
    const result = await runPrepare(dryRunSession(localSession({ cwd: work }), { report: (r) => reports.push(r) }));
    expect(result).toEqual({ ok: true });
    expect(reports.map((r) => r.kind === 'exec' && r.command.label)).toEqual(['link shared files']);
    expect(lstatSync(join(release(), '.env')).isSymbolicLink()).toBe(false);
  });
});

describe('the scripts', () => {
  it('are built by the one builder: every path a single quoted word', () => {
    const layout = { root: '/srv/app', release: 'r2', dirs: ['storage'], files: ['.env'] };
    expect(missingSharedFilesScript(layout)?.text).toBe(`for f in /srv/app/shared/.env; do test -f "$f" || printf '%s\\n' "$f"; done`);
    const script = linkSharedScript(layout).text;
    expect(script).toContain('rm -rf -- /srv/app/releases/r2/storage && ln -sfn -- ../../shared/storage /srv/app/releases/r2/storage');
    expect(script).toContain('rm -rf -- /srv/app/releases/r2/.env && ln -sfn -- ../../shared/.env /srv/app/releases/r2/.env');
    expect(missingSharedFilesScript({ ...layout, files: [] })).toBeUndefined();
  });

  it('refuse a path that could leave the release, even when the loader was bypassed', () => {
    const layout = { root: '/srv/app', release: 'r2', dirs: ['../..'], files: [] };
    expect(() => linkSharedScript(layout)).toThrow(/has an empty, "\." or "\.\." segment/);
    expect(() => linkSharedScript({ ...layout, dirs: ['a', 'a/b'] })).toThrow(/overlap/);
    expect(() => linkSharedScript({ ...layout, dirs: ['a'], release: '../x' })).toThrow(/release id/);
  });
});
