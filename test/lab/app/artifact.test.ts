import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/lab/app/app.ts';
import { buildArtifact } from '../../../src/lab/app/artifact.ts';
import { readRelease } from '../../../src/lab/app/release.ts';
import { prepareServerDir } from '../../../src/lab/host/layout.ts';
import { get, switchCurrent } from './support.ts';

const sh = promisify(execFile);

describe('lab artifacts', () => {
  let dir = '';
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds a .tar.gz with the files at the archive root, as real tar lists them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-artifact-'));
    const out = join(dir, 'out/v2.tar.gz');
    const artifact = await buildArtifact({ version: 'v2', out });
    expect(artifact.path).toBe(out);
    expect(artifact.bytes).toBeGreaterThan(0);
    const { stdout } = await sh('tar', ['-tzf', out]);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['VERSION', 'public/', 'public/index.html', 'release.json']);
  });

  it('pads the artifact with random bytes for benchmarks', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-artifact-'));
    const out = join(dir, 'big.tar.gz');
    const artifact = await buildArtifact({ version: 'v3', out, padBytes: 3 * 1024 * 1024 + 5 });
    expect(artifact.bytes).toBeGreaterThan(3 * 1024 * 1024); // random bytes do not compress
    const { stdout } = await sh('tar', ['-tvzf', out]);
    expect(stdout).toMatch(/\s3145733\s.*pad\.bin/);
  });

  it('unpacks with tar -xzf into a release the app serves after a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-artifact-'));
    await prepareServerDir(dir, { initialVersion: 'v1' });
    app = await startApp({ name: 'web7', dir });
    const out = join(dir, 'v2.tar.gz');
    await buildArtifact({ version: 'v2', out });
    const releaseDir = join(dir, 'app/releases/v2');
    await mkdir(releaseDir);
    await sh('tar', ['-xzf', out, '-C', releaseDir]);
    expect(await readRelease(releaseDir)).toEqual({ ok: true, release: { version: 'v2' } });
    await switchCurrent(dir, 'v2');
    expect((await get(app.port, '/')).body).toBe('version=v1 host=web7\n');
    expect(await app.restart()).toMatchObject({ ok: true, version: 'v2' });
    expect((await get(app.port, '/')).body).toBe('version=v2 host=web7\n');
  });

  it('marks broken artifacts in release.json', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-artifact-'));
    const out = join(dir, 'bad.tar.gz');
    await buildArtifact({ version: 'bad', broken: 'health', out });
    const unpacked = join(dir, 'x');
    await mkdir(unpacked);
    await sh('tar', ['-xzf', out, '-C', unpacked]);
    expect(await readRelease(unpacked)).toEqual({ ok: true, release: { version: 'bad', broken: 'health' } });
  });

  it('refuses a version that is unsafe in a path or shell command', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-artifact-'));
    await expect(buildArtifact({ version: '-rf', out: join(dir, 'x.tar.gz') })).rejects.toThrow(/unsafe release version/);
  });
});
